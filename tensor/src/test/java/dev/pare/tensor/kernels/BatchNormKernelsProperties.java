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
 * The whole-channel batch-normalisation sweeps against their scalar twins, over awkward plane
 * sizes (empty, one value, around one vector, primes), plane counts, channel strides with gaps
 * and offsets, with and without the fused ReLU: element-wise outputs bit for bit, sums within a
 * tolerance that grows with the count.
 */
class BatchNormKernelsProperties {

    /** A channel of {@code planes} runs of {@code inner} floats, {@code gap} floats apart, from {@code off}. */
    private record Channel(float[] data, int off, int stride, int planes, int inner) {
        static Channel random(SplittableRandom rng, int planes, int inner, int gap, int off, float shift) {
            int stride = inner + gap;
            float[] d = new float[off + planes * stride + 2];
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) rng.nextGaussian() + shift;
            }
            return new Channel(d, off, stride, planes, inner);
        }
    }

    private static float[] copy(float[] a) {
        return a.clone();
    }

    @Property(tries = 300)
    void vectorSweepsEqualTheirScalarTwins(@ForAll("inner") int inner,
                                           @ForAll @IntRange(min = 0, max = 45) int planes,
                                           @ForAll @IntRange(min = 0, max = 19) int gap,
                                           @ForAll @IntRange(min = 0, max = 3) int off,
                                           @ForAll boolean relu, @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Channel x = Channel.random(rng, planes, inner, gap, off, 3f);
        Channel g = Channel.random(rng, planes, inner, gap, off, 0f);
        int count = planes * inner;
        double tol = 1e-5 * (count + 1);
        double[] lanes = new double[2 * BatchNormKernels.scratchLength()];

        double sum = BatchNormKernels.sum(x.data(), off, x.stride(), planes, inner, lanes);
        double sumRef = BatchNormKernels.sumScalar(x.data(), off, x.stride(), planes, inner);
        assertEquals(sumRef, sum, tol * 4, "sum of " + planes + "×" + inner);
        float mean = count == 0 ? 0f : (float) (sumRef / count);
        double sq = BatchNormKernels.squaredDeviations(x.data(), off, x.stride(), planes, inner, mean, lanes);
        double sqRef = BatchNormKernels.squaredDeviationsScalar(x.data(), off, x.stride(), planes, inner, mean);
        assertEquals(sqRef, sq, tol * 4, "squared deviations of " + planes + "×" + inner);
        float invStd = (float) (1 / Math.sqrt(count == 0 ? 1 : sqRef / count + 1e-5));

        // The outputs land between untouched guard values, which must stay as they were.
        float[] y = copy(g.data());
        float[] yRef = copy(g.data());
        BatchNormKernels.normalize(x.data(), off, y, off, x.stride(), planes, inner, mean, invStd, 1.5f, -0.25f, relu);
        BatchNormKernels.normalizeScalar(x.data(), off, yRef, off, x.stride(), planes, inner, mean, invStd, 1.5f,
                -0.25f, relu);
        assertBits(yRef, y, "normalize relu=" + relu + " " + planes + "×" + inner);
        for (boolean hasWeight : new boolean[] {false, true}) {
            float[] e = copy(g.data());
            float[] eRef = copy(g.data());
            float scale = 1f / invStd;
            BatchNormKernels.evalAffine(x.data(), off, e, off, x.stride(), planes, inner, mean, scale, hasWeight, 1.5f,
                    -0.25f, relu);
            BatchNormKernels.evalAffineScalar(x.data(), off, eRef, off, x.stride(), planes, inner, mean, scale,
                    hasWeight, 1.5f, -0.25f, relu);
            assertBits(eRef, e, "evalAffine weight=" + hasWeight + " relu=" + relu + " " + planes + "×" + inner);
        }

        double[] sums = new double[2];
        double[] sumsRef = new double[2];
        BatchNormKernels.gradSums(g.data(), off, x.data(), off, relu, 1.5f, -0.25f, x.stride(), planes, inner, mean,
                invStd, sums);
        BatchNormKernels.gradSumsScalar(g.data(), off, x.data(), off, relu, 1.5f, -0.25f, x.stride(), planes, inner,
                mean, invStd, sumsRef);
        assertEquals(sumsRef[0], sums[0], tol * 4, "Σg");
        assertEquals(sumsRef[1], sums[1], tol * 16, "Σg·x̂");

        float[] dx = copy(x.data());
        float[] dxRef = copy(x.data());
        BatchNormKernels.inputGrad(g.data(), off, x.data(), off, relu, 1.5f, -0.25f, dx, off, x.stride(), planes,
                inner, mean, invStd, 0.01f, count, (float) sumsRef[0], (float) sumsRef[1]);
        BatchNormKernels.inputGradScalar(g.data(), off, x.data(), off, relu, 1.5f, -0.25f, dxRef, off, x.stride(),
                planes, inner, mean, invStd, 0.01f, count, (float) sumsRef[0], (float) sumsRef[1]);
        assertBits(dxRef, dx, "inputGrad relu=" + relu + " " + planes + "×" + inner);

        // The oracle of the recomputed mask: the same formula masked by the forward pass's own
        // output (yRef, from normalizeScalar), as the backward pass once read it.
        float[] dxMasked = copy(x.data());
        for (int p = 0; p < planes; p++) {
            for (int i = 0; i < inner; i++) {
                int at = off + p * x.stride() + i;
                float gv = relu && !(yRef[at] > 0f) ? 0f : g.data()[at];
                float xhat = (x.data()[at] - mean) * invStd;
                dxMasked[at] = 0.01f * (count * gv - (float) sumsRef[0] - xhat * (float) sumsRef[1]);
            }
        }
        assertBits(dxMasked, dxRef, "inputGradScalar against the mask of the forward output, relu=" + relu);
    }

    @Property(tries = 200)
    void channelsSummedBlockByBlockInTurnKeepEachChannelsBits(@ForAll("inner") int inner,
                                                              @ForAll @IntRange(min = 1, max = 40) int samples,
                                                              @ForAll @IntRange(min = 1, max = 4) int channels,
                                                              @ForAll boolean relu, @ForAll long seed) {
        // The layout of a batch [N, C, inner]: channel ch of sample s at (s·C + ch)·inner.
        SplittableRandom rng = new SplittableRandom(seed);
        int stride = channels * inner;
        float[] x = new float[samples * stride];
        float[] g = new float[samples * stride];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian() + 1f;
            g[i] = (float) rng.nextGaussian();
        }
        int state = BatchNormKernels.gradStateLength();
        double[] running = new double[channels * state];
        float[] part = new float[2 * BatchNormKernels.scratchLength()];
        int block = BatchNormKernels.planesPerBlock(inner);
        for (int s0 = 0; s0 < samples; s0 += Math.min(block, samples)) {
            int planes = Math.min(Math.min(block, samples), samples - s0);
            for (int ch = 0; ch < channels; ch++) {
                BatchNormKernels.gradSumsBlock(g, s0 * stride + ch * inner, x, s0 * stride + ch * inner, relu,
                        0.5f + ch, 0.1f * ch, stride, planes, inner, 0.9f, 1.1f, part, running, ch * state);
            }
        }
        for (int ch = 0; ch < channels; ch++) {
            double[] interleaved = new double[2];
            double[] alone = new double[2];
            BatchNormKernels.finishGradSums(running, ch * state, interleaved);
            BatchNormKernels.gradSums(g, ch * inner, x, ch * inner, relu, 0.5f + ch, 0.1f * ch, stride, samples, inner,
                    0.9f, 1.1f, alone);
            assertEquals(Double.doubleToRawLongBits(alone[0]), Double.doubleToRawLongBits(interleaved[0]), "Σg of " + ch);
            assertEquals(Double.doubleToRawLongBits(alone[1]), Double.doubleToRawLongBits(interleaved[1]), "Σg·x̂ of " + ch);
        }
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Integer> inner() {
        return KernelSizes.sizes().filter(n -> n <= 1023);
    }

    @Example
    void sumOfAChannelOfAMillionLargeValuesStaysAccurate() {
        // 1000 planes of 1000 values 1000.1: a float running sum would stall once it passes 2^24
        // times the ulp of the values and end percents off; float lanes within a plane and
        // doubles across planes keep the error to a plane's rounding.
        float[] x = new float[1_000_000];
        java.util.Arrays.fill(x, 1000.1f);
        double s = BatchNormKernels.sum(x, 0, 1000, 1000, 1000, new double[BatchNormKernels.scratchLength()]);
        assertEquals(1_000_000 * (double) 1000.1f, s, 1e-5 * 1_000_000 * 1000.1);
    }

    @Example
    void sumOfAMillionValuesInSmallPlanesStaysAccurate() {
        // 7 × 7 planes, as in MobileNet's last blocks: 20,000 planes of 49 values (three vectors
        // and a scalar tail each) must still sum to float precision.
        int planes = 20_000;
        float[] x = new float[planes * 49];
        java.util.Arrays.fill(x, 1000.1f);
        double[] lanes = new double[BatchNormKernels.scratchLength()];
        double expected = (double) planes * 49 * (double) 1000.1f;
        assertEquals(expected, BatchNormKernels.sum(x, 0, 49, planes, 49, lanes), 1e-6 * expected);
        assertEquals(0.0, BatchNormKernels.squaredDeviations(x, 0, 49, planes, 49, 1000.1f, lanes), 0.0);
    }

    @Example
    void reluZeroesNegativesAndKeepsNegativeZeroAndNaNAsTheReluModuleDoes() {
        float[] x = {2f, -1f, -0f, Float.NaN, 0.5f};
        float[] y = new float[5];
        // β = −0, so that x = −0 comes out as −0 (with β = +0 it would be +0, −0 + 0 = +0).
        BatchNormKernels.normalize(x, 0, y, 0, 5, 1, 5, 0f, 1f, 1f, -0f, true);
        float[] expected = {2f, 0f, -0f, Float.NaN, 0.5f};
        for (int i = 0; i < 5; i++) {
            assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(y[i]), "index " + i);
        }
    }

    @Example
    void aChannelPastTheArrayIsRefusedWithItsSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BatchNormKernels.sum(new float[10], 0, 6, 2, 5, new double[BatchNormKernels.scratchLength()]));
        assertTrue(e.getMessage().contains("2 planes of 5 floats from offset 0 every 6 do not fit in 10 floats"),
                e.getMessage());
    }

    private static void assertBits(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                throw new AssertionError(what + ": index " + i + ": scalar twin " + expected[i] + ", vector kernel "
                        + actual[i] + " (species " + VectorConfig.describe() + ")");
            }
        }
    }
}
