package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Pointwise kernels of two arguments over a 1-D run: {@code out[i] = a[i] ∘ b[i]}.
 *
 * <p>Broadcasting reaches this level as a stride of 0: a run of {@code a} against a single value
 * of {@code b} has {@code bs == 0}. {@link #apply} therefore has three vector paths (both runs
 * contiguous, {@code b} a scalar, {@code a} a scalar) and the scalar twin {@link #scalar} for
 * everything else. ADD, SUB, MUL, DIV, MAX, MIN and the comparisons (GT, GE, LT, LE, EQ) and
 * RELU_GRAD are vectorised; POW runs the twin.
 */
public final class BinaryKernels {
    private BinaryKernels() {}

    /** True when {@link #apply} has a vector form for {@code op}. */
    public static boolean isVectorised(Binary op) {
        switch (op) {
            case ADD: case SUB: case MUL: case DIV: case MAX: case MIN:
            case GT: case GE: case LT: case LE: case EQ: case RELU_GRAD:
                return true;
            default:
                return false;
        }
    }

    /** The scalar twin: {@code out[o + i·os] = op(a[ao + i·as], b[bo + i·bs])} for i &lt; n. */
    public static void scalar(Binary op, float[] a, int ao, int as, float[] b, int bo, int bs,
                              float[] out, int o, int os, int n) {
        for (int i = 0; i < n; i++) {
            out[o + i * os] = op.apply(a[ao + i * as], b[bo + i * bs]);
        }
    }

    /** {@code out[o + i·os] = op(a[ao + i·as], b[bo + i·bs])}, on the Vector API where it can. */
    public static void apply(Binary op, float[] a, int ao, int as, float[] b, int bo, int bs,
                             float[] out, int o, int os, int n) {
        if (os != 1 || !isVectorised(op)) {
            scalar(op, a, ao, as, b, bo, bs, out, o, os, n);
            return;
        }
        int bound = FLOAT.loopBound(n);
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                lanewise(op, x, y).intoArray(out, o + i);
            }
        } else if (as == 1 && bs == 0) {
            FloatVector y = FloatVector.broadcast(FLOAT, b[bo]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                lanewise(op, x, y).intoArray(out, o + i);
            }
        } else if (as == 0 && bs == 1) {
            FloatVector x = FloatVector.broadcast(FLOAT, a[ao]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                lanewise(op, x, y).intoArray(out, o + i);
            }
        }
        scalar(op, a, ao + i * as, as, b, bo + i * bs, bs, out, o + i, 1, n - i);
    }

    private static FloatVector lanewise(Binary op, FloatVector x, FloatVector y) {
        switch (op) {
            case ADD: return x.add(y);
            case SUB: return x.sub(y);
            case MUL: return x.mul(y);
            case DIV: return x.div(y);
            case MAX: return x.max(y);
            case MIN: return x.min(y);
            // Comparisons give 1 where true and 0 elsewhere. A lane compare follows Java's float
            // operators (false for any NaN operand; −0 equals +0), so it matches the scalar twin.
            // (ReLU's backward multiplies by x > 0: on the scalar path that was a quarter of a
            // CNN training step.)
            case GT: return ones(x.compare(VectorOperators.GT, y));
            case GE: return ones(x.compare(VectorOperators.GE, y));
            case LT: return ones(x.compare(VectorOperators.LT, y));
            case LE: return ones(x.compare(VectorOperators.LE, y));
            case EQ: return ones(x.compare(VectorOperators.EQ, y));
            case RELU_GRAD: return x.mul(ones(y.compare(VectorOperators.GT, 0f)));
            default: throw new AssertionError(op);
        }
    }

    /** 1 in the lanes of {@code m}, 0 elsewhere. */
    private static FloatVector ones(VectorMask<Float> m) {
        return FloatVector.zero(FLOAT).blend(FloatVector.broadcast(FLOAT, 1f), m);
    }
}
