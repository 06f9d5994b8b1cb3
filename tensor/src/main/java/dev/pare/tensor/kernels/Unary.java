package dev.pare.tensor.kernels;

/**
 * The pointwise functions of one argument, each with its scalar definition.
 *
 * <p>{@link #apply(float)} is the definition a learner reads first and the oracle every vector
 * kernel is tested against. Two of them take a parameter: {@code POW} raises to {@code p}, and
 * {@code CLAMP} limits to {@code [p, q]}; the others ignore both.
 */
public enum Unary {
    NEG, ABS, SQUARE, SQRT, EXP, LOG, TANH, SIGMOID, RELU, GELU, POW, CLAMP, SCALE, SHIFT;

    /** The function at one point: the scalar twin of every kernel. */
    public float apply(float x, float p, float q) {
        switch (this) {
            case NEG: return -x;
            case ABS: return Math.abs(x);
            case SQUARE: return x * x;
            case SQRT: return (float) Math.sqrt(x);
            case EXP: return (float) Math.exp(x);
            case LOG: return (float) Math.log(x);
            case TANH: return (float) Math.tanh(x);
            case SIGMOID: return sigmoid(x);
            // Trap: "x > 0 ? x : 0" maps NaN to 0 and hides a diverging model; keep NaN visible.
            case RELU: return x < 0f ? 0f : x;
            case GELU: return gelu(x);
            case POW: return pow(x, p);
            case CLAMP: return x < p ? p : (x > q ? q : x);
            case SCALE: return x * p;
            case SHIFT: return x + p;
            default: throw new AssertionError(this);
        }
    }

    /** Same as {@link #apply(float, float, float)} for the functions without parameters. */
    public float apply(float x) {
        return apply(x, 0f, 0f);
    }

    /**
     * σ(x) = 1 / (1 + e^(−x)), written so that neither branch overflows: for x &lt; 0 it uses
     * e^x / (1 + e^x), where e^x ≤ 1.
     */
    public static float sigmoid(float x) {
        if (x >= 0f) {
            return (float) (1.0 / (1.0 + Math.exp(-x)));
        }
        double e = Math.exp(x);
        return (float) (e / (1.0 + e));
    }

    /**
     * The exact GELU of Hendrycks and Gimpel, x·Φ(x) = x/2 · (1 + erf(x/√2)), as PyTorch's
     * default {@code GELU()} computes it (not the tanh approximation). Φ is taken from
     * {@link #erfc}, so the left tail, where Φ is tiny, keeps its digits (see {@link GeluKernels}).
     */
    public static float gelu(float x) {
        return (float) (x * normalCdf(x));
    }

    /**
     * Derivative of {@link #gelu}: Φ(x) + x·φ(x), with φ the standard normal density.
     */
    public static float geluGrad(float x) {
        double pdf = Math.exp(-0.5 * (double) x * x) * 0.3989422804014327;
        return (float) (normalCdf(x) + x * pdf);
    }

    /** Φ(x) = ½ erfc(−x/√2), the standard normal CDF, from erfc of a non-negative argument. */
    private static double normalCdf(double x) {
        double half = 0.5 * erfc(Math.abs(x) * 0.7071067811865476);
        return x < 0 ? half : 1.0 - half;
    }

    /**
     * The error function, to about 1.2e-7 absolute error: Numerical Recipes' Chebyshev fit of
     * erfc (the "erfcc" routine), which is accurate over the whole line, unlike the shorter
     * Abramowitz–Stegun 7.1.26 fit whose 1.5e-7 error becomes a large relative error near 0.
     */
    public static double erf(double x) {
        double ans = erfc(Math.abs(x));
        return x >= 0 ? 1.0 - ans : ans - 1.0;
    }

    /**
     * erfc(z) = 1 − erf(z) for z ≥ 0, to about 1.2e-7 absolute error (the fit behind {@link #erf});
     * {@link GeluKernels} evaluates the same formula on vectors.
     */
    static double erfc(double z) {
        double t = 1.0 / (1.0 + 0.5 * z);
        return t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196
                + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398
                + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
    }

    /** x^p with the common exponents computed exactly rather than through exp/log. */
    public static float pow(float x, float p) {
        if (p == 2f) {
            return x * x;
        }
        if (p == 1f) {
            return x;
        }
        if (p == 0.5f) {
            return (float) Math.sqrt(x);
        }
        return (float) Math.pow(x, p);
    }
}
