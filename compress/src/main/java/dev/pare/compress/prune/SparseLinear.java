package dev.pare.compress.prune;

import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.BlockCsrKernels;
import dev.pare.tensor.kernels.BlockCsrMatrix;
import dev.pare.tensor.kernels.CsrKernels;
import dev.pare.tensor.kernels.CsrMatrix;
import dev.pare.tensor.kernels.ReduceKernels;
import dev.pare.tensor.kernels.SparseLayout;
import java.util.Arrays;

/**
 * A fully connected layer, {@code y = x·Wᵀ + b}, whose weight W [out, in] is stored sparse: only
 * the kept weights, as CSR or block-CSR ({@link SparseFormat}). Built from a pruned
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
 * <p><b>Backward</b> (recorded with {@link Tensor#recordOp}):
 * <ul>
 *   <li>dL/dx = G·W: CSR scatters each entry's w·Gᵀ[r, :] into dXᵀ[c, :]; block-CSR adds
 *       g[r]·block to B contiguous entries of dx, sample by sample.</li>
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
    private final SparseFormat format;
    private final CsrMatrix csr;
    private final BlockCsrMatrix block;
    private final Tensor values;
    private final Tensor bias;

    private SparseLinear(int in, int out, SparseFormat format, CsrMatrix csr, BlockCsrMatrix block, Tensor bias) {
        this.inFeatures = in;
        this.outFeatures = out;
        this.format = format;
        this.csr = csr;
        this.block = block;
        float[] v = csr != null ? csr.values() : block.values();
        int[] shape = csr != null ? new int[] {v.length} : new int[] {block.blocks(), block.blockWidth()};
        // The parameter shares the kernels' array: an optimizer step on it updates the matrix.
        this.values = registerParameter("values", Tensor.wrap(v, 0, shape));
        if (bias != null && (bias.dim() != 1 || bias.size(0) != out)) {
            throw new IllegalArgumentException("SparseLinear(" + in + " -> " + out + "): bias of shape "
                    + Arrays.toString(bias.shape()) + ", expected [" + out + "]");
        }
        this.bias = bias == null ? null : registerParameter("bias", bias.detach().contiguous().copy());
    }

    /** A layer computing with {@code w} (shared, not copied) and {@code bias} (copied; may be null). */
    public static SparseLinear ofCsr(CsrMatrix w, Tensor bias) {
        return new SparseLinear(w.cols(), w.rows(), SparseFormat.CSR, w, null, bias);
    }

    /** A layer computing with {@code w} (shared, not copied) and {@code bias} (copied; may be null). */
    public static SparseLinear ofBlockCsr(BlockCsrMatrix w, Tensor bias) {
        SparseFormat f = w.blockWidth() == 8 ? SparseFormat.BLOCK_8 : SparseFormat.BLOCK_16;
        return new SparseLinear(w.cols(), w.rows(), f, null, w, bias);
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
        return Tensor.fromArray(csr != null ? csr.toDense() : block.toDense(), outFeatures, inFeatures);
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.dim() == 0 || x.size(-1) != inFeatures) {
            throw new IllegalArgumentException(label() + ": input of shape " + Arrays.toString(x.shape())
                    + ": last dimension must be " + inFeatures);
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
            if (csr != null) {
                CsrKernels.timesVector(csr, xs, xo, y, 0);
            } else {
                BlockCsrKernels.timesVector(block, xs, xo, y, 0);
            }
            if (b != null) {
                for (int r = 0; r < outFeatures; r++) {
                    y[r] += b[bo + r];
                }
            }
        } else if (csr != null) {
            CsrKernels.timesRowMajor(csr, xs, xo, n, b, bo, y, 0);
        } else {
            BlockCsrKernels.timesRowMajor(block, xs, xo, n, b, bo, y, 0);
        }
        Tensor out = Tensor.wrap(y, 0, outShape);
        if (!GradMode.isEnabled()) {
            // Inference: no graph, so neither the backward closure nor the input list is built.
            return out;
        }
        boolean needX = x.requiresGrad();
        Tensor[] inputs = bias == null ? new Tensor[] {x, values} : new Tensor[] {x, values, bias};
        return Tensor.recordOp("sparseLinear", out,
                g -> backward(g, n, xs, xo, needX, values.requiresGrad(), x.shape()), inputs);
    }

    /**
     * dL/dx, dL/dvalues at the stored entries, dL/db; see the class comment. X [n, in] is read at
     * {@code xs[xo..]}, the forward pass's contiguous input, and transposed here to the batch-minor
     * Xᵀ that the weight gradient needs (the forward pass no longer builds it).
     */
    private Tensor[] backward(Tensor gradOut, int n, float[] xs, int xo, boolean needX, boolean needW, int[] xShape) {
        Tensor g2 = gradOut.reshape(-1, outFeatures).contiguous();
        float[] gs = g2.storage();
        int go = g2.offset();
        float[] gT;
        int gTo;
        if (n == 1) {
            gT = gs;
            gTo = go;
        } else {
            gT = new float[outFeatures * n];
            gTo = 0;
            SparseLayout.transpose(gs, go, n, outFeatures, gT, 0);
        }
        Tensor dx = null;
        if (needX) {
            float[] d = new float[n * inFeatures];
            if (csr != null) {
                if (n == 1) {
                    CsrKernels.transposedTimesVectorScalar(csr, gs, go, d, 0);
                } else {
                    float[] dT = new float[inFeatures * n];
                    CsrKernels.transposedTimesBatchMinor(csr, gT, gTo, n, dT, 0);
                    SparseLayout.transpose(dT, 0, inFeatures, n, d, 0);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    BlockCsrKernels.transposedTimesVector(block, gs, go + i * outFeatures, d, i * inFeatures);
                }
            }
            dx = Tensor.wrap(d, 0, xShape);
        }
        Tensor dValues = null;
        if (needW) {
            float[] xT = xs;
            int xTo = xo;
            if (n > 1) {
                xT = new float[inFeatures * n];
                xTo = 0;
                SparseLayout.transpose(xs, xo, n, inFeatures, xT, 0);
            }
            float[] dv = new float[values.numel()];
            if (csr != null) {
                CsrKernels.weightGradBatchMinor(csr, gT, gTo, xT, xTo, n, dv, 0);
            } else {
                blockWeightGrad(gT, gTo, xT, xTo, n, dv);
            }
            dValues = Tensor.wrap(dv, 0, values.shape());
        }
        Tensor dBias = null;
        if (bias != null) {
            float[] db = new float[outFeatures];
            for (int i = 0; i < n; i++) {
                for (int r = 0; r < outFeatures; r++) {
                    db[r] += gs[go + i * outFeatures + r];
                }
            }
            dBias = Tensor.wrap(db, 0, outFeatures);
        }
        return bias == null ? new Tensor[] {dx, dValues} : new Tensor[] {dx, dValues, dBias};
    }

    /** dValues[b·B + j] = Gᵀ[r, :]·Xᵀ[start + j, :] for each in-matrix entry of each kept block. */
    private void blockWeightGrad(float[] gT, int gTo, float[] xT, int xTo, int n, float[] dv) {
        int bw = block.blockWidth();
        int[] ptr = block.blockPtr();
        int[] start = block.blockStart();
        for (int r = 0; r < outFeatures; r++) {
            for (int b = ptr[r]; b < ptr[r + 1]; b++) {
                int width = Math.min(bw, inFeatures - start[b]);
                for (int j = 0; j < width; j++) {
                    dv[b * bw + j] = ReduceKernels.dot(gT, gTo + r * n, 1, xT, xTo + (start[b] + j) * n, 1, n);
                }
            }
        }
    }

    private String label() {
        return "SparseLinear(" + inFeatures + " -> " + outFeatures + ", " + format.fileName() + ")";
    }

    public int inFeatures() {
        return inFeatures;
    }

    public int outFeatures() {
        return outFeatures;
    }

    public SparseFormat format() {
        return format;
    }

    /** The CSR matrix, or null for a block format. */
    public CsrMatrix csr() {
        return csr;
    }

    /** The block-CSR matrix, or null for CSR. */
    public BlockCsrMatrix blockCsr() {
        return block;
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
        return csr != null ? csr.totalBytes() : block.totalBytes();
    }

    /** Fraction of the out·in weights not stored. */
    public double sparsity() {
        return csr != null ? csr.sparsity() : block.sparsity();
    }

    @Override
    protected String extraRepr() {
        return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + (bias != null)
                + ", format=" + format.fileName() + ", stored=" + storedWeights()
                + String.format(java.util.Locale.ROOT, ", sparsity=%.3f", sparsity());
    }
}
