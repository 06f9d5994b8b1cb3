package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import dev.pare.tensor.parallel.Parallel;
import jdk.incubator.vector.FloatVector;

/**
 * Y = X·Wᵀ (+ b) for a sparse W [rows, cols] with the activations in the usual batch-major layout,
 * X [batch, cols] and Y [batch, rows], built on a batch-minor kernel (Yᵀ = W·Xᵀ) that wants the
 * batch contiguous. Used by {@link CsrKernels#timesRowMajor} and
 * {@link BlockCsrKernels#timesRowMajor}.
 *
 * <pre>
 *   for each chunk of up to 64 samples:
 *     X chunk [nb, cols]  --transpose-->  Xᵀ [cols, nb]              (per-thread scratch)
 *     for each tile of 16 output rows (split across threads):
 *       batch-minor kernel: Yᵀ tile [16, nb]                          (per-thread scratch, in L1)
 *       Y[chunk, tile rows] = (Yᵀ tile)ᵀ + b[tile rows]                (written once, bias added there)
 * </pre>
 *
 * <p>Why this shape: a layer that transposes X into a fresh Xᵀ, runs the kernel into a fresh Yᵀ
 * and transposes into a fresh Y allocates three arrays and moves Yᵀ through memory twice. Here
 * the only new array is Y: Xᵀ is a reused buffer of 64·cols floats, and each output tile is
 * transposed while it is still in L1, with the bias added on the way. Chunks of 64 samples
 * bound the buffer and keep one chunk's Xᵀ rows in L2.
 *
 * <p>Rounding: every Y element is the batch-minor kernel's sum (the twin's order, bit for bit)
 * plus b, one float addition, whatever the thread count.
 */
final class RowMajorBatch {
    /** Samples per chunk: four 16-float vectors, the batch-minor kernels' register block on AVX-512. */
    static final int CHUNK = 64;

    /** Output rows per tile: a multiple of every vector length (2 to 16 floats). */
    static final int TILE_ROWS = 16;

    /** Below this many multiply-adds per chunk the tiles run on the calling thread (see CsrKernels). */
    private static final long PARALLEL_WORK = 1L << 18;

    private RowMajorBatch() {}

    /** The batch-minor kernel on rows [r0, r1): out[oo + r·batch + b] = (W·Xᵀ)[r, b]. */
    @FunctionalInterface
    interface Rows<M> {
        void run(M w, float[] xT, int batch, float[] out, int oo, int r0, int r1);
    }

    /**
     * y[yo + n·rows + r] = (X·Wᵀ)[n, r] (+ bias[bo + r]) for X [batch, cols] at {@code x[xo..]}.
     * Arguments are checked by the caller; {@code stored} is the number of stored weights.
     */
    static <M> void times(Rows<M> kernel, M w, int rows, int cols, long stored, float[] x, int xo, int batch,
                          float[] bias, int bo, float[] y, int yo) {
        if (batch == 0 || rows == 0) {
            return;
        }
        float[] xT = SparseScratch.get().activations(cols * Math.min(batch, CHUNK));
        int tiles = (rows + TILE_ROWS - 1) / TILE_ROWS;
        for (int n0 = 0; n0 < batch; n0 += CHUNK) {
            int nb = Math.min(CHUNK, batch - n0);
            int xc = xo + n0 * cols;
            int yc = yo + n0 * rows;
            long work = stored * nb;
            // Decided before any lambda is created, so the single-threaded path allocates nothing.
            if (Parallel.threads() == 1 || work < PARALLEL_WORK) {
                SparseLayout.transposeStrided(x, xc, cols, nb, cols, xT, 0, nb);
                tiles(kernel, w, rows, xT, nb, bias, bo, y, yc, 0, tiles);
            } else {
                // The transpose too is split, by strips of samples: on one thread it is a fifth of
                // the time of a 256×784 layer at 90%, and every tile needs all of it.
                int lanes = FLOAT.length();
                Parallel.forRange((nb + lanes - 1) / lanes, 1, (s0, s1) -> {
                    int a = s0 * lanes;
                    int b = Math.min(nb, s1 * lanes);
                    SparseLayout.transposeStrided(x, xc + a * cols, cols, b - a, cols, xT, a, nb);
                });
                int grain = (int) Math.max(1, (long) tiles * PARALLEL_WORK / work);
                Parallel.forRange(tiles, grain, (t0, t1) -> tiles(kernel, w, rows, xT, nb, bias, bo, y, yc, t0, t1));
            }
        }
    }

    /** Output tiles [t0, t1) of one chunk of nb samples whose Yᵀ rows go to y[yc + n·rows + r]. */
    private static <M> void tiles(Rows<M> kernel, M w, int rows, float[] xT, int nb,
                                  float[] bias, int bo, float[] y, int yc, int t0, int t1) {
        // This thread's tile: Parallel's workers each have their own.
        float[] tile = SparseScratch.get().tile(TILE_ROWS * CHUNK);
        for (int t = t0; t < t1; t++) {
            int r0 = t * TILE_ROWS;
            int r1 = Math.min(rows, r0 + TILE_ROWS);
            // Row r of the tile lands at tile[(r - r0)·nb]: the kernel's offset is −r0·nb.
            kernel.run(w, xT, nb, tile, -r0 * nb, r0, r1);
            storeTransposed(tile, r1 - r0, nb, bias, bo + r0, y, yc + r0, rows);
        }
    }

    /**
     * y[yo + n·stride + i] = tile[i·nb + n] (+ bias[bo + i]) for i &lt; rb, n &lt; nb: one gather of a
     * tile column (lanes rows, stride nb) per sample, the bias added as a vector, one contiguous
     * store into the sample's output row.
     */
    private static void storeTransposed(float[] tile, int rb, int nb, float[] bias, int bo,
                                        float[] y, int yo, int stride) {
        int lanes = FLOAT.length();
        int i = 0;
        if (rb >= lanes) {
            int[] map = SparseScratch.get().strideMap(nb);
            for (; i <= rb - lanes; i += lanes) {
                int s = i * nb;
                int d = yo + i;
                if (bias == null) {
                    for (int n = 0; n < nb; n++) {
                        FloatVector.fromArray(FLOAT, tile, s + n, map, 0).intoArray(y, d + n * stride);
                    }
                } else {
                    FloatVector b = FloatVector.fromArray(FLOAT, bias, bo + i);
                    for (int n = 0; n < nb; n++) {
                        FloatVector.fromArray(FLOAT, tile, s + n, map, 0).add(b).intoArray(y, d + n * stride);
                    }
                }
            }
        }
        for (; i < rb; i++) {
            for (int n = 0; n < nb; n++) {
                float v = tile[i * nb + n];
                y[yo + n * stride + i] = bias == null ? v : v + bias[bo + i];
            }
        }
    }
}
