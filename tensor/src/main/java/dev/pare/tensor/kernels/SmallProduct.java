package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import jdk.incubator.vector.FloatVector;

/**
 * C = A·B for one small product, read in place from any strides: attention's per-head products
 * ({@code [T, d]·[d, S]} and {@code [T, S]·[S, d]}, with T, S and d a few dozen at most), of which
 * a batch holds B·H.
 *
 * <pre>
 *   C[i, j] = Σ_p A[i, p] · B[p, j]        A [m, k], B [k, n], C [m, n] row-major
 *   A[i, p] = a[ao + i·ars + p·acs]        B[p, j] = b[bo + p·brs + j·bcs]
 *   C[i, j] = c[co + i·ldc + j]
 * </pre>
 *
 * <p>Why not {@link Gemm}: Gemm packs both operands into panels before it multiplies, which pays
 * for itself when each packed value is used many times. In a [17, 16]·[16, 17] product each value
 * is used 17 times, and the packing (of strided head views, transposed ones among them) is a large
 * part of the work. Here nothing is packed: each row of C is a few vectors held in registers,
 * accumulated over p from one broadcast A[i, p] and one row of B. Only when B's rows are not
 * contiguous (Kᵀ as a view of K, say) is B first copied, row-major, into a scratch array of k·n
 * floats, which fits in L1.
 *
 * <p>Rounding: each C[i, j] is one fused multiply-add per p, in the order p = 0, 1, … k−1,
 * starting from 0, in the vector lanes and the scalar columns alike; {@link #multiplyScalar} does
 * exactly that with {@link Math#fma}, so the two agree bit for bit, whatever the vector width.
 */
public final class SmallProduct {
    private SmallProduct() {}

    /**
     * Products at most this many multiply-adds (m·n·k) go to {@link #multiply} in a batch: B's
     * k·n floats and one C row stay in L1, and the packing Gemm would do costs as much as the
     * product itself.
     */
    public static final long MAX_WORK = 1L << 15;

    /** Rows of C accumulated together, sharing each loaded row of B. */
    private static final int ROWS = 4;

    /** Per-thread copy of a B whose rows are not contiguous. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[1][64]);

    /** The scalar twin of {@link #multiply}: the definition. */
    public static void multiplyScalar(int m, int n, int k, float[] a, int ao, int ars, int acs,
                                      float[] b, int bo, int brs, int bcs, float[] c, int co, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float acc = 0f;
                for (int p = 0; p < k; p++) {
                    acc = Math.fma(a[ao + i * ars + p * acs], b[bo + p * brs + j * bcs], acc);
                }
                c[co + i * ldc + j] = acc;
            }
        }
    }

    /**
     * C = A·B (overwriting C) with the layout of the class comment; when {@code bcs != 1}, B is
     * first copied to a per-thread scratch array.
     */
    public static void multiply(int m, int n, int k, float[] a, int ao, int ars, int acs,
                                float[] b, int bo, int brs, int bcs, float[] c, int co, int ldc) {
        if (bcs != 1 && n > 1) {
            float[] rows = scratch(k * n);
            for (int p = 0; p < k; p++) {
                for (int j = 0; j < n; j++) {
                    rows[p * n + j] = b[bo + p * brs + j * bcs];
                }
            }
            b = rows;
            bo = 0;
            brs = n;
        }
        int bound = FLOAT.loopBound(n);
        int i = 0;
        for (; i + ROWS <= m; i += ROWS) {
            fourRows(bound, k, a, ao + i * ars, ars, acs, b, bo, brs, c, co + i * ldc, ldc);
        }
        for (; i < m; i++) {
            oneRow(bound, k, a, ao + i * ars, acs, b, bo, brs, c, co + i * ldc);
        }
        if (bound < n) {
            // The last n mod L columns, one scalar dot product each, in the same order of p.
            multiplyScalar(m, n - bound, k, a, ao, ars, acs, b, bo + bound, brs, 1, c, co + bound, ldc);
        }
    }

    private static float[] scratch(int size) {
        float[][] holder = SCRATCH.get();
        if (holder[0].length < size) {
            holder[0] = new float[Math.max(size, 2 * holder[0].length)];
        }
        return holder[0];
    }

    // Trap: the two loops below call nothing but the Vector API. A helper of Pare's left out of
    // line by C2 gets its vectors as heap objects (see GeluKernels), and a small product is all
    // inner loop.

    /** C rows i..i+3, columns [0, bound): A rows at a[ai], a[ai + ars], … */
    private static void fourRows(int bound, int k, float[] a, int ai, int ars, int acs,
                                 float[] b, int bo, int brs, float[] c, int ci, int ldc) {
        for (int j = 0; j < bound; j += FLOAT.length()) {
            FloatVector c0 = FloatVector.zero(FLOAT);
            FloatVector c1 = FloatVector.zero(FLOAT);
            FloatVector c2 = FloatVector.zero(FLOAT);
            FloatVector c3 = FloatVector.zero(FLOAT);
            for (int p = 0; p < k; p++) {
                FloatVector bv = FloatVector.fromArray(FLOAT, b, bo + p * brs + j);
                int ap = ai + p * acs;
                c0 = bv.fma(FloatVector.broadcast(FLOAT, a[ap]), c0);
                c1 = bv.fma(FloatVector.broadcast(FLOAT, a[ap + ars]), c1);
                c2 = bv.fma(FloatVector.broadcast(FLOAT, a[ap + 2 * ars]), c2);
                c3 = bv.fma(FloatVector.broadcast(FLOAT, a[ap + 3 * ars]), c3);
            }
            c0.intoArray(c, ci + j);
            c1.intoArray(c, ci + ldc + j);
            c2.intoArray(c, ci + 2 * ldc + j);
            c3.intoArray(c, ci + 3 * ldc + j);
        }
    }

    /** One C row at c[ci], columns [0, bound), from the A row at a[ai]. */
    private static void oneRow(int bound, int k, float[] a, int ai, int acs, float[] b, int bo, int brs,
                               float[] c, int ci) {
        for (int j = 0; j < bound; j += FLOAT.length()) {
            FloatVector acc = FloatVector.zero(FLOAT);
            for (int p = 0; p < k; p++) {
                acc = FloatVector.fromArray(FLOAT, b, bo + p * brs + j).fma(FloatVector.broadcast(FLOAT, a[ai + p * acs]), acc);
            }
            acc.intoArray(c, ci + j);
        }
    }
}
