package dev.pare.nn;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.Gemm;
import dev.pare.tensor.kernels.GemmEpilogue;
import dev.pare.tensor.kernels.GemmPackedB;
import java.util.Arrays;

/**
 * Fully connected layer: {@code y = x·Wᵀ + b}.
 *
 * <p>Each output feature is a weighted sum of all input features plus a bias. The weight is
 * stored {@code [out, in]} (one row per output, as in PyTorch, so checkpoints are compatible) and
 * used transposed; {@code weight.t()} is a view, and the matrix multiply reads it in place.
 *
 * <p><b>Args:</b>
 * <ul>
 *   <li>{@code inFeatures}: size of each input sample's last dimension</li>
 *   <li>{@code outFeatures}: size of each output sample's last dimension</li>
 *   <li>{@code bias}: whether to learn an additive bias (default true)</li>
 *   <li>{@code rng}: source of the initial weights</li>
 * </ul>
 *
 * <p><b>Shape:</b> input {@code [*, in]}, output {@code [*, out]}, where {@code *} is any number
 * of leading dimensions (at least one dimension in total).
 *
 * <p><b>Parameters:</b> {@code weight} {@code [out, in]} and {@code bias} {@code [out]}, both
 * drawn from {@code U(−1/√in, 1/√in)}, PyTorch's default (see {@link Init#pytorchDefault}).
 *
 * <p><b>Inference</b> (nothing to record for autograd, e.g. inside {@link Tensor#noGrad()}): the
 * bias, and the ReLU that follows the layer in a {@link Sequential}, are applied by the matrix
 * multiply as it writes each tile of the output ({@link GemmEpilogue}) instead of in two more
 * passes; and the transposed weight is packed for the multiply once and kept
 * ({@link GemmPackedB}) instead of on every call. The pack is a copy, so before each use the weight
 * is compared with the values it was made from, and packed again if anything changed: an optimizer
 * step, a loaded state dict, a mask, or a write through {@link Tensor#storage()} or a wrapped
 * array. The comparison reads the weight once, sequentially; packing it transposes it. The cost
 * is memory: a pack and that copy, twice the weight's size, once the layer has run a batch of
 * more than one row in inference. Results are bit for bit those of the recorded path.
 *
 * <p><b>Example:</b>
 * <pre>{@code
 * Linear fc = new Linear(784, 256, new Rng(42));
 * Tensor y = fc.forward(Tensor.randn(new Rng(0), 32, 784));   // [32, 256]
 * }</pre>
 */
public final class Linear extends Module {
    private final int inFeatures;
    private final int outFeatures;
    private final Tensor weight;
    private final Tensor bias;
    /** The packed weight for inference and the weight values it was made from; null until used. */
    private volatile InferencePack pack;

    /** A layer with a bias. */
    public Linear(int inFeatures, int outFeatures, Rng rng) {
        this(inFeatures, outFeatures, true, rng);
    }

    public Linear(int inFeatures, int outFeatures, boolean bias, Rng rng) {
        if (inFeatures <= 0 || outFeatures <= 0) {
            throw new IllegalArgumentException("Linear(" + inFeatures + " -> " + outFeatures
                    + "): feature counts must be positive");
        }
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.weight = registerParameter("weight", Tensor.zeros(outFeatures, inFeatures));
        this.bias = bias ? registerParameter("bias", Tensor.zeros(outFeatures)) : null;
        resetParameters(rng);
    }

    /** Redraws weight and bias from {@code U(−1/√in, 1/√in)}, as PyTorch does. */
    public void resetParameters(Rng rng) {
        Init.pytorchDefault(weight, inFeatures, rng);
        if (bias != null) {
            Init.pytorchDefault(bias, inFeatures, rng);
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        return forward(x, false);
    }

    /**
     * {@code relu(x·Wᵀ + b)}: this layer followed by a {@link ReLU}, which {@link Sequential} calls
     * when a ReLU follows. The same values as the two modules one after the other; in inference,
     * one pass instead of three.
     */
    public Tensor forwardRelu(Tensor x) {
        return forward(x, true);
    }

    private Tensor forward(Tensor x, boolean relu) {
        if (x.dim() == 0 || x.size(-1) != inFeatures) {
            throw new IllegalArgumentException(describe() + ": input of shape " + Arrays.toString(x.shape())
                    + ": last dimension must be " + inFeatures);
        }
        // The stored weight, or weight_orig · weight_mask when pruning has reparametrised it.
        Tensor w = parametrized("weight", weight);
        if (bias == null ? Tensor.willRecord(x, w) : Tensor.willRecord(x, w, bias)) {
            Tensor y = x.matmul(w.t());
            y = bias == null ? y : y.add(bias);
            return relu ? y.relu() : y;
        }
        return inference(x, w, relu);
    }

    /** The forward pass with nothing to record: one fused GEMM, on a kept pack of Wᵀ when it pays. */
    private Tensor inference(Tensor x, Tensor w, boolean relu) {
        Tensor xc = x.isContiguous() ? x : x.contiguous();
        int rows = xc.numel() / inFeatures;
        int[] shape = xc.shape();
        shape[shape.length - 1] = outFeatures;
        float[] out = new float[rows * outFeatures];
        Tensor b = bias == null ? null : (bias.isContiguous() ? bias : bias.contiguous());
        GemmEpilogue epilogue = new GemmEpilogue(b == null ? null : b.storage(), b == null ? 0 : b.offset(), relu);
        if (rows > 1) {
            InferencePack p = packFor(w);
            Gemm.gemm(false, rows, xc.storage(), xc.offset(), inFeatures, p.packed, out, 0, outFeatures, false, epilogue);
        } else {
            // One row: Gemm streams the weight as it lies (a matrix-vector product); nothing to pack.
            Tensor wc = w.isContiguous() ? w : w.contiguous();
            Gemm.gemm(false, true, rows, outFeatures, inFeatures, xc.storage(), xc.offset(), inFeatures,
                    wc.storage(), wc.offset(), inFeatures, out, 0, outFeatures, false, epilogue);
        }
        return Tensor.wrap(out, 0, shape);
    }

    /**
     * The kept pack if the weight still holds the values it was made from, else a new one. The
     * check is a comparison of every value, not a version number: a weight can change behind any
     * counter's back (a wrapped array, a write through {@link Tensor#storage()}), and a stale pack
     * would be a silently wrong answer. Racing callers at worst pack twice: each uses the pack it
     * checked or made.
     */
    private InferencePack packFor(Tensor w) {
        Tensor wc = w.isContiguous() ? w : w.contiguous();
        float[] ws = wc.storage();
        int from = wc.offset();
        int n = outFeatures * inFeatures;
        InferencePack p = pack;
        if (p != null && Arrays.equals(p.weights, 0, n, ws, from, from + n)) {
            return p;
        }
        float[] copy = Arrays.copyOfRange(ws, from, from + n);
        // Packed from the copy, which nothing else can reach: the pack's source stays unchanged.
        p = new InferencePack(copy, GemmPackedB.pack(true, inFeatures, outFeatures, copy, 0, inFeatures));
        pack = p;
        return p;
    }

    /** Wᵀ packed for {@link Gemm}, and the weight values it was packed from. */
    private static final class InferencePack {
        final float[] weights;
        final GemmPackedB packed;

        InferencePack(float[] weights, GemmPackedB packed) {
            this.weights = weights;
            this.packed = packed;
        }
    }

    /** {@code Linear(in -> out)}. */
    @Override
    public String describe() {
        return "Linear(" + inFeatures + " -> " + outFeatures + ")";
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    /** The weight, {@code [out, in]}. */
    public Tensor weight() {
        return weight;
    }

    /** The bias, {@code [out]}, or null for a layer built without one. */
    public Tensor bias() {
        return bias;
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + (bias != null);
    }
}
