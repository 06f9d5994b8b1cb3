package dev.pare.compress.quantize;

import java.util.Arrays;

/**
 * The range is [p_low, p_high]: the (100 − p)-th and p-th percentiles of each batch, averaged
 * over the batches (weighted by batch size). With p = 99.99 the 0.01 % most extreme values on each side are
 * clipped (they saturate) so that the other 99.98 % get a finer step.
 *
 * <p>Why per batch and then averaged: the exact percentile of all calibration values would need
 * every value kept until the end; a per-batch percentile needs one batch at a time, and for
 * batches of thousands of values it is close to the global one. The percentile of n sorted
 * values is the one at index ⌈p/100 · n⌉ − 1 (nearest rank), so p = 100 is the maximum.
 */
public final class PercentileObserver extends Observer {
    private final double percentile;
    private double loSum;
    private double hiSum;
    private long weight;

    /** @param percentile p in [50, 100], e.g. 99.99 */
    public PercentileObserver(double percentile) {
        if (!(percentile >= 50 && percentile <= 100)) {
            throw new IllegalArgumentException("PercentileObserver: percentile must be in [50, 100], got " + percentile);
        }
        this.percentile = percentile;
    }

    @Override
    protected void accept(float[] d, int off, int n) {
        float[] sorted = Arrays.copyOfRange(d, off, off + n);
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(percentile / 100 * n) - 1;
        rank = Math.max(0, Math.min(n - 1, rank));
        loSum += (double) sorted[n - 1 - rank] * n;
        hiSum += (double) sorted[rank] * n;
        weight += n;
    }

    @Override
    protected float[] computeRange() {
        return new float[] {(float) (loSum / weight), (float) (hiSum / weight)};
    }

    @Override
    protected String name() {
        return "PercentileObserver(" + percentile + ")";
    }
}
