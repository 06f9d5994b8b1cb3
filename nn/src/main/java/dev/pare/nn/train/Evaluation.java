package dev.pare.nn.train;

/**
 * The result of {@link Trainer#evaluate}: mean loss per sample, accuracy, and the confusion matrix
 * (null when the model's output is not [B, C] scores).
 */
public record Evaluation(double loss, double accuracy, long samples, ConfusionMatrix confusion) {}
