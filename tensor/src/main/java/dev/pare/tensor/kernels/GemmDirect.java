package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import jdk.incubator.vector.FloatVector;

/**
 * The direct path of {@link Gemm}: no packing, no blocking, for products too small to repay them
 * and for matrix-vector products, where each element of A or B is used only once or a few times
 * and packing would copy more than it saves.
 *
 * <p>Each row of C is built in "i-p-j" order, as a sum of rows of op(B) scaled by the elements of
 * a row of op(A), so the inner loop streams along a row of B and a row of C with vector loads.
 * When B is transposed, each element of C is instead a dot product of two runs of memory.
 * This was the whole of Pare's GEMM before the packed kernel; docs/matmul.md measures both.
 */
final class GemmDirect {
    private GemmDirect() {}

    /** Per-thread scratch for {@link ReduceKernels#dotRows4}'s lane sums. */
    private static final ThreadLocal<float[]> LANE_SUMS =
            ThreadLocal.withInitial(() -> new float[ReduceKernels.DOT_ROWS4_SCRATCH]);

    /** Computes rows [i0, i1) and columns [j0, j1) of C (+)= op(A)·op(B); see {@link GemmScalar}. */
    static void block(boolean transA, boolean transB, int i0, int i1, int j0, int j1, int k,
                      float[] a, int ao, int lda, float[] b, int bo, int ldb,
                      float[] c, int co, int ldc, boolean accumulate) {
        if (transA && j1 - j0 == 1 && ldc == 1) {
            // Aᵀ·x with a contiguous result: a row of op(A) is a column of the stored A, so a
            // dot product per row would stride through memory. Sum scaled rows of the stored A
            // instead: c[i0..i1) (+)= Σp x[p] · a[ao + p·lda + i0 ..), contiguous throughout.
            int xStart = transB ? bo + j0 * ldb : bo + j0;
            int xStep = transB ? 1 : ldb;
            rowAxpy(b, xStart, xStep, k, a, ao + i0, lda, c, co + i0, i1 - i0, accumulate);
            return;
        }
        for (int i = i0; i < i1; i++) {
            int aStart = transA ? ao + i : ao + i * lda;
            int aStep = transA ? lda : 1;
            int ci = co + i * ldc;
            if (transB && aStep == 1 && !accumulate) {
                // C[i][j] = Σp A[i][p]·Bᵀ[p][j] = dot(row i of op(A), row j of the stored B):
                // four rows of B at a time share each load of A's row (batch-1 inference).
                float[] scratch = LANE_SUMS.get();
                int j = j0;
                for (; j + 4 <= j1; j += 4) {
                    ReduceKernels.dotRows4(a, aStart, b, bo + j * ldb, ldb, k, c, ci + j, scratch);
                }
                for (; j < j1; j++) {
                    c[ci + j] = ReduceKernels.dot(a, aStart, 1, b, bo + j * ldb, 1, k);
                }
            } else if (transB) {
                // C[i][j] = Σp A[i][p]·Bᵀ[p][j] = dot(row i of op(A), row j of the stored B).
                for (int j = j0; j < j1; j++) {
                    float dot = ReduceKernels.dot(a, aStart, aStep, b, bo + j * ldb, 1, k);
                    c[ci + j] = accumulate ? c[ci + j] + dot : dot;
                }
            } else if (j1 - j0 == 1) {
                // One column: a dot product down a column of B (contiguous when ldb is 1).
                float dot = ReduceKernels.dot(a, aStart, aStep, b, bo + j0, ldb, k);
                c[ci + j0] = accumulate ? c[ci + j0] + dot : dot;
            } else {
                rowAxpy(a, aStart, aStep, k, b, bo + j0, ldb, c, ci + j0, j1 - j0, accumulate);
            }
        }
    }

    /** c[ci .. ci+n) (+)= Σp a[aStart + p·aStep] · b[bStart + p·ldb .. + n). */
    private static void rowAxpy(float[] a, int aStart, int aStep, int k, float[] b, int bStart, int ldb,
                                float[] c, int ci, int n, boolean accumulate) {
        if (!accumulate) {
            java.util.Arrays.fill(c, ci, ci + n, 0f);
        }
        int bound = FLOAT.loopBound(n);
        for (int p = 0; p < k; p++) {
            float aip = a[aStart + p * aStep];
            int bRow = bStart + p * ldb;
            FloatVector va = FloatVector.broadcast(FLOAT, aip);
            int j = 0;
            for (; j < bound; j += FLOAT.length()) {
                FloatVector vc = FloatVector.fromArray(FLOAT, c, ci + j);
                va.fma(FloatVector.fromArray(FLOAT, b, bRow + j), vc).intoArray(c, ci + j);
            }
            for (; j < n; j++) {
                c[ci + j] = Math.fma(aip, b[bRow + j], c[ci + j]);
            }
        }
    }
}
