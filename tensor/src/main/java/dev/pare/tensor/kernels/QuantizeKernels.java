package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.Int8Species.BYTE;
import static dev.pare.tensor.kernels.Int8Species.FLOAT_FOR_BYTE;
import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Affine int8 quantization of float runs and its inverse, each with its scalar twin.
 *
 * <pre>
 *   quantize:    q = clamp(rint(x / scale) + zeroPoint, qmin, qmax)
 *   dequantize:  x' = (q − zeroPoint) · scale
 * </pre>
 *
 * <ul>
 *   <li><b>Rounding</b> is half-to-even ({@link Math#rint}): 2.5 → 2, 3.5 → 4, −2.5 → −2. Half-up
 *       rounding would bias every tie upwards; ties are common because activations such as
 *       ReLU outputs often land on multiples of half a scale.</li>
 *   <li><b>Saturation</b>: values beyond the range clamp to its ends instead of wrapping.</li>
 *   <li><b>Asymmetric</b> (activations): any zero point in [−128, 127], range [−128, 127].</li>
 *   <li><b>Symmetric</b> (weights): zero point 0, range [−127, 127]. Dropping −128 makes the
 *       range symmetric, so w and −w are both representable and a sign flip of the weights
 *       never saturates. (The int8 kernels themselves accept −128 everywhere.)</li>
 *   <li><b>NaN</b> has no int8 value; it quantizes to the zero point (the real number 0).</li>
 * </ul>
 *
 * <p>The formula divides by the scale rather than multiplying by 1/scale: the two differ at
 * ties, and the division is the definition PyTorch also uses. Per-row variants give each row
 * (each output channel of a weight matrix) its own scale and zero point.
 *
 * <p>Error law: for x whose quantized value is inside the range, |x' − x| ≤ scale/2 (up to
 * one float rounding of the division and of the multiplication).
 */
public final class QuantizeKernels {
    private QuantizeKernels() {}

    /** The asymmetric range, [−128, 127]. */
    public static final int QMIN = -128;
    /** The largest int8 value. */
    public static final int QMAX = 127;
    /** The lower end of the symmetric range, −127. */
    public static final int QMIN_SYMMETRIC = -127;

    /**
     * 1.5·2^23. For |t| &lt; 2^22, t + M is t rounded to an integer, ties to even, then offset by
     * M: the sum lies in [2^23, 2^24), where floats are exactly the integers, so the addition
     * itself rounds in the default (round-half-even) mode. Moreover the bit pattern of M + t is
     * the bit pattern of M plus rint(t), so the integer can be read from the bits.
     */
    private static final float RINT_MAGIC = 12582912f;

    /** {@code Float.floatToRawIntBits(RINT_MAGIC)}. */
    private static final int RINT_MAGIC_BITS = 0x4B400000;

    // ------------------------------------------------------------------ scalar twins

    /** Scalar twin of {@link #quantize}: one element, see the class comment for the formula. */
    public static byte quantizeOne(float x, float scale, int zeroPoint, int qmin, int qmax) {
        float t = x / scale;
        if (t != t) {
            t = 0f;
        }
        // Clamp before rounding (so that rint never sees huge values) to bounds that are
        // integers: rint(clamp(t)) = clamp(rint(t)) because rint is monotone.
        t = Math.min(Math.max(t, qmin - zeroPoint), qmax - zeroPoint);
        return (byte) ((int) Math.rint(t) + zeroPoint);
    }

    /** Scalar twin of {@link #quantize}. */
    public static void quantizeScalar(float[] x, int xo, byte[] q, int qo, int n,
                                      float scale, int zeroPoint, int qmin, int qmax) {
        for (int i = 0; i < n; i++) {
            q[qo + i] = quantizeOne(x[xo + i], scale, zeroPoint, qmin, qmax);
        }
    }

    /** Scalar twin of {@link #dequantize}. */
    public static void dequantizeScalar(byte[] q, int qo, float[] out, int oo, int n, float scale, int zeroPoint) {
        for (int i = 0; i < n; i++) {
            out[oo + i] = (float) (q[qo + i] - zeroPoint) * scale;
        }
    }

    /**
     * Scalar twin of {@link #fakeQuantize}: {@link #quantizeOne} then dequantization, one element,
     * with the asymmetric range [−128, 127].
     */
    public static float fakeQuantizeOne(float x, float scale, int zeroPoint) {
        return (float) (quantizeOne(x, scale, zeroPoint, QMIN, QMAX) - zeroPoint) * scale;
    }

    /** Scalar twin of {@link #fakeQuantize}. */
    public static void fakeQuantizeScalar(float[] x, int xo, float[] out, int oo, int n, float scale, int zeroPoint) {
        for (int i = 0; i < n; i++) {
            out[oo + i] = fakeQuantizeOne(x[xo + i], scale, zeroPoint);
        }
    }

    // ------------------------------------------------------------------ vector kernels

    /**
     * q[qo + i] = clamp(rint(x[xo + i] / scale) + zeroPoint, qmin, qmax) for i &lt; n.
     *
     * @throws IllegalArgumentException if the scale is not positive and finite, the range is not
     *     inside [−128, 127], or the zero point is outside the range
     */
    public static void quantize(float[] x, int xo, byte[] q, int qo, int n,
                                float scale, int zeroPoint, int qmin, int qmax) {
        checkParams("quantize", scale, zeroPoint, qmin, qmax);
        checkRun("quantize", "x", x.length, xo, n);
        checkRun("quantize", "q", q.length, qo, n);
        float lo = qmin - zeroPoint;
        float hi = qmax - zeroPoint;
        int lanes = FLOAT_FOR_BYTE.length();
        int i = 0;
        int bound = FLOAT_FOR_BYTE.loopBound(n);
        for (; i < bound; i += lanes) {
            FloatVector t = FloatVector.fromArray(FLOAT_FOR_BYTE, x, xo + i).div(scale);
            t = t.blend(0f, t.test(VectorOperators.IS_NAN));
            // Trap: JDK 17 does not compile a float-to-int conversion (F2I, F2B) to SIMD, and
            // the vectors end up on the heap (400 bytes per iteration). The rounded integer is
            // read from the bits of t + M instead; int-to-byte (I2B) compiles fine.
            IntVector bits = t.max(lo).min(hi).add(RINT_MAGIC).reinterpretAsInts();
            // bits − bits(M) = rint(t) in [qmin − zp, qmax − zp]; adding zp gives q, exactly.
            ((ByteVector) bits.sub(RINT_MAGIC_BITS - zeroPoint).convertShape(VectorOperators.I2B, BYTE, 0))
                    .intoArray(q, qo + i);
        }
        quantizeScalar(x, xo + i, q, qo + i, n - i, scale, zeroPoint, qmin, qmax);
    }

    /** {@link #quantize} with the asymmetric range [−128, 127]: activations. */
    public static void quantize(float[] x, int xo, byte[] q, int qo, int n, float scale, int zeroPoint) {
        quantize(x, xo, q, qo, n, scale, zeroPoint, QMIN, QMAX);
    }

    /** {@link #quantize} with zero point 0 and the symmetric range [−127, 127]: weights. */
    public static void quantizeSymmetric(float[] x, int xo, byte[] q, int qo, int n, float scale) {
        quantize(x, xo, q, qo, n, scale, 0, QMIN_SYMMETRIC, QMAX);
    }

    /** out[oo + i] = (q[qo + i] − zeroPoint)·scale for i &lt; n. */
    public static void dequantize(byte[] q, int qo, float[] out, int oo, int n, float scale, int zeroPoint) {
        checkParams("dequantize", scale, zeroPoint, QMIN, QMAX);
        checkRun("dequantize", "q", q.length, qo, n);
        checkRun("dequantize", "out", out.length, oo, n);
        float zp = zeroPoint;
        int lanes = FLOAT_FOR_BYTE.length();
        int i = 0;
        int bound = FLOAT_FOR_BYTE.loopBound(n);
        for (; i < bound; i += lanes) {
            // (float) q − (float) zp is exact (small integers), so this matches the scalar
            // (float) (q − zp) bit for bit; one rounding, in the multiply.
            FloatVector v = (FloatVector) ByteVector.fromArray(BYTE, q, qo + i)
                    .convertShape(VectorOperators.B2F, FLOAT_FOR_BYTE, 0);
            v.sub(zp).mul(scale).intoArray(out, oo + i);
        }
        dequantizeScalar(q, qo + i, out, oo + i, n - i, scale, zeroPoint);
    }

    /**
     * out[oo + i] = dequantize(quantize(x[xo + i])) with the asymmetric range [−128, 127], for
     * i &lt; n: x rounded to the nearest point of its int8 grid, the value an int8 kernel would
     * see, kept in float. Bit for bit the same as {@link #quantize} followed by
     * {@link #dequantize}, without the int8 array in between. {@code out} may be {@code x} itself
     * at the same offset (in place); this is how the int8-weight GEMM rounds the activations
     * inside its packed panels ({@link Int8WeightGemm}).
     *
     * <p>Why it equals the two-step version: with t = clamp(x / scale) (NaN → 0), quantize gives
     * q = rint(t) + zp and dequantize (q − zp)·scale = rint(t)·scale, where rint(t) is a small
     * integer and exact in float. rint(t) is computed as (t + M) − M, M = 1.5·2^23 (see
     * {@code RINT_MAGIC}): both operations are exact apart from the rounding to an integer, ties
     * to even like {@link Math#rint}, and a zero result is +0 as in the integer path.
     *
     * @throws IllegalArgumentException if the scale is not positive and finite or the zero point
     *     is outside [−128, 127]
     */
    public static void fakeQuantize(float[] x, int xo, float[] out, int oo, int n, float scale, int zeroPoint) {
        checkParams("fakeQuantize", scale, zeroPoint, QMIN, QMAX);
        checkRun("fakeQuantize", "x", x.length, xo, n);
        checkRun("fakeQuantize", "out", out.length, oo, n);
        float lo = QMIN - zeroPoint;
        float hi = QMAX - zeroPoint;
        int lanes = FLOAT.length();
        int i = 0;
        int bound = FLOAT.loopBound(n);
        for (; i < bound; i += lanes) {
            FloatVector t = FloatVector.fromArray(FLOAT, x, xo + i).div(scale);
            t = t.blend(0f, t.test(VectorOperators.IS_NAN));
            t.max(lo).min(hi).add(RINT_MAGIC).sub(RINT_MAGIC).mul(scale).intoArray(out, oo + i);
        }
        fakeQuantizeScalar(x, xo + i, out, oo + i, n - i, scale, zeroPoint);
    }

    /** Scalar twin of {@link #rangeWithZero}. */
    public static void rangeWithZeroScalar(float[] x, int xo, int n, float[] loHi) {
        float lo = 0f;
        float hi = 0f;
        float bad = 0f;
        for (int i = 0; i < n; i++) {
            float v = x[xo + i];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
            bad += v - v;
        }
        loHi[0] = bad == 0f ? lo : Float.NaN;
        loHi[1] = bad == 0f ? hi : Float.NaN;
    }

    /**
     * The range of a run, widened to contain 0, for dynamic activation quantization:
     * {@code loHi[0] = min(0, x…)} and {@code loHi[1] = max(0, x…)}, or NaN in both when the run
     * holds a NaN or an infinity.
     *
     * <p>One pass, with plain comparisons and blends rather than {@code min}/{@code max}:
     * Java's min and max also order −0 before +0 and propagate NaN, which costs a chain of
     * several dependent instructions per vector, which made the scan several times slower.
     * Here −0 never replaces the starting +0, NaN never enters lo or hi, and bad finite input is
     * caught by a separate sum of v − v, which is 0 for every finite v and NaN for NaN and ±∞.
     * None of the three depends on the order of the elements, so the kernel equals its twin
     * exactly.
     */
    public static void rangeWithZero(float[] x, int xo, int n, float[] loHi) {
        checkRun("rangeWithZero", "x", x.length, xo, n);
        if (n >= WIDE_RANGE) {
            rangeWithZeroWide(x, xo, n, loHi);
            return;
        }
        FloatVector lo = FloatVector.zero(FLOAT);
        FloatVector hi = lo;
        FloatVector bad = lo;
        int lanes = FLOAT.length();
        int i = 0;
        int bound = FLOAT.loopBound(n);
        for (; i < bound; i += lanes) {
            FloatVector v = FloatVector.fromArray(FLOAT, x, xo + i);
            lo = lo.blend(v, v.lt(lo));
            hi = hi.blend(v, v.compare(VectorOperators.GT, hi));
            bad = bad.add(v.sub(v));
        }
        rangeWithZeroScalar(x, xo + i, n - i, loHi);
        float l = loHi[0];
        float h = loHi[1];
        float b = 0f;
        for (int t = 0; t < lanes; t++) {
            float lt = lo.lane(t);
            float ht = hi.lane(t);
            l = lt < l ? lt : l;
            h = ht > h ? ht : h;
            b += bad.lane(t);
        }
        boolean finite = b == 0f && l == l;   // the tail reports NaN in l itself
        loHi[0] = finite ? l : Float.NaN;
        loHi[1] = finite ? h : Float.NaN;
    }

    /**
     * Runs at least this long (a batch, not one sample) take {@link #rangeWithZeroWide}. The
     * short path stays small on purpose: it is inlined into the batch-1 layers, and a bigger body
     * there pushed C2 past its inlining budget, which then kept the vectors of the whole forward
     * pass as heap objects, in some JMH forks and not others: allocation per call, and the
     * time doubled.
     */
    static final int WIDE_RANGE = 4096;

    /**
     * {@link #rangeWithZero} for long runs, with four independent sets of accumulators: each
     * compare-and-blend waits for the previous one on the same accumulator, so one set runs at the
     * latency of that chain and four sets run at the throughput of the core. The result does not
     * depend on the order (min, max and the NaN test commute), so it equals the twin exactly.
     */
    private static void rangeWithZeroWide(float[] x, int xo, int n, float[] loHi) {
        int lanes = FLOAT.length();
        FloatVector lo0 = FloatVector.zero(FLOAT);
        FloatVector lo1 = lo0;
        FloatVector lo2 = lo0;
        FloatVector lo3 = lo0;
        FloatVector hi0 = lo0;
        FloatVector hi1 = lo0;
        FloatVector hi2 = lo0;
        FloatVector hi3 = lo0;
        FloatVector bad = lo0;
        int i = 0;
        int bound = n - n % (4 * lanes);
        for (; i < bound; i += 4 * lanes) {
            FloatVector v0 = FloatVector.fromArray(FLOAT, x, xo + i);
            FloatVector v1 = FloatVector.fromArray(FLOAT, x, xo + i + lanes);
            FloatVector v2 = FloatVector.fromArray(FLOAT, x, xo + i + 2 * lanes);
            FloatVector v3 = FloatVector.fromArray(FLOAT, x, xo + i + 3 * lanes);
            lo0 = lo0.blend(v0, v0.lt(lo0));
            lo1 = lo1.blend(v1, v1.lt(lo1));
            lo2 = lo2.blend(v2, v2.lt(lo2));
            lo3 = lo3.blend(v3, v3.lt(lo3));
            hi0 = hi0.blend(v0, v0.compare(VectorOperators.GT, hi0));
            hi1 = hi1.blend(v1, v1.compare(VectorOperators.GT, hi1));
            hi2 = hi2.blend(v2, v2.compare(VectorOperators.GT, hi2));
            hi3 = hi3.blend(v3, v3.compare(VectorOperators.GT, hi3));
            // v − v is 0 for finite v and NaN otherwise; summing the four first keeps one chain.
            bad = bad.add(v0.sub(v0).add(v1.sub(v1)).add(v2.sub(v2).add(v3.sub(v3))));
        }
        // The lane reduction below is written out again rather than shared with rangeWithZero:
        // a helper taking vectors as arguments is boxed whenever C2 declines to inline it.
        rangeWithZeroScalar(x, xo + i, n - i, loHi);
        float l = loHi[0];
        float h = loHi[1];
        FloatVector lo = lo0.blend(lo1, lo1.lt(lo0));
        lo = lo.blend(lo2, lo2.lt(lo));
        lo = lo.blend(lo3, lo3.lt(lo));
        FloatVector hi = hi0.blend(hi1, hi1.compare(VectorOperators.GT, hi0));
        hi = hi.blend(hi2, hi2.compare(VectorOperators.GT, hi));
        hi = hi.blend(hi3, hi3.compare(VectorOperators.GT, hi));
        float b = 0f;
        for (int t = 0; t < lanes; t++) {
            float lt = lo.lane(t);
            float ht = hi.lane(t);
            l = lt < l ? lt : l;
            h = ht > h ? ht : h;
            b += bad.lane(t);
        }
        boolean finite = b == 0f && l == l;   // the tail reports NaN in l itself
        loHi[0] = finite ? l : Float.NaN;
        loHi[1] = finite ? h : Float.NaN;
    }

    // ------------------------------------------------------------------ per-row variants

    /**
     * Symmetric per-row quantization of a row-major rows×cols matrix (row r at x[xo + r·cols]):
     * row r uses scales[r], zero point 0, range [−127, 127]. This is per-output-channel weight
     * quantization when the matrix is a weight [out, in].
     */
    public static void quantizeRowsSymmetric(float[] x, int xo, byte[] q, int qo, int rows, int cols, float[] scales) {
        checkRows("quantizeRowsSymmetric", rows, cols, scales.length, -1);
        for (int r = 0; r < rows; r++) {
            quantizeSymmetric(x, xo + r * cols, q, qo + r * cols, cols, scales[r]);
        }
    }

    /** Asymmetric per-row quantization: row r uses scales[r] and zeroPoints[r], range [−128, 127]. */
    public static void quantizeRows(float[] x, int xo, byte[] q, int qo, int rows, int cols,
                                    float[] scales, int[] zeroPoints) {
        checkRows("quantizeRows", rows, cols, scales.length, zeroPoints.length);
        for (int r = 0; r < rows; r++) {
            quantize(x, xo + r * cols, q, qo + r * cols, cols, scales[r], zeroPoints[r]);
        }
    }

    /** Per-row dequantization; {@code zeroPoints} may be null for symmetric rows (all zero). */
    public static void dequantizeRows(byte[] q, int qo, float[] out, int oo, int rows, int cols,
                                      float[] scales, int[] zeroPoints) {
        checkRows("dequantizeRows", rows, cols, scales.length, zeroPoints == null ? -1 : zeroPoints.length);
        for (int r = 0; r < rows; r++) {
            dequantize(q, qo + r * cols, out, oo + r * cols, cols, scales[r], zeroPoints == null ? 0 : zeroPoints[r]);
        }
    }

    // ------------------------------------------------------------------ checks

    static void checkParams(String op, float scale, int zeroPoint, int qmin, int qmax) {
        if (!(scale > 0f) || Float.isInfinite(scale)) {
            throw new IllegalArgumentException(op + ": scale must be positive and finite, got " + scale);
        }
        if (qmin < QMIN || qmax > QMAX || qmin > qmax) {
            throw new IllegalArgumentException(op + ": range [" + qmin + ", " + qmax + "] is not inside [-128, 127]");
        }
        if (zeroPoint < qmin || zeroPoint > qmax) {
            throw new IllegalArgumentException(op + ": zero point " + zeroPoint + " is outside the range ["
                    + qmin + ", " + qmax + "]");
        }
    }

    static void checkRun(String op, String name, int length, int offset, int n) {
        if (n < 0 || offset < 0 || (long) offset + n > length) {
            throw new IllegalArgumentException(op + ": " + name + " needs " + n + " elements from offset "
                    + offset + " but has length " + length);
        }
    }

    private static void checkRows(String op, int rows, int cols, int scales, int zeroPoints) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException(op + ": negative shape [" + rows + ", " + cols + "]");
        }
        if (scales < rows || (zeroPoints >= 0 && zeroPoints < rows)) {
            throw new IllegalArgumentException(op + ": " + rows + " rows but " + scales + " scales"
                    + (zeroPoints >= 0 ? " and " + zeroPoints + " zero points" : ""));
        }
    }
}
