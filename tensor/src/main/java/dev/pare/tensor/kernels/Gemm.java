package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import dev.pare.tensor.parallel.Parallel;
import jdk.incubator.vector.FloatVector;

/**
 * Single-precision general matrix multiply, C (+)= op(A)·op(B), on the Vector API.
 *
 * <p>The layout conventions are those of {@link GemmScalar}, its scalar twin and test oracle.
 *
 * <p>This version is the straightforward one: each row of C is built as a sum of rows of B scaled
 * by the elements of a row of A ("i-p-j" order), so the innermost loop streams along a row of B
 * and a row of C with vector loads. When B is transposed, each element of C is a dot product of
 * two contiguous runs. Rows of C are split over the threads of {@link Parallel}; every element is
 * computed by one thread in a fixed order, so the result does not depend on the thread count.
 */
public final class Gemm {
    private Gemm() {}

    /** Rows of C per task: enough work to amortise a task, few enough to balance two cores. */
    private static final int ROWS_PER_TASK = 16;

    /**
     * C = op(A)·op(B) (or C += op(A)·op(B) when {@code accumulate}), with op(A) M×K and op(B) K×N.
     * See {@link GemmScalar} for the meaning of the offsets, leading dimensions and flags.
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int ao, int lda, float[] b, int bo, int ldb,
                            float[] c, int co, int ldc, boolean accumulate) {
        if (m == 0 || n == 0) {
            return;
        }
        long work = (long) m * n * k;
        int grain = work < (1 << 18) ? m : ROWS_PER_TASK;
        Parallel.forRange(m, grain, (lo, hi) -> {
            for (int i = lo; i < hi; i++) {
                row(transA, transB, i, n, k, a, ao, lda, b, bo, ldb, c, co + i * ldc, accumulate);
            }
        });
    }

    private static void row(boolean transA, boolean transB, int i, int n, int k,
                            float[] a, int ao, int lda, float[] b, int bo, int ldb,
                            float[] c, int ci, boolean accumulate) {
        int aStart = transA ? ao + i : ao + i * lda;
        int aStep = transA ? lda : 1;
        if (transB) {
            // C[i][j] = Σp A[i][p]·Bᵀ[p][j] = dot(row i of op(A), row j of the stored B).
            for (int j = 0; j < n; j++) {
                float dot = ReduceKernels.dot(a, aStart, aStep, b, bo + j * ldb, 1, k);
                c[ci + j] = accumulate ? c[ci + j] + dot : dot;
            }
            return;
        }
        if (!accumulate) {
            java.util.Arrays.fill(c, ci, ci + n, 0f);
        }
        int bound = FLOAT.loopBound(n);
        for (int p = 0; p < k; p++) {
            float aip = a[aStart + p * aStep];
            int bRow = bo + p * ldb;
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
