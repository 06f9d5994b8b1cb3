package dev.pare.compress.quantize;

import dev.pare.nn.Conv2d;
import dev.pare.nn.Conv2dOp;
import dev.pare.nn.Module;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.QuantizeKernels;
import java.util.Arrays;

/**
 * An inference-only {@link Conv2d} with int8 weights: symmetric codes in [−127, 127] with one
 * scale per output channel (per filter), or one for all.
 *
 * <p>How it computes: a convolution is a matrix multiply of unfolded patches (im2col, thousands of
 * rows) by the filters, so it is always the batched, compute-bound case, where int8 arithmetic
 * cannot beat the fp32 GEMM on this CPU (docs/int8-kernels.md). So the filters are dequantized to
 * float for the call and the fp32 {@link Conv2dOp} runs ({@link QuantizedLinear} goes one step
 * further and converts its weights inside the GEMM's packing, with no float copy at all); the input is first quantized and dequantized in the dynamic and static
 * modes, so the result is the int8 result up to float rounding. The stored model keeps the 4×
 * smaller weights; the float copy lives only during a forward call.
 *
 * <p>Inference only, like {@link QuantizedLinear}. Shapes as {@link Conv2d}.
 */
public final class QuantizedConv2d extends Module {
    private final int[] weightShape;
    private final byte[] weight;
    private final float[] weightScales;
    private final float[] bias;
    private final int stride;
    private final int padding;
    private final int dilation;
    private final int groups;
    private final Granularity granularity;
    private final InputQuantizer input;

    /**
     * @param weightShape  {@code [O, C/groups, k, k]}
     * @param weight       row-major codes, one row of {@code C/groups·k·k} per output channel
     * @param weightScales one per output channel
     * @param bias         {@code [O]} or null
     */
    public QuantizedConv2d(int[] weightShape, byte[] weight, float[] weightScales, float[] bias,
                           int stride, int padding, int dilation, int groups,
                           QuantMode mode, Granularity granularity, QuantParams inputParams) {
        if (weightShape.length != 4 || (long) weightShape[0] * weightShape[1] * weightShape[2] * weightShape[3] != weight.length
                || weightScales.length != weightShape[0] || (bias != null && bias.length != weightShape[0])) {
            throw new IllegalArgumentException("QuantizedConv2d: weight shape " + Arrays.toString(weightShape) + " with "
                    + weight.length + " codes, " + weightScales.length + " scales, bias "
                    + (bias == null ? "none" : bias.length) + " do not fit together");
        }
        this.weightShape = weightShape.clone();
        this.weight = weight;
        this.weightScales = weightScales;
        this.bias = bias;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        this.granularity = granularity;
        this.input = new InputQuantizer(mode, inputParams, "QuantizedConv2d");
    }

    /** Quantizes a trained {@link Conv2d}'s filters (symmetric, per {@code granularity}). */
    public static QuantizedConv2d from(Conv2d conv, QuantMode mode, Granularity granularity, QuantParams inputParams) {
        WeightQuantizer.Codes w = WeightQuantizer.quantize(conv.weight(), granularity);
        float[] b = conv.bias() == null ? null : conv.bias().detach().contiguous().toArray();
        return new QuantizedConv2d(conv.weight().shape(), w.codes(), w.scales(), b, conv.stride(), conv.padding(),
                conv.dilation(), conv.groups(), mode, granularity, inputParams);
    }

    @Override
    @SuppressWarnings("try")
    public Tensor forward(Tensor x) {
        if (Tensor.willRecord(x)) {
            throw new IllegalStateException(describe() + ": a quantized layer is inference-only and has no gradient;"
                    + " call it under Tensor.noGrad() or on a detached input");
        }
        Tensor xq = x.detach();
        if (input.quantizes()) {
            Tensor xc = xq.contiguous();
            int n = xc.numel();
            QuantParams p = input.paramsFor(xc.storage(), xc.offset(), n, this);
            xq = Tensor.wrap(p.roundTrip(xc.storage(), xc.offset(), n), 0, x.shape());
        }
        int rows = weightShape[0];
        int cols = weight.length / rows;
        float[] wf = new float[weight.length];
        QuantizeKernels.dequantizeRows(weight, 0, wf, 0, rows, cols, weightScales, null);
        Tensor w = Tensor.wrap(wf, 0, weightShape);
        Tensor b = bias == null ? null : Tensor.wrap(bias.clone(), 0, rows);
        try (var ignored = Tensor.noGrad()) {
            return Conv2dOp.conv2d(xq, w, b, stride, padding, dilation, groups);
        }
    }

    /** {@code [O, C/groups, k, k]}. */
    public int[] weightShape() {
        return weightShape.clone();
    }

    /** A copy of the int8 codes, one row of {@code C/groups·k·k} per output channel. */
    public byte[] weightCodes() {
        return weight.clone();
    }

    /** A copy of the scales, one per output channel (all equal for per-tensor). */
    public float[] weightScales() {
        return weightScales.clone();
    }

    /** A copy of the bias {@code [O]}, or null. */
    public float[] bias() {
        return bias == null ? null : bias.clone();
    }

    public int stride() {
        return stride;
    }

    public int padding() {
        return padding;
    }

    public int dilation() {
        return dilation;
    }

    public int groups() {
        return groups;
    }

    public QuantMode mode() {
        return input.mode();
    }

    public Granularity granularity() {
        return granularity;
    }

    /** The calibrated input parameters (static mode), or null. */
    public QuantParams inputParams() {
        return input.calibrated();
    }

    @Override
    protected String extraRepr() {
        return "weight=" + Arrays.toString(weightShape) + ", stride=" + stride + ", padding=" + padding
                + ", mode=" + mode().label() + ", " + granularity.label();
    }
}
