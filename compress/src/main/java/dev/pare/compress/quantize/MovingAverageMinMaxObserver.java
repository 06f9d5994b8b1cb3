package dev.pare.compress.quantize;

/**
 * The range is an exponential moving average of each batch's min and max:
 * <pre>
 *   lo ← lo + c·(min_batch − lo),   hi ← hi + c·(max_batch − hi)     (the first batch sets lo, hi)
 * </pre>
 * with averaging constant c (default 0.01, PyTorch's). A single extreme batch moves the range by
 * only c of its excess, so the range follows the typical batch rather than the worst one. It is
 * the observer of quantization-aware training, where the activations drift as the weights learn
 * and old batches should be forgotten; for a handful of calibration batches on a fixed model
 * the first batch dominates, so prefer {@link MinMaxObserver} there.
 */
public final class MovingAverageMinMaxObserver extends Observer {
    /** PyTorch's default averaging constant: the range forgets a batch after about 100 batches. */
    public static final float DEFAULT_AVERAGING = 0.01f;

    private final float averaging;
    private boolean started;
    private float lo;
    private float hi;

    public MovingAverageMinMaxObserver() {
        this(DEFAULT_AVERAGING);
    }

    /** @param averaging c in (0, 1]; 1 keeps only the latest batch */
    public MovingAverageMinMaxObserver(float averaging) {
        if (!(averaging > 0f && averaging <= 1f)) {
            throw new IllegalArgumentException("MovingAverageMinMaxObserver: averaging constant must be in (0, 1], got "
                    + averaging);
        }
        this.averaging = averaging;
    }

    @Override
    protected void accept(float[] d, int off, int n) {
        float[] mm = minMax(d, off, n);
        if (!started) {
            lo = mm[0];
            hi = mm[1];
            started = true;
        } else {
            lo += averaging * (mm[0] - lo);
            hi += averaging * (mm[1] - hi);
        }
    }

    @Override
    protected float[] computeRange() {
        return new float[] {lo, hi};
    }
}
