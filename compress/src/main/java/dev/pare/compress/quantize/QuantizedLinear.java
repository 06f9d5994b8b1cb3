package dev.pare.compress.quantize;

import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.GemmEpilogue;
import dev.pare.tensor.kernels.Int8Gemv;
import dev.pare.tensor.kernels.Int8GemvWeights;
import dev.pare.tensor.kernels.Int8WeightGemm;
import dev.pare.tensor.kernels.Int8WeightGemv;
import dev.pare.tensor.kernels.QuantizeKernels;
import java.util.Arrays;

/**
 * An inference-only {@link Linear} with int8 weights: {@code y = x·Ŵᵀ + b} where
 * {@code Ŵ[r, j] = sw[r]·wq[r, j]}, wq symmetric int8 ([−127, 127]) and one scale per output row
 * (per channel; per tensor is the same array with every entry equal).
 *
 * <p>The input, by {@link QuantMode}:
 * <ul>
 *   <li>weight-only: x stays float;</li>
 *   <li>dynamic: x ← x̂ quantized with {@link QuantParams#affine} of the batch's own min and max;</li>
 *   <li>static: x ← x̂ quantized with the calibrated input parameters.</li>
 * </ul>
 *
 * <p>The kernels: at batch 1, {@link Int8WeightGemv} (weight-only) or the int8×int8
 * {@link Int8Gemv} with the zero-point correction {@code y = sw·sx·(Σ wq·xq − zx·Σ wq)}
 * (dynamic, static): both read a quarter of the bytes of the fp32 product, which is what makes
 * them faster. The int8×int8 kernel reads the codes in a layout of its own
 * ({@link Int8GemvWeights}), packed by the first batch-1 call and then kept. For a batch of
 * several rows the product is compute-bound, so it runs on the fp32 packed GEMM through
 * {@link Int8WeightGemm}, which turns the int8 weights into floats while it packs them (no float
 * copy of W); in the dynamic and static modes it also rounds x to its int8
 * grid (x̂, kept in float) while packing x, so that the result is the int8 result up to float
 * rounding, whatever the batch size, and nothing but the output is allocated.
 *
 * <p>Error bound (what the tests check): with |x − x̂| ≤ sx/2 and |w − ŵ| ≤ sw/2 elementwise,
 * <pre>  |y_r − y_fp32,r| ≤ Σ_j ( |w_rj|·sx/2 + |x_j|·sw_r/2 + sw_r·sx/4 )  </pre>
 * (sx = 0 for weight-only), plus float rounding.
 *
 * <p>Inference only: {@code forward} with gradients enabled on an input that requires grad is an
 * {@link IllegalStateException}; the int8 weights are not parameters and have no gradient.
 * Shape: input {@code [*, in]}, output {@code [*, out]}.
 */
public final class QuantizedLinear extends Module {
    private final int inFeatures;
    private final int outFeatures;
    private final byte[] weight;
    private final float[] weightScales;
    /**
     * The codes packed for the batch-1 int8×int8 kernel ({@link Int8GemvWeights}: as many bytes
     * again as the weight), made by the first such call, so that a layer only ever run on batches
     * never holds the second copy. A race between two first calls packs twice, harmlessly.
     */
    private volatile Int8GemvWeights packed;
    private final float[] bias;
    /** The bias as the batched product's epilogue ({@link GemmEpilogue}: C + bias, as a separate pass would give). */
    private final GemmEpilogue epilogue;
    private final Granularity granularity;
    private final InputQuantizer input;

    /**
     * A layer from its int8 parts (what {@link QuantizedCheckpoint} loads).
     *
     * @param weight       row-major {@code [out, in]} codes in [−127, 127]
     * @param weightScales one per row (all equal for per-tensor)
     * @param bias         {@code [out]} or null
     * @param inputParams  required for {@link QuantMode#STATIC}, ignored otherwise (may be null)
     */
    public QuantizedLinear(int inFeatures, int outFeatures, byte[] weight, float[] weightScales, float[] bias,
                           QuantMode mode, Granularity granularity, QuantParams inputParams) {
        if (inFeatures <= 0 || outFeatures <= 0 || weight.length != inFeatures * outFeatures
                || weightScales.length != outFeatures || (bias != null && bias.length != outFeatures)) {
            throw new IllegalArgumentException("QuantizedLinear(" + inFeatures + " -> " + outFeatures + "): weight of "
                    + weight.length + " bytes, " + weightScales.length + " scales, bias "
                    + (bias == null ? "none" : bias.length) + ": expected " + (long) inFeatures * outFeatures
                    + " bytes and " + outFeatures + " scales and bias entries");
        }
        if (inFeatures > Int8Gemv.MAX_K) {
            throw new IllegalArgumentException("QuantizedLinear: " + inFeatures + " input features exceed "
                    + Int8Gemv.MAX_K + ", beyond which the int32 sums may overflow");
        }
        for (float s : weightScales) {
            if (!(s > 0f) || Float.isInfinite(s)) {
                throw new IllegalArgumentException("QuantizedLinear: weight scale " + s + " is not positive and finite");
            }
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = weight;
        this.weightScales = weightScales;
        this.bias = bias;
        this.epilogue = bias == null ? GemmEpilogue.NONE : new GemmEpilogue(bias, 0, false);
        this.granularity = granularity;
        this.input = new InputQuantizer(mode, inputParams, "QuantizedLinear");
    }

    /** Quantizes a trained {@link Linear}'s weight (symmetric, per {@code granularity}). */
    public static QuantizedLinear from(Linear linear, QuantMode mode, Granularity granularity, QuantParams inputParams) {
        return fromWeight(linear.weight(), linear.bias(), mode, granularity, inputParams);
    }

    /**
     * Quantizes a weight {@code [out, in]} and keeps a bias {@code [out]} (or null) that are not a
     * {@link Linear}'s, such as MultiheadAttention's packed {@code in_proj_weight} and
     * {@code in_proj_bias}.
     */
    public static QuantizedLinear fromWeight(Tensor weight, Tensor bias, QuantMode mode, Granularity granularity,
                                             QuantParams inputParams) {
        if (weight == null || weight.dim() != 2) {
            throw new IllegalArgumentException("QuantizedLinear.fromWeight: weight of shape "
                    + (weight == null ? "null" : Arrays.toString(weight.shape())) + ": expected [out, in]");
        }
        WeightQuantizer.Codes w = WeightQuantizer.quantize(weight, granularity);
        float[] b = bias == null ? null : bias.detach().contiguous().toArray();
        return new QuantizedLinear(weight.size(1), weight.size(0), w.codes(), w.scales(), b, mode, granularity,
                inputParams);
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() == 0 || x.size(-1) != inFeatures) {
            throw new IllegalArgumentException(describe() + ": input of shape " + Arrays.toString(x.shape())
                    + ": last dimension must be " + inFeatures);
        }
        if (Tensor.willRecord(x)) {
            throw new IllegalStateException(describe() + ": a quantized layer is inference-only and has no gradient;"
                    + " call it under Tensor.noGrad() or on a detached input (train with FakeQuantize/QAT instead)");
        }
        Tensor xc = x.detach().contiguous();
        float[] xd = xc.storage();
        int xo = xc.offset();
        int batch = x.numel() / inFeatures;
        float[] y = new float[batch * outFeatures];
        // The kernels add the bias themselves, to each row or tile of y as they finish it: no
        // separate pass over y.
        if (batch == 1 && !input.quantizes()) {
            Int8WeightGemv.gemv(weight, 0, outFeatures, inFeatures, weightScales, xd, xo, bias, y, 0);
        } else if (batch == 1) {
            QuantParams p = input.paramsFor(xd, xo, inFeatures, this);
            byte[] xq = new byte[inFeatures];
            QuantizeKernels.quantize(xd, xo, xq, 0, inFeatures, p.scale(), p.zeroPoint());
            Int8Gemv.gemv(packed(), weightScales, xq, 0, p.scale(), p.zeroPoint(), bias, y, 0, new int[outFeatures]);
        } else if (batch > 1 && !input.quantizes()) {
            Int8WeightGemm.gemm(batch, outFeatures, inFeatures, xd, xo, inFeatures, weight, 0, weightScales,
                    y, 0, outFeatures, false, epilogue);
        } else if (batch > 1) {
            QuantParams p = input.paramsFor(xd, xo, batch * inFeatures, this);
            Int8WeightGemm.gemmQuantizedInput(batch, outFeatures, inFeatures, xd, xo, inFeatures, p.scale(),
                    p.zeroPoint(), weight, 0, weightScales, y, 0, outFeatures, false, epilogue);
        }
        int[] shape = x.shape().clone();
        shape[shape.length - 1] = outFeatures;
        return Tensor.wrap(y, 0, shape);
    }

    private Int8GemvWeights packed() {
        Int8GemvWeights w = packed;
        if (w == null) {
            w = Int8GemvWeights.pack(weight, 0, outFeatures, inFeatures);
            packed = w;
        }
        return w;
    }

    /** {@code QuantizedLinear(in -> out, mode)}. */
    @Override
    public String describe() {
        return "QuantizedLinear(" + inFeatures + " -> " + outFeatures + ", " + input.mode().label() + ")";
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    /** A copy of the int8 weight codes, row-major {@code [out, in]}. */
    public byte[] weightCodes() {
        return weight.clone();
    }

    /** A copy of the scales, one per output row (all equal for per-tensor). */
    public float[] weightScales() {
        return weightScales.clone();
    }

    /** A copy of the bias {@code [out]}, or null. */
    public float[] bias() {
        return bias == null ? null : bias.clone();
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

    /** Bytes of the int8 weight, its scales and the float bias. */
    public long bytes() {
        return weight.length + 4L * weightScales.length + (bias == null ? 0 : 4L * bias.length);
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", mode=" + mode().label() + ", "
                + granularity.label() + (inputParams() == null ? "" : ", input_scale=" + inputParams().scale()
                + ", input_zero_point=" + inputParams().zeroPoint());
    }
}
