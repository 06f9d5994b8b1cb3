/**
 * Stacking the three compressions, Deep Compression-style: distil a small student, prune it,
 * quantize it, and store only what is left.
 *
 * <p>Start with {@link dev.pare.compress.stack.CompressedCheckpoint}: the file format where
 * sparsity and low bit widths multiply (the positions of the kept weights, as a bitmap or as
 * relative indices, plus their codes packed in b bits); {@link dev.pare.compress.stack.RelativeIndex}
 * is Deep Compression's position code. {@link dev.pare.compress.stack.BitPacking} does the bit-level work and
 * {@link dev.pare.compress.stack.LowBitWeights} quantizes weights to fewer than 8 bits while
 * keeping the int8 kernels. The recipe that chains distillation, pruning and quantization is
 * the {@code pipeline} sample (samples module), and docs/trade-offs.md walks through it.
 *
 * <p>Guarantees: saving then loading gives back exactly the int8 codes, scales and biases that
 * were saved; a corrupt or inconsistent file is refused with an error naming the entry.
 */
package dev.pare.compress.stack;
