/**
 * Neural network building blocks: the {@link dev.pare.nn.Module} tree and the layers.
 *
 * <h2>What is here</h2>
 * <ul>
 *   <li>{@link dev.pare.nn.Module}: parameters, buffers and children registered by name;
 *       {@code parameters()}, {@code train()/eval()}, {@code zeroGrad()}, {@code stateDict()} with
 *       PyTorch's dotted names, {@code loadStateDict()} that reports every mismatch at once, and
 *       {@code describe()}, the short name ({@code Linear(784 -> 256)}) every message uses.</li>
 *   <li>{@link dev.pare.nn.Model}: a forward pass and a train/eval switch, all the training loop
 *       ({@code dev.pare.nn.train}) and distillation ask of a model; {@code Module} implements it,
 *       and it sits here so that this package never depends on the training loop.</li>
 *   <li>Layers, each with its formula, arguments, shapes and an example in its Javadoc:
 *       {@link dev.pare.nn.Linear}, {@link dev.pare.nn.Conv2d} (stride, padding, dilation,
 *       groups), {@link dev.pare.nn.MaxPool2d}, {@link dev.pare.nn.AvgPool2d},
 *       {@link dev.pare.nn.GlobalAvgPool2d}, {@link dev.pare.nn.Flatten}, {@link dev.pare.nn.ReLU},
 *       {@link dev.pare.nn.GELU}, {@link dev.pare.nn.Dropout}, {@link dev.pare.nn.BatchNorm1d},
 *       {@link dev.pare.nn.BatchNorm2d}, {@link dev.pare.nn.LayerNorm}, {@link dev.pare.nn.Embedding},
 *       {@link dev.pare.nn.PositionalEmbedding}, and {@link dev.pare.nn.Sequential} to chain them.
 *       Attention and the Transformer encoder are in {@link dev.pare.nn.attention}.</li>
 *   <li>{@link dev.pare.nn.Init}: Kaiming and Xavier initialisation, with the variance argument
 *       behind each, and PyTorch's default explained.</li>
 * </ul>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>No hidden randomness: every layer that draws random numbers takes a
 *       {@link dev.pare.tensor.Rng}; the same seeds give the same model and the same dropout masks.</li>
 *   <li>State dict keys and tensor layouts are PyTorch's ({@code Linear.weight} is
 *       {@code [out, in]}, {@code Conv2d.weight} is {@code [out, in/groups, k, k]}), so a checkpoint
 *       maps one-to-one onto the same architecture in PyTorch.</li>
 *   <li>A bad input shape is an {@link java.lang.IllegalArgumentException} that names the layer and
 *       the shape, e.g. {@code Linear(784 -> 256): input of shape [32, 100]: last dimension must be 784}.</li>
 *   <li>Results do not depend on the number of threads.</li>
 * </ul>
 *
 * <h2>Where to start reading</h2>
 * {@link dev.pare.nn.Module}, then {@link dev.pare.nn.Linear} (the smallest complete layer), then
 * {@link dev.pare.nn.Conv2d} with {@link dev.pare.nn.Conv2dOp} and {@link dev.pare.nn.Im2Col},
 * which show how a convolution becomes a matrix multiply and how a custom differentiable op is
 * written with {@link dev.pare.tensor.Tensor#recordOp} (and why it asks
 * {@link dev.pare.tensor.Tensor#willRecord} before reusing scratch memory). {@link dev.pare.nn.BatchNorm} with
 * {@link dev.pare.nn.BatchNormOp} derives a backward pass by hand (training mode) and lets
 * autograd derive it from tensor operations (evaluation mode); {@link dev.pare.nn.LayerNorm} with
 * {@link dev.pare.nn.LayerNormOp} derives its backward by hand too, per token, on row kernels; {@link dev.pare.nn.Linear} and
 * {@link dev.pare.nn.Dropout} are tensor operations only.
 */
package dev.pare.nn;
