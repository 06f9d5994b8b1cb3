package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * F16 and BF16 conversions: exact on every one of the 65,536 patterns against an oracle written
 * with double arithmetic, round-to-nearest-even against a second oracle for random floats, and
 * vector kernels equal to their scalar twins bit for bit.
 */
class HalfPrecisionKernelsProperties {

    /** The F16 value of {@code bits} from its definition, in doubles; shares no code with the kernel. */
    private static double f16Oracle(int bits) {
        int sign = bits >> 15 & 1;
        int exp = bits >> 10 & 0x1F;
        int mant = bits & 0x3FF;
        double magnitude;
        if (exp == 0x1F) {
            magnitude = mant == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else if (exp == 0) {
            magnitude = mant * Math.pow(2, -24);
        } else {
            magnitude = (1 + mant / 1024.0) * Math.pow(2, exp - 15);
        }
        return sign == 1 ? -magnitude : magnitude;
    }

    /**
     * {@code f} rounded to a float format with {@code mantBits} stored mantissa bits, minimum normal
     * exponent {@code minExp} and largest finite value {@code max}, ties to even, in doubles: the
     * spacing of representable values is 2^(e − mantBits) with e the exponent of f (at least
     * minExp), and Math.rint counts whole spacings, ties to even.
     */
    private static double roundOracle(float f, int mantBits, int minExp, double max) {
        double d = Math.abs((double) f);
        if (Double.isNaN(d) || Double.isInfinite(d) || d == 0) {
            return f;
        }
        int e = Math.max(Math.getExponent(d), minExp);
        double ulp = Math.scalb(1.0, e - mantBits);
        double r = Math.rint(d / ulp) * ulp;
        if (r > max) {
            r = Double.POSITIVE_INFINITY;
        }
        return Math.copySign(r, f);
    }

    private static String hex(int bits) {
        return String.format("0x%04X", bits & 0xFFFF);
    }

    @Test
    void everyF16PatternWidensExactly() {
        for (int bits = 0; bits < 1 << 16; bits++) {
            float got = HalfPrecisionKernels.f16ToFloat((short) bits);
            double want = f16Oracle(bits);
            if (Double.isNaN(want)) {
                assertTrue(Float.isNaN(got), "F16 " + hex(bits) + " is NaN, got " + got);
                assertEquals(bits >> 15, Float.floatToRawIntBits(got) >>> 31, "sign of NaN " + hex(bits));
            } else {
                assertEquals(want, (double) got, 0.0, "F16 " + hex(bits));
                assertEquals(want == 0 ? (bits >> 15 == 1) : want < 0, Math.copySign(1f, got) < 0, "sign of " + hex(bits));
            }
        }
    }

    @Test
    void everyF16PatternSurvivesARoundTripThroughF32() {
        for (int bits = 0; bits < 1 << 16; bits++) {
            short back = HalfPrecisionKernels.floatToF16(HalfPrecisionKernels.f16ToFloat((short) bits));
            assertEquals(hex(bits), hex(back), "F16 → F32 → F16");
        }
    }

    @Test
    void everyBf16PatternIsTheTopHalfOfAnF32() {
        for (int bits = 0; bits < 1 << 16; bits++) {
            float got = HalfPrecisionKernels.bf16ToFloat((short) bits);
            assertEquals(bits << 16, Float.floatToRawIntBits(got), "BF16 " + hex(bits));
            assertEquals(hex(bits), hex(HalfPrecisionKernels.floatToBf16(got)), "BF16 → F32 → BF16");
        }
    }

    /** Floats whose exponents span both formats' subnormal, normal and overflow ranges, plus specials. */
    private static float interestingFloat(Rng rng, int minExp, int maxExp) {
        int pick = rng.nextInt(20);
        if (pick == 0) {
            float[] specials = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                Float.MIN_VALUE, Float.MAX_VALUE, 65504f, 65519.99f, 65520f, 0x1p-24f, 0x1p-25f, 0x1.8p-25f,
                Float.intBitsToFloat(0x7F800001), Float.intBitsToFloat(0xFF800123)};
            return specials[rng.nextInt(specials.length)];
        }
        int exp = minExp + rng.nextInt(maxExp - minExp + 1);
        int mant = rng.nextInt() & 0x7FFFFF;
        if (pick == 1) {
            mant &= ~0x1FFF; // exactly on or halfway between F16 values more often: ties
            mant |= 0x1000;
        }
        int sign = rng.nextInt(2) << 31;
        return Float.intBitsToFloat(sign | (exp + 127) << 23 | mant);
    }

    @Property(tries = 200)
    void f32ToF16RoundsToNearestEven(@ForAll long seed) {
        Rng rng = new Rng(seed);
        for (int k = 0; k < 500; k++) {
            float f = interestingFloat(rng, -30, 17);
            float got = HalfPrecisionKernels.f16ToFloat(HalfPrecisionKernels.floatToF16(f));
            double want = roundOracle(f, 10, -14, 65504);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(got), "NaN " + Integer.toHexString(Float.floatToRawIntBits(f)) + " stays NaN");
            } else {
                assertEquals(want, (double) got, 0.0, "F16 of " + f + " (bits 0x"
                        + Integer.toHexString(Float.floatToRawIntBits(f)) + ")");
                assertEquals(Math.copySign(1.0, want), Math.copySign(1.0, got), "sign of F16 of " + f);
            }
        }
    }

    @Property(tries = 200)
    void f32ToBf16RoundsToNearestEven(@ForAll long seed) {
        Rng rng = new Rng(seed);
        for (int k = 0; k < 500; k++) {
            float f = interestingFloat(rng, -127, 127);
            float got = HalfPrecisionKernels.bf16ToFloat(HalfPrecisionKernels.floatToBf16(f));
            double want = roundOracle(f, 7, -126, 0x1.FEp127);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(got), "NaN " + Integer.toHexString(Float.floatToRawIntBits(f)) + " stays NaN");
            } else {
                assertEquals(want, (double) got, 0.0, "BF16 of " + f);
            }
        }
    }

    @Provide
    Arbitrary<Integer> sizes() {
        return KernelSizes.sizes();
    }

    private static short[] halves(Rng rng, int off, int n) {
        short[] a = new short[off + n + 3];
        for (int i = 0; i < a.length; i++) {
            a[i] = (short) rng.nextInt(); // every pattern, NaNs and subnormals included
        }
        return a;
    }

    private static float[] floats(Rng rng, int off, int n) {
        float[] a = new float[off + n + 3];
        for (int i = 0; i < a.length; i++) {
            a[i] = interestingFloat(rng, -30, 20);
        }
        return a;
    }

    @Property(tries = 100)
    void wideningKernelsEqualTheirScalarTwins(@ForAll("sizes") int n, @ForAll @IntRange(min = 0, max = 5) int so,
                                              @ForAll @IntRange(min = 0, max = 5) int dOff, @ForAll long seed) {
        short[] src = halves(new Rng(seed), so, n);
        float[] want = new float[dOff + n + 2];
        float[] got = new float[dOff + n + 2];
        HalfPrecisionKernels.f16ToF32Scalar(src, so, want, dOff, n);
        HalfPrecisionKernels.f16ToF32(src, so, got, dOff, n);
        assertSameBits("f16ToF32", src, so, want, got, dOff, n);
        HalfPrecisionKernels.bf16ToF32Scalar(src, so, want, dOff, n);
        HalfPrecisionKernels.bf16ToF32(src, so, got, dOff, n);
        assertSameBits("bf16ToF32", src, so, want, got, dOff, n);
    }

    private static void assertSameBits(String kernel, short[] src, int so, float[] want, float[] got, int dOff, int n) {
        for (int i = 0; i < want.length; i++) {
            int k = i - dOff;
            assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), kernel + " n=" + n + " index " + k
                    + " input " + (k >= 0 && k < n ? hex(src[so + k]) : "padding") + " (species " + VectorConfig.describe() + ")");
        }
    }

    @Property(tries = 100)
    void narrowingKernelsEqualTheirScalarTwins(@ForAll("sizes") int n, @ForAll @IntRange(min = 0, max = 5) int so,
                                               @ForAll @IntRange(min = 0, max = 5) int dOff, @ForAll long seed) {
        float[] src = floats(new Rng(seed), so, n);
        short[] want = new short[dOff + n + 2];
        short[] got = new short[dOff + n + 2];
        HalfPrecisionKernels.f32ToF16Scalar(src, so, want, dOff, n);
        HalfPrecisionKernels.f32ToF16(src, so, got, dOff, n);
        assertSameHalves("f32ToF16", src, so, want, got, dOff, n);
        HalfPrecisionKernels.f32ToBf16Scalar(src, so, want, dOff, n);
        HalfPrecisionKernels.f32ToBf16(src, so, got, dOff, n);
        assertSameHalves("f32ToBf16", src, so, want, got, dOff, n);
    }

    private static void assertSameHalves(String kernel, float[] src, int so, short[] want, short[] got, int dOff, int n) {
        for (int i = 0; i < want.length; i++) {
            int k = i - dOff;
            assertEquals(hex(want[i]), hex(got[i]), kernel + " n=" + n + " index " + k + " input "
                    + (k >= 0 && k < n ? src[so + k] + " (bits 0x" + Integer.toHexString(Float.floatToRawIntBits(src[so + k])) + ")"
                    : "padding") + " (species " + VectorConfig.describe() + ")");
        }
    }

    @Test
    void everyPatternWidensTheSameInOneVectorCall() {
        short[] all = new short[1 << 16];
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) i;
        }
        float[] want = new float[all.length];
        float[] got = new float[all.length];
        HalfPrecisionKernels.f16ToF32Scalar(all, 0, want, 0, all.length);
        HalfPrecisionKernels.f16ToF32(all, 0, got, 0, all.length);
        assertSameBits("f16ToF32", all, 0, want, got, 0, all.length);
        short[] back = new short[all.length];
        HalfPrecisionKernels.f32ToF16(got, 0, back, 0, all.length);
        for (int i = 0; i < all.length; i++) {
            assertEquals(hex(i), hex(back[i]), "vector F16 → F32 → F16");
        }
    }
}
