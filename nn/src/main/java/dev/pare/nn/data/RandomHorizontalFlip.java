package dev.pare.nn.data;

import dev.pare.tensor.Rng;

/**
 * Mirrors an image left to right with probability {@code p}: {@code out[c, y, x] = in[c, y, W − 1 − x]}.
 *
 * <p>Only valid when a mirrored example is still an example of its class. It is for clothes
 * photographed from the front (Fashion-MNIST: a mirrored sneaker is still a sneaker), not for
 * digits or text (a mirrored 2 is no digit at all).
 */
public final class RandomHorizontalFlip implements ImageTransform {
    private final float p;

    /** @param p the probability of a flip, in [0, 1] */
    public RandomHorizontalFlip(float p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("RandomHorizontalFlip: probability p = " + p + " must be in [0, 1]");
        }
        this.p = p;
    }

    /** Flips half of the images. */
    public RandomHorizontalFlip() {
        this(0.5f);
    }

    @Override
    public void apply(float[] src, int srcOffset, float[] dst, int dstOffset, int channels, int height, int width, Rng rng) {
        boolean flip = rng.nextFloat() < p; // drawn always: the stream advances the same way per image
        int n = channels * height * width;
        if (!flip) {
            System.arraycopy(src, srcOffset, dst, dstOffset, n);
            return;
        }
        for (int row = 0; row < channels * height; row++) {
            int in = srcOffset + row * width;
            int out = dstOffset + row * width + width - 1;
            for (int x = 0; x < width; x++) {
                dst[out - x] = src[in + x];
            }
        }
    }

    @Override
    public String toString() {
        return "RandomHorizontalFlip(p = " + p + ")";
    }
}
