package dev.pare.compress.quantize;

/**
 * The test oracle for F16 storage: a float rounded to the nearest F16 value, ties to even,
 * written with double arithmetic rather than the bit manipulation of the kernels that write
 * files. F16 has 11 significant bits, so a value in [2^e, 2^(e+1)) lies on a grid of step
 * 2^(e−10); below 2^-14 (the subnormals) the step stays 2^-24. {@code x / step} is exact in a
 * double (a division by a power of two), and {@code Math.rint} rounds it half to even, which is
 * the even last bit the format asks for. Values beyond F16's range are not needed here.
 */
final class F16Rounding {
    private F16Rounding() {}

    static float round(float x) {
        double step = Math.scalb(1.0, Math.max(Math.getExponent(x), -14) - 10);
        return (float) (Math.rint(x / step) * step);
    }

    /** A rounded copy of {@code xs}; null stays null (a layer without bias). */
    static float[] round(float[] xs) {
        if (xs == null) {
            return null;
        }
        float[] out = new float[xs.length];
        for (int i = 0; i < xs.length; i++) {
            out[i] = round(xs[i]);
        }
        return out;
    }
}
