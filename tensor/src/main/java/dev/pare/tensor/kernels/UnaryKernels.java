package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Pointwise kernels of one argument over a 1-D run of floats: {@code dst[i] = f(src[i])}.
 *
 * <p>Read {@link #scalar} first: it is the definition. {@link #apply} is the same thing on the
 * Vector API when both runs are contiguous (stride 1), and falls back to the scalar twin for
 * strided runs and for the functions that have no vector form here.
 *
 * <p>Which functions are vectorised: the cheap lanewise ones (NEG, ABS, SQUARE, SQRT, RELU, CLAMP,
 * SCALE, SHIFT), EXP, through the polynomial in {@link #exp(FloatVector)}, and GELU, built on it
 * in {@link GeluKernels} (a Transformer's feed-forward activation). Pare does not use the Vector
 * API's own transcendental operators, because whether they compile to SIMD instructions or to a
 * per-lane call depends on the JDK build; TANH, SIGMOID, LOG and POW therefore run the scalar
 * twin. They are not on the hot path of the models Pare trains.
 */
public final class UnaryKernels {
    private UnaryKernels() {}

    /** True when {@link #apply} has a vector form for {@code op}. */
    public static boolean isVectorised(Unary op) {
        switch (op) {
            case NEG: case ABS: case SQUARE: case SQRT: case RELU: case CLAMP: case SCALE: case SHIFT: case EXP:
            case GELU:
                return true;
            default:
                return false;
        }
    }

    /**
     * The scalar twin: {@code dst[d + i·ds] = op(src[s + i·ss])} for {@code i < n}.
     */
    public static void scalar(Unary op, float p, float q,
                              float[] src, int s, int ss, float[] dst, int d, int ds, int n) {
        for (int i = 0; i < n; i++) {
            dst[d + i * ds] = op.apply(src[s + i * ss], p, q);
        }
    }

    /**
     * {@code dst[d + i·ds] = op(src[s + i·ss])} for {@code i < n}, on the Vector API when both
     * strides are 1 and the function has a vector form.
     */
    public static void apply(Unary op, float p, float q,
                             float[] src, int s, int ss, float[] dst, int d, int ds, int n) {
        if (ss != 1 || ds != 1 || !isVectorised(op)) {
            scalar(op, p, q, src, s, ss, dst, d, ds, n);
            return;
        }
        // The op is chosen once, outside the loops: one loop switching on op in its body runs out
        // of C2's inlining budget once a program uses several ops, and its vectors then become heap
        // objects on the Vector API's Java fallback (see the same trap in BinaryKernels.apply).
        int i;
        switch (op) {
            case NEG: i = neg(src, s, dst, d, n); break;
            case ABS: i = abs(src, s, dst, d, n); break;
            case SQUARE: i = square(src, s, dst, d, n); break;
            case SQRT: i = sqrt(src, s, dst, d, n); break;
            case RELU: i = relu(src, s, dst, d, n); break;
            case CLAMP: i = clamp(src, s, dst, d, n, p, q); break;
            case SCALE: i = scale(src, s, dst, d, n, p); break;
            case SHIFT: i = shift(src, s, dst, d, n, p); break;
            case EXP: expShifted(src, s, 0f, dst, d, n); return;
            case GELU: GeluKernels.forward(src, s, dst, d, n); return;
            default: throw new AssertionError(op);
        }
        scalar(op, p, q, src, s + i, 1, dst, d + i, 1, n - i);
    }

    // The vector part of apply, one method per op: dst[d + i] = op(src[s + i]) for i below the
    // loop bound, which each returns; apply finishes the tail with the scalar twin.

    private static int neg(float[] src, int s, float[] dst, int d, int n) {
        int bound = FLOAT.loopBound(n);
        int i = 0;
        for (; i < bound; i += FLOAT.length()) {
            FloatVector x = FloatVector.fromArray(FLOAT, src, s + i);
            x.neg().intoArray(dst, d + i);
        }
        return i;
    }

    private static int abs(float[] src, int s, float[] dst, int d, int n) {
        int bound = FLOAT.loopBound(n);
        int i = 0;
        for (; i < bound; i += FLOAT.length()) {
            FloatVector x = FloatVector.fromArray(FLOAT, src, s + i);
            x.abs().intoArray(dst, d + i);
        }
        return i;
    }

    private static int square(float[] src, int s, float[] dst, int d, int n) {
        int bound = FLOAT.loopBound(n);
        int i = 0;
        for (; i < bound; i += FLOAT.length()) {
            FloatVector x = FloatVector.fromArray(FLOAT, src, s + i);
            x.mul(x).intoArray(dst, d + i);
        }
        return i;
    }

    private static int sqrt(float[] src, int s, float[] dst, int d, int n) {
        int bound = FLOAT.loopBound(n);
        int i = 0;
        for (; i < bound; i += FLOAT.length()) {
            FloatVector x = FloatVector.fromArray(FLOAT, src, s + i);
            x.sqrt().intoArray(dst, d + i);
        }
        return i;
    }

    private static int relu(float[] src, int s, float[] dst, int d, int n) {
        int bound = FLOAT.loopBound(n);
        int i = 0;
        for (; i < bound; i += FLOAT.length()) {
            FloatVector x = FloatVector.fromArray(FLOAT, src, s + i);
            // max(x, 0) would turn NaN into 0 on some paths; blend on "x < 0" keeps NaN, as the twin.
            x.blend(0f, x.compare(VectorOperators.LT, 0f)).intoArray(dst, d + i);
        }
        return i;
    }

    private static int clamp(float[] src, int s, float[] dst, int d, int n, float p, float q) {
        int bound = FLOAT.loopBound(n);
        int i = 0;
        for (; i < bound; i += FLOAT.length()) {
            FloatVector x = FloatVector.fromArray(FLOAT, src, s + i);
            x.blend(p, x.compare(VectorOperators.LT, p)).blend(q, x.compare(VectorOperators.GT, q)).intoArray(dst, d + i);
        }
        return i;
    }

    private static int scale(float[] src, int s, float[] dst, int d, int n, float p) {
        int bound = FLOAT.loopBound(n);
        int i = 0;
        for (; i < bound; i += FLOAT.length()) {
            FloatVector x = FloatVector.fromArray(FLOAT, src, s + i);
            x.mul(p).intoArray(dst, d + i);
        }
        return i;
    }

    private static int shift(float[] src, int s, float[] dst, int d, int n, float p) {
        int bound = FLOAT.loopBound(n);
        int i = 0;
        for (; i < bound; i += FLOAT.length()) {
            FloatVector x = FloatVector.fromArray(FLOAT, src, s + i);
            x.add(p).intoArray(dst, d + i);
        }
        return i;
    }

    // Cephes' expf constants: ln 2 split into a part exact in float (C1) and a correction (C2), so
    // that x − n·ln2 loses no bits; then a degree-6 minimax polynomial on [−ln2/2, ln2/2].
    private static final float LOG2E = 1.44269504088896341f;
    private static final float C1 = 0.693359375f;
    private static final float C2 = -2.12194440e-4f;
    private static final float P0 = 1.9875691500E-4f;
    private static final float P1 = 1.3981999507E-3f;
    private static final float P2 = 8.3334519073E-3f;
    private static final float P3 = 4.1665795894E-2f;
    private static final float P4 = 1.6666665459E-1f;
    private static final float P5 = 5.0000001201E-1f;
    // Adding 1.5·2^23 rounds a float of magnitude < 2^22 to the nearest integer (ties to even).
    private static final float ROUND_MAGIC = 12582912f;
    // h + 127 + 1.5·2^23, for an integer h in [−126, 127], holds h + 127 in the low bits of its
    // mantissa (see ROUND_MAGIC); shifted left by 23, those bits are the exponent field of 2^h.
    private static final float EXPONENT_MAGIC = ROUND_MAGIC + 127f;
    /** Ints in vectors of FLOAT's shape: the bits of the floats that hold 2^n. */
    private static final VectorSpecies<Integer> INT = VectorSpecies.of(int.class, FLOAT.vectorShape());
    // Below −87.3, e^x is subnormal, which this method does not produce (it flushes to 0).
    // At 88.8, e^x is already above Float.MAX_VALUE, so clamping there keeps +Infinity.
    private static final float EXP_LO = -87.3f;
    private static final float EXP_HI = 88.8f;

    /**
     * {@code dst[d + i] = e^(src[s + i] − shift)} for i &lt; n: the exponential of a run, which
     * softmax (shift = the row maximum), GELU and {@code Unary.EXP} (shift = 0) are built on. The
     * vector loop computes exactly what {@link #exp(FloatVector)} does, written out in the loop
     * body; the tail uses {@code Math.exp}, as the scalar twin. dst may be src's own region.
     *
     * <p>Trap: why the polynomial is written twice. A loop that calls {@code exp(FloatVector)}
     * runs at SIMD speed only if C2 inlines it, and whether it does depends on what was compiled
     * first: once the helper has been compiled on its own and its machine code is larger than
     * C2's limit for inlining compiled methods (InlineSmallCode; the log then says "already
     * compiled into a big method"), every loop compiled afterwards calls it instead, with its
     * vectors boxed, and the store takes the Vector API's Java fallback. This loop has nothing
     * to inline but the Vector API's own methods.
     *
     * <p>Trap: why fused multiply-adds, and a single integer operation. JDK 17's C2 adds up the
     * failed speculations on record ("traps") of every method it inlines into one compilation,
     * and once the sum for one kind reaches PerMethodTrapLimit it stops speculating on that
     * kind for the whole compilation. Two helpers of the Vector API, {@code VectorOperators.opKind}
     * and {@code VectorOperators.ImplCache.find}, record a few failed type checks of their
     * operator argument as soon as some code in the program calls them with operators of
     * several classes. Each {@code add}, {@code mul}, {@code min}, {@code abs}... inlines both
     * ({@code IntVector} operations {@code opKind} more than once), {@code fma} only
     * {@code find}, and {@code compare}, {@code blend} and {@code reinterpretShape} neither. A
     * loop with a few dozen operations goes past the limit: from there on, a call on a vector
     * whose class C2 cannot prove keeps a slow virtual path beside the guessed one, the species
     * is no longer a constant after the two meet, and the intrinsic that needs it (typically
     * the final store) is compiled as the Java fallback, which allocates on every call. So the
     * count of such operations matters, not the size of the method, and this loop keeps it
     * low: Horner's rule as fused multiply-adds (one rounding per step instead of two), 2^n
     * with one integer shift instead of seven integer operations, and the split of 2^n as a
     * blend. The same jar on JDK 25 did not show the failure.
     */
    public static void expShifted(float[] src, int s, float shift, float[] dst, int d, int n) {
        int i = 0;
        int bound = FLOAT.loopBound(n);
        FloatVector negC1 = FloatVector.broadcast(FLOAT, -C1);
        FloatVector negC2 = FloatVector.broadcast(FLOAT, -C2);
        FloatVector p2 = FloatVector.broadcast(FLOAT, P2);
        FloatVector p3 = FloatVector.broadcast(FLOAT, P3);
        FloatVector p4 = FloatVector.broadcast(FLOAT, P4);
        FloatVector p5 = FloatVector.broadcast(FLOAT, P5);
        FloatVector one = FloatVector.broadcast(FLOAT, 1f);
        for (; i < bound; i += FLOAT.length()) {
            FloatVector x = FloatVector.fromArray(FLOAT, src, s + i).sub(shift);
            FloatVector xc = x.max(EXP_LO).min(EXP_HI);
            FloatVector nf = xc.fma(LOG2E, ROUND_MAGIC).sub(ROUND_MAGIC);
            FloatVector r = nf.fma(negC1, xc);
            r = nf.fma(negC2, r);
            FloatVector poly = r.fma(P0, P1).fma(r, p2).fma(r, p3).fma(r, p4).fma(r, p5)
                    .fma(r.mul(r), r).add(1f);
            FloatVector pow2rest = one.blend(2f, nf.compare(VectorOperators.GT, 127f));
            IntVector bits = (IntVector) nf.min(127f).add(EXPONENT_MAGIC).reinterpretShape(INT, 0);
            FloatVector pow2h = (FloatVector) bits.lanewise(VectorOperators.LSHL, 23).reinterpretShape(FLOAT, 0);
            poly.mul(pow2h).mul(pow2rest).blend(0f, x.compare(VectorOperators.LT, EXP_LO)).intoArray(dst, d + i);
        }
        for (; i < n; i++) {
            dst[d + i] = (float) Math.exp(src[s + i] - shift);
        }
    }

    /**
     * e^x on the Vector API, within 2 ulp of {@code Math.exp} on [−87.3, 88.7], +Infinity above
     * and NaN for NaN. Below −87.3, where e^x is subnormal (under 1.2e−38), it returns 0.
     *
     * <p>Method: write x = n·ln2 + r with n an integer and |r| ≤ ln2/2, evaluate e^r by a
     * polynomial, and multiply by 2^n, built directly in the exponent bits of a float.
     */
    public static FloatVector exp(FloatVector x) {
        FloatVector xc = x.max(EXP_LO).min(EXP_HI);
        // n = round(x·log2 e): the fused t = x·log2e + 1.5·2^23 is rounded once, to an integer.
        FloatVector n = xc.fma(LOG2E, ROUND_MAGIC).sub(ROUND_MAGIC);
        // r = x − n·C1 − n·C2. n·C1 is exact (n has at most 8 significant bits, C1 9), and the
        // difference is exact as well (the two are close), so only the C2 step rounds, once.
        FloatVector r = n.fma(FloatVector.broadcast(FLOAT, -C1), xc);
        r = n.fma(FloatVector.broadcast(FLOAT, -C2), r);
        // e^r ≈ 1 + r + r²·P(r), P by Horner's rule, each step one fused multiply-add.
        FloatVector poly = r.fma(P0, P1)
                .fma(r, FloatVector.broadcast(FLOAT, P2))
                .fma(r, FloatVector.broadcast(FLOAT, P3))
                .fma(r, FloatVector.broadcast(FLOAT, P4))
                .fma(r, FloatVector.broadcast(FLOAT, P5))
                .fma(r.mul(r), r).add(1f);
        // 2^n is built as 2^h · 2^(n−h) with h = min(n, 127): n reaches 128 just below the
        // overflow threshold (e^88.5 ≈ 2^127.7 rounds to n = 128), and 2^128 itself is not a
        // float; n − h is 0 or 1, so 2^(n−h) is 1 or 2. n ≥ −126 (x ≥ EXP_LO), so both factors
        // are normal floats, and the first product is exact unless the result is subnormal: the
        // value is poly·2^n rounded once, however n is split. 2^h is the float whose exponent
        // field is h + 127 and whose mantissa is 0. The float h + 127 + 1.5·2^23 holds h + 127 in
        // the low bits of its mantissa; one shift left by 23 moves them into the exponent field
        // and pushes every other bit out (the bits of 1.5·2^23 are 0 below bit 22, so 2^32 divides
        // them times 2^23). No float-to-int conversion: JDK 17 has no vector instruction for it at
        // every width.
        FloatVector pow2rest = FloatVector.broadcast(FLOAT, 1f).blend(2f, n.compare(VectorOperators.GT, 127f));
        IntVector bits = (IntVector) n.min(127f).add(EXPONENT_MAGIC).reinterpretShape(INT, 0);
        FloatVector pow2h = (FloatVector) bits.lanewise(VectorOperators.LSHL, 23).reinterpretShape(FLOAT, 0);
        // NaN survives max/min and the polynomial, so the product is NaN as it should be.
        // Below EXP_LO the true value is subnormal or 0; return 0 (flush to zero), not e^EXP_LO.
        return poly.mul(pow2h).mul(pow2rest).blend(0f, x.compare(VectorOperators.LT, EXP_LO));
    }
}
