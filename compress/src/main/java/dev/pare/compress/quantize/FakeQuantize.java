package dev.pare.compress.quantize;

import dev.pare.nn.Module;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.QuantizeKernels;

/**
 * Fake quantization for quantization-aware training: the forward pass rounds x to the int8 grid
 * and back, in float, so the model trains against the error it will have once converted; the
 * backward pass uses the <b>straight-through estimator</b>.
 *
 * <pre>
 *   forward:   y = (clamp(rint(x/s) + z, qmin, qmax) − z) · s
 *   backward:  dx = dy   where qmin ≤ rint(x/s) + z ≤ qmax   (inside the range)
 *              dx = 0    elsewhere                            (saturated)
 * </pre>
 *
 * <p>Why straight through: rounding is a staircase whose derivative is 0 almost everywhere, so
 * the true gradient would stop all learning. Passing the gradient through as if rounding were
 * the identity lets the weights move; they feel the rounding only through the loss. Saturated
 * values do get a zero gradient, as clamp's derivative says: moving them would change nothing.
 *
 * <p>As a module (for activations) it owns a {@link MovingAverageMinMaxObserver}: in training
 * mode it observes each batch before quantizing it, in evaluation mode it uses the range it has.
 * In evaluation mode, before any training batch has been seen, it passes x through unchanged
 * (there is no range yet to quantize to).
 */
public final class FakeQuantize extends Module {
    private final MovingAverageMinMaxObserver observer;

    public FakeQuantize() {
        this(new MovingAverageMinMaxObserver());
    }

    public FakeQuantize(MovingAverageMinMaxObserver observer) {
        this.observer = observer;
    }

    /** The observer holding the activation range learned so far. */
    public MovingAverageMinMaxObserver observer() {
        return observer;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (isTraining()) {
            observer.observe(x);
        } else if (observer.count() == 0) {
            return x;
        }
        QuantParams p = observer.params();
        return apply(x, new float[] {p.scale()}, new int[] {p.zeroPoint()}, x.numel(),
                QuantizeKernels.QMIN, QuantizeKernels.QMAX);
    }

    /**
     * Fake-quantizes {@code x}, split into consecutive runs of {@code runLength} elements in
     * row-major order, run r with {@code scales[r]} and {@code zeroPoints[r]}: one run is per tensor,
     * runs of {@code in} elements over a weight {@code [out, in]} are per output channel. Differentiable
     * (straight-through, see the class comment) in x only; the scales are constants.
     */
    public static Tensor apply(Tensor x, float[] scales, int[] zeroPoints, int runLength, int qmin, int qmax) {
        int n = x.numel();
        if (runLength <= 0 || n % runLength != 0 || n / runLength != scales.length || scales.length != zeroPoints.length) {
            throw new IllegalArgumentException("fakeQuantize: " + n + " elements in runs of " + runLength + " with "
                    + scales.length + " scales and " + zeroPoints.length + " zero points");
        }
        Tensor c = x.detach().contiguous();
        float[] d = c.storage();
        int off = c.offset();
        float[] out = new float[n];
        boolean[] inside = new boolean[n];
        byte[] q = new byte[runLength];
        for (int r = 0; r < scales.length; r++) {
            float s = scales[r];
            int z = zeroPoints[r];
            int base = r * runLength;
            QuantizeKernels.quantize(d, off + base, q, 0, runLength, s, z, qmin, qmax);
            for (int i = 0; i < runLength; i++) {
                out[base + i] = (q[i] - z) * s;
                // Strictly inside or on an end without clamping: rint(x/s) + z within [qmin, qmax].
                double t = Math.rint(d[off + base + i] / (double) s) + z;
                inside[base + i] = t >= qmin && t <= qmax;
            }
        }
        Tensor y = Tensor.wrap(out, 0, x.shape());
        return Tensor.recordOp("fakeQuantize", y, g -> {
            Tensor gc = g.contiguous();
            float[] gd = gc.storage();
            int go = gc.offset();
            float[] dx = new float[n];
            for (int i = 0; i < n; i++) {
                dx[i] = inside[i] ? gd[go + i] : 0f;
            }
            return new Tensor[] {Tensor.wrap(dx, 0, x.shape())};
        }, x);
    }

    /**
     * Per-output-channel symmetric fake quantization of a weight whose first dimension is the
     * output channel: row r gets max|w[r]|/127, zero point 0, codes [−127, 127].
     */
    public static Tensor weight(Tensor w, Granularity granularity) {
        Tensor c = w.detach().contiguous();
        int rows = w.size(0);
        int cols = w.numel() / rows;
        float[] scales = QuantParams.weightScales(c.storage(), c.offset(), rows, cols, granularity);
        return apply(w, scales, new int[rows], cols, QuantizeKernels.QMIN_SYMMETRIC, QuantizeKernels.QMAX);
    }
}
