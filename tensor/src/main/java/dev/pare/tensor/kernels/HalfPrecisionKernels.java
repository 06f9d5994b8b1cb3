package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Conversions between float32 and the two 16-bit float formats of checkpoints, each with its
 * scalar twin. A 16-bit value travels as the raw bits in a {@code short}.
 *
 * <pre>
 *   format   sign  exponent  mantissa  bias   largest finite   smallest normal   smallest subnormal
 *   F32      1     8         23        127    3.4e38           2^-126            2^-149
 *   F16      1     5         10        15     65504            2^-14             2^-24
 *   BF16     1     8         7         127    3.4e38           2^-126            2^-133
 * </pre>
 *
 * <ul>
 *   <li><b>Widening</b> (F16 or BF16 to F32) is exact for all 65,536 patterns: subnormals,
 *       ±0, ±∞ and NaN (with its payload) included. BF16 is simply the top half of an F32.</li>
 *   <li><b>Narrowing</b> (F32 to F16 or BF16) rounds to nearest, ties to even, which is what
 *       PyTorch's {@code .half()} and {@code .bfloat16()} do. Values too large for F16
 *       (≥ 65520, the midpoint between 65504 and 2^16) become ∞; values too small become
 *       subnormals or ±0.</li>
 *   <li><b>NaN stays NaN</b>: the top payload bits are kept, so every 16-bit NaN survives a
 *       round trip through F32; a NaN whose payload lies only in the low mantissa bits would
 *       truncate to ∞, so it gets the quiet bit instead.</li>
 * </ul>
 *
 * <p>JDK 17 has no {@code Float.float16ToFloat} (added in JDK 20), so the bit manipulation is
 * written out here; the tests check it against an independent oracle on every pattern.
 */
public final class HalfPrecisionKernels {
    private HalfPrecisionKernels() {}

    /**
     * Shorts loaded before widening: half the float width, at least 64 bits (the smallest short
     * vector; with 64-bit floats the int side then runs at 128 bits, as in {@link Int8Species}).
     */
    private static final VectorSpecies<Short> SHORT = VectorSpecies.of(short.class,
            VectorShape.forBitSize(Math.max(64, FLOAT.vectorBitSize() / 2)));
    /** Ints with as many lanes as {@link #SHORT}. */
    private static final VectorSpecies<Integer> INT = VectorSpecies.of(int.class,
            VectorShape.forBitSize(SHORT.length() * Integer.SIZE));
    /** Floats with as many lanes as {@link #SHORT}. */
    private static final VectorSpecies<Float> FLOAT_FOR_SHORT = VectorSpecies.of(float.class,
            VectorShape.forBitSize(SHORT.length() * Float.SIZE));

    /** 112 = 127 − 15, the difference of the exponent biases, placed in the F32 exponent field. */
    private static final int REBIAS = 112 << 23;
    /** |f| ≥ 65520 (bits 0x477FF000) rounds to F16 infinity; 65504 has an odd mantissa, so the tie goes up. */
    private static final int F16_OVERFLOW_BITS = 0x477FF000;
    /** 2^-14 (bits 0x38800000), the smallest normal F16; below it F16 has only subnormals. */
    private static final int F16_MIN_NORMAL_BITS = 0x38800000;
    /** 2^23: for 0 ≤ t &lt; 2^23, the bits of t + 2^23 minus these bits are rint(t) (see QuantizeKernels.RINT_MAGIC). */
    private static final float TWO_POW_23 = 0x1p23f;
    private static final int TWO_POW_23_BITS = 0x4B000000;

    // ------------------------------------------------------------------ scalar twins, one value

    /** The F16 value with bits {@code h}, exactly. */
    public static float f16ToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0) {
            // Zero or subnormal: mant · 2^-24, exact in float (10 bits, a power-of-two scale).
            float magnitude = mant * 0x1p-24f;
            return Float.intBitsToFloat(sign | Float.floatToRawIntBits(magnitude));
        }
        if (exp == 0x1F) {
            // ∞ (mant 0) or NaN, payload kept in the top mantissa bits.
            return Float.intBitsToFloat(sign | 0x7F800000 | mant << 13);
        }
        return Float.intBitsToFloat(sign | ((bits & 0x7FFF) << 13) + REBIAS);
    }

    /** {@code f} rounded to the nearest F16, ties to even; NaN stays NaN. */
    public static short floatToF16(float f) {
        int x = Float.floatToRawIntBits(f);
        int sign = (x >>> 16) & 0x8000;
        int a = x & 0x7FFFFFFF;
        if (a > 0x7F800000) {
            // Keep the top 10 payload bits (so every F16 NaN survives F16 → F32 → F16); if they
            // are all zero, truncation would give ∞, so set the quiet bit instead.
            int payload = (a >>> 13) & 0x3FF;
            return (short) (sign | 0x7C00 | (payload == 0 ? 0x200 : payload));
        }
        if (a >= F16_OVERFLOW_BITS) {
            return (short) (sign | 0x7C00);
        }
        if (a < F16_MIN_NORMAL_BITS) {
            // Subnormal result: the count of 2^-24 units, rounded half-even. |f|·2^24 < 2^10 is
            // exact, and rint(1024) = 0x400 is correctly the smallest normal's encoding.
            return (short) (sign | (int) Math.rint(Float.intBitsToFloat(a) * 0x1p24f));
        }
        // Normal: drop 13 mantissa bits with round-half-even. Adding 0xFFF plus the lowest kept
        // bit carries exactly when the dropped part is above half, or is half and the kept bit
        // is odd; a carry out of the mantissa correctly increments the exponent.
        return (short) (sign | (a - REBIAS + 0xFFF + ((a >>> 13) & 1)) >>> 13);
    }

    /** The BF16 value with bits {@code h}: those bits are the top half of an F32. Exact. */
    public static float bf16ToFloat(short h) {
        return Float.intBitsToFloat(h << 16);
    }

    /** {@code f} rounded to the nearest BF16, ties to even; NaN stays NaN, large values may become ±∞. */
    public static short floatToBf16(float f) {
        int x = Float.floatToRawIntBits(f);
        if ((x & 0x7FFFFFFF) > 0x7F800000) {
            // Keep the top 7 payload bits; if they are all zero, truncation would give ∞, so set the quiet bit.
            int hi = x >>> 16;
            return (short) ((hi & 0x7F) == 0 ? hi | 0x40 : hi);
        }
        return (short) ((x + 0x7FFF + ((x >>> 16) & 1)) >>> 16);
    }

    // ------------------------------------------------------------------ scalar twins, runs

    /** Scalar twin of {@link #f16ToF32}. */
    public static void f16ToF32Scalar(short[] src, int so, float[] dst, int dOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dOff + i] = f16ToFloat(src[so + i]);
        }
    }

    /** Scalar twin of {@link #f32ToF16}. */
    public static void f32ToF16Scalar(float[] src, int so, short[] dst, int dOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dOff + i] = floatToF16(src[so + i]);
        }
    }

    /** Scalar twin of {@link #bf16ToF32}. */
    public static void bf16ToF32Scalar(short[] src, int so, float[] dst, int dOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dOff + i] = bf16ToFloat(src[so + i]);
        }
    }

    /** Scalar twin of {@link #f32ToBf16}. */
    public static void f32ToBf16Scalar(float[] src, int so, short[] dst, int dOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dOff + i] = floatToBf16(src[so + i]);
        }
    }

    // ------------------------------------------------------------------ vector kernels

    /** {@code dst[dOff + i] = f16ToFloat(src[so + i])} for i in [0, n). */
    public static void f16ToF32(short[] src, int so, float[] dst, int dOff, int n) {
        int bound = SHORT.loopBound(n);
        int i = 0;
        for (; i < bound; i += SHORT.length()) {
            // S2I sign-extends; every use below masks, so the extension does not matter.
            IntVector h = (IntVector) ShortVector.fromArray(SHORT, src, so + i).convertShape(VectorOperators.S2I, INT, 0);
            IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
            IntVector exp = h.lanewise(VectorOperators.LSHR, 10).and(0x1F);
            IntVector mant = h.and(0x3FF);
            // Normal: exponent and mantissa moved up 13 bits and re-biased; ∞/NaN: re-biased twice
            // more, so exponent 31 lands on 255 (31 + 2·112 = 255).
            IntVector body = h.and(0x7FFF).lanewise(VectorOperators.LSHL, 13).add(REBIAS);
            body = body.add(REBIAS, exp.compare(VectorOperators.EQ, 0x1F));
            // Zero and subnormal: mant · 2^-24, computed in floats (exact).
            IntVector small = ((FloatVector) mant.convertShape(VectorOperators.I2F, FLOAT_FOR_SHORT, 0))
                    .mul(0x1p-24f).reinterpretAsInts();
            body = body.blend(small, exp.compare(VectorOperators.EQ, 0));
            body.or(sign).reinterpretAsFloats().intoArray(dst, dOff + i);
        }
        f16ToF32Scalar(src, so + i, dst, dOff + i, n - i);
    }

    /** {@code dst[dOff + i] = floatToF16(src[so + i])} for i in [0, n). */
    public static void f32ToF16(float[] src, int so, short[] dst, int dOff, int n) {
        int bound = SHORT.loopBound(n);
        int i = 0;
        for (; i < bound; i += SHORT.length()) {
            FloatVector f = FloatVector.fromArray(FLOAT_FOR_SHORT, src, so + i);
            IntVector x = f.reinterpretAsInts();
            IntVector sign = x.lanewise(VectorOperators.LSHR, 16).and(0x8000);
            IntVector a = x.and(0x7FFFFFFF);
            // All four cases are computed for every lane, then chosen by masks (no branches).
            IntVector normal = a.sub(REBIAS).add(0xFFF).add(a.lanewise(VectorOperators.LSHR, 13).and(1))
                    .lanewise(VectorOperators.LSHR, 13);
            IntVector sub = f.abs().mul(0x1p24f).add(TWO_POW_23).reinterpretAsInts().sub(TWO_POW_23_BITS);
            IntVector payload = a.lanewise(VectorOperators.LSHR, 13).and(0x3FF);
            IntVector nan = payload.blend(0x200, payload.compare(VectorOperators.EQ, 0)).or(0x7C00);
            IntVector r = normal.blend(sub, a.compare(VectorOperators.LT, F16_MIN_NORMAL_BITS));
            r = r.blend(0x7C00, a.compare(VectorOperators.GE, F16_OVERFLOW_BITS));
            r = r.blend(nan, a.compare(VectorOperators.GT, 0x7F800000));
            ((ShortVector) r.or(sign).convertShape(VectorOperators.I2S, SHORT, 0)).intoArray(dst, dOff + i);
        }
        f32ToF16Scalar(src, so + i, dst, dOff + i, n - i);
    }

    /** {@code dst[dOff + i] = bf16ToFloat(src[so + i])} for i in [0, n). */
    public static void bf16ToF32(short[] src, int so, float[] dst, int dOff, int n) {
        int bound = SHORT.loopBound(n);
        int i = 0;
        for (; i < bound; i += SHORT.length()) {
            IntVector h = (IntVector) ShortVector.fromArray(SHORT, src, so + i).convertShape(VectorOperators.S2I, INT, 0);
            // The shift pushes the sign extension out of the int.
            h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dOff + i);
        }
        bf16ToF32Scalar(src, so + i, dst, dOff + i, n - i);
    }

    /** {@code dst[dOff + i] = floatToBf16(src[so + i])} for i in [0, n). */
    public static void f32ToBf16(float[] src, int so, short[] dst, int dOff, int n) {
        int bound = SHORT.loopBound(n);
        int i = 0;
        for (; i < bound; i += SHORT.length()) {
            IntVector x = FloatVector.fromArray(FLOAT_FOR_SHORT, src, so + i).reinterpretAsInts();
            IntVector hi = x.lanewise(VectorOperators.LSHR, 16);
            IntVector rounded = x.add(0x7FFF).add(hi.and(1)).lanewise(VectorOperators.LSHR, 16);
            VectorMask<Integer> isNan = x.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000);
            IntVector nan = hi.blend(hi.or(0x40), hi.and(0x7F).compare(VectorOperators.EQ, 0));
            IntVector r = rounded.blend(nan, isNan);
            ((ShortVector) r.convertShape(VectorOperators.I2S, SHORT, 0)).intoArray(dst, dOff + i);
        }
        f32ToBf16Scalar(src, so + i, dst, dOff + i, n - i);
    }
}
