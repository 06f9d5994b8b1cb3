package dev.pare.nn;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.ReduceKernels;
import java.util.Arrays;

/**
 * A lookup table: row {@code i} of the weight is the learned vector of token (or category)
 * {@code i}.
 *
 * <pre>
 *   y[…, :] = W[idx[…], :]                 backward:  dW[k, :] = Σ_{positions p with idx[p] = k} g[p, :]
 * </pre>
 * The lookup is a matrix product with one-hot rows, {@code onehot(idx)·W}, done without building
 * the one-hot matrix: copying a row is all the product does. Its backward is therefore a
 * <em>scatter-add</em>: each position's gradient is added to the row it read, and a token seen
 * twice in the batch collects both (the chain rule's sum over uses).
 *
 * <p><b>padding_idx:</b> optional. That row is initialised to zeros and receives no gradient, so
 * it stays whatever it is (zeros, unless loaded); padding tokens then contribute a fixed vector.
 * A negative value counts from the end, as in PyTorch.
 *
 * <p>Indices arrive as a float tensor (Pare's tensors hold floats; every integer up to 2²⁴ is
 * exact) and each must be an integer in {@code [0, numEmbeddings)}; anything else is an error
 * naming the value and its position, never a silent wrong row.
 *
 * <p><b>Args:</b> {@code numEmbeddings} (the vocabulary size), {@code embeddingDim}, optional
 * {@code paddingIdx}, {@code rng} for the initial weights, drawn from N(0, 1) as PyTorch does.
 *
 * <p><b>Shape:</b> indices of any shape {@code [*]}; output {@code [*, embeddingDim]}.
 *
 * <p><b>State dict:</b> {@code weight} {@code [numEmbeddings, embeddingDim]}, as PyTorch's
 * {@code nn.Embedding}.
 *
 * <p><b>Example:</b>
 * <pre>{@code
 * Embedding tok = new Embedding(1000, 64, 0, new Rng(1));          // token 0 is padding
 * Tensor ids = Tensor.fromArray(new float[] {5, 9, 0, 0, 7, 7, 3, 0}, 2, 4);
 * Tensor x = tok.forward(ids);                                     // [2, 4, 64]
 * }</pre>
 */
public final class Embedding extends Module {
    private final int numEmbeddings;
    private final int embeddingDim;
    private final int paddingIdx; // −1 for none, after counting a negative value from the end
    private final Tensor weight;

    /** A table without a padding row. */
    public Embedding(int numEmbeddings, int embeddingDim, Rng rng) {
        this(numEmbeddings, embeddingDim, null, rng);
    }

    /** A table whose row {@code paddingIdx} is zero and never learns (negative counts from the end). */
    public Embedding(int numEmbeddings, int embeddingDim, int paddingIdx, Rng rng) {
        this(numEmbeddings, embeddingDim, Integer.valueOf(paddingIdx), rng);
    }

    private Embedding(int numEmbeddings, int embeddingDim, Integer paddingIdx, Rng rng) {
        if (numEmbeddings <= 0 || embeddingDim <= 0) {
            throw new IllegalArgumentException("Embedding(" + numEmbeddings + ", " + embeddingDim
                    + "): both sizes must be positive");
        }
        if (paddingIdx != null && (paddingIdx >= numEmbeddings || paddingIdx < -numEmbeddings)) {
            throw new IllegalArgumentException("Embedding(" + numEmbeddings + ", " + embeddingDim + "): padding_idx "
                    + paddingIdx + " is not in [-" + numEmbeddings + ", " + numEmbeddings + ")");
        }
        this.numEmbeddings = numEmbeddings;
        this.embeddingDim = embeddingDim;
        this.paddingIdx = paddingIdx == null ? -1 : paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
        this.weight = registerParameter("weight", Tensor.zeros(numEmbeddings, embeddingDim));
        resetParameters(rng);
    }

    /** Redraws the table from N(0, 1) and zeroes the padding row, as PyTorch does. */
    @SuppressWarnings("try") // the scope is used only for closing
    public void resetParameters(Rng rng) {
        Init.normal(weight, 0.0, 1.0, rng);
        if (paddingIdx >= 0) {
            try (dev.pare.tensor.GradMode.Scope ignored = Tensor.noGrad()) {
                weight.select(0, paddingIdx).zero();
            }
        }
    }

    @Override
    public Tensor forward(Tensor indices) {
        int[] rows = checkedIndices(indices);
        int[] outShape = Arrays.copyOf(indices.shape(), indices.dim() + 1);
        outShape[indices.dim()] = embeddingDim;
        Tensor w = Conv2dOp.contiguous(weight);
        float[] wd = w.storage();
        int wo = w.offset();
        int e = embeddingDim;
        float[] y = new float[rows.length * e];
        for (int p = 0; p < rows.length; p++) {
            System.arraycopy(wd, wo + rows[p] * e, y, p * e, e);
        }
        Tensor out = Tensor.wrap(y, 0, outShape);
        int pad = paddingIdx;
        return Tensor.recordOp("embedding", out, g -> {
            Tensor gc = Conv2dOp.contiguous(g);
            float[] gd = gc.storage();
            int go = gc.offset();
            float[] dw = new float[numEmbeddings * e];
            // In position order, one thread: a row used at several positions adds them in the
            // same order every time, so the result never depends on the thread count.
            for (int p = 0; p < rows.length; p++) {
                if (rows[p] != pad) {
                    ReduceKernels.axpy(1f, gd, go + p * e, 1, dw, rows[p] * e, 1, e);
                }
            }
            return new Tensor[] {Tensor.wrap(dw, 0, numEmbeddings, e)};
        }, weight);
    }

    /** The indices as ints, row-major, each checked to be an integer in [0, numEmbeddings). */
    private int[] checkedIndices(Tensor indices) {
        float[] v = indices.toArray();
        int[] rows = new int[v.length];
        for (int p = 0; p < v.length; p++) {
            float f = v[p];
            int i = (int) f;
            if (i != f || i < 0 || i >= numEmbeddings) {
                throw new IllegalArgumentException(describe() + ": index " + f + " at flat position " + p
                        + " of indices of shape " + Arrays.toString(indices.shape()) + " is not an integer in [0, "
                        + numEmbeddings + ")");
            }
            rows[p] = i;
        }
        return rows;
    }

    public int numEmbeddings() {
        return numEmbeddings;
    }

    public int embeddingDim() {
        return embeddingDim;
    }

    /** The padding row, or −1 when there is none. */
    public int paddingIdx() {
        return paddingIdx;
    }

    /** The table, {@code [numEmbeddings, embeddingDim]}. */
    public Tensor weight() {
        return weight;
    }

    @Override
    protected String extraRepr() {
        return numEmbeddings + ", " + embeddingDim + (paddingIdx >= 0 ? ", padding_idx=" + paddingIdx : "");
    }
}
