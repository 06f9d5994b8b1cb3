package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import jdk.incubator.vector.FloatVector;
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
 * The exponentials are {@link UnaryKernels#expShifted}. Why erfc and not erf: for x &lt; 0,
 * Φ(x) is small, and 1 + erf(x/√2) would compute it as the difference of two numbers near 1,
 * losing its digits; erfc gives it directly, so the left tail keeps its relative accuracy.
 *
 * <h2>Accuracy</h2>
 * The scalar twins ({@link Unary#gelu}, {@link Unary#geluGrad}) evaluate the same formulas in
 * double; these kernels evaluate them in float. Both are within 4e-7·max(1, |x|) of the
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

    /** Floats per block: a multiple of every vector length; a block's passes stay in L1. */
    private static final int BLOCK = 512;

    /** Per-thread room for one block's exponentials (two per element in the backward pass). */
    private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[2 * BLOCK]);

    /** {@code y[yo + i] = GELU(x[xo + i])} for i &lt; n; y may be x's own region. */
    public static void forward(float[] x, int xo, float[] y, int yo, int n) {
        int bound = FLOAT.loopBound(n);
        if (bound > 0) {
            float[] e = SCRATCH.get();
            for (int from = 0; from < bound; from += BLOCK) {
                int len = Math.min(BLOCK, bound - from);
                erfcExponents(x, xo + from, e, len);
                UnaryKernels.expShifted(e, 0, 0f, e, 0, len);
                finishForward(x, xo + from, e, y, yo + from, len);
            }
        }
        forwardScalar(x, xo + bound, y, yo + bound, n - bound);
    }

    /** Scalar twin of {@link #backward}: {@code dx[dxo + i] = g[go + i] · GELU'(x[xo + i])}. */
    public static void backwardScalar(float[] g, int go, float[] x, int xo, float[] dx, int dxo, int n) {
        for (int i = 0; i < n; i++) {
            dx[dxo + i] = g[go + i] * Unary.geluGrad(x[xo + i]);
        }
    }

    /**
     * The backward pass: {@code dx[dxo + i] = g[go + i] · GELU'(x[xo + i])}, with g = dL/dy and x
     * the forward input. dx may be g's own region.
     */
    public static void backward(float[] g, int go, float[] x, int xo, float[] dx, int dxo, int n) {
        int bound = FLOAT.loopBound(n);
        if (bound > 0) {
            float[] e = SCRATCH.get();
            for (int from = 0; from < bound; from += BLOCK) {
                int len = Math.min(BLOCK, bound - from);
                erfcExponents(x, xo + from, e, len);
                densityExponents(x, xo + from, e, len, len);
                UnaryKernels.expShifted(e, 0, 0f, e, 0, 2 * len);
                finishBackward(g, go + from, x, xo + from, e, len, dx, dxo + from, len);
            }
        }
        backwardScalar(g, go + bound, x, xo + bound, dx, dxo + bound, n - bound);
    }

    // The passes over one block. Trap: the obvious single loop, x·Φ(x) with the exponential
    // called inside it (two of them for the backward pass), is fast only when C2 inlines the
    // whole tree of calls, and it often does not: its log then says NodeCountInliningCutoff (the
    // Vector API expands into many IR nodes before its intrinsics collapse them), or "already
    // compiled into a big method" for the exponential. A helper of Pare's left out of line gets
    // its vectors as heap objects, and the Vector API falls back to Java code lane by lane,
    // slower than the scalar twin. Calls into the Vector API itself are always inlined (its
    // methods are annotated to be), so each loop below calls nothing else: the reciprocal t and
    // Φ are written out where they are needed, and the exponentials are one call per block to
    // UnaryKernels.expShifted, which passes arrays, not vectors.

    // Why fused multiply-adds wherever they compute the same thing or better: forward compiles
    // erfcExponents and finishForward into one method, and on JDK 17 each add, mul, abs... of
    // the two counts against one budget of C2's, past which the final store falls back to Java
    // code (see the trap at UnaryKernels.expShifted); an fma counts about half as much. z·½ + 1
    // is the same float fused or not (z·½ is exact), so every pass computes t with the same bits.

    /** e[i] = −z² − 1.26551223 + t·P(t), the exponent of erfc(z)/t, z = |x|/√2, t = 1/(1 + z/2). */
    private static void erfcExponents(float[] x, int xo, float[] e, int len) {
        FloatVector one = FloatVector.broadcast(FLOAT, 1f);
        FloatVector half = FloatVector.broadcast(FLOAT, 0.5f);
        // Numerical Recipes' coefficients, highest degree first (Horner, one fma per degree).
        FloatVector c7 = FloatVector.broadcast(FLOAT, 1.48851587f);
        FloatVector c6 = FloatVector.broadcast(FLOAT, -1.13520398f);
        FloatVector c5 = FloatVector.broadcast(FLOAT, 0.27886807f);
        FloatVector c4 = FloatVector.broadcast(FLOAT, -0.18628806f);
        FloatVector c3 = FloatVector.broadcast(FLOAT, 0.09678418f);
        FloatVector c2 = FloatVector.broadcast(FLOAT, 0.37409196f);
        FloatVector c1 = FloatVector.broadcast(FLOAT, 1.00002368f);
        FloatVector c0 = FloatVector.broadcast(FLOAT, -1.26551223f);
        for (int i = 0; i < len; i += FLOAT.length()) {
            FloatVector z = FloatVector.fromArray(FLOAT, x, xo + i).abs().mul(INV_SQRT2);
            FloatVector t = one.div(z.fma(half, one));
            FloatVector p = t.fma(0.17087277f, -0.82215223f)
                    .fma(t, c7).fma(t, c6).fma(t, c5).fma(t, c4)
                    .fma(t, c3).fma(t, c2).fma(t, c1).fma(t, c0);
            z.neg().fma(z, p).intoArray(e, i);
        }
    }

    /** e[eo + i] = −x²/2, the exponent of φ(x)·√(2π). */
    private static void densityExponents(float[] x, int xo, float[] e, int eo, int len) {
        for (int i = 0; i < len; i += FLOAT.length()) {
            FloatVector v = FloatVector.fromArray(FLOAT, x, xo + i);
            v.mul(v).mul(-0.5f).intoArray(e, eo + i);
        }
    }

    /**
     * y[yo + i] = x·Φ(x), with e[i] = exp(erfc exponent) = erfc(z)/t: Φ = ½·t·e[i] for x &lt; 0,
     * else 1 − ½·t·e[i] (t recomputed: one division, instead of a third array).
     */
    private static void finishForward(float[] x, int xo, float[] e, float[] y, int yo, int len) {
        FloatVector one = FloatVector.broadcast(FLOAT, 1f);
        FloatVector half = FloatVector.broadcast(FLOAT, 0.5f);
        for (int i = 0; i < len; i += FLOAT.length()) {
            FloatVector v = FloatVector.fromArray(FLOAT, x, xo + i);
            FloatVector t = one.div(v.abs().mul(INV_SQRT2).fma(half, one));
            FloatVector halfErfc = t.mul(FloatVector.fromArray(FLOAT, e, i)).mul(0.5f);
            FloatVector cdf = one.sub(halfErfc).blend(halfErfc, v.compare(VectorOperators.LT, 0f));
            v.mul(cdf).intoArray(y, yo + i);
        }
    }

    /** dx[dxo + i] = g·(Φ(x) + x·φ(x)), with e[i] as in finishForward and e[eo + i] = e^(−x²/2). */
    private static void finishBackward(float[] g, int go, float[] x, int xo, float[] e, int eo,
                                       float[] dx, int dxo, int len) {
        FloatVector one = FloatVector.broadcast(FLOAT, 1f);
        FloatVector half = FloatVector.broadcast(FLOAT, 0.5f);
        for (int i = 0; i < len; i += FLOAT.length()) {
            FloatVector v = FloatVector.fromArray(FLOAT, x, xo + i);
            FloatVector t = one.div(v.abs().mul(INV_SQRT2).fma(half, one));
            FloatVector halfErfc = t.mul(FloatVector.fromArray(FLOAT, e, i)).mul(0.5f);
            FloatVector cdf = one.sub(halfErfc).blend(halfErfc, v.compare(VectorOperators.LT, 0f));
            FloatVector pdf = FloatVector.fromArray(FLOAT, e, eo + i).mul(INV_SQRT_2PI);
            FloatVector.fromArray(FLOAT, g, go + i).mul(v.fma(pdf, cdf)).intoArray(dx, dxo + i);
        }
    }
}
