package dev.pare.compress.quantize;

import dev.pare.tensor.Tensor;

/**
 * Watches the values that flow into a layer during calibration and then proposes the range
 * [lo, hi] to quantize them to, hence asymmetric int8 {@link QuantParams}.
 *
 * <p>Subclasses differ only in how they turn what they saw into a range: the extremes
 * ({@link MinMaxObserver}), an average of per-batch extremes ({@link MovingAverageMinMaxObserver}),
 * percentiles that ignore rare outliers ({@link PercentileObserver}), or the range that minimises
 * the expected squared quantization error ({@link HistogramObserver}).
 *
 * <p>Bad input, defined once for all of them:
 * <ul>
 *   <li>NaN or ±infinity in a batch: {@link IllegalArgumentException} naming the observer and
 *       the first bad element. A NaN means the model is already broken, and an infinite range
 *       cannot be quantized; silently skipping either would hide the fault.</li>
 *   <li>An empty batch (no elements) is ignored; {@link #params()} before any value has been
 *       seen (an empty calibration set) is an {@link IllegalStateException}.</li>
 *   <li>A constant or all-zero input gives a zero-width range, which {@link QuantParams#affine}
 *       handles (the range is widened to contain 0; a range of only 0 gets scale 1).</li>
 * </ul>
 */
public abstract class Observer {
    private long count;

    /** Records the values of {@code x} (any shape, any layout); never recorded in a graph. */
    public final void observe(Tensor x) {
        Tensor c = x.detach().contiguous();
        float[] d = c.storage();
        int off = c.offset();
        int n = c.numel();
        for (int i = 0; i < n; i++) {
            float v = d[off + i];
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException(name() + ": calibration data contains " + v + " at flat index " + i
                        + " of a tensor of " + n + " elements; only finite values can be quantized");
            }
        }
        if (n == 0) {
            return;
        }
        count += n;
        accept(d, off, n);
    }

    /** Values seen so far. */
    public final long count() {
        return count;
    }

    /** The range [lo, hi] chosen from the values seen; lo ≤ hi. */
    public final float[] range() {
        if (count == 0) {
            throw new IllegalStateException(name() + ": no values observed; calibrate on at least one non-empty batch"
                    + " before asking for quantization parameters");
        }
        return computeRange();
    }

    /** Asymmetric int8 parameters for {@link #range()}. */
    public final QuantParams params() {
        float[] r = range();
        return QuantParams.affine(r[0], r[1]);
    }

    /** Called for each non-empty batch of finite values {@code d[off .. off+n)}. */
    protected abstract void accept(float[] d, int off, int n);

    /** The range from what was accepted; called only after at least one value. */
    protected abstract float[] computeRange();

    /** A short name for messages. */
    protected String name() {
        return getClass().getSimpleName();
    }

    static float[] minMax(float[] d, int off, int n) {
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float v = d[off + i];
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        return new float[] {lo, hi};
    }
}
