package dev.pare.nn.attention;

import dev.pare.nn.Dropout;
import dev.pare.nn.Init;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * Multi-head scaled dot-product attention, with PyTorch's {@code nn.MultiheadAttention} weights
 * and names ({@code batch_first=True} layout).
 *
 * <h2>Formula</h2>
 * For queries from a sequence of length T and keys and values from one of length S (the same
 * sequence for self-attention), with E = H·d:
 * <pre>
 *   Q = X_q W_qᵀ + b_q,   K = X_k W_kᵀ + b_k,   V = X_v W_vᵀ + b_v              [B, T or S, E]
 *   split each into H heads of d = E/H features                               [B, H, T or S, d]
 *   A = softmax( Q Kᵀ / √d + M )     over the keys, the last dimension        [B, H, T, S]
 *   O = (dropout(A) V), heads merged back                                     [B, T, E]
 *   y = O W_oᵀ + b_o                                                          [B, T, E]
 * </pre>
 * Each query scores every key by a dot product; the softmax turns one query's scores into weights
 * that sum to 1, and the output is that weighted average of the values. Why √d: with entries of
 * unit variance, q·k sums d products and has variance d; dividing by √d keeps the scores near
 * unit scale whatever the head size, so the softmax does not saturate to one-hot (where its
 * gradient vanishes). Why several heads: each head has its own projections, so one can attend by
 * position while another attends by content, for the cost of one head of size E.
 *
 * <h2>Masks</h2>
 * M is the sum of an {@code attnMask} ({@code [T, S]}, or {@code [B·H, T, S]} with batch-major
 * order as in PyTorch) and a {@code keyPaddingMask} ({@code [B, S]}, broadcast over heads and
 * queries), both {@link AttentionMask}s; either may be null. A −∞ entry gives its key weight 0.
 *
 * <p>Trap: a query whose every key is masked has all scores −∞, and softmax of that row is 0/0.
 * PyTorch 1.13 returns NaN there, which then spreads to every gradient of the batch through the
 * weight updates. Pare instead gives such a query all-zero weights: its output is {@code b_o}
 * alone, and no gradient flows through that row. (The masked row is first replaced by zeros, so
 * the softmax is finite, and its weights are then multiplied by 0.)
 *
 * <h2>Layout, views and copies</h2>
 * The heads are split by views: {@code [B, T, E] → view [B, T, H, d] → transpose [B, H, T, d]}
 * moves no data, and the batched {@code matmul} reads those strided matrices in place ({@code Kᵀ}
 * too). Merging the heads back ({@code [B, H, T, d] → [B, T, E]}) is the one copy, as in PyTorch.
 * The three input projections are separate products with row blocks of {@code in_proj_weight}
 * (narrow views); a packed {@code [B, T, 3E]} product would save little here and would make each
 * of Q, K and V's gradients a full-size zero-padded tensor.
 *
 * <h2>Parameters and initialisation (as PyTorch)</h2>
 * {@code in_proj_weight [3E, E]} (rows 0…E−1 are W_q, then W_k, then W_v), drawn from Xavier
 * uniform over the whole {@code [3E, E]} matrix; {@code in_proj_bias [3E]} zero;
 * {@code out_proj.weight [E, E]} Linear's default {@code U(±1/√E)}; {@code out_proj.bias [E]} zero.
 *
 * <p>Dropout on the attention weights (probability {@code dropout}, training mode only) draws
 * its masks from a generator forked from the constructor's {@link Rng}: same seed, same masks.
 *
 * <p>{@link #attentionWeights} returns A itself, per head ({@code need_weights=True,
 * average_attn_weights=False} in PyTorch). Not supported: different key/value sizes
 * ({@code kdim}, {@code vdim}), {@code add_bias_kv}, {@code add_zero_attn}, unbatched
 * {@code [T, E]} input.
 *
 * <p><b>Example:</b>
 * <pre>{@code
 * MultiheadAttention attn = new MultiheadAttention(64, 8, new Rng(7));
 * Tensor x = Tensor.randn(new Rng(0), 2, 10, 64);
 * Tensor y = attn.forward(x, x, x, null, AttentionMask.causal(10));   // [2, 10, 64]
 * }</pre>
 */
public final class MultiheadAttention extends Module {
    private final int embedDim;
    private final int numHeads;
    private final int headDim;
    private final double dropout;
    private final Tensor inProjWeight;
    private final Tensor inProjBias;
    private final Linear outProj;
    private final Dropout attnDropout; // not registered: PyTorch's module has no such child

    /** No dropout, with biases. */
    public MultiheadAttention(int embedDim, int numHeads, Rng rng) {
        this(embedDim, numHeads, 0.0, true, rng);
    }

    /**
     * @param embedDim E, the size of each token's vector
     * @param numHeads H; must divide E
     * @param dropout  probability of zeroing an attention weight in training
     * @param bias     whether the four projections have biases
     * @param rng      source of the initial weights and of the dropout masks
     */
    @SuppressWarnings("try") // the scope is used only for closing
    public MultiheadAttention(int embedDim, int numHeads, double dropout, boolean bias, Rng rng) {
        if (embedDim <= 0 || numHeads <= 0 || embedDim % numHeads != 0) {
            throw new IllegalArgumentException("MultiheadAttention(embed_dim=" + embedDim + ", num_heads=" + numHeads
                    + "): both must be positive and num_heads must divide embed_dim");
        }
        if (!(dropout >= 0 && dropout <= 1)) {
            throw new IllegalArgumentException("MultiheadAttention: dropout " + dropout + " is not in [0, 1]");
        }
        if (rng == null) {
            throw new IllegalArgumentException("MultiheadAttention: rng is null");
        }
        this.embedDim = embedDim;
        this.numHeads = numHeads;
        this.headDim = embedDim / numHeads;
        this.dropout = dropout;
        this.inProjWeight = registerParameter("in_proj_weight", Tensor.zeros(3 * embedDim, embedDim));
        this.inProjBias = bias ? registerParameter("in_proj_bias", Tensor.zeros(3 * embedDim)) : null;
        this.outProj = registerModule("out_proj", new Linear(embedDim, embedDim, bias, rng));
        Init.xavierUniform(inProjWeight, 1.0, rng);
        if (bias) {
            try (GradMode.Scope ignored = Tensor.noGrad()) {
                inProjBias.zero();
                outProj.bias().zero();
            }
        }
        this.attnDropout = new Dropout(dropout, rng.fork());
    }

    /** Self-attention without masks: {@code forward(x, x, x, null, null)}. */
    @Override
    public Tensor forward(Tensor x) {
        return forward(x, x, x, null, null);
    }

    /**
     * @param query          {@code [B, T, E]}
     * @param key            {@code [B, S, E]}
     * @param value          {@code [B, S, E]}
     * @param keyPaddingMask {@code [B, S]} or null: which keys are padding
     * @param attnMask       {@code [T, S]} or {@code [B·H, T, S]}, or null
     * @return {@code [B, T, E]}
     */
    public Tensor forward(Tensor query, Tensor key, Tensor value, AttentionMask keyPaddingMask, AttentionMask attnMask) {
        checkInputs(query, key, value);
        int b = query.size(0);
        int t = query.size(1);
        int s = key.size(1);
        Tensor weights = weights(query, key, keyPaddingMask, attnMask);   // [B, H, T, S]
        attnDropout.train(isTraining());
        weights = attnDropout.forward(weights);
        Tensor vh = heads(project(value, 2), b, s);              // [B, H, S, d]
        Tensor ctx = weights.matmul(vh)                          // [B, H, T, d]
                .transpose(1, 2).reshape(b, t, embedDim);        // [B, T, E]: the one copy
        return outProj.forward(ctx);
    }

    /**
     * The attention weights A = softmax(Q Kᵀ / √d + M), per head and before dropout: what each
     * query reads from each key. Each row sums to 1 over the keys, or is all 0 for a query whose
     * keys are all masked. Differentiable. PyTorch returns the same tensor from
     * {@code need_weights=True, average_attn_weights=False}; average over dimension 1 for its
     * default.
     *
     * @param query          {@code [B, T, E]}
     * @param key            {@code [B, S, E]}
     * @param keyPaddingMask {@code [B, S]} or null
     * @param attnMask       {@code [T, S]} or {@code [B·H, T, S]}, or null
     * @return {@code [B, H, T, S]}
     */
    public Tensor attentionWeights(Tensor query, Tensor key, AttentionMask keyPaddingMask, AttentionMask attnMask) {
        checkInputs(query, key, key);
        return weights(query, key, keyPaddingMask, attnMask);
    }

    private Tensor weights(Tensor query, Tensor key, AttentionMask keyPaddingMask, AttentionMask attnMask) {
        int b = query.size(0);
        int t = query.size(1);
        int s = key.size(1);
        Tensor mask = combinedMask(keyPaddingMask, attnMask, b, t, s);
        Tensor q = project(query, 0).mul((float) (1.0 / Math.sqrt(headDim)));
        Tensor qh = heads(q, b, t);                              // [B, H, T, d]
        Tensor kh = heads(project(key, 1), b, s);                // [B, H, S, d]
        Tensor scores = qh.matmul(kh.transpose(-1, -2));         // [B, H, T, S]
        Tensor alive = null;
        if (mask != null) {
            alive = aliveRows(mask);
            if (alive != null) {
                // Rows with every key masked: scored as if unmasked (finite), then zeroed below.
                mask = Tensor.where(alive, mask, Tensor.scalar(0f));
            }
            scores = scores.add(mask);
        }
        Tensor weights = scores.softmax(-1);
        return alive == null ? weights : weights.mul(alive);
    }

    /** X·W_iᵀ + b_i with W_i, b_i the i-th block of E rows of the packed projection. */
    private Tensor project(Tensor x, int i) {
        Tensor w = inProjWeight.narrow(0, i * embedDim, embedDim);
        Tensor y = x.matmul(w.t());
        return inProjBias == null ? y : y.add(inProjBias.narrow(0, i * embedDim, embedDim));
    }

    /** [B, L, E] → [B, H, L, d], a view. */
    private Tensor heads(Tensor x, int b, int len) {
        return x.view(b, len, numHeads, headDim).transpose(1, 2);
    }

    private void checkInputs(Tensor query, Tensor key, Tensor value) {
        for (Tensor x : new Tensor[] {query, key, value}) {
            if (x == null) {
                throw new IllegalArgumentException(label() + ": query, key and value must not be null");
            }
            if (x.dim() != 3 || x.size(2) != embedDim) {
                throw new IllegalArgumentException(label() + ": query " + Arrays.toString(query.shape()) + ", key "
                        + Arrays.toString(key.shape()) + ", value " + Arrays.toString(value.shape())
                        + ": each must be [B, L, " + embedDim + "] (batch first)");
            }
        }
        if (key.size(0) != query.size(0) || value.size(0) != query.size(0) || !Arrays.equals(key.shape(), value.shape())) {
            throw new IllegalArgumentException(label() + ": query " + Arrays.toString(query.shape()) + ", key "
                    + Arrays.toString(key.shape()) + ", value " + Arrays.toString(value.shape())
                    + ": batch sizes must agree and key and value must have the same shape");
        }
    }

    /** The sum of the two masks, shaped to broadcast against [B, H, T, S]; null when both are. */
    private Tensor combinedMask(AttentionMask keyPadding, AttentionMask attn, int b, int t, int s) {
        Tensor m = null;
        if (attn != null) {
            int[] sh = attn.shape();
            if (Arrays.equals(sh, new int[] {t, s})) {
                m = attn.additive().reshape(1, 1, t, s);
            } else if (Arrays.equals(sh, new int[] {b * numHeads, t, s})) {
                m = attn.additive().reshape(b, numHeads, t, s);
            } else {
                throw new IllegalArgumentException(label() + ": attn_mask of shape " + Arrays.toString(sh)
                        + " for T=" + t + " queries and S=" + s + " keys: expected [" + t + ", " + s + "] or ["
                        + (b * numHeads) + ", " + t + ", " + s + "] (B·H, T, S)");
            }
        }
        if (keyPadding != null) {
            int[] sh = keyPadding.shape();
            if (!Arrays.equals(sh, new int[] {b, s})) {
                throw new IllegalArgumentException(label() + ": key_padding_mask of shape " + Arrays.toString(sh)
                        + ": expected [" + b + ", " + s + "] (batch, keys)");
            }
            Tensor kp = keyPadding.additive().reshape(b, 1, 1, s);
            m = m == null ? kp : m.add(kp);
        }
        return m;
    }

    /**
     * 1 for each query row of the mask with at least one key not at −∞, 0 for a fully masked row,
     * shaped [·, ·, T, 1]; null when no row is fully masked (the common case: nothing to fix).
     */
    private static Tensor aliveRows(Tensor mask) {
        int[] sh = mask.shape();
        int s = sh[3];
        float[] v = mask.detach().contiguous().toArray();
        int rows = v.length / s;
        float[] alive = new float[rows];
        boolean anyDead = false;
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < s; j++) {
                if (v[r * s + j] != Float.NEGATIVE_INFINITY) {
                    alive[r] = 1f;
                    break;
                }
            }
            anyDead |= alive[r] == 0f;
        }
        return anyDead ? Tensor.fromArray(alive, sh[0], sh[1], sh[2], 1) : null;
    }

    public int embedDim() {
        return embedDim;
    }

    public int numHeads() {
        return numHeads;
    }

    public int headDim() {
        return headDim;
    }

    public double dropout() {
        return dropout;
    }

    /** The packed input projection {@code [3E, E]}: W_q, W_k, W_v stacked by rows. */
    public Tensor inProjWeight() {
        return inProjWeight;
    }

    /** The packed input bias {@code [3E]}, or null. */
    public Tensor inProjBias() {
        return inProjBias;
    }

    /** The output projection, {@code E → E}. */
    public Linear outProj() {
        return outProj;
    }

    /** {@code TypeName(settings)}, for error messages. */
    private String label() {
        return typeName() + "(" + extraRepr() + ")";
    }

    @Override
    protected String extraRepr() {
        return "embed_dim=" + embedDim + ", num_heads=" + numHeads + ", dropout=" + dropout + ", bias="
                + (inProjBias != null);
    }
}
