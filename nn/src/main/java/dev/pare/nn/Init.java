package dev.pare.nn;

import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * Weight initialisation schemes. Each fills a tensor in place (outside autograd) from an explicit
 * {@link Rng}, so the same seed always gives the same network.
 *
 * <h2>Why the scale matters</h2>
 * A layer computes sums of {@code fan_in} products {@code w·x}. If the weights have variance
 * {@code Var(w)} and the inputs variance {@code Var(x)}, the outputs have variance about
 * {@code fan_in · Var(w) · Var(x)}. Unless {@code fan_in · Var(w)} is close to 1 (corrected for
 * what the activation does to the variance), the signal grows or shrinks geometrically with
 * depth, and so do the gradients. Each scheme below picks {@code Var(w)} to keep that product at
 * 1.
 *
 * <h2>Fans</h2>
 * For a weight of shape {@code [out, in]} (Linear) {@code fan_in = in} and {@code fan_out = out}.
 * For a convolution weight {@code [out, in/groups, kh, kw]} each output sums over
 * {@code in/groups · kh · kw} inputs, so {@code fan_in = (in/groups)·kh·kw} and
 * {@code fan_out = out·kh·kw}. See {@link #fanIn} and {@link #fanOut}.
 *
 * <h2>PyTorch's default for Linear and Conv</h2>
 * {@code nn.Linear} and {@code nn.ConvNd} initialise their weight with
 * {@code kaiming_uniform_(w, a=math.sqrt(5))}. The gain for a leaky ReLU of slope {@code a} is
 * {@code sqrt(2 / (1 + a²))}, which for {@code a = √5} is {@code sqrt(1/3)}; the Kaiming uniform bound
 * {@code gain · sqrt(3 / fan_in)} then collapses to exactly {@code 1/sqrt(fan_in)}. So the default is
 * simply {@code U(−1/√fan_in, 1/√fan_in)}, with variance {@code 1/(3·fan_in)}: the old Lua Torch
 * default, re-expressed through Kaiming's formula to keep old results reproducible. It is
 * <em>not</em> He initialisation for ReLU networks (variance {@code 2/fan_in}, six times larger);
 * the {@code √5} is not a tuned constant. Pare's layers reproduce this default in
 * {@link #pytorchDefault} so that a Pare model and a PyTorch model of the same architecture start
 * from the same distribution; call {@link #kaimingUniform} explicitly for He initialisation.
 */
public final class Init {
    private Init() {}

    /** How Kaiming init preserves variance: of the forward activations or of the backward gradients. */
    public enum FanMode {
        /** Keep the variance of the activations in the forward pass (the usual choice). */
        FAN_IN,
        /** Keep the variance of the gradients in the backward pass. */
        FAN_OUT
    }

    /** Inputs summed by one output: {@code shape[1] · (product of shape[2:])}; needs ≥ 2 dims. */
    public static int fanIn(Tensor w) {
        int[] s = checkFans("fanIn", w);
        return s[1] * receptiveField(s);
    }

    /** Outputs each input feeds: {@code shape[0] · (product of shape[2:])}; needs ≥ 2 dims. */
    public static int fanOut(Tensor w) {
        int[] s = checkFans("fanOut", w);
        return s[0] * receptiveField(s);
    }

    private static int[] checkFans(String op, Tensor w) {
        int[] s = w.shape();
        if (s.length < 2) {
            throw new IllegalArgumentException("Init." + op + ": needs a weight of at least 2 dimensions, got shape "
                    + Arrays.toString(s));
        }
        return s;
    }

    private static int receptiveField(int[] s) {
        int r = 1;
        for (int d = 2; d < s.length; d++) {
            r *= s[d];
        }
        return r;
    }

    /**
     * The gain for a leaky ReLU with negative slope {@code a}: {@code sqrt(2 / (1 + a²))}. ReLU
     * ({@code a = 0}) zeroes half its inputs and so halves the second moment; the factor 2 puts it
     * back. A linear activation corresponds to {@code a = 1}, gain 1.
     */
    public static double leakyReluGain(double a) {
        return Math.sqrt(2.0 / (1.0 + a * a));
    }

    /**
     * Kaiming (He et al., 2015) uniform: {@code U(−bound, bound)} with
     * {@code bound = gain · sqrt(3 / fan)}, {@code gain = sqrt(2 / (1 + a²))}.
     *
     * <p>Why: a uniform on {@code [−b, b]} has variance {@code b²/3}, so this gives
     * {@code Var(w) = gain² / fan = 2 / ((1 + a²)·fan)}. For ReLU ({@code a = 0}),
     * {@code fan_in · Var(w) = 2} exactly compensates the half of the signal that ReLU removes, so
     * activations keep their scale through a deep ReLU network.
     *
     * @param a    negative slope of the leaky ReLU that follows (0 for ReLU)
     * @param mode which fan to use ({@link FanMode#FAN_IN} keeps the forward signal)
     * @return {@code w}, filled
     */
    public static Tensor kaimingUniform(Tensor w, double a, FanMode mode, Rng rng) {
        int fan = mode == FanMode.FAN_IN ? fanIn(w) : fanOut(w);
        double bound = leakyReluGain(a) * Math.sqrt(3.0 / fan);
        return uniform(w, -bound, bound, rng);
    }

    /**
     * Kaiming (He) normal: {@code N(0, std²)} with {@code std = gain / sqrt(fan)},
     * {@code gain = sqrt(2 / (1 + a²))}. Same variance, hence same reason, as
     * {@link #kaimingUniform}.
     */
    public static Tensor kaimingNormal(Tensor w, double a, FanMode mode, Rng rng) {
        int fan = mode == FanMode.FAN_IN ? fanIn(w) : fanOut(w);
        return normal(w, 0.0, leakyReluGain(a) / Math.sqrt(fan), rng);
    }

    /**
     * Xavier (Glorot and Bengio, 2010) uniform: {@code U(−bound, bound)} with
     * {@code bound = gain · sqrt(6 / (fan_in + fan_out))}.
     *
     * <p>Why: keeping the forward variance needs {@code Var(w) = 1/fan_in}, keeping the backward
     * variance needs {@code 1/fan_out}; Glorot compromises on the harmonic mean
     * {@code Var(w) = 2/(fan_in + fan_out)}, and a uniform on {@code [−b, b]} has variance
     * {@code b²/3}. Derived for symmetric activations such as tanh (gain 1); prefer Kaiming for
     * ReLU.
     */
    public static Tensor xavierUniform(Tensor w, double gain, Rng rng) {
        double bound = gain * Math.sqrt(6.0 / (fanIn(w) + fanOut(w)));
        return uniform(w, -bound, bound, rng);
    }

    /**
     * Xavier (Glorot) normal: {@code N(0, std²)} with {@code std = gain · sqrt(2 / (fan_in + fan_out))};
     * same variance and reason as {@link #xavierUniform}.
     */
    public static Tensor xavierNormal(Tensor w, double gain, Rng rng) {
        return normal(w, 0.0, gain * Math.sqrt(2.0 / (fanIn(w) + fanOut(w))), rng);
    }

    /**
     * PyTorch's default for Linear and Conv weights and biases: {@code U(−1/√fan_in, 1/√fan_in)},
     * equal to {@code kaiming_uniform_(w, a=√5)} (see the class comment for why the √5 collapses to
     * this and why it is not He initialisation).
     *
     * @param fanIn the fan-in of the layer's weight (also used for its bias)
     */
    public static Tensor pytorchDefault(Tensor t, int fanIn, Rng rng) {
        if (fanIn <= 0) {
            throw new IllegalArgumentException("Init.pytorchDefault: fan_in must be positive, got " + fanIn);
        }
        double bound = 1.0 / Math.sqrt(fanIn);
        return uniform(t, -bound, bound, rng);
    }

    /** Fills {@code t} with {@code U(lo, hi)} samples, in row-major order. */
    public static Tensor uniform(Tensor t, double lo, double hi, Rng rng) {
        if (!(lo <= hi)) {
            throw new IllegalArgumentException("Init.uniform: need lo <= hi, got lo=" + lo + ", hi=" + hi);
        }
        float[] v = new float[t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (lo + (hi - lo) * rng.nextDouble());
        }
        return fill(t, v);
    }

    /** Fills {@code t} with {@code N(mean, std²)} samples, in row-major order. */
    public static Tensor normal(Tensor t, double mean, double std, Rng rng) {
        if (!(std >= 0)) {
            throw new IllegalArgumentException("Init.normal: std must be >= 0, got " + std);
        }
        float[] v = new float[t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (mean + std * rng.nextGaussian());
        }
        return fill(t, v);
    }

    /** Sets every element of {@code t} to {@code value}. */
    @SuppressWarnings("try") // the scope is used only for closing
    public static Tensor constant(Tensor t, float value) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return t.fill(value);
        }
    }

    @SuppressWarnings("try") // the scope is used only for closing
    private static Tensor fill(Tensor t, float[] values) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return t.copyFrom(Tensor.fromArray(values, t.shape()));
        }
    }
}
