package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The exact GELU and its derivative on the Vector API: the activation of a Transformer's
 * feed-forward block, applied to its widest tensor ({@code [B, T, 4E]}), forward and backward.
 *
 * <pre>
 *   GELU(x)  = x · Φ(x)                Φ(x) = ½ erfc(−x/√2), the standard normal CDF
 *   GELU'(x) = Φ(x) + x · φ(x)          φ(x) = e^(−x²/2) / √(2π), its density
 * </pre>
 * This is PyTorch's default {@code gelu} (the erf form), not the tanh approximation
 * {@code approximate="tanh"}, which differs from it by up to about 5e-4.
 *
 * <h2>Method</h2>
 * Φ is computed from erfc(z), z = |x|/√2 ≥ 0, by the Chebyshev fit of Numerical Recipes
 * ("erfcc", absolute error below 1.2e-7 for every z):
 * <pre>
 *   t = 1 / (1 + z/2),   erfc(z) ≈ t · exp(−z² − 1.26551223 + t·P(t)),   P of degree 9
 *   Φ(x) = ½ erfc(z) for x &lt; 0,   1 − ½ erfc(z) for x ≥ 0
 * </pre>
 * The exponential is {@link UnaryKernels#exp(FloatVector)}. Why erfc and not erf: for x &lt; 0,
 * Φ(x) is small, and 1 + erf(x/√2) would compute it as the difference of two numbers near 1,
 * losing its digits; erfc gives it directly, so the left tail keeps its relative accuracy.
 *
 * <h2>Accuracy</h2>
 * The scalar twins ({@link Unary#gelu}, {@link Unary#geluGrad}) evaluate the same formulas in
 * double; these kernels evaluate them in float. Both are within about 2e-7·max(1, |x|) of the
 * exact function (PyTorch's float64 {@code gelu} is the oracle of the tests), the same size as
 * the difference between PyTorch's own float32 and float64 results.
 *
 * <p>Edge values follow the formulas as PyTorch does: +∞ ↦ +∞, −∞ ↦ NaN (−∞·0), NaN ↦ NaN.
 */
public final class GeluKernels {
    private GeluKernels() {}

    private static final float INV_SQRT2 = 0.70710678118654752f;
    private static final float INV_SQRT_2PI = 0.39894228040143268f;

    /** Scalar twin of {@link #forward}: {@code y[yo + i] = GELU(x[xo + i])}. */
    public static void forwardScalar(float[] x, int xo, float[] y, int yo, int n) {
        for (int i = 0; i < n; i++) {
            y[yo + i] = Unary.gelu(x[xo + i]);
        }
    }

    /** {@code y[yo + i] = GELU(x[xo + i])} for i &lt; n; y may be x's own region. */
    public static void forward(float[] x, int xo, float[] y, int yo, int n) {
        int i = 0;
        int bound = FLOAT.loopBound(n);
        for (; i < bound; i += FLOAT.length()) {
            FloatVector v = FloatVector.fromArray(FLOAT, x, xo + i);
            v.mul(cdf(v)).intoArray(y, yo + i);
        }
        forwardScalar(x, xo + i, y, yo + i, n - i);
    }

    /** Scalar twin of {@link #backward}: {@code dx[dxo + i] = g[go + i] · GELU'(x[xo + i])}. */
    public static void backwardScalar(float[] g, int go, float[] x, int xo, float[] dx, int dxo, int n) {
        for (int i = 0; i < n; i++) {
            dx[dxo + i] = g[go + i] * Unary.geluGrad(x[xo + i]);
        }
    }

    /** Floats per block of {@link #backward}: a multiple of every vector length, in L1 twice over. */
    private static final int BLOCK = 512;

    /**
     * The backward pass: {@code dx[dxo + i] = g[go + i] · GELU'(x[xo + i])}, with g = dL/dy and x
     * the forward input. dx must not overlap g or x (it holds Φ(x) between the two loops).
     *
     * <p>Trap: the obvious single loop, Φ(x) + x·φ(x) with two exponentials in its body, is too
     * big for C2 to inline whole (its log says NodeCountInliningCutoff). A helper left out of
     * line receives and returns vectors as heap objects, and the Vector API falls back to Java
     * code lane by lane: slower than the scalar twin. So each block of {@value #BLOCK} floats
     * takes two loops of one exponential each: Φ(x) into dx, then g·(dx + x·φ(x)) over it,
     * while the block is still in L1.
     */
    public static void backward(float[] g, int go, float[] x, int xo, float[] dx, int dxo, int n) {
        int bound = FLOAT.loopBound(n);
        for (int from = 0; from < bound; from += BLOCK) {
            int to = Math.min(bound, from + BLOCK);
            cdfInto(x, xo, dx, dxo, from, to);
            finishBackward(g, go, x, xo, dx, dxo, from, to);
        }
        backwardScalar(g, go + bound, x, xo + bound, dx, dxo + bound, n - bound);
    }

    /** dx[dxo + i] = Φ(x[xo + i]) for i in [from, to), whole vectors. */
    private static void cdfInto(float[] x, int xo, float[] dx, int dxo, int from, int to) {
        for (int i = from; i < to; i += FLOAT.length()) {
            cdf(FloatVector.fromArray(FLOAT, x, xo + i)).intoArray(dx, dxo + i);
        }
    }

    /** dx[dxo + i] = g[go + i]·(dx[dxo + i] + x·φ(x)) for i in [from, to), whole vectors. */
    private static void finishBackward(float[] g, int go, float[] x, int xo, float[] dx, int dxo, int from, int to) {
        for (int i = from; i < to; i += FLOAT.length()) {
            FloatVector v = FloatVector.fromArray(FLOAT, x, xo + i);
            FloatVector pdf = UnaryKernels.exp(v.mul(v).mul(-0.5f)).mul(INV_SQRT_2PI);
            FloatVector grad = FloatVector.fromArray(FLOAT, dx, dxo + i).add(v.mul(pdf));
            FloatVector.fromArray(FLOAT, g, go + i).mul(grad).intoArray(dx, dxo + i);
        }
    }

    /** Φ(x), the standard normal CDF, from erfc(|x|/√2) (see the class comment). */
    private static FloatVector cdf(FloatVector x) {
        FloatVector z = x.abs().mul(INV_SQRT2);
        FloatVector t = z.mul(0.5f).add(1f);
        t = FloatVector.broadcast(FLOAT, 1f).div(t);
        // Numerical Recipes' coefficients, highest degree first (Horner).
        FloatVector p = t.mul(0.17087277f).add(-0.82215223f)
                .mul(t).add(1.48851587f)
                .mul(t).add(-1.13520398f)
                .mul(t).add(0.27886807f)
                .mul(t).add(-0.18628806f)
                .mul(t).add(0.09678418f)
                .mul(t).add(0.37409196f)
                .mul(t).add(1.00002368f)
                .mul(t).add(-1.26551223f);
        FloatVector halfErfc = t.mul(UnaryKernels.exp(p.sub(z.mul(z)))).mul(0.5f);
        VectorMask<Float> negative = x.compare(VectorOperators.LT, 0f);
        return halfErfc.neg().add(1f).blend(halfErfc, negative);
    }
}
