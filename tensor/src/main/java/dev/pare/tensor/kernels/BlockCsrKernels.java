package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import dev.pare.tensor.parallel.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Products with a {@link BlockCsrMatrix} W [rows, cols] of 1×B blocks (B = 8 or 16), each beside
 * its scalar twin:
 * <ul>
 *   <li>{@link #timesVector}: y = W·x, batch 1;</li>
 *   <li>{@link #timesBatchMinor}: Yᵀ = W·Xᵀ with the batch contiguous (see {@link CsrKernels});</li>
 *   <li>{@link #transposedTimesVector}: dx = Wᵀ·g, the input gradient at batch 1.</li>
 * </ul>
 *
 * <p><b>Why blocks are fast at batch 1.</b> A block's B weights are contiguous in the packed
 * values, and the B activations they multiply are contiguous in x. So a block is one vector load
 * of weights, one vector load of x, and one fused multiply-add, with one index per B weights.
 * Unstructured CSR spends an index and an unpredictable scalar load on every weight instead.
 *
 * <p>Rounding: {@link #timesVector} sums a row in vector lanes and then adds the lanes in a fixed
 * order (a tree, see {@code sumTree16}), so it differs from its twin in the last bits; the
 * other kernels use the twin's order and {@link Math#fma}, and give its bits exactly.
 */
public final class BlockCsrKernels {
    private BlockCsrKernels() {}

    /**
     * The species for 1×8 blocks: at most 8 lanes, so that a vector never reaches past the block.
     * With AVX-512 that is a 256-bit vector; with narrower hardware (or {@code -Dpare.vector.bits})
     * the block takes two or more vectors.
     */
    private static final VectorSpecies<Float> B8 = FLOAT.length() > 8 ? FloatVector.SPECIES_256 : FLOAT;

    /** The species for 1×16 blocks: at most 16 lanes, which every species Pare uses already is. */
    private static final VectorSpecies<Float> B16 = FLOAT.length() > 16 ? FloatVector.SPECIES_512 : FLOAT;

    // Rotations by 8, 4, 2 and 1 lanes, for the fixed-order tree sum of a row's accumulator
    // (see sumTree16). A rotation by h ≥ the lane count is never used.
    private static final VectorShuffle<Float> B16_ROT8 = VectorShuffle.iota(B16, 8, 1, true);
    private static final VectorShuffle<Float> B16_ROT4 = VectorShuffle.iota(B16, 4, 1, true);
    private static final VectorShuffle<Float> B16_ROT2 = VectorShuffle.iota(B16, 2, 1, true);
    private static final VectorShuffle<Float> B16_ROT1 = VectorShuffle.iota(B16, 1, 1, true);
    private static final VectorShuffle<Float> B8_ROT4 = VectorShuffle.iota(B8, 4, 1, true);
    private static final VectorShuffle<Float> B8_ROT2 = VectorShuffle.iota(B8, 2, 1, true);
    private static final VectorShuffle<Float> B8_ROT1 = VectorShuffle.iota(B8, 1, 1, true);

    /** See CsrKernels: below this many multiply-adds the batch-minor product stays on one thread. */
    private static final long PARALLEL_WORK = 1L << 18;

    // ---------------------------------------------------------------------------------------
    // y = W·x, batch 1
    // ---------------------------------------------------------------------------------------

    /**
     * Scalar twin of {@link #timesVector}: y[yo + r] = Σ over the row's blocks, in order, of
     * Σ_j values[b·B + j]·x[xo + start[b] + j] for the columns inside the matrix, one multiply then
     * one add each (the dense product's rounding).
     */
    public static void timesVectorScalar(BlockCsrMatrix w, float[] x, int xo, float[] y, int yo) {
        CsrKernels.checkRun("BlockCsrKernels.timesVector", "x", x, xo, w.cols());
        CsrKernels.checkRun("BlockCsrKernels.timesVector", "y", y, yo, w.rows());
        int bw = w.blockWidth();
        int[] ptr = w.blockPtr();
        int[] start = w.blockStart();
        float[] v = w.values();
        for (int r = 0; r < w.rows(); r++) {
            float acc = 0f;
            for (int b = ptr[r]; b < ptr[r + 1]; b++) {
                int width = Math.min(bw, w.cols() - start[b]);
                for (int j = 0; j < width; j++) {
                    acc += v[b * bw + j] * x[xo + start[b] + j];
                }
            }
            y[yo + r] = acc;
        }
    }

    /**
     * y[yo + r] = Σ over the row's blocks of (block weights)·(x at the block's columns): W·x for W
     * [rows, cols], x [cols], y [rows]. Two accumulators alternate between blocks, so that one
     * block's fused multiply-add need not wait for the previous one's (4 cycles of latency).
     */
    public static void timesVector(BlockCsrMatrix w, float[] x, int xo, float[] y, int yo) {
        CsrKernels.checkRun("BlockCsrKernels.timesVector", "x", x, xo, w.cols());
        CsrKernels.checkRun("BlockCsrKernels.timesVector", "y", y, yo, w.rows());
        // One copy per width, so that B and the species are constants in each loop.
        if (w.blockWidth() == 16) {
            timesVector16(w.rows(), w.cols(), w.blockPtr(), w.blockStart(), w.values(), x, xo, y, yo);
        } else {
            timesVector8(w.rows(), w.cols(), w.blockPtr(), w.blockStart(), w.values(), x, xo, y, yo);
        }
    }

    private static void timesVector16(int rows, int cols, int[] ptr, int[] start, float[] v,
                                      float[] x, int xo, float[] y, int yo) {
        final int bw = 16;
        int lanes = B16.length();
        for (int r = 0; r < rows; r++) {
            int b = ptr[r];
            int end = ptr[r + 1];
            // Only a row's last block can be partial (cols not a multiple of 16); it is added in
            // scalar code so that no vector load reads past the end of x's run.
            int full = end > b && start[end - 1] > cols - bw ? end - 1 : end;
            FloatVector a0 = FloatVector.zero(B16);
            FloatVector a1 = FloatVector.zero(B16);
            for (; b < full - 1; b += 2) {
                int v0 = b * bw;
                int x0 = xo + start[b];
                int x1 = xo + start[b + 1];
                for (int j = 0; j < bw; j += lanes) {
                    a0 = FloatVector.fromArray(B16, v, v0 + j).fma(FloatVector.fromArray(B16, x, x0 + j), a0);
                    a1 = FloatVector.fromArray(B16, v, v0 + bw + j).fma(FloatVector.fromArray(B16, x, x1 + j), a1);
                }
            }
            for (; b < full; b++) {
                int x0 = xo + start[b];
                for (int j = 0; j < bw; j += lanes) {
                    a0 = FloatVector.fromArray(B16, v, b * bw + j).fma(FloatVector.fromArray(B16, x, x0 + j), a0);
                }
            }
            float acc = sumTree16(a0.add(a1));
            for (; b < end; b++) {
                acc += partialBlock(v, b * bw, x, xo + start[b], cols - start[b]);
            }
            y[yo + r] = acc;
        }
    }

    /**
     * The sum of the lanes of v as a fixed tree: add v rotated by half its lanes, then by a
     * quarter, and so on; lane 0 then holds the total. Why not {@link ReduceKernels#sumLanes}:
     * with a handful of blocks per row, its one-lane-at-a-time loop (15 dependent adds) cost more
     * than the row's multiply-adds. Why not {@code reduceLanes(ADD)}: its order is unspecified and
     * changes between the interpreter and C2. Every step here is a lanewise add, so the bits are
     * the same however the code runs.
     */
    private static float sumTree16(FloatVector v) {
        int lanes = B16.length();
        if (lanes > 8) {
            v = v.add(v.rearrange(B16_ROT8));
        }
        if (lanes > 4) {
            v = v.add(v.rearrange(B16_ROT4));
        }
        if (lanes > 2) {
            v = v.add(v.rearrange(B16_ROT2));
        }
        if (lanes > 1) {
            v = v.add(v.rearrange(B16_ROT1));
        }
        return v.lane(0);
    }

    /** {@link #sumTree16} for the 1×8 species. */
    private static float sumTree8(FloatVector v) {
        int lanes = B8.length();
        if (lanes > 4) {
            v = v.add(v.rearrange(B8_ROT4));
        }
        if (lanes > 2) {
            v = v.add(v.rearrange(B8_ROT2));
        }
        if (lanes > 1) {
            v = v.add(v.rearrange(B8_ROT1));
        }
        return v.lane(0);
    }

    private static void timesVector8(int rows, int cols, int[] ptr, int[] start, float[] v,
                                     float[] x, int xo, float[] y, int yo) {
        final int bw = 8;
        int lanes = B8.length();
        for (int r = 0; r < rows; r++) {
            int b = ptr[r];
            int end = ptr[r + 1];
            int full = end > b && start[end - 1] > cols - bw ? end - 1 : end;
            FloatVector a0 = FloatVector.zero(B8);
            FloatVector a1 = FloatVector.zero(B8);
            for (; b < full - 1; b += 2) {
                int v0 = b * bw;
                int x0 = xo + start[b];
                int x1 = xo + start[b + 1];
                for (int j = 0; j < bw; j += lanes) {
                    a0 = FloatVector.fromArray(B8, v, v0 + j).fma(FloatVector.fromArray(B8, x, x0 + j), a0);
                    a1 = FloatVector.fromArray(B8, v, v0 + bw + j).fma(FloatVector.fromArray(B8, x, x1 + j), a1);
                }
            }
            for (; b < full; b++) {
                int x0 = xo + start[b];
                for (int j = 0; j < bw; j += lanes) {
                    a0 = FloatVector.fromArray(B8, v, b * bw + j).fma(FloatVector.fromArray(B8, x, x0 + j), a0);
                }
            }
            float acc = sumTree8(a0.add(a1));
            for (; b < end; b++) {
                acc += partialBlock(v, b * bw, x, xo + start[b], cols - start[b]);
            }
            y[yo + r] = acc;
        }
    }

    private static float partialBlock(float[] v, int vo, float[] x, int xo, int width) {
        float acc = 0f;
        for (int j = 0; j < width; j++) {
            acc += v[vo + j] * x[xo + j];
        }
        return acc;
    }

    // ---------------------------------------------------------------------------------------
    // Yᵀ = W·Xᵀ, batch-minor
    // ---------------------------------------------------------------------------------------

    /**
     * Scalar twin of {@link #timesBatchMinor}: out[oo + r·batch + b] = Σ over the row's blocks and
     * their in-matrix columns c, in order, of w·xT[xo + c·batch + b], with {@link Math#fma}, from 0.
     */
    public static void timesBatchMinorScalar(BlockCsrMatrix w, float[] xT, int xo, int batch, float[] out, int oo) {
        CsrKernels.checkBatchMinor("BlockCsrKernels.timesBatchMinor", w.rows(), w.cols(), xT, xo, batch, out, oo);
        int bw = w.blockWidth();
        int[] ptr = w.blockPtr();
        int[] start = w.blockStart();
        float[] v = w.values();
        for (int r = 0; r < w.rows(); r++) {
            for (int i = 0; i < batch; i++) {
                float acc = 0f;
                for (int b = ptr[r]; b < ptr[r + 1]; b++) {
                    int width = Math.min(bw, w.cols() - start[b]);
                    for (int j = 0; j < width; j++) {
                        acc = Math.fma(v[b * bw + j], xT[xo + (start[b] + j) * batch + i], acc);
                    }
                }
                out[oo + r * batch + i] = acc;
            }
        }
    }

    /**
     * Yᵀ = W·Xᵀ with the batch contiguous: W [rows, cols], Xᵀ [cols, batch], Yᵀ [rows, batch]
     * written at {@code out[oo..]}. Like {@link CsrKernels#timesBatchMinor}, but the B columns of
     * a block need one index between them. Bits equal the twin's for any thread count.
     *
     * <p>Each row runs alone here, so its four accumulators are four chains of dependent fused
     * multiply-adds. Pairing rows as {@link CsrKernels#timesBatchMinor} does was tried and showed
     * no clear gain on the (loaded) benchmark machine, so this simpler loop stayed; measure again
     * on a quiet one.
     */
    public static void timesBatchMinor(BlockCsrMatrix w, float[] xT, int xo, int batch, float[] out, int oo) {
        CsrKernels.checkBatchMinor("BlockCsrKernels.timesBatchMinor", w.rows(), w.cols(), xT, xo, batch, out, oo);
        long work = (long) w.blocks() * w.blockWidth() * batch;
        if (Parallel.threads() == 1 || work < PARALLEL_WORK) {
            timesBatchMinorRows(w, xT, xo, batch, out, oo, 0, w.rows());
            return;
        }
        int grain = (int) Math.max(1, (long) w.rows() * PARALLEL_WORK / work);
        Parallel.forRange(w.rows(), grain, (lo, hi) -> timesBatchMinorRows(w, xT, xo, batch, out, oo, lo, hi));
    }

    // A row's packed values are one contiguous run, entries e = b·B + j in the twin's order, so
    // the row is walked as one flat loop over e, like a CSR row: the column of entry e is
    // start[e / B] + e % B. A first version with nested loops (blocks, then j up to a variable
    // width) ran an order of magnitude slower or worse, erratically from one JMH iteration to
    // the next; what C2 made of that loop nest was never pinned down, but the flat loop is as fast
    // as CSR's. Only a partial last
    // block (cols not a multiple of B) is walked separately, so that no column past the matrix
    // is read.
    private static void timesBatchMinorRows(BlockCsrMatrix w, float[] xT, int xo, int batch,
                                            float[] out, int oo, int r0, int r1) {
        int lanes = FLOAT.length();
        int bw = w.blockWidth();
        int shift = Integer.numberOfTrailingZeros(bw);
        int mask = bw - 1;
        int cols = w.cols();
        int[] ptr = w.blockPtr();
        int[] start = w.blockStart();
        float[] v = w.values();
        for (int r = r0; r < r1; r++) {
            int bEnd = ptr[r + 1];
            boolean partial = bEnd > ptr[r] && start[bEnd - 1] > cols - bw;
            int e0 = ptr[r] * bw;
            int e1 = (partial ? bEnd - 1 : bEnd) * bw;
            int pWidth = partial ? cols - start[bEnd - 1] : 0;
            int pCol = partial ? start[bEnd - 1] : 0;
            int o = oo + r * batch;
            int i = 0;
            for (; i <= batch - 4 * lanes; i += 4 * lanes) {
                FloatVector a0 = FloatVector.zero(FLOAT);
                FloatVector a1 = FloatVector.zero(FLOAT);
                FloatVector a2 = FloatVector.zero(FLOAT);
                FloatVector a3 = FloatVector.zero(FLOAT);
                for (int e = e0; e < e1; e++) {
                    FloatVector we = FloatVector.broadcast(FLOAT, v[e]);
                    int x = xo + (start[e >>> shift] + (e & mask)) * batch + i;
                    a0 = FloatVector.fromArray(FLOAT, xT, x).fma(we, a0);
                    a1 = FloatVector.fromArray(FLOAT, xT, x + lanes).fma(we, a1);
                    a2 = FloatVector.fromArray(FLOAT, xT, x + 2 * lanes).fma(we, a2);
                    a3 = FloatVector.fromArray(FLOAT, xT, x + 3 * lanes).fma(we, a3);
                }
                for (int j = 0; j < pWidth; j++) {
                    FloatVector we = FloatVector.broadcast(FLOAT, v[e1 + j]);
                    int x = xo + (pCol + j) * batch + i;
                    a0 = FloatVector.fromArray(FLOAT, xT, x).fma(we, a0);
                    a1 = FloatVector.fromArray(FLOAT, xT, x + lanes).fma(we, a1);
                    a2 = FloatVector.fromArray(FLOAT, xT, x + 2 * lanes).fma(we, a2);
                    a3 = FloatVector.fromArray(FLOAT, xT, x + 3 * lanes).fma(we, a3);
                }
                a0.intoArray(out, o + i);
                a1.intoArray(out, o + i + lanes);
                a2.intoArray(out, o + i + 2 * lanes);
                a3.intoArray(out, o + i + 3 * lanes);
            }
            for (; i <= batch - lanes; i += lanes) {
                FloatVector a0 = FloatVector.zero(FLOAT);
                for (int e = e0; e < e1; e++) {
                    FloatVector we = FloatVector.broadcast(FLOAT, v[e]);
                    int x = xo + (start[e >>> shift] + (e & mask)) * batch + i;
                    a0 = FloatVector.fromArray(FLOAT, xT, x).fma(we, a0);
                }
                for (int j = 0; j < pWidth; j++) {
                    FloatVector we = FloatVector.broadcast(FLOAT, v[e1 + j]);
                    a0 = FloatVector.fromArray(FLOAT, xT, xo + (pCol + j) * batch + i).fma(we, a0);
                }
                a0.intoArray(out, o + i);
            }
            for (; i < batch; i++) {
                float acc = 0f;
                for (int e = e0; e < e1; e++) {
                    acc = Math.fma(v[e], xT[xo + (start[e >>> shift] + (e & mask)) * batch + i], acc);
                }
                for (int j = 0; j < pWidth; j++) {
                    acc = Math.fma(v[e1 + j], xT[xo + (pCol + j) * batch + i], acc);
                }
                out[o + i] = acc;
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Y = X·Wᵀ + b, batch-major (a layer's forward pass on a batch)
    // ---------------------------------------------------------------------------------------

    /**
     * Scalar twin of {@link #timesRowMajor}: y[yo + n·rows + r] = Σ over the row's blocks and their
     * in-matrix columns c, in order, of w·x[xo + n·cols + c], with {@link Math#fma} from 0, then
     * + bias[bo + r] (one float addition) when {@code bias} is not null.
     */
    public static void timesRowMajorScalar(BlockCsrMatrix w, float[] x, int xo, int batch, float[] bias, int bo,
                                           float[] y, int yo) {
        CsrKernels.checkRowMajor("BlockCsrKernels.timesRowMajor", w.rows(), w.cols(), x, xo, batch, bias, bo, y, yo);
        int bw = w.blockWidth();
        int[] ptr = w.blockPtr();
        int[] start = w.blockStart();
        float[] v = w.values();
        for (int n = 0; n < batch; n++) {
            int xn = xo + n * w.cols();
            for (int r = 0; r < w.rows(); r++) {
                float acc = 0f;
                for (int b = ptr[r]; b < ptr[r + 1]; b++) {
                    int width = Math.min(bw, w.cols() - start[b]);
                    for (int j = 0; j < width; j++) {
                        acc = Math.fma(v[b * bw + j], x[xn + start[b] + j], acc);
                    }
                }
                y[yo + n * w.rows() + r] = bias == null ? acc : acc + bias[bo + r];
            }
        }
    }

    /**
     * Y = X·Wᵀ (+ b) with X [batch, cols] and Y [batch, rows] in the usual layout, bias [rows] or
     * null: {@link #timesBatchMinor}'s loops on chunks of the batch, transposed in and out through
     * per-thread buffers ({@link RowMajorBatch}, as {@link CsrKernels#timesRowMajor}). Bits equal
     * the twin's, for any thread count.
     */
    public static void timesRowMajor(BlockCsrMatrix w, float[] x, int xo, int batch, float[] bias, int bo,
                                     float[] y, int yo) {
        CsrKernels.checkRowMajor("BlockCsrKernels.timesRowMajor", w.rows(), w.cols(), x, xo, batch, bias, bo, y, yo);
        RowMajorBatch.times(ROWS, w, w.rows(), w.cols(), (long) w.blocks() * w.blockWidth(), x, xo, batch,
                bias, bo, y, yo);
    }

    /** The batch-minor loops as a {@link RowMajorBatch.Rows}; a constant, so passing it allocates nothing. */
    private static final RowMajorBatch.Rows<BlockCsrMatrix> ROWS =
            (w, xT, batch, out, oo, r0, r1) -> timesBatchMinorRows(w, xT, 0, batch, out, oo, r0, r1);

    // ---------------------------------------------------------------------------------------
    // Backward at batch 1: dx = Wᵀ·g
    // ---------------------------------------------------------------------------------------

    /**
     * Scalar twin of {@link #transposedTimesVector}: dx[dxo + c] = Σ_r w·g[go + r] over the kept
     * blocks' in-matrix entries (r, c), scattered in increasing r with {@link Math#fma}, from 0.
     */
    public static void transposedTimesVectorScalar(BlockCsrMatrix w, float[] g, int go, float[] dx, int dxo) {
        CsrKernels.checkRun("BlockCsrKernels.transposedTimesVector", "g", g, go, w.rows());
        CsrKernels.checkRun("BlockCsrKernels.transposedTimesVector", "dx", dx, dxo, w.cols());
        java.util.Arrays.fill(dx, dxo, dxo + w.cols(), 0f);
        int bw = w.blockWidth();
        int[] ptr = w.blockPtr();
        int[] start = w.blockStart();
        float[] v = w.values();
        for (int r = 0; r < w.rows(); r++) {
            float gr = g[go + r];
            for (int b = ptr[r]; b < ptr[r + 1]; b++) {
                int width = Math.min(bw, w.cols() - start[b]);
                for (int j = 0; j < width; j++) {
                    int d = dxo + start[b] + j;
                    dx[d] = Math.fma(v[b * bw + j], gr, dx[d]);
                }
            }
        }
    }

    /**
     * dx = Wᵀ·g for g [rows], dx [cols] written (not accumulated): each kept block adds
     * g[r]·(block weights) to the B contiguous entries of dx at its columns, a vector
     * load-fma-store with no scatter. Bits equal the twin's.
     */
    public static void transposedTimesVector(BlockCsrMatrix w, float[] g, int go, float[] dx, int dxo) {
        CsrKernels.checkRun("BlockCsrKernels.transposedTimesVector", "g", g, go, w.rows());
        CsrKernels.checkRun("BlockCsrKernels.transposedTimesVector", "dx", dx, dxo, w.cols());
        java.util.Arrays.fill(dx, dxo, dxo + w.cols(), 0f);
        if (w.blockWidth() == 16) {
            transposedTimesVector16(w.rows(), w.cols(), w.blockPtr(), w.blockStart(), w.values(), g, go, dx, dxo);
        } else {
            transposedTimesVector8(w.rows(), w.cols(), w.blockPtr(), w.blockStart(), w.values(), g, go, dx, dxo);
        }
    }

    private static void transposedTimesVector16(int rows, int cols, int[] ptr, int[] start, float[] v,
                                                float[] g, int go, float[] dx, int dxo) {
        final int bw = 16;
        int lanes = B16.length();
        for (int r = 0; r < rows; r++) {
            float gr = g[go + r];
            FloatVector vg = FloatVector.broadcast(B16, gr);
            for (int b = ptr[r]; b < ptr[r + 1]; b++) {
                int d = dxo + start[b];
                if (start[b] <= cols - bw) {
                    for (int j = 0; j < bw; j += lanes) {
                        FloatVector acc = FloatVector.fromArray(B16, dx, d + j);
                        FloatVector.fromArray(B16, v, b * bw + j).fma(vg, acc).intoArray(dx, d + j);
                    }
                } else {
                    partialScatter(v, b * bw, gr, dx, d, cols - start[b]);
                }
            }
        }
    }

    private static void transposedTimesVector8(int rows, int cols, int[] ptr, int[] start, float[] v,
                                               float[] g, int go, float[] dx, int dxo) {
        final int bw = 8;
        int lanes = B8.length();
        for (int r = 0; r < rows; r++) {
            float gr = g[go + r];
            FloatVector vg = FloatVector.broadcast(B8, gr);
            for (int b = ptr[r]; b < ptr[r + 1]; b++) {
                int d = dxo + start[b];
                if (start[b] <= cols - bw) {
                    for (int j = 0; j < bw; j += lanes) {
                        FloatVector acc = FloatVector.fromArray(B8, dx, d + j);
                        FloatVector.fromArray(B8, v, b * bw + j).fma(vg, acc).intoArray(dx, d + j);
                    }
                } else {
                    partialScatter(v, b * bw, gr, dx, d, cols - start[b]);
                }
            }
        }
    }

    private static void partialScatter(float[] v, int vo, float gr, float[] dx, int d, int width) {
        for (int j = 0; j < width; j++) {
            dx[d + j] = Math.fma(v[vo + j], gr, dx[d + j]);
        }
    }
}
