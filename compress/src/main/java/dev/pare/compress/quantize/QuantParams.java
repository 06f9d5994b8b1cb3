package dev.pare.compress.quantize;

import dev.pare.tensor.kernels.QuantizeKernels;

/**
 * One affine quantization: a scale s &gt; 0 and a zero point z in [−128, 127], with
 * <pre>
 *   q  = clamp(rint(x / s) + z, qmin, qmax)      (rint: half to even, e.g. 2.5 → 2, 3.5 → 4)
 *   x' = (q − z) · s
 * </pre>
 * Inside the range [(qmin − z)·s, (qmax − z)·s] every x is within s/2 of x'; beyond it x
 * saturates to an end of the range. The arithmetic is {@link QuantizeKernels}'s.
 *
 * <h2>Choosing s and z from a range [lo, hi]</h2>
 * <ul>
 *   <li><b>Asymmetric</b> (activations, {@link #affine}): the range is first widened to contain 0
 *       (lo ← min(lo, 0), hi ← max(hi, 0)), so that the real 0 (zero padding, ReLU zeros) is
 *       represented exactly by z. Then s = (hi − lo)/255 and z = −128 − rint(lo/s), clamped to
 *       [−128, 127].</li>
 *   <li><b>Symmetric</b> (weights, {@link #symmetricScale}): z = 0 and s = max|x|/127; the codes
 *       run over [−127, 127].</li>
 *   <li><b>Zero range</b> (a constant-zero tensor, or an all-zero row): the formulas would give
 *       s = 0 and divide by it. Instead s = 1 and z = −128 (asymmetric) or 0 (symmetric): every
 *       value quantizes to z and dequantizes to exactly 0, which is the tensor. A constant
 *       non-zero tensor c has a non-zero range [min(c, 0), max(c, 0)] after the widening, so it
 *       never meets this case. The same happens when the range is so small that s would be
 *       subnormal ({@code s < Float.MIN_NORMAL}), where x/s could overflow.</li>
 *   <li><b>NaN or infinity</b> in lo or hi: an {@link IllegalArgumentException}; a range must be
 *       finite (the observers reject such data before it gets here).</li>
 * </ul>
 *
 * @param scale     s, positive and finite
 * @param zeroPoint z, the integer that represents 0
 */
public record QuantParams(float scale, int zeroPoint) {
    /** Codes in the asymmetric range: 255 steps between −128 and 127. */
    private static final int ASYMMETRIC_STEPS = QuantizeKernels.QMAX - QuantizeKernels.QMIN;

    public QuantParams {
        if (!(scale > 0f) || Float.isInfinite(scale)) {
            throw new IllegalArgumentException("QuantParams: scale must be positive and finite, got " + scale);
        }
        if (zeroPoint < QuantizeKernels.QMIN || zeroPoint > QuantizeKernels.QMAX) {
            throw new IllegalArgumentException("QuantParams: zero point " + zeroPoint + " is outside [-128, 127]");
        }
    }

    /** Asymmetric int8 parameters for the range [lo, hi]; see the class comment for the edge cases. */
    public static QuantParams affine(float lo, float hi) {
        if (!Float.isFinite(lo) || !Float.isFinite(hi) || lo > hi) {
            throw new IllegalArgumentException("QuantParams.affine: range [" + lo + ", " + hi
                    + "] must be finite with lo <= hi");
        }
        float min = Math.min(lo, 0f);
        float max = Math.max(hi, 0f);
        // Computed in double: hi − lo can overflow a float (e.g. [−3e38, 3e38]).
        double s = ((double) max - min) / ASYMMETRIC_STEPS;
        if (!(s >= Float.MIN_NORMAL)) {
            return new QuantParams(1f, QuantizeKernels.QMIN);
        }
        float scale = (float) Math.min(s, Float.MAX_VALUE);
        long z = QuantizeKernels.QMIN - Math.round(Math.rint(min / scale));
        int zeroPoint = (int) Math.max(QuantizeKernels.QMIN, Math.min(QuantizeKernels.QMAX, z));
        return new QuantParams(scale, zeroPoint);
    }

    /** The symmetric weight scale max|x|/127 for a largest magnitude {@code maxAbs}; 1 when it is 0. */
    public static float symmetricScale(float maxAbs) {
        if (!Float.isFinite(maxAbs) || maxAbs < 0f) {
            throw new IllegalArgumentException("QuantParams.symmetricScale: max |x| must be finite and >= 0, got "
                    + maxAbs);
        }
        float s = maxAbs / QuantizeKernels.QMAX;
        return s >= Float.MIN_NORMAL ? s : 1f;
    }

    /**
     * Per-row symmetric scales of a row-major {@code rows × cols} matrix: row r gets
     * max_j |w[r, j]| / 127 (per output channel), or, with {@link Granularity#PER_TENSOR}, every
     * row gets the scale of the whole matrix. The array always has one scale per row, so the
     * kernels need no second code path.
     *
     * @throws IllegalArgumentException if a weight is NaN or infinite
     */
    public static float[] weightScales(float[] w, int wo, int rows, int cols, Granularity granularity) {
        float[] rowMax = new float[rows];
        for (int r = 0; r < rows; r++) {
            float m = 0f;
            for (int j = 0; j < cols; j++) {
                float v = w[wo + r * cols + j];
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("weightScales: weight [" + r + ", " + j + "] is " + v
                            + "; a weight must be finite to be quantized");
                }
                m = Math.max(m, Math.abs(v));
            }
            rowMax[r] = m;
        }
        float[] scales = new float[rows];
        if (granularity == Granularity.PER_CHANNEL) {
            for (int r = 0; r < rows; r++) {
                scales[r] = symmetricScale(rowMax[r]);
            }
        } else {
            float m = 0f;
            for (float v : rowMax) {
                m = Math.max(m, v);
            }
            java.util.Arrays.fill(scales, symmetricScale(m));
        }
        return scales;
    }

    /** The smallest real number represented: (−128 − z)·s. */
    public float min() {
        return (QuantizeKernels.QMIN - zeroPoint) * scale;
    }

    /** The largest real number represented: (127 − z)·s. */
    public float max() {
        return (QuantizeKernels.QMAX - zeroPoint) * scale;
    }

    /** x quantized then dequantized, for one value (scalar reference). */
    public float roundTrip(float x) {
        byte q = QuantizeKernels.quantizeOne(x, scale, zeroPoint, QuantizeKernels.QMIN, QuantizeKernels.QMAX);
        return (q - zeroPoint) * scale;
    }

    /**
     * x[xo, xo + n) quantized then dequantized, into a fresh array: {@link #roundTrip(float)} for
     * each value, in one vector pass ({@link QuantizeKernels#fakeQuantize}).
     */
    public float[] roundTrip(float[] x, int xo, int n) {
        float[] out = new float[n];
        QuantizeKernels.fakeQuantize(x, xo, out, 0, n, scale, zeroPoint);
        return out;
    }
}
