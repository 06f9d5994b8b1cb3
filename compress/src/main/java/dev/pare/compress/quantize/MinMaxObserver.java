package dev.pare.compress.quantize;

/**
 * The range is the smallest and largest value ever seen: [min x, max x] over all calibration
 * batches.
 *
 * <p>Nothing observed is ever clipped, which is its strength and its weakness: one outlier in
 * ten thousand stretches the range, and every other value then gets a coarser step. Use it when
 * the calibration data has no outliers (ReLU outputs of a well-trained small model usually do
 * not), or as the reference the other observers are compared with.
 */
public final class MinMaxObserver extends Observer {
    private float lo = Float.POSITIVE_INFINITY;
    private float hi = Float.NEGATIVE_INFINITY;

    @Override
    protected void accept(float[] d, int off, int n) {
        float[] mm = minMax(d, off, n);
        lo = Math.min(lo, mm[0]);
        hi = Math.max(hi, mm[1]);
    }

    @Override
    protected float[] computeRange() {
        return new float[] {lo, hi};
    }
}
