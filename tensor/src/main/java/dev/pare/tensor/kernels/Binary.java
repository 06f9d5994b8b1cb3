package dev.pare.tensor.kernels;

/**
 * The pointwise functions of two arguments, each with its scalar definition (the oracle of every
 * vector kernel). The comparisons return 1 for true and 0 for false, as float.
 */
public enum Binary {
    ADD, SUB, MUL, DIV, MAX, MIN, POW, GT, GE, LT, LE, EQ,
    /**
     * ReLU's backward, {@code a · (b > 0 ? 1 : 0)} with a the incoming gradient and b the ReLU's
     * input: the product {@code g.mul(x.gt(0))} in one pass instead of two, with the same rounding
     * (a NaN or infinite gradient where x ≤ 0 still gives NaN, and a negative one −0, as the
     * product does; a select {@code x > 0 ? g : 0} would not).
     */
    RELU_GRAD;

    /** The function at one point: the scalar twin of every binary kernel. */
    public float apply(float a, float b) {
        switch (this) {
            case ADD: return a + b;
            case SUB: return a - b;
            case MUL: return a * b;
            case DIV: return a / b;
            // Math.max/min propagate NaN, like torch.maximum/minimum; keep that.
            case MAX: return Math.max(a, b);
            case MIN: return Math.min(a, b);
            case POW: return Unary.pow(a, b);
            case GT: return a > b ? 1f : 0f;
            case GE: return a >= b ? 1f : 0f;
            case LT: return a < b ? 1f : 0f;
            case LE: return a <= b ? 1f : 0f;
            case EQ: return a == b ? 1f : 0f;
            case RELU_GRAD: return a * (b > 0 ? 1f : 0f);
            default: throw new AssertionError(this);
        }
    }
}
