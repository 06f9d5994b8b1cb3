package dev.pare.nn;

import dev.pare.tensor.parallel.Parallel;

/**
 * What a convolution applies to each output plane ({@code [OH·OW]} floats of one sample and one
 * channel) in place, just after writing it, while the plane is still in cache: evaluation-mode
 * batch normalisation and its ReLU ({@link BatchNorm#evalEpilogue}), when {@link Sequential}
 * finds a {@link Conv2d} followed by a {@link BatchNorm} and nothing records a graph.
 *
 * <p>Why: in evaluation the batch norm is a per-channel affine map, and as a layer of its own it
 * reads the whole convolution output back from memory and writes a new array as large. Applied
 * per plane inside the convolution it costs only its arithmetic, and the convolution's output
 * array is the result: the layer's output array, its zeroing and one pass over memory are gone.
 *
 * <p>Contract: called once per plane, from the thread that wrote it, after the plane's final
 * values are in place; it must write only that plane. The values are then those of the two
 * layers run one after the other, bit for bit.
 */
@FunctionalInterface
interface PlaneEpilogue {
    /** Transforms {@code data[offset .. offset + length)}, the plane of output channel {@code channel}, in place. */
    void apply(float[] data, int offset, int channel, int length);

    /**
     * Applies {@code e} to each of the {@code planes} consecutive planes of {@code length} floats
     * from {@code data[base]} (an {@code [N, C, …]} tensor's planes: the channel cycles through
     * {@code channels}), planes split over threads.
     */
    static void applyToAll(PlaneEpilogue e, float[] data, int base, int planes, int channels, int length) {
        Parallel.forRange(planes, Parallel.grainFor(length), (lo, hi) -> {
            for (int plane = lo; plane < hi; plane++) {
                e.apply(data, base + plane * length, plane % channels, length);
            }
        });
    }
}
