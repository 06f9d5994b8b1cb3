/**
 * Runnable samples, each short enough to read top to bottom, all started through
 * {@link dev.pare.samples.Pare} ({@code ./pare <command>}).
 *
 * <p>Training: {@link dev.pare.samples.TrainMlp} and {@link dev.pare.samples.TrainCnn} train on
 * Fashion-MNIST and save safetensors; {@link dev.pare.samples.FashionModels} holds the
 * architectures. Compression, one technique each: {@link dev.pare.samples.Distill},
 * {@link dev.pare.samples.Prune}, {@link dev.pare.samples.Quantize}. All of them at once, measured
 * and drawn: {@link dev.pare.samples.Pipeline} ({@code ./pare pipeline}), with
 * {@link dev.pare.samples.TradeOffChart} for the chart and {@link dev.pare.samples.StageProgress}
 * for its progress bars. To PyTorch: {@link dev.pare.samples.Export} ({@code ./pare export}) reads
 * any of those files with {@link dev.pare.samples.ModelFile} and writes its torch.nn twin's state
 * dict with {@link dev.pare.samples.TorchExport}. Start with {@code TrainMlp}; {@code Pipeline} is
 * the main job.
 */
package dev.pare.samples;
