package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import dev.pare.tensor.parallel.Parallel;
import jdk.incubator.vector.FloatVector;

/**
 * Products with a {@link CsrMatrix} W [rows, cols], each beside its scalar twin:
 * <ul>
 *   <li>{@link #timesVector}: y = W·x, batch 1 (a layer's y = x·Wᵀ for one sample);</li>
 *   <li>{@link #timesBatchMinor}: Yᵀ = W·Xᵀ for a batch held <em>batch-minor</em>, Xᵀ [cols, batch]
 *       and Yᵀ [rows, batch], each row a contiguous run of {@code batch} floats;</li>
 *   <li>{@link #transposedTimesVectorScalar} and {@link #transposedTimesBatchMinor}: Wᵀ·g, the
 *       input gradient of the backward pass;</li>
 *   <li>{@link #weightGradBatchMinor}: dL/dW at the stored entries only.</li>
 * </ul>
 *
 * <p><b>Batch 1 is bounded by memory, not arithmetic.</b> Each stored entry costs a 4-byte value,
 * a 2-byte index, and a load of x at that index that the CPU cannot predict; vector gathers do
 * that load no faster than scalar code on the machines we measured. Against a dense dot product,
 * which streams 4 bytes per weight with one fused multiply-add per lane, CSR at batch 1 only pays
 * off when the dense weights would come from DRAM. See docs/sparse-kernels.md for the figures.
 *
 * <p><b>Batch-minor fixes that for batches.</b> With the batch contiguous, one stored entry w at
 * (r, c) updates the whole batch at once: Yᵀ[r, :] += w·Xᵀ[c, :], a broadcast and one vector
 * fused multiply-add per {@code FLOAT.length()} samples, from a contiguous row of Xᵀ. The index
 * and value are loaded once per batch, not once per sample, and there is no gather.
 *
 * <p>Rounding: {@link #timesVector} sums each row in four interleaved partial sums, so it differs
 * from its twin in the last bits (tests use a tolerance growing with the row length). The batch-
 * minor kernels sum each output element in the twin's order with the same fused multiply-add
 * (the twins use {@link Math#fma}), so they give exactly the twin's bits, for any thread count.
 */
public final class CsrKernels {
    private CsrKernels() {}

    /**
     * Below this many multiply-adds (stored entries × batch) the batch-minor product runs on the
     * calling thread: a fork-join task costs some microseconds, the work then costs about as much.
     */
    private static final long PARALLEL_WORK = 1L << 18;

    // ---------------------------------------------------------------------------------------
    // y = W·x, batch 1
    // ---------------------------------------------------------------------------------------

    /**
     * Scalar twin of {@link #timesVector}: y[yo + r] = Σ_k values[k]·x[xo + col[k]] over the row's
     * entries in increasing k, one multiply then one add each (the dense product's rounding, since
     * the skipped terms are zeros).
     */
    public static void timesVectorScalar(CsrMatrix w, float[] x, int xo, float[] y, int yo) {
        checkRun("CsrKernels.timesVector", "x", x, xo, w.cols());
        checkRun("CsrKernels.timesVector", "y", y, yo, w.rows());
        int[] ptr = w.rowPtr();
        float[] v = w.values();
        for (int r = 0; r < w.rows(); r++) {
            float acc = 0f;
            for (int k = ptr[r]; k < ptr[r + 1]; k++) {
                acc += v[k] * x[xo + w.column(k)];
            }
            y[yo + r] = acc;
        }
    }

    /**
     * y[yo + r] = Σ_k values[k]·x[xo + col[k]] for every row r: W·x for W [rows, cols], x [cols],
     * y [rows].
     *
     * <p>Why scalar code with four partial sums and not vectors: the x values of a row sit at
     * scattered columns, and a vector gather measured no faster than four scalar loads. What does
     * help is breaking the chain of dependent adds (4 cycles each): four independent sums let four
     * entries be in flight at once.
     */
    public static void timesVector(CsrMatrix w, float[] x, int xo, float[] y, int yo) {
        checkRun("CsrKernels.timesVector", "x", x, xo, w.cols());
        checkRun("CsrKernels.timesVector", "y", y, yo, w.rows());
        if (w.hasNarrowColumns()) {
            timesVectorNarrow(w.rows(), w.rowPtr(), w.narrowColumns(), w.values(), x, xo, y, yo);
        } else {
            timesVectorWide(w.rows(), w.rowPtr(), w.wideColumns(), w.values(), x, xo, y, yo);
        }
    }

    // The two index widths need two copies of the loop: a short[] and an int[] cannot share one
    // without a branch or a widening copy per entry.
    private static void timesVectorNarrow(int rows, int[] ptr, short[] col, float[] v,
                                          float[] x, int xo, float[] y, int yo) {
        for (int r = 0; r < rows; r++) {
            int k = ptr[r];
            int end = ptr[r + 1];
            float s0 = 0f;
            float s1 = 0f;
            float s2 = 0f;
            float s3 = 0f;
            for (; k < end - 3; k += 4) {
                s0 += v[k] * x[xo + col[k]];
                s1 += v[k + 1] * x[xo + col[k + 1]];
                s2 += v[k + 2] * x[xo + col[k + 2]];
                s3 += v[k + 3] * x[xo + col[k + 3]];
            }
            for (; k < end; k++) {
                s0 += v[k] * x[xo + col[k]];
            }
            y[yo + r] = (s0 + s1) + (s2 + s3);
        }
    }

    private static void timesVectorWide(int rows, int[] ptr, int[] col, float[] v,
                                        float[] x, int xo, float[] y, int yo) {
        for (int r = 0; r < rows; r++) {
            int k = ptr[r];
            int end = ptr[r + 1];
            float s0 = 0f;
            float s1 = 0f;
            float s2 = 0f;
            float s3 = 0f;
            for (; k < end - 3; k += 4) {
                s0 += v[k] * x[xo + col[k]];
                s1 += v[k + 1] * x[xo + col[k + 1]];
                s2 += v[k + 2] * x[xo + col[k + 2]];
                s3 += v[k + 3] * x[xo + col[k + 3]];
            }
            for (; k < end; k++) {
                s0 += v[k] * x[xo + col[k]];
            }
            y[yo + r] = (s0 + s1) + (s2 + s3);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Yᵀ = W·Xᵀ, batch-minor
    // ---------------------------------------------------------------------------------------

    /**
     * Scalar twin of {@link #timesBatchMinor}: out[oo + r·batch + b] = Σ_k values[k]·xT[xo + col[k]·batch + b],
     * accumulated over the row's entries in increasing k with {@link Math#fma}, from 0.
     */
    public static void timesBatchMinorScalar(CsrMatrix w, float[] xT, int xo, int batch, float[] out, int oo) {
        checkBatchMinor("CsrKernels.timesBatchMinor", w.rows(), w.cols(), xT, xo, batch, out, oo);
        int[] ptr = w.rowPtr();
        float[] v = w.values();
        for (int r = 0; r < w.rows(); r++) {
            for (int b = 0; b < batch; b++) {
                float acc = 0f;
                for (int k = ptr[r]; k < ptr[r + 1]; k++) {
                    acc = Math.fma(v[k], xT[xo + w.column(k) * batch + b], acc);
                }
                out[oo + r * batch + b] = acc;
            }
        }
    }

    /**
     * Yᵀ = W·Xᵀ with the batch contiguous: W [rows, cols], Xᵀ [cols, batch] at {@code xT[xo..]},
     * Yᵀ [rows, batch] written (not accumulated) at {@code out[oo..]}.
     *
     * <p>The batch is cut into chunks of four vectors; for two rows at a time, each chunk keeps
     * eight accumulators in registers while it walks the rows' entries (per entry: one broadcast of
     * the weight, four loads from row col[k] of Xᵀ, four fused multiply-adds), then stores once.
     * Rows are
     * split across {@link Parallel}'s threads when the work is large; each output element is
     * computed by one thread in the twin's order, so the bits never depend on the thread count.
     *
     * <p>A layer whose neighbours are also sparse can keep activations batch-minor between them;
     * a layer with batch-major X and Y calls {@link #timesRowMajor}, which runs these loops with
     * the two transposes fused in and no fresh arrays.
     */
    public static void timesBatchMinor(CsrMatrix w, float[] xT, int xo, int batch, float[] out, int oo) {
        checkBatchMinor("CsrKernels.timesBatchMinor", w.rows(), w.cols(), xT, xo, batch, out, oo);
        long work = (long) w.nonZeros() * batch;
        // Decided before any lambda is created, so the single-threaded path allocates nothing.
        if (Parallel.threads() == 1 || work < PARALLEL_WORK) {
            timesBatchMinorRows(w, xT, xo, batch, out, oo, 0, w.rows());
            return;
        }
        int grain = (int) Math.max(1, (long) w.rows() * PARALLEL_WORK / work);
        Parallel.forRange(w.rows(), grain, (lo, hi) -> timesBatchMinorRows(w, xT, xo, batch, out, oo, lo, hi));
    }

    private static void timesBatchMinorRows(CsrMatrix w, float[] xT, int xo, int batch,
                                            float[] out, int oo, int r0, int r1) {
        if (w.hasNarrowColumns()) {
            batchMinorNarrow(w.rowPtr(), w.narrowColumns(), w.values(), xT, xo, batch, out, oo, r0, r1);
        } else {
            batchMinorWide(w.rowPtr(), w.wideColumns(), w.values(), xT, xo, batch, out, oo, r0, r1);
        }
    }

    // Rows are taken in pairs: each row's sum is one chain of dependent fused multiply-adds (the
    // twin's order), and an FMA waits about 4 cycles for the previous one. Running two rows'
    // chains side by side gives the core eight independent accumulators instead of four, enough
    // to keep both FMA units busy, without changing any row's order of additions.
    private static void batchMinorNarrow(int[] ptr, short[] col, float[] v, float[] xT, int xo, int batch,
                                         float[] out, int oo, int r0, int r1) {
        int lanes = FLOAT.length();
        int wide = batch - batch % (4 * lanes);
        int r = r0;
        for (; r + 1 < r1; r += 2) {
            for (int b = 0; b < wide; b += 4 * lanes) {
                pairChunkNarrow(ptr, col, v, xT, xo + b, batch, out, oo + r * batch + b, r);
            }
            restNarrow(ptr[r], ptr[r + 1], col, v, xT, xo, batch, out, oo + r * batch, wide);
            restNarrow(ptr[r + 1], ptr[r + 2], col, v, xT, xo, batch, out, oo + (r + 1) * batch, wide);
        }
        for (; r < r1; r++) {
            int k0 = ptr[r];
            int k1 = ptr[r + 1];
            int o = oo + r * batch;
            for (int b = 0; b < wide; b += 4 * lanes) {
                FloatVector a0 = FloatVector.zero(FLOAT);
                FloatVector a1 = FloatVector.zero(FLOAT);
                FloatVector a2 = FloatVector.zero(FLOAT);
                FloatVector a3 = FloatVector.zero(FLOAT);
                for (int k = k0; k < k1; k++) {
                    FloatVector wk = FloatVector.broadcast(FLOAT, v[k]);
                    int x = xo + col[k] * batch + b;
                    a0 = FloatVector.fromArray(FLOAT, xT, x).fma(wk, a0);
                    a1 = FloatVector.fromArray(FLOAT, xT, x + lanes).fma(wk, a1);
                    a2 = FloatVector.fromArray(FLOAT, xT, x + 2 * lanes).fma(wk, a2);
                    a3 = FloatVector.fromArray(FLOAT, xT, x + 3 * lanes).fma(wk, a3);
                }
                a0.intoArray(out, o + b);
                a1.intoArray(out, o + b + lanes);
                a2.intoArray(out, o + b + 2 * lanes);
                a3.intoArray(out, o + b + 3 * lanes);
            }
            restNarrow(k0, k1, col, v, xT, xo, batch, out, o, wide);
        }
    }

    /** Rows r and r+1, batch columns [b, b + 4·lanes): xs = xo + b, os = where row r's chunk goes. */
    private static void pairChunkNarrow(int[] ptr, short[] col, float[] v, float[] xT, int xs, int batch,
                                        float[] out, int os, int r) {
        int lanes = FLOAT.length();
        int ka = ptr[r];
        int kb = ptr[r + 1];
        int ea = kb;
        int eb = ptr[r + 2];
        int common = Math.min(ea - ka, eb - kb);
        FloatVector a0 = FloatVector.zero(FLOAT);
        FloatVector a1 = FloatVector.zero(FLOAT);
        FloatVector a2 = FloatVector.zero(FLOAT);
        FloatVector a3 = FloatVector.zero(FLOAT);
        FloatVector c0 = FloatVector.zero(FLOAT);
        FloatVector c1 = FloatVector.zero(FLOAT);
        FloatVector c2 = FloatVector.zero(FLOAT);
        FloatVector c3 = FloatVector.zero(FLOAT);
        for (int i = 0; i < common; i++) {
            FloatVector wa = FloatVector.broadcast(FLOAT, v[ka + i]);
            FloatVector wb = FloatVector.broadcast(FLOAT, v[kb + i]);
            int xa = xs + col[ka + i] * batch;
            int xb = xs + col[kb + i] * batch;
            a0 = FloatVector.fromArray(FLOAT, xT, xa).fma(wa, a0);
            c0 = FloatVector.fromArray(FLOAT, xT, xb).fma(wb, c0);
            a1 = FloatVector.fromArray(FLOAT, xT, xa + lanes).fma(wa, a1);
            c1 = FloatVector.fromArray(FLOAT, xT, xb + lanes).fma(wb, c1);
            a2 = FloatVector.fromArray(FLOAT, xT, xa + 2 * lanes).fma(wa, a2);
            c2 = FloatVector.fromArray(FLOAT, xT, xb + 2 * lanes).fma(wb, c2);
            a3 = FloatVector.fromArray(FLOAT, xT, xa + 3 * lanes).fma(wa, a3);
            c3 = FloatVector.fromArray(FLOAT, xT, xb + 3 * lanes).fma(wb, c3);
        }
        // The longer row finishes alone.
        for (int k = ka + common; k < ea; k++) {
            FloatVector wk = FloatVector.broadcast(FLOAT, v[k]);
            int x = xs + col[k] * batch;
            a0 = FloatVector.fromArray(FLOAT, xT, x).fma(wk, a0);
            a1 = FloatVector.fromArray(FLOAT, xT, x + lanes).fma(wk, a1);
            a2 = FloatVector.fromArray(FLOAT, xT, x + 2 * lanes).fma(wk, a2);
            a3 = FloatVector.fromArray(FLOAT, xT, x + 3 * lanes).fma(wk, a3);
        }
        for (int k = kb + common; k < eb; k++) {
            FloatVector wk = FloatVector.broadcast(FLOAT, v[k]);
            int x = xs + col[k] * batch;
            c0 = FloatVector.fromArray(FLOAT, xT, x).fma(wk, c0);
            c1 = FloatVector.fromArray(FLOAT, xT, x + lanes).fma(wk, c1);
            c2 = FloatVector.fromArray(FLOAT, xT, x + 2 * lanes).fma(wk, c2);
            c3 = FloatVector.fromArray(FLOAT, xT, x + 3 * lanes).fma(wk, c3);
        }
        a0.intoArray(out, os);
        a1.intoArray(out, os + lanes);
        a2.intoArray(out, os + 2 * lanes);
        a3.intoArray(out, os + 3 * lanes);
        int oc = os + batch;
        c0.intoArray(out, oc);
        c1.intoArray(out, oc + lanes);
        c2.intoArray(out, oc + 2 * lanes);
        c3.intoArray(out, oc + 3 * lanes);
    }

    /** One row's batch columns [from, batch): single vectors, then scalars, in the twin's order. */
    private static void restNarrow(int k0, int k1, short[] col, float[] v, float[] xT, int xo, int batch,
                                   float[] out, int o, int from) {
        int lanes = FLOAT.length();
        int b = from;
        for (; b <= batch - lanes; b += lanes) {
            FloatVector a0 = FloatVector.zero(FLOAT);
            for (int k = k0; k < k1; k++) {
                FloatVector wk = FloatVector.broadcast(FLOAT, v[k]);
                a0 = FloatVector.fromArray(FLOAT, xT, xo + col[k] * batch + b).fma(wk, a0);
            }
            a0.intoArray(out, o + b);
        }
        for (; b < batch; b++) {
            float acc = 0f;
            for (int k = k0; k < k1; k++) {
                acc = Math.fma(v[k], xT[xo + col[k] * batch + b], acc);
            }
            out[o + b] = acc;
        }
    }

    private static void batchMinorWide(int[] ptr, int[] col, float[] v, float[] xT, int xo, int batch,
                                         float[] out, int oo, int r0, int r1) {
        int lanes = FLOAT.length();
        int wide = batch - batch % (4 * lanes);
        int r = r0;
        for (; r + 1 < r1; r += 2) {
            for (int b = 0; b < wide; b += 4 * lanes) {
                pairChunkWide(ptr, col, v, xT, xo + b, batch, out, oo + r * batch + b, r);
            }
            restWide(ptr[r], ptr[r + 1], col, v, xT, xo, batch, out, oo + r * batch, wide);
            restWide(ptr[r + 1], ptr[r + 2], col, v, xT, xo, batch, out, oo + (r + 1) * batch, wide);
        }
        for (; r < r1; r++) {
            int k0 = ptr[r];
            int k1 = ptr[r + 1];
            int o = oo + r * batch;
            for (int b = 0; b < wide; b += 4 * lanes) {
                FloatVector a0 = FloatVector.zero(FLOAT);
                FloatVector a1 = FloatVector.zero(FLOAT);
                FloatVector a2 = FloatVector.zero(FLOAT);
                FloatVector a3 = FloatVector.zero(FLOAT);
                for (int k = k0; k < k1; k++) {
                    FloatVector wk = FloatVector.broadcast(FLOAT, v[k]);
                    int x = xo + col[k] * batch + b;
                    a0 = FloatVector.fromArray(FLOAT, xT, x).fma(wk, a0);
                    a1 = FloatVector.fromArray(FLOAT, xT, x + lanes).fma(wk, a1);
                    a2 = FloatVector.fromArray(FLOAT, xT, x + 2 * lanes).fma(wk, a2);
                    a3 = FloatVector.fromArray(FLOAT, xT, x + 3 * lanes).fma(wk, a3);
                }
                a0.intoArray(out, o + b);
                a1.intoArray(out, o + b + lanes);
                a2.intoArray(out, o + b + 2 * lanes);
                a3.intoArray(out, o + b + 3 * lanes);
            }
            restWide(k0, k1, col, v, xT, xo, batch, out, o, wide);
        }
    }

    /** Rows r and r+1, batch columns [b, b + 4·lanes): xs = xo + b, os = where row r's chunk goes. */
    private static void pairChunkWide(int[] ptr, int[] col, float[] v, float[] xT, int xs, int batch,
                                        float[] out, int os, int r) {
        int lanes = FLOAT.length();
        int ka = ptr[r];
        int kb = ptr[r + 1];
        int ea = kb;
        int eb = ptr[r + 2];
        int common = Math.min(ea - ka, eb - kb);
        FloatVector a0 = FloatVector.zero(FLOAT);
        FloatVector a1 = FloatVector.zero(FLOAT);
        FloatVector a2 = FloatVector.zero(FLOAT);
        FloatVector a3 = FloatVector.zero(FLOAT);
        FloatVector c0 = FloatVector.zero(FLOAT);
        FloatVector c1 = FloatVector.zero(FLOAT);
        FloatVector c2 = FloatVector.zero(FLOAT);
        FloatVector c3 = FloatVector.zero(FLOAT);
        for (int i = 0; i < common; i++) {
            FloatVector wa = FloatVector.broadcast(FLOAT, v[ka + i]);
            FloatVector wb = FloatVector.broadcast(FLOAT, v[kb + i]);
            int xa = xs + col[ka + i] * batch;
            int xb = xs + col[kb + i] * batch;
            a0 = FloatVector.fromArray(FLOAT, xT, xa).fma(wa, a0);
            c0 = FloatVector.fromArray(FLOAT, xT, xb).fma(wb, c0);
            a1 = FloatVector.fromArray(FLOAT, xT, xa + lanes).fma(wa, a1);
            c1 = FloatVector.fromArray(FLOAT, xT, xb + lanes).fma(wb, c1);
            a2 = FloatVector.fromArray(FLOAT, xT, xa + 2 * lanes).fma(wa, a2);
            c2 = FloatVector.fromArray(FLOAT, xT, xb + 2 * lanes).fma(wb, c2);
            a3 = FloatVector.fromArray(FLOAT, xT, xa + 3 * lanes).fma(wa, a3);
            c3 = FloatVector.fromArray(FLOAT, xT, xb + 3 * lanes).fma(wb, c3);
        }
        // The longer row finishes alone.
        for (int k = ka + common; k < ea; k++) {
            FloatVector wk = FloatVector.broadcast(FLOAT, v[k]);
            int x = xs + col[k] * batch;
            a0 = FloatVector.fromArray(FLOAT, xT, x).fma(wk, a0);
            a1 = FloatVector.fromArray(FLOAT, xT, x + lanes).fma(wk, a1);
            a2 = FloatVector.fromArray(FLOAT, xT, x + 2 * lanes).fma(wk, a2);
            a3 = FloatVector.fromArray(FLOAT, xT, x + 3 * lanes).fma(wk, a3);
        }
        for (int k = kb + common; k < eb; k++) {
            FloatVector wk = FloatVector.broadcast(FLOAT, v[k]);
            int x = xs + col[k] * batch;
            c0 = FloatVector.fromArray(FLOAT, xT, x).fma(wk, c0);
            c1 = FloatVector.fromArray(FLOAT, xT, x + lanes).fma(wk, c1);
            c2 = FloatVector.fromArray(FLOAT, xT, x + 2 * lanes).fma(wk, c2);
            c3 = FloatVector.fromArray(FLOAT, xT, x + 3 * lanes).fma(wk, c3);
        }
        a0.intoArray(out, os);
        a1.intoArray(out, os + lanes);
        a2.intoArray(out, os + 2 * lanes);
        a3.intoArray(out, os + 3 * lanes);
        int oc = os + batch;
        c0.intoArray(out, oc);
        c1.intoArray(out, oc + lanes);
        c2.intoArray(out, oc + 2 * lanes);
        c3.intoArray(out, oc + 3 * lanes);
    }

    /** One row's batch columns [from, batch): single vectors, then scalars, in the twin's order. */
    private static void restWide(int k0, int k1, int[] col, float[] v, float[] xT, int xo, int batch,
                                   float[] out, int o, int from) {
        int lanes = FLOAT.length();
        int b = from;
        for (; b <= batch - lanes; b += lanes) {
            FloatVector a0 = FloatVector.zero(FLOAT);
            for (int k = k0; k < k1; k++) {
                FloatVector wk = FloatVector.broadcast(FLOAT, v[k]);
                a0 = FloatVector.fromArray(FLOAT, xT, xo + col[k] * batch + b).fma(wk, a0);
            }
            a0.intoArray(out, o + b);
        }
        for (; b < batch; b++) {
            float acc = 0f;
            for (int k = k0; k < k1; k++) {
                acc = Math.fma(v[k], xT[xo + col[k] * batch + b], acc);
            }
            out[o + b] = acc;
        }
    }

    // ---------------------------------------------------------------------------------------
    // Y = X·Wᵀ + b, batch-major (a layer's forward pass on a batch)
    // ---------------------------------------------------------------------------------------

    /**
     * Scalar twin of {@link #timesRowMajor}: y[yo + n·rows + r] = Σ_k values[k]·x[xo + n·cols + col[k]],
     * accumulated over the row's entries in increasing k with {@link Math#fma} from 0, then
     * + bias[bo + r] (one float addition) when {@code bias} is not null.
     */
    public static void timesRowMajorScalar(CsrMatrix w, float[] x, int xo, int batch, float[] bias, int bo,
                                           float[] y, int yo) {
        checkRowMajor("CsrKernels.timesRowMajor", w.rows(), w.cols(), x, xo, batch, bias, bo, y, yo);
        int[] ptr = w.rowPtr();
        float[] v = w.values();
        for (int n = 0; n < batch; n++) {
            int xn = xo + n * w.cols();
            for (int r = 0; r < w.rows(); r++) {
                float acc = 0f;
                for (int k = ptr[r]; k < ptr[r + 1]; k++) {
                    acc = Math.fma(v[k], x[xn + w.column(k)], acc);
                }
                y[yo + n * w.rows() + r] = bias == null ? acc : acc + bias[bo + r];
            }
        }
    }

    /**
     * Y = X·Wᵀ (+ b), a sparse layer's forward pass on a batch in the usual layout: X [batch, cols]
     * at {@code x[xo..]}, Y [batch, rows] written at {@code y[yo..]}, bias [rows] at
     * {@code bias[bo..]} or null. Bits equal the twin's, for any thread count.
     *
     * <p>It runs {@link #timesBatchMinor}'s loops on chunks of 64 samples transposed into a
     * reused per-thread buffer, and transposes each 16-row output tile straight into Y
     * ({@link RowMajorBatch}): no array is allocated, and Yᵀ never exists as a whole.
     */
    public static void timesRowMajor(CsrMatrix w, float[] x, int xo, int batch, float[] bias, int bo,
                                     float[] y, int yo) {
        checkRowMajor("CsrKernels.timesRowMajor", w.rows(), w.cols(), x, xo, batch, bias, bo, y, yo);
        RowMajorBatch.times(ROWS, w, w.rows(), w.cols(), w.nonZeros(), x, xo, batch, bias, bo, y, yo);
    }

    /** The batch-minor loops as a {@link RowMajorBatch.Rows}; a constant, so passing it allocates nothing. */
    private static final RowMajorBatch.Rows<CsrMatrix> ROWS =
            (w, xT, batch, out, oo, r0, r1) -> timesBatchMinorRows(w, xT, 0, batch, out, oo, r0, r1);

    // ---------------------------------------------------------------------------------------
    // Backward: dL/dx = Wᵀ·g and dL/dW at the stored entries
    // ---------------------------------------------------------------------------------------

    /**
     * dx[dxo + c] = Σ_r values·g[go + r] over the stored entries (r, c): Wᵀ·g for g [rows], dx
     * [cols], written (not accumulated), by scattering each row's entries in increasing r, one
     * multiply then one add each.
     *
     * <p>This is the twin, and the path that needs no extra memory. A scatter into scattered
     * columns cannot be vectorised without scatter instructions; the fast path is to build
     * {@link CsrMatrix#transpose()} once (when the weights are set) and call {@link #timesVector}
     * on it, which gives the same sums up to the order of the additions.
     */
    public static void transposedTimesVectorScalar(CsrMatrix w, float[] g, int go, float[] dx, int dxo) {
        checkRun("CsrKernels.transposedTimesVector", "g", g, go, w.rows());
        checkRun("CsrKernels.transposedTimesVector", "dx", dx, dxo, w.cols());
        java.util.Arrays.fill(dx, dxo, dxo + w.cols(), 0f);
        int[] ptr = w.rowPtr();
        float[] v = w.values();
        for (int r = 0; r < w.rows(); r++) {
            float gr = g[go + r];
            for (int k = ptr[r]; k < ptr[r + 1]; k++) {
                dx[dxo + w.column(k)] += v[k] * gr;
            }
        }
    }

    /**
     * Scalar twin of {@link #transposedTimesBatchMinor}: dxT[c, b] = Σ_r values·gT[r, b] over the
     * stored entries (r, c), accumulated in increasing r with {@link Math#fma}, from 0.
     */
    public static void transposedTimesBatchMinorScalar(CsrMatrix w, float[] gT, int go, int batch,
                                                       float[] dxT, int dxo) {
        checkBatchMinor("CsrKernels.transposedTimesBatchMinor", w.cols(), w.rows(), gT, go, batch, dxT, dxo);
        java.util.Arrays.fill(dxT, dxo, dxo + w.cols() * batch, 0f);
        int[] ptr = w.rowPtr();
        float[] v = w.values();
        for (int r = 0; r < w.rows(); r++) {
            for (int k = ptr[r]; k < ptr[r + 1]; k++) {
                int d = dxo + w.column(k) * batch;
                for (int b = 0; b < batch; b++) {
                    dxT[d + b] = Math.fma(v[k], gT[go + r * batch + b], dxT[d + b]);
                }
            }
        }
    }

    /**
     * dXᵀ = Wᵀ·Gᵀ with the batch contiguous: Gᵀ [rows, batch] at {@code gT[go..]}, dXᵀ [cols, batch]
     * written at {@code dxT[dxo..]}. Each stored entry w at (r, c) adds w·Gᵀ[r, :] to dXᵀ[c, :],
     * a vector axpy over the batch: a scatter of whole rows, so still no gather.
     *
     * <p>Single-threaded: two rows of W can hit the same column, so splitting by rows would race.
     * Bits equal the twin's. For speed on large batches, {@code timesBatchMinor(w.transpose(), ...)}
     * gives the same bits (the transpose lists each column's entries in increasing r), keeps the
     * accumulators in registers, and runs on all threads.
     */
    public static void transposedTimesBatchMinor(CsrMatrix w, float[] gT, int go, int batch, float[] dxT, int dxo) {
        checkBatchMinor("CsrKernels.transposedTimesBatchMinor", w.cols(), w.rows(), gT, go, batch, dxT, dxo);
        java.util.Arrays.fill(dxT, dxo, dxo + w.cols() * batch, 0f);
        int[] ptr = w.rowPtr();
        float[] v = w.values();
        int bound = FLOAT.loopBound(batch);
        for (int r = 0; r < w.rows(); r++) {
            int g = go + r * batch;
            for (int k = ptr[r]; k < ptr[r + 1]; k++) {
                float wk = v[k];
                FloatVector vw = FloatVector.broadcast(FLOAT, wk);
                int d = dxo + w.column(k) * batch;
                int b = 0;
                for (; b < bound; b += FLOAT.length()) {
                    FloatVector acc = FloatVector.fromArray(FLOAT, dxT, d + b);
                    FloatVector.fromArray(FLOAT, gT, g + b).fma(vw, acc).intoArray(dxT, d + b);
                }
                for (; b < batch; b++) {
                    dxT[d + b] = Math.fma(wk, gT[g + b], dxT[d + b]);
                }
            }
        }
    }

    /** Scalar twin of {@link #weightGradBatchMinor}. */
    public static void weightGradBatchMinorScalar(CsrMatrix w, float[] gT, int go, float[] xT, int xo, int batch,
                                                  float[] dValues, int dvo) {
        checkWeightGrad(w, gT, go, xT, xo, batch, dValues, dvo);
        int[] ptr = w.rowPtr();
        for (int r = 0; r < w.rows(); r++) {
            for (int k = ptr[r]; k < ptr[r + 1]; k++) {
                int x = xo + w.column(k) * batch;
                dValues[dvo + k] = ReduceKernels.dotScalar(gT, go + r * batch, 1, xT, x, 1, batch);
            }
        }
    }

    /**
     * dL/dW at the stored entries only: dValues[dvo + k] = Σ_b Gᵀ[r, b]·Xᵀ[c, b] for entry k at
     * (r, c), with Gᵀ [rows, batch] and Xᵀ [cols, batch] batch-minor. Each is a dot product of two
     * contiguous runs ({@link ReduceKernels#dot}); pruned weights get no gradient, which is what
     * keeps them pruned.
     */
    public static void weightGradBatchMinor(CsrMatrix w, float[] gT, int go, float[] xT, int xo, int batch,
                                            float[] dValues, int dvo) {
        checkWeightGrad(w, gT, go, xT, xo, batch, dValues, dvo);
        int[] ptr = w.rowPtr();
        for (int r = 0; r < w.rows(); r++) {
            for (int k = ptr[r]; k < ptr[r + 1]; k++) {
                int x = xo + w.column(k) * batch;
                dValues[dvo + k] = ReduceKernels.dot(gT, go + r * batch, 1, xT, x, 1, batch);
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // Argument checks: O(1), so that a wrong length fails here with a message, not deep inside
    // ---------------------------------------------------------------------------------------

    static void checkRun(String op, String name, float[] a, int offset, int n) {
        if (a == null || offset < 0 || (long) offset + n > a.length) {
            throw runError(op, name, a, offset, n);
        }
    }

    // Messages are built only on failure: a string concatenated on every call would allocate in
    // every forward pass.
    private static IllegalArgumentException runError(String op, String name, float[] a, int offset, int n) {
        if (a == null) {
            return new IllegalArgumentException(op + ": " + name + " is null");
        }
        return new IllegalArgumentException(op + ": " + name + " needs " + n + " floats from offset " + offset
                + ", array has " + a.length);
    }

    static void checkBatchMinor(String op, int outRows, int inRows, float[] in, int io, int batch,
                                float[] out, int oo) {
        if (batch < 0) {
            throw new IllegalArgumentException(op + ": negative batch " + batch);
        }
        long inLen = (long) inRows * batch;
        long outLen = (long) outRows * batch;
        if (in == null || io < 0 || io + inLen > in.length) {
            throw runError(op, "input [" + inRows + ", " + batch + "]", in, io, Math.toIntExact(inLen));
        }
        if (out == null || oo < 0 || oo + outLen > out.length) {
            throw runError(op, "output [" + outRows + ", " + batch + "]", out, oo, Math.toIntExact(outLen));
        }
    }

    /** The checks of a row-major product: X [batch, cols], Y [batch, rows], bias [rows] or null. */
    static void checkRowMajor(String op, int rows, int cols, float[] x, int xo, int batch, float[] bias, int bo,
                              float[] y, int yo) {
        if (batch < 0) {
            throw new IllegalArgumentException(op + ": negative batch " + batch);
        }
        long xLen = (long) batch * cols;
        long yLen = (long) batch * rows;
        if (x == null || xo < 0 || xo + xLen > x.length) {
            throw runError(op, "x [" + batch + ", " + cols + "]", x, xo, Math.toIntExact(xLen));
        }
        if (y == null || yo < 0 || yo + yLen > y.length) {
            throw runError(op, "y [" + batch + ", " + rows + "]", y, yo, Math.toIntExact(yLen));
        }
        if (bias != null) {
            checkRun(op, "bias", bias, bo, rows);
        }
    }

    private static void checkWeightGrad(CsrMatrix w, float[] gT, int go, float[] xT, int xo, int batch,
                                        float[] dValues, int dvo) {
        String op = "CsrKernels.weightGradBatchMinor";
        checkBatchMinor(op, w.rows(), w.cols(), xT, xo, batch, gT, go);
        checkRun(op, "dValues", dValues, dvo, w.nonZeros());
    }
}
