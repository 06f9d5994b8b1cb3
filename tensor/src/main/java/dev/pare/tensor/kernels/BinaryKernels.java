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
        if (os != 1 || !isVectorised(op) || !(as == 1 && (bs == 1 || bs == 0) || as == 0 && bs == 1)) {
            scalar(op, a, ao, as, b, bo, bs, out, o, os, n);
            return;
        }
        // Trap: one loop whose body switches on op is the obvious way to write this, and it is
        // slow. C2 compiles such a loop with a case for every op the program has used, tries to
        // inline all of their vector calls and runs out of inlining budget; the vector calls left out of line then pass their
        // vectors as heap objects and take the Vector API's lane-by-lane Java fallback (frames
        // named lanewiseTemplate in a profile). A micro-benchmark of one op never shows it, because
        // C2 prunes the switch cases it has not seen; a training step, which uses them all, does.
        // So the op is chosen once, here, and each op has loops of its own holding one operator.
        int i;
        switch (op) {
            case ADD: i = add(a, ao, as, b, bo, bs, out, o, n); break;
            case SUB: i = sub(a, ao, as, b, bo, bs, out, o, n); break;
            case MUL: i = mul(a, ao, as, b, bo, bs, out, o, n); break;
            case DIV: i = div(a, ao, as, b, bo, bs, out, o, n); break;
            case MAX: i = max(a, ao, as, b, bo, bs, out, o, n); break;
            case MIN: i = min(a, ao, as, b, bo, bs, out, o, n); break;
            case GT: i = gt(a, ao, as, b, bo, bs, out, o, n); break;
            case GE: i = ge(a, ao, as, b, bo, bs, out, o, n); break;
            case LT: i = lt(a, ao, as, b, bo, bs, out, o, n); break;
            case LE: i = le(a, ao, as, b, bo, bs, out, o, n); break;
            case EQ: i = eq(a, ao, as, b, bo, bs, out, o, n); break;
            case RELU_GRAD: i = reluGrad(a, ao, as, b, bo, bs, out, o, n); break;
            default: throw new AssertionError(op);
        }
        scalar(op, a, ao + i * as, as, b, bo + i * bs, bs, out, o + i, 1, n - i);
    }

    // Each method below: the vector part of apply for one op, for the three stride patterns it
    // accepts (both runs contiguous; b a broadcast scalar; a a broadcast scalar). Returns how many
    // elements it did, a multiple of the vector length; apply does the tail with the scalar twin.

    private static int add(float[] a, int ao, int as, float[] b, int bo, int bs, float[] out, int o, int n) {
        int bound = FLOAT.loopBound(n);
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                x.add(y).intoArray(out, o + i);
            }
        } else if (as == 1) {
            FloatVector y = FloatVector.broadcast(FLOAT, b[bo]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                x.add(y).intoArray(out, o + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(FLOAT, a[ao]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                x.add(y).intoArray(out, o + i);
            }
        }
        return i;
    }

    private static int sub(float[] a, int ao, int as, float[] b, int bo, int bs, float[] out, int o, int n) {
        int bound = FLOAT.loopBound(n);
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                x.sub(y).intoArray(out, o + i);
            }
        } else if (as == 1) {
            FloatVector y = FloatVector.broadcast(FLOAT, b[bo]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                x.sub(y).intoArray(out, o + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(FLOAT, a[ao]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                x.sub(y).intoArray(out, o + i);
            }
        }
        return i;
    }

    private static int mul(float[] a, int ao, int as, float[] b, int bo, int bs, float[] out, int o, int n) {
        int bound = FLOAT.loopBound(n);
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                x.mul(y).intoArray(out, o + i);
            }
        } else if (as == 1) {
            FloatVector y = FloatVector.broadcast(FLOAT, b[bo]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                x.mul(y).intoArray(out, o + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(FLOAT, a[ao]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                x.mul(y).intoArray(out, o + i);
            }
        }
        return i;
    }

    private static int div(float[] a, int ao, int as, float[] b, int bo, int bs, float[] out, int o, int n) {
        int bound = FLOAT.loopBound(n);
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                x.div(y).intoArray(out, o + i);
            }
        } else if (as == 1) {
            FloatVector y = FloatVector.broadcast(FLOAT, b[bo]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                x.div(y).intoArray(out, o + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(FLOAT, a[ao]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                x.div(y).intoArray(out, o + i);
            }
        }
        return i;
    }

    private static int max(float[] a, int ao, int as, float[] b, int bo, int bs, float[] out, int o, int n) {
        int bound = FLOAT.loopBound(n);
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                x.max(y).intoArray(out, o + i);
            }
        } else if (as == 1) {
            FloatVector y = FloatVector.broadcast(FLOAT, b[bo]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                x.max(y).intoArray(out, o + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(FLOAT, a[ao]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                x.max(y).intoArray(out, o + i);
            }
        }
        return i;
    }

    private static int min(float[] a, int ao, int as, float[] b, int bo, int bs, float[] out, int o, int n) {
        int bound = FLOAT.loopBound(n);
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                x.min(y).intoArray(out, o + i);
            }
        } else if (as == 1) {
            FloatVector y = FloatVector.broadcast(FLOAT, b[bo]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                x.min(y).intoArray(out, o + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(FLOAT, a[ao]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                x.min(y).intoArray(out, o + i);
            }
        }
        return i;
    }

    private static int gt(float[] a, int ao, int as, float[] b, int bo, int bs, float[] out, int o, int n) {
        int bound = FLOAT.loopBound(n);
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                ones(x.compare(VectorOperators.GT, y)).intoArray(out, o + i);
            }
        } else if (as == 1) {
            FloatVector y = FloatVector.broadcast(FLOAT, b[bo]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                ones(x.compare(VectorOperators.GT, y)).intoArray(out, o + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(FLOAT, a[ao]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                ones(x.compare(VectorOperators.GT, y)).intoArray(out, o + i);
            }
        }
        return i;
    }

    private static int ge(float[] a, int ao, int as, float[] b, int bo, int bs, float[] out, int o, int n) {
        int bound = FLOAT.loopBound(n);
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                ones(x.compare(VectorOperators.GE, y)).intoArray(out, o + i);
            }
        } else if (as == 1) {
            FloatVector y = FloatVector.broadcast(FLOAT, b[bo]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                ones(x.compare(VectorOperators.GE, y)).intoArray(out, o + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(FLOAT, a[ao]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                ones(x.compare(VectorOperators.GE, y)).intoArray(out, o + i);
            }
        }
        return i;
    }

    private static int lt(float[] a, int ao, int as, float[] b, int bo, int bs, float[] out, int o, int n) {
        int bound = FLOAT.loopBound(n);
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                ones(x.compare(VectorOperators.LT, y)).intoArray(out, o + i);
            }
        } else if (as == 1) {
            FloatVector y = FloatVector.broadcast(FLOAT, b[bo]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                ones(x.compare(VectorOperators.LT, y)).intoArray(out, o + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(FLOAT, a[ao]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                ones(x.compare(VectorOperators.LT, y)).intoArray(out, o + i);
            }
        }
        return i;
    }

    private static int le(float[] a, int ao, int as, float[] b, int bo, int bs, float[] out, int o, int n) {
        int bound = FLOAT.loopBound(n);
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                ones(x.compare(VectorOperators.LE, y)).intoArray(out, o + i);
            }
        } else if (as == 1) {
            FloatVector y = FloatVector.broadcast(FLOAT, b[bo]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                ones(x.compare(VectorOperators.LE, y)).intoArray(out, o + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(FLOAT, a[ao]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                ones(x.compare(VectorOperators.LE, y)).intoArray(out, o + i);
            }
        }
        return i;
    }

    private static int eq(float[] a, int ao, int as, float[] b, int bo, int bs, float[] out, int o, int n) {
        int bound = FLOAT.loopBound(n);
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                ones(x.compare(VectorOperators.EQ, y)).intoArray(out, o + i);
            }
        } else if (as == 1) {
            FloatVector y = FloatVector.broadcast(FLOAT, b[bo]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                ones(x.compare(VectorOperators.EQ, y)).intoArray(out, o + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(FLOAT, a[ao]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                ones(x.compare(VectorOperators.EQ, y)).intoArray(out, o + i);
            }
        }
        return i;
    }

    private static int reluGrad(float[] a, int ao, int as, float[] b, int bo, int bs, float[] out, int o, int n) {
        int bound = FLOAT.loopBound(n);
        int i = 0;
        if (as == 1 && bs == 1) {
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                x.mul(ones(y.compare(VectorOperators.GT, 0f))).intoArray(out, o + i);
            }
        } else if (as == 1) {
            FloatVector y = FloatVector.broadcast(FLOAT, b[bo]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector x = FloatVector.fromArray(FLOAT, a, ao + i);
                x.mul(ones(y.compare(VectorOperators.GT, 0f))).intoArray(out, o + i);
            }
        } else {
            FloatVector x = FloatVector.broadcast(FLOAT, a[ao]);
            for (; i < bound; i += FLOAT.length()) {
                FloatVector y = FloatVector.fromArray(FLOAT, b, bo + i);
                x.mul(ones(y.compare(VectorOperators.GT, 0f))).intoArray(out, o + i);
            }
        }
        return i;
    }

    /** 1 in the lanes of {@code m}, 0 elsewhere. */
    private static FloatVector ones(VectorMask<Float> m) {
        return FloatVector.zero(FLOAT).blend(FloatVector.broadcast(FLOAT, 1f), m);
    }
}
