package dev.pare.tensor.kernels;

import dev.pare.tensor.Rng;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/**
 * Random pruned matrices and the dense oracle for the sparse kernel tests: shapes that are not
 * multiples of a vector or block width, sparsities from none to all (so rows go empty), and
 * inputs placed at an offset inside a longer array.
 */
final class SparseFixtures {
    /** Shape sizes: empty, one, around 8 and 16 (vector and block widths), and long odd runs. */
    static final Integer[] DIMS = {0, 1, 7, 9, 13, 15, 17, 31, 33, 63, 65, 127};

    /** Batch sizes: around one, two and four vectors of 4, 8 or 16 lanes, never only multiples. */
    static final Integer[] BATCHES = {0, 1, 7, 9, 13, 16, 17, 33, 64, 65, 127};

    static final Double[] SPARSITIES = {0.0, 0.5, 0.9, 0.99, 1.0};

    private SparseFixtures() {}

    static Arbitrary<Integer> dims() {
        return Arbitraries.of(DIMS);
    }

    static Arbitrary<Integer> batches() {
        return Arbitraries.of(BATCHES);
    }

    static Arbitrary<Double> sparsities() {
        return Arbitraries.of(SPARSITIES);
    }

    /** A dense row-major [rows, cols] matrix in [-1, 1) with each entry zero with probability {@code sparsity}. */
    static float[] pruned(Rng rng, int rows, int cols, double sparsity) {
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            float v = rng.nextFloat() * 2 - 1;
            w[i] = rng.nextDouble() < sparsity ? 0f : v;
        }
        return w;
    }

    /**
     * A dense [rows, cols] matrix pruned by aligned 1×B blocks, each block zero with probability
     * {@code sparsity}; about one entry in eight of a kept block is zero too, as real weights can be.
     */
    static float[] blockPruned(Rng rng, int rows, int cols, int bw, double sparsity) {
        float[] w = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int s = 0; s < cols; s += bw) {
                if (rng.nextDouble() < sparsity) {
                    continue;
                }
                for (int c = s; c < Math.min(cols, s + bw); c++) {
                    w[r * cols + c] = rng.nextInt(8) == 0 ? 0f : rng.nextFloat() * 2 - 1;
                }
            }
        }
        return w;
    }

    /** n values in [-1, 1) from offset {@code off} of an array with three more after them. */
    static float[] values(Rng rng, int off, int n) {
        float[] a = new float[off + n + 3];
        for (int i = 0; i < a.length; i++) {
            a[i] = rng.nextFloat() * 2 - 1;
        }
        return a;
    }

    static float[] abs(float[] a) {
        float[] b = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            b[i] = Math.abs(a[i]);
        }
        return b;
    }

    /** The same matrix with 4-byte column indices, to run the wide copies of the kernels on small shapes. */
    static CsrMatrix widened(CsrMatrix w) {
        int[] cols = new int[w.nonZeros()];
        for (int k = 0; k < cols.length; k++) {
            cols[k] = w.column(k);
        }
        return new CsrMatrix(w.rows(), w.cols(), w.rowPtr(), cols, w.values());
    }

    /**
     * Tolerance for a sum of n products whose magnitudes add up to {@code absSum}: any order of
     * the additions is within n·2⁻²⁴·absSum of the exact sum, so two orders are within twice
     * that; the +2 covers fused against unfused multiplies.
     */
    static double tolerance(int n, double absSum) {
        return 2.0 * (n + 2) * 0x1p-24 * absSum + Float.MIN_NORMAL;
    }

    /** Y = X·Wᵀ by the dense scalar GEMM, X [batch, cols] at xo, W [rows, cols]: the masked-dense oracle. */
    static float[] denseForward(float[] w, int rows, int cols, float[] x, int xo, int batch) {
        float[] y = new float[batch * rows];
        GemmScalar.gemm(false, true, batch, rows, cols, x, xo, cols, w, 0, cols, y, 0, rows, false);
        return y;
    }

    /** dX = G·W by the dense scalar GEMM, G [batch, rows] at go, W [rows, cols]. */
    static float[] denseBackward(float[] w, int rows, int cols, float[] g, int go, int batch) {
        float[] dx = new float[batch * cols];
        GemmScalar.gemm(false, false, batch, cols, rows, g, go, rows, w, 0, cols, dx, 0, cols, false);
        return dx;
    }

    static String shape(int rows, int cols, double sparsity) {
        return "[" + rows + ", " + cols + "] at sparsity " + sparsity + " (species " + VectorConfig.describe() + ")";
    }
}
