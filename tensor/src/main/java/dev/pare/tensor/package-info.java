/**
 * Pare's tensor core: N-dimensional float32 tensors with views, NumPy broadcasting and
 * define-by-run automatic differentiation.
 *
 * <h2>Where to start reading</h2>
 * <ol>
 *   <li>{@link dev.pare.tensor.Shape}: how shape, strides and an offset place an N-d index in a
 *       flat {@code float[]}, and the broadcasting rule.</li>
 *   <li>{@link dev.pare.tensor.Tensor}: the public API, a thin facade.</li>
 *   <li>{@link dev.pare.tensor.Strided}: the N-d loop that hands kernels 1-D runs.</li>
 *   <li>The ops, forward beside backward: {@link dev.pare.tensor.ViewOps} (movement),
 *       {@link dev.pare.tensor.PointwiseOps} (elementwise), {@link dev.pare.tensor.ReduceOps},
 *       {@link dev.pare.tensor.SoftmaxOps}, {@link dev.pare.tensor.MatMulOp},
 *       {@link dev.pare.tensor.IndexOps}.</li>
 *   <li>{@link dev.pare.tensor.Autograd}: the graph walk, and why it is an iterative
 *       topological sort; {@link dev.pare.tensor.GradMode} for {@code noGrad()};
 *       {@link dev.pare.tensor.Tensor#willRecord}, the one rule for whether an op is recorded.</li>
 *   <li>Then the kernels in {@link dev.pare.tensor.kernels} and the thread policy in
 *       {@link dev.pare.tensor.parallel}.</li>
 * </ol>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Views never copy; {@code contiguous()} copies only a non-row-major layout.</li>
 *   <li>Every elementwise op broadcasts; every gradient is summed back to its input's shape.</li>
 *   <li>Bad input raises {@link java.lang.IllegalArgumentException} naming the op and the shapes
 *       or values; nothing surfaces as an index error from inside a kernel.</li>
 *   <li>No hidden randomness: random tensors take an explicit {@link dev.pare.tensor.Rng}. The
 *       same inputs give the same bits whatever the thread count.</li>
 * </ul>
 * The module depends on nothing but the SLF4J API.
 */
package dev.pare.tensor;
