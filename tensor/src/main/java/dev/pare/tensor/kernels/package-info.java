/**
 * Every SIMD kernel of Pare, on the Java Vector API, each beside its plain scalar twin.
 *
 * <p>Kernels work on 1-D runs of a {@code float[]} (an offset, a stride, a length) or, for
 * matrix multiply, on row-major matrices given by an offset and a leading dimension; they know
 * nothing of tensors or autograd. Read the scalar twin of each first: it is the definition, and
 * the oracle the tests compare the vector version against, at awkward sizes and also with
 * 128-bit vectors forced ({@code -Dpare.vector.bits=128}) so that every tail path runs.
 *
 * <h2>Where to start reading</h2>
 * {@link dev.pare.tensor.kernels.VectorConfig} (the one species), {@link dev.pare.tensor.kernels.Unary}
 * and {@link dev.pare.tensor.kernels.Binary} (the scalar definitions), then
 * {@link dev.pare.tensor.kernels.UnaryKernels}, {@link dev.pare.tensor.kernels.BinaryKernels},
 * {@link dev.pare.tensor.kernels.ReduceKernels}, {@link dev.pare.tensor.kernels.SoftmaxKernels},
 * {@link dev.pare.tensor.kernels.LayerNormKernels},
 * then {@link dev.pare.tensor.kernels.GemmScalar} followed by
 * {@link dev.pare.tensor.kernels.Gemm}. The sparse kernels come last:
 * {@link dev.pare.tensor.kernels.CsrMatrix} and {@link dev.pare.tensor.kernels.BlockCsrMatrix}
 * (the layouts, alike as a {@link dev.pare.tensor.kernels.SparseMatrix}), then
 * {@link dev.pare.tensor.kernels.CsrKernels} and
 * {@link dev.pare.tensor.kernels.BlockCsrKernels}; then the int8 kernels:
 * {@link dev.pare.tensor.kernels.Int8Species} (their widths),
 * {@link dev.pare.tensor.kernels.QuantizeKernels}, {@link dev.pare.tensor.kernels.Int8GemvWeights} (the
 * layout {@link dev.pare.tensor.kernels.Int8Gemv} reads), {@link dev.pare.tensor.kernels.Int8Gemv},
 * {@link dev.pare.tensor.kernels.Int8WeightGemv} and {@link dev.pare.tensor.kernels.Int8WeightGemm}.
 *
 * <h2>Rules every kernel here follows</h2>
 * <ul>
 *   <li>The species is a {@code static final} field, so C2 can keep vectors in registers.</li>
 *   <li>The vector loop runs to {@code loopBound(n)}; a scalar tail (usually the twin itself)
 *       finishes the run, unless the caller leaves room after it for one more whole vector
 *       ({@link dev.pare.tensor.kernels.DepthwiseKernels#SLACK},
 *       {@link dev.pare.tensor.kernels.Interleave}'s {@code room}). No masked loads or stores in
 *       hot loops.</li>
 *   <li>Nothing is allocated, boxed or streamed inside a loop.</li>
 * </ul>
 */
package dev.pare.tensor.kernels;
