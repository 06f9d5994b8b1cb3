package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The channels-last depthwise forward against its scalar twin, bit for bit: channel counts
 * around one vector (8 and 16 lanes) and primes, so that the vector loop, its scalar tail and the
 * two-pixel pairing all run; odd plane sizes, strides, padding, dilation and filter sizes; inputs
 * at an odd offset with ±0, ±∞ and NaN sprinkled in (a padding tap must add 0·W, as a zero-padded
 * plane would).
 */
class DepthwiseChannelsLastProperties {

    @Provide
    Arbitrary<Integer> channels() {
        return Arbitraries.of(1, 3, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 64);
    }

    @Property(tries = 300)
    void vectorForwardEqualsItsScalarTwinBitForBit(@ForAll("channels") int c,
                                                   @ForAll @IntRange(min = 1, max = 13) int h,
                                                   @ForAll @IntRange(min = 1, max = 13) int w,
                                                   @ForAll @IntRange(min = 1, max = 5) int k,
                                                   @ForAll @IntRange(min = 1, max = 3) int s,
                                                   @ForAll @IntRange(min = 0, max = 2) int p,
                                                   @ForAll @IntRange(min = 1, max = 2) int d,
                                                   @ForAll boolean specials,
                                                   @ForAll long seed) {
        DepthwiseChannelsLast.Shape g = new DepthwiseChannelsLast.Shape(c, h, w, k, s, p, d);
        SplittableRandom rng = new SplittableRandom(seed);
        int xOff = 3;
        float[] x = gaussian(rng, xOff + c * h * w + 2);
        float[] wT = DepthwiseChannelsLast.transposeFilters(gaussian(rng, c * k * k + 1), 1, c, k);
        float[] bias = gaussian(rng, c);
        if (specials) {
            float[] odd = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
            for (int i = 0; i < 4; i++) {
                x[xOff + rng.nextInt(c * h * w)] = odd[rng.nextInt(odd.length)];
            }
            bias[rng.nextInt(c)] = -0f;
            wT[rng.nextInt(wT.length)] = odd[rng.nextInt(odd.length)];
        }
        int outOff = 5;
        float[] out = new float[outOff + g.outputScratch() + 1];
        float[] ref = new float[out.length];
        // Scratch larger than needed and full of junk: the kernel must neither rely on zeros nor read past its part.
        float[] xT = gaussian(rng, g.inputScratch() + 7);
        float[] oT = gaussian(rng, g.outputScratch() + 7);
        DepthwiseChannelsLast.forward(g, x, xOff, wT, bias, out, outOff, xT, oT);
        DepthwiseChannelsLast.forwardScalar(g, x, xOff, wT, bias, ref, outOff);
        for (int i = 0; i < out.length; i++) {
            assertEquals(Float.floatToIntBits(ref[i]), Float.floatToIntBits(out[i]),
                    g + ": output float " + i + " (species " + VectorConfig.describe() + ")");
        }
    }

    /** The twin against the textbook loop over a zero-padded copy of the plane, on a known case. */
    @Example
    void scalarTwinIsTheConvolutionOfTheZeroPaddedPlane() {
        // One channel 3×3, all ones, filter 3×3 of ones, padding 1: each output counts its neighbours.
        DepthwiseChannelsLast.Shape g = new DepthwiseChannelsLast.Shape(1, 3, 3, 3, 1, 1, 1);
        float[] x = {1, 1, 1, 1, 1, 1, 1, 1, 1};
        float[] wT = {1, 1, 1, 1, 1, 1, 1, 1, 1};
        float[] out = new float[9];
        DepthwiseChannelsLast.forwardScalar(g, x, 0, wT, new float[] {0.5f}, out, 0);
        float[] expected = {4.5f, 6.5f, 4.5f, 6.5f, 9.5f, 6.5f, 4.5f, 6.5f, 4.5f};
        for (int i = 0; i < 9; i++) {
            assertEquals(expected[i], out[i], "output " + i);
        }
        // Stride 2 on a 5×5 plane of its flat indices, no padding: outputs at (0,0), (0,2), (2,0), (2,2).
        g = new DepthwiseChannelsLast.Shape(1, 5, 5, 3, 2, 0, 1);
        x = new float[25];
        for (int i = 0; i < 25; i++) {
            x[i] = i;
        }
        out = new float[4];
        DepthwiseChannelsLast.forwardScalar(g, x, 0, wT, new float[1], out, 0);
        assertEquals(9 * 6f, out[0]);    // the 3×3 window around flat index 6
        assertEquals(9 * 8f, out[1]);
        assertEquals(9 * 16f, out[2]);
        assertEquals(9 * 18f, out[3]);
    }

    @Example
    void shortArraysAreRejectedWithTheShapeNamed() {
        DepthwiseChannelsLast.Shape g = new DepthwiseChannelsLast.Shape(16, 7, 7, 3, 1, 1, 1);
        float[] x = new float[16 * 49];
        float[] wT = new float[16 * 9];
        float[] out = new float[16 * 49];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DepthwiseChannelsLast.forward(
                g, x, 0, wT, new float[16], out, 0, new float[16 * 49], new float[16 * 49]));
        assertTrue(e.getMessage().contains("scratch") && e.getMessage().contains("C=16"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DepthwiseChannelsLast.forward(
                g, x, 1, wT, new float[16], out, 0, new float[g.inputScratch()], new float[g.outputScratch()]));
        assertTrue(e.getMessage().contains("input of 784 floats at 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DepthwiseChannelsLast.Shape(4, 5, 5, 3, 0, 1, 1));
        assertTrue(e.getMessage().contains("stride 0"), e.getMessage());
    }

    private static float[] gaussian(SplittableRandom rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return a;
    }
}
