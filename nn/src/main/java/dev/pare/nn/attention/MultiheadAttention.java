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
 * <h2>Head mask and head removal (for pruning)</h2>
 * A head mask ξ {@code [H]} multiplies each head's output before the merge:
 * {@code O_h ← ξ_h · (A_h V_h)}. It is all ones by default (and then not multiplied at all), is
 * not a parameter and is not in the state dict. Setting ξ_h = 0 silences head h; making ξ a leaf
 * that requires grad and calling {@code backward()} gives ∂L/∂ξ_h, the head-importance score of
 * Michel et al. (2019) that {@code compress.prune.HeadPruner} accumulates. {@link #pruneHeads}
 * then removes heads for good: their rows of W_q, W_k, W_v (and of the bias) and their columns of
 * W_o go, H shrinks, d stays, and the layer computes exactly what it computed with those heads
 * masked to 0. After pruning, the inner width H·d is smaller than E: the projections are
 * {@code in_proj_weight [3·H·d, E]} and {@code out_proj.weight [E, H·d]}.
 *
 * <h2>A replaced input projection (for quantization)</h2>
 * {@link #setInProjection} swaps {@code in_proj_weight} and {@code in_proj_bias} for a module
 * computing all three projections at once, {@code [B, L, E] → [B, L, 3·H·d]} (an int8 layer, say),
 * registered as the child {@code in_proj}. For self-attention (query, key and value the same
 * tensor) it runs once and Q, K and V are narrow views of its output; for different inputs it runs
 * once per distinct input and uses a third of each result. {@code out_proj} is looked up on every
 * call, so {@code replaceModule("out_proj", …)} takes effect.
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
    private final int headDim;
    private final double dropout;
    private final boolean bias;
    /** H: shrinks when heads are pruned. */
    private int numHeads;
    /** The packed projection, replaced by a smaller one when heads are pruned; null once {@link #inProj} is set. */
    private Tensor inProjWeight;
    private Tensor inProjBias;
    /** The module that replaced the two tensors above ({@link #setInProjection}), or null. */
    private Module inProj;
    /** ξ [H], ones unless someone masks a head; not registered (not state). */
    private Tensor headMask;
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
        this.bias = bias;
        this.inProjWeight = registerParameter("in_proj_weight", Tensor.zeros(3 * embedDim, embedDim));
        this.inProjBias = bias ? registerParameter("in_proj_bias", Tensor.zeros(3 * embedDim)) : null;
        Linear outProj = registerModule("out_proj", new Linear(embedDim, embedDim, bias, rng));
        Init.xavierUniform(inProjWeight, 1.0, rng);
        if (bias) {
            try (GradMode.Scope ignored = Tensor.noGrad()) {
                inProjBias.zero();
                outProj.bias().zero();
            }
        }
        this.headMask = Tensor.ones(numHeads);
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
        Tensor[] qkv = projections(query, key, value);
        Tensor weights = weights(qkv[0], qkv[1], b, t, s, keyPaddingMask, attnMask);   // [B, H, T, S]
        attnDropout.train(isTraining());
        weights = attnDropout.forward(weights);
        Tensor vh = heads(qkv[2], b, s);                         // [B, H, S, d]
        Tensor ctx = weights.matmul(vh);                         // [B, H, T, d]
        if (headMaskActive()) {
            ctx = ctx.mul(headMask.view(1, numHeads, 1, 1));     // O_h ← ξ_h · O_h
        }
        ctx = ctx.transpose(1, 2).reshape(b, t, innerDim());     // [B, T, H·d]: the one copy
        return outProjection().forward(ctx);
    }

    /**
     * The attention weights A = softmax(Q Kᵀ / √d + M), per head and before dropout: what each
     * query reads from each key. Each row sums to 1 over the keys, or is all 0 for a query whose
     * keys are all masked. Differentiable. PyTorch returns the same tensor from
     * {@code need_weights=True, average_attn_weights=False}; average over dimension 1 for its
     * default. The head mask does not apply: it scales a head's output, not its weights.
     *
     * @param query          {@code [B, T, E]}
     * @param key            {@code [B, S, E]}
     * @param keyPaddingMask {@code [B, S]} or null
     * @param attnMask       {@code [T, S]} or {@code [B·H, T, S]}, or null
     * @return {@code [B, H, T, S]}
     */
    public Tensor attentionWeights(Tensor query, Tensor key, AttentionMask keyPaddingMask, AttentionMask attnMask) {
        checkInputs(query, key, key);
        Tensor[] qk = projections(query, key, null);
        return weights(qk[0], qk[1], query.size(0), query.size(1), key.size(1), keyPaddingMask, attnMask);
    }

    /** A from the projected queries {@code [B, T, H·d]} and keys {@code [B, S, H·d]}. */
    private Tensor weights(Tensor q, Tensor k, int b, int t, int s, AttentionMask keyPaddingMask,
                           AttentionMask attnMask) {
        Tensor mask = combinedMask(keyPaddingMask, attnMask, b, t, s);
        Tensor qh = heads(q.mul((float) (1.0 / Math.sqrt(headDim))), b, t);   // [B, H, T, d]
        Tensor kh = heads(k, b, s);                              // [B, H, S, d]
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

    /**
     * Q, K and V ({@code [B, L, H·d]} each; V null when {@code value} is): three products with
     * row blocks of {@code in_proj_weight}, or, once {@link #setInProjection} has replaced it, the
     * replacement's packed output cut in three, computed once per distinct input tensor.
     */
    private Tensor[] projections(Tensor query, Tensor key, Tensor value) {
        if (inProj == null) {
            return new Tensor[] {project(query, 0), project(key, 1), value == null ? null : project(value, 2)};
        }
        int inner = innerDim();
        Tensor pq = packed(query);
        Tensor pk = key == query ? pq : packed(key);
        Tensor pv = value == null ? null : value == query ? pq : value == key ? pk : packed(value);
        return new Tensor[] {pq.narrow(2, 0, inner), pk.narrow(2, inner, inner),
                pv == null ? null : pv.narrow(2, 2 * inner, inner)};
    }

    /** The replacement projection of {@code x}, checked to be {@code [B, L, 3·H·d]}. */
    private Tensor packed(Tensor x) {
        Tensor y = inProj.forward(x);
        if (y.dim() != 3 || y.size(0) != x.size(0) || y.size(1) != x.size(1) || y.size(2) != 3 * innerDim()) {
            throw new IllegalStateException(label() + ": in_proj " + inProj.describe() + " turned "
                    + Arrays.toString(x.shape()) + " into " + Arrays.toString(y.shape()) + "; expected ["
                    + x.size(0) + ", " + x.size(1) + ", " + 3 * innerDim() + "] (Q, K, V of " + numHeads + " heads of "
                    + headDim + ")");
        }
        return y;
    }

    /** X·W_iᵀ + b_i with W_i, b_i the i-th block of H·d rows of the packed projection. */
    private Tensor project(Tensor x, int i) {
        int inner = innerDim();
        // The stored weight, or a reparametrisation of it (a pruning mask), as Linear does.
        Tensor w = parametrized("in_proj_weight", inProjWeight).narrow(0, i * inner, inner);
        Tensor y = x.matmul(w.t());
        return inProjBias == null ? y : y.add(inProjBias.narrow(0, i * inner, inner));
    }

    /** Whether ξ must be multiplied in: it is being differentiated, or some entry is not 1. */
    private boolean headMaskActive() {
        if (headMask.requiresGrad()) {
            return true;
        }
        Tensor m = headMask.contiguous();
        float[] v = m.storage();
        for (int h = 0; h < numHeads; h++) {
            if (v[m.offset() + h] != 1f) {
                return true;
            }
        }
        return false;
    }

    /** [B, L, H·d] → [B, H, L, d], a view. */
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

    // ---------------------------------------------------------------- head mask and head removal

    /**
     * The head mask ξ {@code [H]}: the live tensor the forward pass multiplies each head's output
     * by, all ones unless changed. Write into it under {@code Tensor.noGrad()} to silence heads, or
     * call {@code requiresGrad(true)} on it to get ∂L/∂ξ from {@code backward()} (then read and
     * clear {@code grad()} yourself: it is not a parameter, so {@code zeroGrad()} leaves it).
     */
    public Tensor headMask() {
        return headMask;
    }

    /**
     * Replaces the head mask by {@code mask} itself (not a copy), so a caller can pass a leaf that
     * requires grad, or {@code null} for all ones again.
     *
     * @throws IllegalArgumentException if {@code mask} is not {@code [H]}
     */
    public void setHeadMask(Tensor mask) {
        if (mask == null) {
            headMask = Tensor.ones(numHeads);
            return;
        }
        if (mask.dim() != 1 || mask.size(0) != numHeads) {
            throw new IllegalArgumentException(label() + ": setHeadMask: a mask of shape " + Arrays.toString(mask.shape())
                    + " for " + numHeads + " heads; expected [" + numHeads + "]");
        }
        headMask = mask;
    }

    /**
     * Removes heads {@code heads} (indices into the current heads, any order) for good, as
     * HuggingFace's {@code prune_heads}: their d rows in each of the Q, K, V blocks of
     * {@code in_proj_weight} and {@code in_proj_bias}, and their d columns of {@code out_proj.weight},
     * are cut out; the kept heads keep their order and are renumbered 0…H'−1, H shrinks to H', d
     * stays. The output equals that of the unpruned layer with ξ = 0 on the removed heads (up to
     * the order of float additions in the smaller products). The head mask keeps the kept heads'
     * entries.
     *
     * <p>Trap: the projections are new tensors, so an optimizer built before still holds the old
     * ones; build it again after pruning. A model with pruned heads loads a checkpoint only once
     * its layers have the same head counts (see {@code compress.prune.HeadPruner}).
     *
     * @throws IllegalArgumentException for an index outside [0, H), a repeated index, a request to
     *     remove every head, or a layer whose projections are masked or replaced (quantized)
     */
    @SuppressWarnings("try") // the scope is used only for closing
    public void pruneHeads(int... heads) {
        if (heads == null) {
            throw new IllegalArgumentException(label() + ": pruneHeads: heads is null");
        }
        boolean[] removed = new boolean[numHeads];
        for (int h : heads) {
            if (h < 0 || h >= numHeads) {
                throw new IllegalArgumentException(label() + ": pruneHeads " + Arrays.toString(heads) + ": head " + h
                        + " is not in [0, " + numHeads + ")");
            }
            if (removed[h]) {
                throw new IllegalArgumentException(label() + ": pruneHeads " + Arrays.toString(heads) + ": head " + h
                        + " is listed twice");
            }
            removed[h] = true;
        }
        if (heads.length == 0) {
            return;
        }
        if (heads.length == numHeads) {
            throw new IllegalArgumentException(label() + ": pruneHeads " + Arrays.toString(heads) + " would remove all "
                    + numHeads + " heads; a layer must keep at least one (its output would be out_proj.bias alone)");
        }
        Module out = outProjection();
        if (inProj != null || !(out instanceof Linear)) {
            throw new IllegalArgumentException(label() + ": pruneHeads: the projections have been replaced ("
                    + (inProj != null ? "in_proj = " + inProj.describe() : "out_proj = " + out.describe())
                    + "); prune heads before quantizing");
        }
        if (isParametrized("in_proj_weight") || out.isParametrized("weight")) {
            throw new IllegalArgumentException(label() + ": pruneHeads: a projection weight is masked; remove the"
                    + " mask (Mask.remove) before removing heads");
        }
        int[] keep = new int[numHeads - heads.length];
        for (int h = 0, k = 0; h < numHeads; h++) {
            if (!removed[h]) {
                keep[k++] = h;
            }
        }
        int inner = innerDim();
        int newInner = keep.length * headDim;
        int[] rows = new int[3 * newInner];     // Q, K, V blocks in turn, each the kept heads' rows
        int[] cols = new int[newInner];
        for (int block = 0, r = 0; block < 3; block++) {
            for (int h : keep) {
                for (int j = 0; j < headDim; j++) {
                    rows[r++] = block * inner + h * headDim + j;
                }
            }
        }
        for (int i = 0, c = 0; i < keep.length; i++) {
            for (int j = 0; j < headDim; j++) {
                cols[c++] = keep[i] * headDim + j;
            }
        }
        Linear oldOut = (Linear) out;
        // The Rng only fills weights that are overwritten at once.
        Linear newOut = new Linear(newInner, embedDim, oldOut.bias() != null, new Rng(0));
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            Tensor w = inProjWeight.indexSelect(0, rows);
            Tensor b = inProjBias == null ? null : inProjBias.indexSelect(0, rows);
            newOut.weight().copyFrom(oldOut.weight().indexSelect(1, cols));
            if (oldOut.bias() != null) {
                newOut.bias().copyFrom(oldOut.bias());
            }
            // Removed and registered again in the same order, so the state dict's key order stays.
            removeParameter("in_proj_weight");
            inProjWeight = registerParameter("in_proj_weight", w);
            if (b != null) {
                removeParameter("in_proj_bias");
                inProjBias = registerParameter("in_proj_bias", b);
            }
            headMask = headMask.detach().indexSelect(0, keep);
        }
        replaceModule("out_proj", newOut);
        numHeads = keep.length;
    }

    /**
     * Replaces {@code in_proj_weight} and {@code in_proj_bias} by {@code projection}, a module from
     * {@code [B, L, E]} to {@code [B, L, 3·H·d]} computing W_q, W_k, W_v at once (what int8
     * quantization installs), registered as the child {@code in_proj}; the two parameters leave the
     * state dict. The output width is checked on every call.
     *
     * @throws IllegalArgumentException if {@code projection} is null or a projection was already replaced
     */
    public void setInProjection(Module projection) {
        if (projection == null) {
            throw new IllegalArgumentException(label() + ": setInProjection: projection is null");
        }
        if (inProj != null) {
            throw new IllegalArgumentException(label() + ": setInProjection: in_proj is already "
                    + inProj.describe());
        }
        if (isParametrized("in_proj_weight")) {
            throw new IllegalArgumentException(label() + ": setInProjection: in_proj_weight is masked; remove the"
                    + " mask (Mask.remove) first, or its masked entries would come back");
        }
        removeParameter("in_proj_weight");
        if (inProjBias != null) {
            removeParameter("in_proj_bias");
        }
        inProj = registerModule("in_proj", projection);
        inProjWeight = null;
        inProjBias = null;
    }

    /** The module that replaced the packed projection ({@link #setInProjection}), or null. */
    public Module inProjection() {
        return inProj;
    }

    /** The output projection as it is now: a {@link Linear}, or what replaced it. */
    public Module outProjection() {
        return namedChildren().get("out_proj");
    }

    public int embedDim() {
        return embedDim;
    }

    /** H: the heads there are now (fewer than built with, once heads are pruned). */
    public int numHeads() {
        return numHeads;
    }

    public int headDim() {
        return headDim;
    }

    /** H·d: the width of Q, K, V and of the merged heads; E until heads are pruned. */
    public int innerDim() {
        return numHeads * headDim;
    }

    public double dropout() {
        return dropout;
    }

    /** Whether the four projections have biases. */
    public boolean hasBias() {
        return bias;
    }

    /**
     * The packed input projection {@code [3·H·d, E]}: W_q, W_k, W_v stacked by rows.
     *
     * @throws IllegalStateException once {@link #setInProjection} has replaced it
     */
    public Tensor inProjWeight() {
        if (inProj != null) {
            throw new IllegalStateException(label() + ": in_proj_weight was replaced by " + inProj.describe()
                    + "; see inProjection()");
        }
        return inProjWeight;
    }

    /** The packed input bias {@code [3·H·d]}, or null (no bias, or replaced by {@link #setInProjection}). */
    public Tensor inProjBias() {
        return inProjBias;
    }

    /**
     * The output projection, {@code H·d → E}.
     *
     * @throws IllegalStateException if it was replaced by something other than a Linear (see
     *     {@link #outProjection()})
     */
    public Linear outProj() {
        Module m = outProjection();
        if (!(m instanceof Linear l)) {
            throw new IllegalStateException(label() + ": out_proj is now " + m.describe() + ", not a Linear; see"
                    + " outProjection()");
        }
        return l;
    }

    /** {@code TypeName(settings)}, for error messages. */
    private String label() {
        return typeName() + "(" + extraRepr() + ")";
    }

    @Override
    protected String extraRepr() {
        return "embed_dim=" + embedDim + ", num_heads=" + numHeads
                + (innerDim() == embedDim ? "" : ", head_dim=" + headDim) + ", dropout=" + dropout + ", bias=" + bias;
    }
}
