package dev.pare.nn.data;

import dev.pare.tensor.Rng;

/**
 * A random change to one image, for data augmentation: the image, shape {@code [C, H, W]} in
 * row-major order, is read from {@code src} and the changed image written to {@code dst}.
 *
 * <p>All randomness comes from the {@link Rng} passed in, so the same generator state always
 * gives the same output: {@link AugmentedDataset} seeds it from (seed, epoch, example index),
 * which keeps each epoch's augmented view of a data set a fixed, reproducible data set.
 * {@code src} and {@code dst} are different arrays (a transform that moves pixels cannot work in
 * place without a copy).
 */
public interface ImageTransform {
    /**
     * Writes the transformed image of {@code src[srcOffset …]} to {@code dst[dstOffset …]}.
     *
     * @param channels C
     * @param height   H
     * @param width    W
     */
    void apply(float[] src, int srcOffset, float[] dst, int dstOffset, int channels, int height, int width, Rng rng);
}
