/**
 * Ready-made data sets: reading the IDX format of MNIST-like data, and Fashion-MNIST itself.
 *
 * <h2>Where to start reading</h2>
 * {@link dev.pare.nn.datasets.FashionMnist} (what you get: a
 * {@link dev.pare.nn.data.TensorDataset} of {@code [N, 1, 28, 28]} images and class indices),
 * then {@link dev.pare.nn.datasets.FashionMnistLocator} (where the files are looked for, in
 * which order, and the download), then {@link dev.pare.nn.datasets.IdxReader} (the file format
 * and how a reader defends itself against a lying header).
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Always works offline: without any copy of the data, a subset bundled in the jar is used
 *       (10,000 training and 2,000 test images, MIT-licensed like the original; the notice is
 *       {@code fashion-mnist-subset/LICENSE.txt} beside the files), and one log line says so and
 *       how to get the full set.</li>
 *   <li>A corrupt or truncated file gets an {@link dev.pare.nn.datasets.IdxFormatException}
 *       naming the file and the problem; what the reader allocates is bounded by the bytes really
 *       present, never by what a header claims.</li>
 *   <li>A download is kept only if it matches the published checksums.</li>
 * </ul>
 */
package dev.pare.nn.datasets;
