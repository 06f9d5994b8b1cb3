/**
 * Attention and the Transformer encoder, with PyTorch's module names and weight layouts, so that
 * a PyTorch-trained encoder loads into Pare ({@code SafeTensors.load} then
 * {@code loadStateDict}) and computes the same outputs.
 *
 * <h2>What is here, in reading order</h2>
 * <ul>
 *   <li>{@link dev.pare.nn.attention.AttentionMask}: which keys a query may see (boolean,
 *       additive, causal), as values added to the scores.</li>
 *   <li>{@link dev.pare.nn.attention.MultiheadAttention}: scaled dot-product attention over H
 *       heads, split and merged by views; PyTorch's {@code in_proj_weight [3E, E]},
 *       {@code in_proj_bias}, {@code out_proj}; a head mask and head removal for pruning, and a
 *       replaceable input projection for int8 ({@code dev.pare.compress} uses both).</li>
 *   <li>{@link dev.pare.nn.attention.TransformerEncoderLayer}: attention and a feed-forward
 *       network, each with a residual and a LayerNorm (post-norm or pre-norm), ReLU or GELU.</li>
 *   <li>{@link dev.pare.nn.attention.TransformerEncoder}: a stack of them and an optional final
 *       norm.</li>
 *   <li>{@link dev.pare.nn.attention.VisionTransformer} (sized by a
 *       {@link dev.pare.nn.attention.ViTConfig}): images as sequences of patch tokens
 *       ({@link dev.pare.nn.PatchEmbedding}, {@link dev.pare.nn.ClassToken}) through a pre-norm
 *       encoder to a classifier.</li>
 * </ul>
 * The pieces they are built from sit in {@code dev.pare.nn}: {@link dev.pare.nn.LayerNorm} (a
 * fused op with kernels of its own), {@link dev.pare.nn.Embedding} and
 * {@link dev.pare.nn.PositionalEmbedding} for turning tokens into vectors, {@link dev.pare.nn.Linear}
 * and {@link dev.pare.nn.Dropout}. The attention products are ordinary batched
 * {@link dev.pare.tensor.Tensor#matmul} calls on strided views, and the softmax is
 * {@link dev.pare.tensor.Tensor#softmax}, whose forward and backward are row kernels.
 *
 * <p>Layout: always batch first, {@code [B, T, E]} (PyTorch's {@code batch_first=True}).
 * docs/attention.md derives the backward passes of softmax and LayerNorm and lists the
 * PyTorch name map.
 */
package dev.pare.nn.attention;
