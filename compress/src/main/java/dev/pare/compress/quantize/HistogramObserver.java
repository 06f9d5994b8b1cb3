package dev.pare.compress.quantize;

/**
 * The error-minimising observer: it keeps a histogram of every value seen and picks the range
 * [a, b] whose int8 quantization has the smallest expected squared error over that histogram.
 *
 * <p>A range trades two errors. Inside it, rounding to a step s = (b − a)/255 adds noise whose
 * mean square is s²/12 (uniform over ±s/2). Outside it, values are clipped, each costing its
 * squared distance to the nearer end. Min-max has no clipping but the largest s; a narrower
 * range shrinks s at the price of clipping the tails. For bin k with count n_k and centre c_k:
 * <pre>
 *   E(a, b) = Σ_k n_k · e_k(a, b)
 *   e_k     = s²/12                       for a bin inside the range and wider than a step
 *           = mean of (x − x')² over {@value #SUB_POINTS} points x of the bin, otherwise
 * </pre>
 * (x' is x quantized and dequantized with the range's parameters, so clipped points cost their
 * distance to the range).
 * The candidates are ranges whose ends lie on bin edges, the lower end in the lower half of
 * the histogram and the upper end in the upper half, on a grid of {@value #SEARCH_STEP} bins; the
 * grid keeps the search at about a thousand candidates.
 *
 * <p>The histogram has {@value #BINS} bins over the range seen so far. When a later batch
 * widens the range, the old counts move to the new bins that contain their old centres: a
 * small approximation, bounded by one old bin width per value, against keeping every value.
 */
public final class HistogramObserver extends Observer {
    /** Enough bins that a bin is narrower than the int8 step of any range the search considers. */
    static final int BINS = 2048;
    /** Candidate range ends every this many bins. */
    static final int SEARCH_STEP = 32;
    /** Points per bin at which the error of a narrow bin is sampled. */
    static final int SUB_POINTS = 4;

    private double[] counts = new double[BINS];
    private float lo = Float.POSITIVE_INFINITY;
    private float hi = Float.NEGATIVE_INFINITY;

    @Override
    protected void accept(float[] d, int off, int n) {
        float[] mm = minMax(d, off, n);
        if (mm[0] < lo || mm[1] > hi) {
            rebin(Math.min(lo, mm[0]), Math.max(hi, mm[1]));
        }
        double width = binWidth();
        for (int i = 0; i < n; i++) {
            counts[bin(d[off + i], width)]++;
        }
    }

    private double binWidth() {
        return ((double) hi - lo) / BINS;
    }

    private int bin(double v, double width) {
        if (width == 0) {
            return 0;
        }
        return (int) Math.max(0, Math.min(BINS - 1, Math.floor((v - lo) / width)));
    }

    private void rebin(float newLo, float newHi) {
        double[] old = counts;
        float oldLo = lo;
        double oldWidth = binWidth();
        boolean hadValues = lo <= hi;
        counts = new double[BINS];
        lo = newLo;
        hi = newHi;
        if (hadValues) {
            double width = binWidth();
            for (int k = 0; k < BINS; k++) {
                if (old[k] != 0) {
                    counts[bin(oldLo + (k + 0.5) * oldWidth, width)] += old[k];
                }
            }
        }
    }

    @Override
    protected float[] computeRange() {
        double width = binWidth();
        if (width == 0) {
            return new float[] {lo, hi};
        }
        double bestError = Double.POSITIVE_INFINITY;
        float bestA = lo;
        float bestB = hi;
        for (int i = 0; i <= BINS / 2; i += SEARCH_STEP) {
            for (int j = BINS; j >= BINS / 2; j -= SEARCH_STEP) {
                float a = (float) (lo + i * width);
                float b = (float) (lo + j * width);
                // The range actually used: QuantParams widens it to contain 0.
                QuantParams p = QuantParams.affine(a, b);
                double s = p.scale();
                double qa = p.min();
                double qb = p.max();
                double error = 0;
                for (int k = 0; k < BINS; k++) {
                    if (counts[k] != 0) {
                        error += counts[k] * binError(p, lo + k * width, width);
                    }
                }
                if (error < bestError) {
                    bestError = error;
                    bestA = a;
                    bestB = b;
                }
            }
        }
        return new float[] {bestA, bestB};
    }

    /**
     * Mean squared error of quantizing values spread evenly over the bin [left, left + width).
     * A bin wider than a step holds many steps, so its rounding noise is the uniform s²/12; a
     * narrower bin lies within one or two steps, where s²/12 would be far off (a bin at the
     * exactly represented 0 has almost no error), so the error is averaged over
     * {@value #SUB_POINTS} points of the bin. Clipped points cost their distance to the range.
     */
    private static double binError(QuantParams p, double left, double width) {
        double s = p.scale();
        double qa = p.min();
        double qb = p.max();
        if (width >= s && left >= qa && left + width <= qb) {
            return s * s / 12;
        }
        double sum = 0;
        for (int i = 0; i < SUB_POINTS; i++) {
            float x = (float) (left + (i + 0.5) * width / SUB_POINTS);
            double e = x - p.roundTrip(x);
            sum += e * e;
        }
        return sum / SUB_POINTS;
    }
}
