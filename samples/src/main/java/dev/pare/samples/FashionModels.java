package dev.pare.samples;

import dev.pare.nn.BatchNorm2d;
import dev.pare.nn.Conv2d;
import dev.pare.nn.Dropout;
import dev.pare.nn.Flatten;
import dev.pare.nn.GlobalAvgPool2d;
import dev.pare.nn.Linear;
import dev.pare.nn.MaxPool2d;
import dev.pare.nn.Module;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.tensor.Rng;

/**
 * The model architectures the samples train on Fashion-MNIST (inputs [B, 1, 28, 28], 10 classes).
 */
public final class FashionModels {
    private FashionModels() {}

    /** The multi-layer perceptron 784-256-128-10 with ReLU: 235,146 parameters. */
    public static Module mlp(Rng rng) {
        return new Sequential(
                new Flatten(),
                new Linear(28 * 28, 256, rng), new ReLU(),
                new Linear(256, 128, rng), new ReLU(),
                new Linear(128, 10, rng));
    }

    /**
     * A small CNN, two conv blocks then a classifier:
     * conv 3×3 (1→32) · BN · ReLU · max-pool 2 → conv 3×3 (32→64) · BN · ReLU · max-pool 2 →
     * flatten (64·7·7) → linear 3136→128 · ReLU · dropout 0.25 → linear 128→10.
     */
    public static Module smallCnn(Rng rng) {
        return new Sequential(
                new Conv2d(1, 32, 3, 1, 1, rng), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
                new Conv2d(32, 64, 3, 1, 1, rng), new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
                new Flatten(),
                new Linear(64 * 7 * 7, 128, rng), new ReLU(), new Dropout(0.25, rng.fork()),
                new Linear(128, 10, rng));
    }

    /**
     * A MobileNet-style CNN: a 3×3 stem, then depthwise-separable blocks (a 3×3 depthwise
     * convolution, one filter per channel, followed by a 1×1 pointwise convolution that mixes
     * channels), then global average pooling. A separable block costs about 1/9 + 1/C_out of the
     * multiply-adds of a full 3×3 convolution with the same channels.
     */
    public static Module mobileNet(Rng rng) {
        return new Sequential(
                new Conv2d(1, 16, 3, 1, 1, rng), new BatchNorm2d(16), new ReLU(),
                separable(16, 32, 2, rng),     // 28×28 → 14×14
                separable(32, 64, 2, rng),     // 14×14 → 7×7
                separable(64, 128, 1, rng),
                new GlobalAvgPool2d(), new Flatten(),
                new Linear(128, 10, rng));
    }

    /** Depthwise 3×3 (groups = channels) · BN · ReLU, then pointwise 1×1 · BN · ReLU. */
    static Module separable(int in, int out, int stride, Rng rng) {
        return new Sequential(
                new Conv2d(in, in, 3, stride, 1, 1, in, false, rng), new BatchNorm2d(in), new ReLU(),
                new Conv2d(in, out, 1, 1, 0, 1, 1, false, rng), new BatchNorm2d(out), new ReLU());
    }
}
