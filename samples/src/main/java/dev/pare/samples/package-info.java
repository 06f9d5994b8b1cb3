/**
 * Runnable samples, each short enough to read top to bottom: {@link dev.pare.samples.TrainMlp}
 * and {@link dev.pare.samples.TrainCnn} train on Fashion-MNIST and save safetensors;
 * {@link dev.pare.samples.FashionModels} holds the architectures; {@link dev.pare.samples.Pare}
 * is the {@code ./pare} command that dispatches to them.
 */
package dev.pare.samples;
