package dev.pare.compress.prune;

import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.BlockCsrKernels;
import dev.pare.tensor.kernels.BlockCsrMatrix;
import dev.pare.tensor.kernels.CsrKernels;
import dev.pare.tensor.kernels.CsrMatrix;
import dev.pare.tensor.kernels.ReduceKernels;
import dev.pare.tensor.kernels.SparseLayout;
import dev.pare.tensor.kernels.Unary;
import dev.pare.tensor.kernels.UnaryKernels;
import java.util.Arrays;

/**
 * A fully connected layer, {@code y = x·Wᵀ + b}, whose weight W [out, in] is stored sparse: only
 * the kept weights, as CSR or block-CSR ({@link SparseFormat}), behind the one interface
 * {@link SparseWeights} whose two implementations route each product to their kernel. Built from a pruned
 * {@link Linear} by {@link #fromLinear}; the zeros take neither bytes nor time.
 *
 * <p><b>Forward.</b> One sample ({@code [in]} or {@code [1, in]}): the batch-1 kernel, W·x. A
 * batch of N: the row-major product ({@link CsrKernels#timesRowMajor}, {@link
 * BlockCsrKernels#timesRowMajor}) transposes chunks of 64 samples into a reused batch-minor
 * buffer Xᵀ, computes Yᵀ = W·Xᵀ tile by tile and writes each tile transposed into Y with the bias
 * added. Why batch-minor: each stored weight then multiplies 64 contiguous activations with vector
 * FMAs, so its index and value are loaded once per chunk instead of once per sample
 * (docs/sparse-kernels.md). The output is the only array a forward pass allocates; under
 * {@code noGrad} no backward closure is built either.
 *
 * <p><b>Batch-minor activations.</b> If X [N, in] is already batch-minor ({@link #isBatchMinor}:
 * the transposed view of a contiguous Xᵀ [in, N], e.g. {@link #toBatchMinor}'s result or another
 * sparse layer's output), the kernel reads its storage as it is and Y comes back batch-minor as
 * well, the view (Yᵀ)ᵀ of a fresh Yᵀ [out, N]: no transpose in, none out. ReLU and the other
 * elementwise ops keep that layout (one linear pass), so in a stack of sparse layers only the
 * first input is transposed. Everything else accepts the view too ({@code Linear}'s matmul packs
 * a transposed operand natively, the losses copy what is not contiguous), with the same values.
 * A row-major X keeps giving a row-major Y: callers that read a layer's output as a row-major
 * array see no change, and the transpose back is fused into the kernel's tiles, where it is
 * cheapest.
 *
 * <p><b>Backward</b> (recorded with {@link Tensor#recordOp}):
 * <ul>
 *   <li>dL/dx = G·W: CSR scatters each entry's w·Gᵀ[r, :] into dXᵀ[c, :]; block-CSR adds
 *       g[r]·block to B contiguous entries of dx, sample by sample. dL/dx has the layout of x
 *       (block-CSR's is always row-major: its kernel has no batch-minor form);
 *       a batch-minor dL/dY is used as Gᵀ without a copy.</li>
 *   <li>dL/dW <em>at the stored entries only</em>: for entry (r, c), Σ_n G[n, r]·X[n, c]. The
 *       stored values are the parameter {@code values}, so a {@code SparseLinear} can be
 *       fine-tuned by any optimizer; the pruned weights do not exist and stay zero. In a block
 *       format the block is the unit: a zero inside a kept block is stored and trains like its
 *       neighbours. Padding values of a partial last block get gradient 0 and stay 0.</li>
 *   <li>dL/db = Σ_n G[n, :].</li>
 * </ul>
 *
 * <p><b>State.</b> The parameters are {@code values} (CSR: [nnz]; block: [blocks, B]) and
 * {@code bias}; the index arrays are structure, not state. {@code stateDict()} alone therefore
 * cannot rebuild the layer: save and load through {@link SparseCheckpoint}, which writes the
 * index arrays too.
 */
public final class SparseLinear extends Module {
    private final int inFeatures;
    private final int outFeatures;
    private final SparseWeights weights;
    private final Tensor values;
    private final Tensor bias;

    /** A layer computing with {@code weights} (shared, not copied) and {@code bias} (copied; may be null). */
    public SparseLinear(SparseWeights weights, Tensor bias) {
        this.inFeatures = weights.cols();
        this.outFeatures = weights.rows();
        this.weights = weights;
        // The parameter shares the kernels' array: an optimizer step on it updates the matrix.
        this.values = registerParameter("values", Tensor.wrap(weights.values(), 0, weights.valuesShape()));
        if (bias != null && (bias.dim() != 1 || bias.size(0) != outFeatures)) {
            throw new IllegalArgumentException(describe() + ": bias of shape "
                    + Arrays.toString(bias.shape()) + ", expected [" + outFeatures + "]");
        }
        this.bias = bias == null ? null : registerParameter("bias", bias.detach().contiguous().copy());
    }

    /** A layer computing with {@code w} (shared, not copied) and {@code bias} (copied; may be null). */
    public static SparseLinear ofCsr(CsrMatrix w, Tensor bias) {
        return new SparseLinear(new CsrWeights(w), bias);
    }

    /** A layer computing with {@code w} (shared, not copied) and {@code bias} (copied; may be null). */
    public static SparseLinear ofBlockCsr(BlockCsrMatrix w, Tensor bias) {
        return new SparseLinear(new BlockCsrWeights(w), bias);
    }

    /**
     * The sparse form of {@code linear}'s effective weight (its {@code weight_orig · weight_mask}
     * when masked), storing exactly the entries that are not 0 (CSR) or the aligned blocks that
     * hold any (block-CSR), and a copy of its bias. The Linear is not changed.
     */
    public static SparseLinear fromLinear(Linear linear, SparseFormat format) {
        float[] w = Mask.effective(linear, "weight").toArray();
        int out = linear.outFeatures();
        int in = linear.inFeatures();
        Tensor b = linear.bias();
        if (format == SparseFormat.CSR) {
            return ofCsr(CsrMatrix.fromDense(w, 0, out, in), b);
        }
        return ofBlockCsr(BlockCsrMatrix.fromDense(w, 0, out, in, format.blockWidth()), b);
    }

    /** A dense {@link Linear} with the same weights (zeros where nothing is stored) and bias. */
    public Linear toLinear() {
        Linear l = new Linear(inFeatures, outFeatures, bias != null, new dev.pare.tensor.Rng(0));
        try (var ignored = Tensor.noGrad()) {
            l.weight().copyFrom(denseWeight());
            if (bias != null) {
                l.bias().copyFrom(bias);
            }
        }
        return l;
    }

    /** The weight as a new dense tensor [out, in]. */
    public Tensor denseWeight() {
        return Tensor.fromArray(weights.toDense(), outFeatures, inFeatures);
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() == 0 || x.size(-1) != inFeatures) {
            throw new IllegalArgumentException(describe() + ": input of shape " + Arrays.toString(x.shape())
                    + ": last dimension must be " + inFeatures);
        }
        if (isBatchMinor(x)) {
            return forwardBatchMinor(x);
        }
        int[] outShape = x.shape();
        outShape[outShape.length - 1] = outFeatures;
        Tensor x2 = x.detach().reshape(-1, inFeatures).contiguous();
        int n = x2.size(0);
        float[] xs = x2.storage();
        int xo = x2.offset();
        float[] b = bias == null ? null : bias.storage();
        int bo = bias == null ? 0 : bias.offset();
        float[] y = new float[n * outFeatures];
        if (n == 1) {
            weights.timesVector(xs, xo, y, 0);
            if (b != null) {
                for (int r = 0; r < outFeatures; r++) {
                    y[r] += b[bo + r];
                }
            }
        } else {
            weights.timesRowMajor(xs, xo, n, b, bo, y, 0);
        }
        return record(x, Tensor.wrap(y, 0, outShape), n, xs, xo, false);
    }

    /**
     * True for a batch X [n, in] (n &gt; 1) stored batch-minor: the transposed view of a contiguous
     * Xᵀ [in, n], strides {1, n}, as {@code xT.t()} makes and as this layer returns. With one
     * feature (in = 1) the two layouts are the same array, and the stride of the size-1
     * dimension means nothing: it counts as batch-minor.
     */
    public static boolean isBatchMinor(Tensor x) {
        return x.dim() == 2 && x.size(0) > 1 && x.stride(0) == 1 && (x.size(1) == 1 || x.stride(1) == x.size(0));
    }

    /**
     * X [n, in] as a batch-minor tensor ({@link #isBatchMinor}): the same values, laid out so that
     * each feature's n samples are contiguous. The one transpose a stack of sparse layers needs,
     * at its input; differentiable. A batch that is already batch-minor, or of one sample, is
     * returned as it is.
     */
    public static Tensor toBatchMinor(Tensor x) {
        if (x.dim() != 2) {
            throw new IllegalArgumentException("SparseLinear.toBatchMinor: expects a 2-D batch [n, features], got shape "
                    + Arrays.toString(x.shape()));
        }
        if (isBatchMinor(x) || x.size(0) <= 1) {
            return x;
        }
        int n = x.size(0);
        int f = x.size(1);
        Tensor xc = x.detach().contiguous();
        float[] xT = new float[n * f];
        // The vector transpose (gathers), several times faster than contiguous()'s strided copy.
        SparseLayout.transpose(xc.storage(), xc.offset(), n, f, xT, 0);
        Tensor out = Tensor.wrap(xT, 0, f, n).t();
        // Same values, new layout: the gradient passes through unchanged (in whatever layout it has).
        return Tensor.recordOp("toBatchMinor", out, g -> new Tensor[] {g}, x);
    }

    /**
     * The batch-minor forward pass: Yᵀ = W·Xᵀ straight from x's storage into a fresh Yᵀ
     * [out, n], the bias added in one pass over its rows, returned as the view Y = (Yᵀ)ᵀ [n, out]
     * (batch-minor too, so the next sparse layer reads it as it is). No transpose either way.
     * Each element is the kernel's sum plus b, the same bits as the row-major path.
     */
    private Tensor forwardBatchMinor(Tensor x) {
        int n = x.size(0);
        float[] xT = x.storage();
        int xo = x.offset();
        float[] yT = new float[outFeatures * n];
        weights.timesBatchMinor(xT, xo, n, yT, 0);
        if (bias != null) {
            float[] b = bias.storage();
            int bo = bias.offset();
            for (int r = 0; r < outFeatures; r++) {
                UnaryKernels.apply(Unary.SHIFT, b[bo + r], 0f, yT, r * n, 1, yT, r * n, 1, n);
            }
        }
        return record(x, Tensor.wrap(yT, 0, outFeatures, n).t(), n, xT, xo, true);
    }

    /** Attaches the backward pass to {@code out} (unless grad mode is off). */
    private Tensor record(Tensor x, Tensor out, int n, float[] xs, int xo, boolean batchMinor) {
        if (!Tensor.willRecord(x, values, bias)) {
            // Inference: no graph, so neither the backward closure nor the input list is built.
            return out;
        }
        boolean needX = x.requiresGrad();
        int[] xShape = x.shape();
        Tensor[] inputs = bias == null ? new Tensor[] {x, values} : new Tensor[] {x, values, bias};
        return Tensor.recordOp("sparseLinear", out,
                g -> backward(g, n, xs, xo, batchMinor, needX, values.requiresGrad(), xShape), inputs);
    }

    /**
     * dL/dx, dL/dvalues at the stored entries, dL/db; see the class comment. X [n, in] is the
     * forward pass's input: at {@code xs[xo..]} row-major, or, when {@code batchMinor}, already
     * as the Xᵀ [in, n] that the weight gradient needs. The gradient dL/dY may come in either
     * layout; a batch-minor one is used as Gᵀ in place. dL/dx comes back as
     * {@link SparseWeights#transposedTimes} gives it: in the input's layout for CSR, row-major for block-CSR.
     */
    private Tensor[] backward(Tensor gradOut, int n, float[] xs, int xo, boolean batchMinor,
                              boolean needX, boolean needW, int[] xShape) {
        Tensor g2 = gradOut.reshape(-1, outFeatures);
        float[] gT;
        int gTo;
        if (isBatchMinor(g2)) {
            gT = g2.storage();
            gTo = g2.offset();
        } else {
            Tensor gc = g2.contiguous();
            gT = gc.storage();
            gTo = gc.offset();
            if (n > 1) {
                gT = new float[outFeatures * n];
                gTo = 0;
                SparseLayout.transpose(gc.storage(), gc.offset(), n, outFeatures, gT, 0);
            }
        }
        Tensor dx = null;
        if (needX) {
            dx = weights.transposedTimes(g2, gT, gTo, n, batchMinor, xShape);
        }
        Tensor dValues = null;
        if (needW) {
            float[] xT = xs;
            int xTo = xo;
            if (n > 1 && !batchMinor) {
                xT = new float[inFeatures * n];
                xTo = 0;
                SparseLayout.transpose(xs, xo, n, inFeatures, xT, 0);
            }
            float[] dv = new float[values.numel()];
            weights.weightGrad(gT, gTo, xT, xTo, n, dv);
            dValues = Tensor.wrap(dv, 0, values.shape());
        }
        Tensor dBias = null;
        if (bias != null) {
            // Row r of Gᵀ holds dL/dy_r for every sample: db[r] is its sum.
            float[] db = new float[outFeatures];
            for (int r = 0; r < outFeatures; r++) {
                db[r] = ReduceKernels.sum(gT, gTo + r * n, 1, n);
            }
            dBias = Tensor.wrap(db, 0, outFeatures);
        }
        return bias == null ? new Tensor[] {dx, dValues} : new Tensor[] {dx, dValues, dBias};
    }

    /** {@code SparseLinear(in -> out, format)}. */
    @Override
    public String describe() {
        return "SparseLinear(" + inFeatures + " -> " + outFeatures + ", " + weights.format().fileName() + ")";
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    public SparseFormat format() {
        return weights.format();
    }

    /** The sparse weight, in its format. */
    public SparseWeights weights() {
        return weights;
    }

    /** The stored values, a parameter sharing the matrix's array. */
    public Tensor values() {
        return values;
    }

    /** The bias, or null. */
    public Tensor bias() {
        return bias;
    }

    /** Weights stored (CSR: non-zeros; block: blocks · B, padding included). */
    public int storedWeights() {
        return values.numel();
    }

    /** Bytes of the sparse weight: values + indices + row pointers. */
    public long weightBytes() {
        return weights.totalBytes();
    }

    /** Fraction of the out·in weights not stored. */
    public double sparsity() {
        return weights.sparsity();
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + (bias != null)
                + ", format=" + format().fileName() + ", stored=" + storedWeights()
                + String.format(java.util.Locale.ROOT, ", sparsity=%.3f", sparsity());
    }
}
