/**
 * Feeding examples to a model: a {@link dev.pare.nn.data.Dataset} says what example {@code i}
 * is, a {@link dev.pare.nn.data.DataLoader} groups them into shuffled
 * {@link dev.pare.nn.data.Batch batches}, one epoch at a time.
 *
 * <h2>Where to start reading</h2>
 * {@link dev.pare.nn.data.Dataset} (the contract), then {@link dev.pare.nn.data.TensorDataset}
 * (the usual implementation: examples are rows of one tensor), then
 * {@link dev.pare.nn.data.DataLoader}. For augmentation, {@link dev.pare.nn.data.AugmentedDataset}
 * (one epoch's seeded view of a data set through {@link dev.pare.nn.data.ImageTransform}s such as
 * {@link dev.pare.nn.data.RandomShift} and {@link dev.pare.nn.data.RandomHorizontalFlip}).
 *
 * <pre>{@code
 * DataLoader loader = DataLoader.builder(train).batchSize(64).shuffle(42).build();
 * for (int epoch = 0; epoch < 10; epoch++) {
 *     for (Batch b : loader.epoch(epoch)) {
 *         Tensor loss = lossFn.apply(model.forward(b.inputs()), b.labels());
 *         ...
 *     }
 * }
 * }</pre>
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Reproducible: the order of an epoch is a function of the seed and the epoch number
 *       only, so epoch 7 is the same whether or not epochs 0–6 ran: a run resumed from a
 *       checkpoint gets the same batches as an uninterrupted one, and
 *       {@link dev.pare.nn.data.DataLoader#resume} starts mid-epoch without building the batches
 *       before.</li>
 *   <li>Cheap: assembling a batch copies each of its examples once into one new array, and
 *       allocates nothing per element.</li>
 *   <li>Background prefetch, when asked for, builds the next batch while the model works on
 *       the current one; the batches are the same bits as without it.</li>
 * </ul>
 */
package dev.pare.nn.data;
