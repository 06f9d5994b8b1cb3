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
            wT[rng.nextInt(c * k * k)] = odd[rng.nextInt(odd.length)];
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

    /**
     * The backward kernel against its twin, bit for bit: the input gradient, and the weight and
     * bias partials accumulated over two samples onto a partial that already holds values, with
     * or without the weight rows or the input gradient.
     */
    @Property(tries = 300)
    void vectorBackwardEqualsItsScalarTwinBitForBit(@ForAll("channels") int c,
                                                    @ForAll @IntRange(min = 1, max = 13) int h,
                                                    @ForAll @IntRange(min = 1, max = 13) int w,
                                                    @ForAll @IntRange(min = 1, max = 5) int k,
                                                    @ForAll @IntRange(min = 1, max = 3) int s,
                                                    @ForAll @IntRange(min = 0, max = 2) int p,
                                                    @ForAll @IntRange(min = 1, max = 2) int d,
                                                    @ForAll boolean weights, @ForAll boolean inputs,
                                                    @ForAll boolean specials, @ForAll long seed) {
        DepthwiseChannelsLast.Shape g = new DepthwiseChannelsLast.Shape(c, h, w, k, s, p, d);
        SplittableRandom rng = new SplittableRandom(seed);
        int sample = c * h * w;
        int outSample = g.outputScratch();
        int xOff = 3;
        float[] x = gaussian(rng, xOff + 2 * sample + 2);
        float[] wT = DepthwiseChannelsLast.transposeFilters(gaussian(rng, c * k * k + 1), 1, c, k);
        int gOff = 2;
        float[] grad = gaussian(rng, gOff + 2 * outSample + 1);
        if (specials) {
            float[] odd = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
            for (int i = 0; i < 3; i++) {
                x[xOff + rng.nextInt(2 * sample)] = odd[rng.nextInt(odd.length)];
                if (outSample > 0) {
                    grad[gOff + rng.nextInt(2 * outSample)] = odd[rng.nextInt(odd.length)];
                }
            }
            wT[rng.nextInt(c * k * k)] = odd[rng.nextInt(odd.length)];
        }
        int partOff = 4;
        float[] part = gaussian(rng, partOff + g.partialSize() + 1);
        float[] partRef = part.clone();
        int dxOff = 1;
        float[] dx = inputs ? new float[dxOff + 2 * sample + 3] : null;
        float[] dxRef = inputs ? new float[dx.length] : null;
        float[] xT = new float[g.inputScratch()];
        float[] gT = gaussian(rng, g.gradientScratch() + 5);           // junk: must be overwritten, not relied on
        float[] dxT = gaussian(rng, g.inputScratch() + 5);
        float[] scratchOut = new float[outSample];
        for (int n = 0; n < 2; n++) {
            // The forward pass leaves the transposed sample and its zero pixel in xT.
            DepthwiseChannelsLast.forward(g, x, xOff + n * sample, wT, new float[c], new float[outSample], 0, xT,
                    scratchOut);
            DepthwiseChannelsLast.backward(g, grad, gOff + n * outSample, weights ? xT : null, wT, dx,
                    dxOff + n * sample, part, partOff, gT, dxT);
            DepthwiseChannelsLast.backwardScalar(g, grad, gOff + n * outSample, weights ? x : null, xOff + n * sample,
                    wT, dxRef, dxOff + n * sample, partRef, partOff);
        }
        String what = g + ", weights " + weights + " (species " + VectorConfig.describe() + ")";
        for (int i = 0; i < part.length; i++) {
            assertEquals(Float.floatToIntBits(partRef[i]), Float.floatToIntBits(part[i]), what + ": partial float " + i);
        }
        for (int i = 0; inputs && i < dx.length; i++) {
            assertEquals(Float.floatToIntBits(dxRef[i]), Float.floatToIntBits(dx[i]), what + ": dx float " + i);
        }
    }

    /**
     * The twin's gradients are the adjoints of the forward pass, an oracle independent of both:
     * for the bias-free convolution y = W ⋆ x, which is linear in x and in W,
     * {@code Σ g·y = Σ dx·x = Σ dW·W}, and {@code Σ db = Σ g}.
     */
    @Property(tries = 200)
    void scalarBackwardIsTheAdjointOfTheForward(@ForAll @IntRange(min = 1, max = 5) int c,
                                                @ForAll @IntRange(min = 1, max = 9) int h,
                                                @ForAll @IntRange(min = 1, max = 9) int w,
                                                @ForAll @IntRange(min = 1, max = 4) int k,
                                                @ForAll @IntRange(min = 1, max = 3) int s,
                                                @ForAll @IntRange(min = 0, max = 2) int p,
                                                @ForAll @IntRange(min = 1, max = 2) int d,
                                                @ForAll long seed) {
        DepthwiseChannelsLast.Shape g = new DepthwiseChannelsLast.Shape(c, h, w, k, s, p, d);
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = gaussian(rng, c * h * w);
        float[] wT = DepthwiseChannelsLast.transposeFilters(gaussian(rng, c * k * k), 0, c, k);
        float[] grad = gaussian(rng, g.outputScratch());
        float[] y = new float[g.outputScratch()];
        DepthwiseChannelsLast.forwardScalar(g, x, 0, wT, new float[c], y, 0);
        float[] dx = new float[x.length];
        float[] part = new float[g.partialSize()];
        DepthwiseChannelsLast.backwardScalar(g, grad, 0, x, 0, wT, dx, 0, part, 0);
        double gy = dot(grad, y, y.length);
        double tol = 1e-4 * (1 + Math.abs(gy));
        assertEquals(gy, dot(dx, x, x.length), tol, g + ": Σ g·y against Σ dx·x");
        assertEquals(gy, dot(part, wT, c * k * k), tol, g + ": Σ g·y against Σ dW·W");
        double db = 0;
        for (int i = 0; i < c; i++) {
            db += part[k * k * c + i];
        }
        assertEquals(dot(grad, null, grad.length), db, 1e-4 * (1 + Math.abs(db)), g + ": Σ db against Σ g");
    }

    /** Σ a·b in double, or Σ a when b is null. */
    private static double dot(float[] a, float[] b, int n) {
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += (double) a[i] * (b == null ? 1 : b[i]);
        }
        return sum;
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
