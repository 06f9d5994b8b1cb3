/**
 * Pruning: turning weights into zeros, and zeros into bytes and time.
 *
 * <p><b>Start reading at</b> {@link dev.pare.compress.prune.Mask} (a pruned parameter is
 * {@code weight_orig · weight_mask}, PyTorch's reparametrisation), then
 * {@link dev.pare.compress.prune.MagnitudePruner} (which weights go), then
 * {@link dev.pare.compress.prune.SparseLinear} (where the zeros stop costing).
 *
 * <ul>
 *   <li>Masks: {@link dev.pare.compress.prune.Mask}, {@link dev.pare.compress.prune.PruneTarget}.</li>
 *   <li>Which weights: {@link dev.pare.compress.prune.MagnitudePruner} (unstructured, layer-wise
 *       or global), {@link dev.pare.compress.prune.BlockPruner} (1×8 / 1×16 blocks),
 *       {@link dev.pare.compress.prune.StructuredPruner} (whole neurons and channels, layers
 *       physically shrunk).</li>
 *   <li>Transformers: {@link dev.pare.compress.prune.HeadPruner} (attention heads scored by
 *       |∂L/∂ξ_h| of a head gate, Michel et al. 2019, and removed physically) and
 *       {@link dev.pare.compress.prune.FeedForwardPruner} (magnitude pruning of every encoder
 *       layer's feed-forward weights).</li>
 *   <li>When: {@link dev.pare.compress.prune.GradualSchedule} (Zhu and Gupta's cubic schedule)
 *       run by {@link dev.pare.compress.prune.GradualPruner}; one-shot is a single
 *       {@code MagnitudePruner} call followed by fine-tuning;
 *       {@link dev.pare.compress.prune.LotteryTicket} rewinds.</li>
 *   <li>Execution and files: {@link dev.pare.compress.prune.SparseLinear}, written once against
 *       {@link dev.pare.compress.prune.SparseWeights}, whose two formats
 *       ({@link dev.pare.compress.prune.CsrWeights}, {@link dev.pare.compress.prune.BlockCsrWeights})
 *       route each product to their kernels in {@code dev.pare.tensor.kernels};
 *       {@link dev.pare.compress.prune.SparseCheckpoint}.</li>
 *   <li>Accounting: {@link dev.pare.compress.prune.SparsityReport}.</li>
 * </ul>
 *
 * <p><b>Guarantees.</b> A pruner asked for sparsity s of n weights masks exactly ⌊s·n⌋ (blocks:
 * of the blocks), with ties broken by position, so the same weights give the same mask. Masked
 * weights stay exactly zero through optimizer steps. A {@code SparseLinear} computes what the
 * masked {@code Linear} computes, forward and backward, up to the order of float additions. Bad
 * input (a sparsity outside [0, 1), a missing parameter, a block that does not fit) is an
 * {@link java.lang.IllegalArgumentException} naming it. See docs/pruning.md.
 */
package dev.pare.compress.prune;
