package dev.pare.compress.quantize;

import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.QuantizeKernels;

/**
 * Symmetric quantization of a trained weight, the one step every quantized layer starts from.
 *
 * <p>The weight is seen as a matrix of rows: a Linear's W [out, in] as it is, a convolution's
 * filters [O, C/groups, k, k] as O rows of C/groups·k·k. Row r gets the scale
 * {@code s[r] = max_j |w[r, j]| / q} ({@link QuantParams#weightScales}; per tensor, one maximum
 * for all rows) and the codes {@code clamp(rint(w / s[r]), −q, q)}, rint rounding half to even.
 * q is 127 for int8; fewer bits give a smaller q and coarser codes that the int8 kernels still
 * compute with unchanged ({@code dev.pare.compress.stack.LowBitWeights}).
 */
public final class WeightQuantizer {
    private WeightQuantizer() {}

    /**
     * A quantized weight: row-major codes in [−q, q] and one scale per row (all equal for per
     * tensor), so that {@code ŵ[r, j] = scales[r]·codes[r·cols + j]}.
     */
    public record Codes(byte[] codes, float[] scales) {}

    /** {@code weight} as int8 codes in [−127, 127]; see the class comment. */
    public static Codes quantize(Tensor weight, Granularity granularity) {
        return quantize(weight, granularity, QuantizeKernels.QMAX);
    }

    /**
     * {@code weight} as codes in [−maxCode, maxCode], {@code maxCode} in [1, 127].
     *
     * @throws IllegalArgumentException if the weight has no rows, a weight is NaN or infinite, or
     *     {@code maxCode} is out of range
     */
    public static Codes quantize(Tensor weight, Granularity granularity, int maxCode) {
        if (maxCode < 1 || maxCode > QuantizeKernels.QMAX) {
            throw new IllegalArgumentException("WeightQuantizer.quantize: largest code " + maxCode
                    + " is outside [1, " + QuantizeKernels.QMAX + "]");
        }
        if (weight.dim() == 0 || weight.size(0) == 0) {
            throw new IllegalArgumentException("WeightQuantizer.quantize: a weight of shape "
                    + java.util.Arrays.toString(weight.shape()) + " has no rows");
        }
        Tensor w = weight.detach().contiguous();
        int rows = w.size(0);
        int cols = w.numel() / rows;
        float[] scales = QuantParams.weightScales(w.storage(), w.offset(), rows, cols, granularity);
        if (maxCode != QuantizeKernels.QMAX) {
            // The int8 scales are max|w| / 127; these are max|w| / maxCode.
            for (int r = 0; r < rows; r++) {
                scales[r] *= (float) QuantizeKernels.QMAX / maxCode;
            }
        }
        byte[] codes = new byte[rows * cols];
        QuantizeKernels.quantizeRowsSymmetric(w.storage(), w.offset(), codes, 0, rows, cols, scales);
        if (maxCode != QuantizeKernels.QMAX) {
            // max|w| / s can round one float ulp above maxCode; clamp so every code fits its bits.
            for (int i = 0; i < codes.length; i++) {
                codes[i] = (byte) Math.max(-maxCode, Math.min(maxCode, codes[i]));
            }
        }
        return new Codes(codes, scales);
    }
}
