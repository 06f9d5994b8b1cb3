package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The depthwise sweeps against their scalar twins, over grid lengths around one vector and
 * primes, 1 to 25 taps at random offsets: forward bit for bit on the grid (the padded lanes may
 * hold junk), the gathered input gradient bit for bit against the scatter of the definition,
 * the weight gradient within a tolerance that grows with the length.
 */
class DepthwiseKernelsProperties {

    @Property(tries = 300)
    void vectorSweepsEqualTheirScalarTwins(@ForAll("lengths") int len,
                                           @ForAll @IntRange(min = 1, max = 25) int taps,
                                           @ForAll @IntRange(min = 0, max = 40) int spread,
                                           @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] offsets = new int[taps];
        for (int t = 0; t < taps; t++) {
            offsets[t] = rng.nextInt(spread + 1);
        }
        int padded = DepthwiseKernels.paddedLength(len);
        float[] planes = gaussian(rng, spread + padded);
        float[] w = gaussian(rng, taps + 3);
        float[] g = gaussian(rng, padded);
        java.util.Arrays.fill(g, len, padded, 0f);   // the contract: zero past the grid
        String where = len + " outputs, " + taps + " taps within " + spread;

        float[] acc = new float[padded];
        float[] accRef = new float[padded];
        DepthwiseKernels.forward(planes, offsets, taps, w, 3, 0.5f, acc, len);
        DepthwiseKernels.forwardScalar(planes, offsets, taps, w, 3, 0.5f, accRef, len);
        for (int q = 0; q < len; q++) {
            assertEquals(Float.floatToRawIntBits(accRef[q]), Float.floatToRawIntBits(acc[q]),
                    "forward " + where + ": output " + q + " (species " + VectorConfig.describe() + ")");
        }

        // The input gradient: the gather on one "phase plane" covering everything the taps
        // reach, against the scatter of the definition on zeroed planes; then split at a random
        // point into two phase planes computed in order, each with all taps (spilling is allowed).
        int margin = spread;
        float[] gExt = new float[margin + spread + 2 * padded + 2 * DepthwiseKernels.SLACK];
        System.arraycopy(g, 0, gExt, margin, len);
        int[] all = new int[taps];
        for (int t = 0; t < taps; t++) {
            all[t] = t;
        }
        int size = spread + len;
        float[] d = new float[size + DepthwiseKernels.SLACK];
        float[] dRef = new float[size + DepthwiseKernels.SLACK];
        int cut = rng.nextInt(size + 1);
        DepthwiseKernels.inputGrad(gExt, margin, offsets, all, taps, w, 3, d, 0, cut);
        DepthwiseKernels.inputGrad(gExt, margin, offsets, all, taps, w, 3, d, cut, size);
        DepthwiseKernels.inputGradScalar(g, len, offsets, taps, w, 3, dRef);
        for (int i = 0; i < size; i++) {
            assertEquals(Float.floatToRawIntBits(dRef[i]), Float.floatToRawIntBits(d[i]),
                    "inputGrad " + where + ", cut at " + cut + ": index " + i + " (species " + VectorConfig.describe() + ")");
        }

        // Two planes' worth into the float lanes, flushed, against the double twin.
        float[] partial = new float[DepthwiseKernels.partialLength(taps)];
        double[] sums = new double[taps + 1];
        double[] sumsRef = new double[taps + 1];
        for (int rep = 0; rep < 2; rep++) {
            DepthwiseKernels.weightGrad(planes, offsets, taps, gExt, margin, len, partial);
            DepthwiseKernels.weightGradScalar(planes, offsets, taps, g, len, sumsRef);
        }
        DepthwiseKernels.flush(partial, taps, sums);
        for (int t = 0; t <= taps; t++) {
            assertEquals(sumsRef[t], sums[t], 1e-5 * (2 * len + 1) * 4, "weightGrad " + where + ": tap " + t);
        }
        for (float v : partial) {
            assertEquals(0f, v, "flush leaves the partial sums zero");
        }
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Integer> lengths() {
        return KernelSizes.sizes().filter(n -> n <= 1023);
    }

    @Example
    void phasePlanesWithoutRoomForTheVectorSlackAreRefused() {
        int len = 17;
        int[] taps = {0, 5};
        float[] grid = new float[DepthwiseKernels.paddedLength(len)];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DepthwiseKernels.forward(new float[5 + len], taps, 2, new float[2], 0, 0f, grid, len));
        assertTrue(e.getMessage().startsWith("depthwise.forward: a grid of 17"), e.getMessage());
    }

    private static float[] gaussian(SplittableRandom rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        return a;
    }
}
