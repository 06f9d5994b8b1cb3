package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The vector 2×2 max pooling against its scalar twin, over odd and even plane sides, offsets,
 * ties (values drawn from a few levels) and NaNs: values bit for bit, and the same winners. The
 * plane means against theirs, over awkward plane sizes.
 */
class PoolKernelsProperties {

    @Property(tries = 200)
    void vectorPoolingEqualsScalarTwinWithTiesAndNaNs(@ForAll @IntRange(min = 1, max = 5) int planes,
                                                      @ForAll @IntRange(min = 2, max = 31) int h,
                                                      @ForAll @IntRange(min = 2, max = 31) int w,
                                                      @ForAll @IntRange(min = 0, max = 3) int offset,
                                                      @ForAll boolean fewLevels, @ForAll boolean withNaN,
                                                      @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[offset + planes * h * w];
        for (int i = 0; i < x.length; i++) {
            x[i] = fewLevels ? rng.nextInt(3) : (float) rng.nextGaussian();
            if (withNaN && rng.nextInt(10) == 0) {
                x[i] = Float.NaN;
            }
        }
        int[] corners = PoolKernels.corners(h, w);
        int size = planes * corners.length;
        float[] fast = new float[size];
        float[] slow = new float[size];
        int[] fastAt = new int[size];
        int[] slowAt = new int[size];
        PoolKernels.maxPool2x2(x, offset, 0, planes, h, w, corners, fast, fastAt);
        PoolKernels.maxPool2x2Scalar(x, offset, 0, planes, h, w, corners, slow, slowAt);
        for (int i = 0; i < size; i++) {
            String where = planes + "×" + h + "×" + w + " output " + i;
            assertEquals(Float.floatToRawIntBits(slow[i]), Float.floatToRawIntBits(fast[i]), where + " value");
            assertEquals(slowAt[i], fastAt[i], where + " winner");
        }
    }

    @Property(tries = 200)
    void planeMeansEqualTheScalarTwinsToTheRoundingOfTheirSums(@ForAll("inner") int inner,
                                                             @ForAll @IntRange(min = 1, max = 6) int planes,
                                                             @ForAll @IntRange(min = 0, max = 3) int offset,
                                                             @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = new float[offset + planes * inner + 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextGaussian() + 2f;
        }
        // Guards on either side of the planes asked for, which must stay untouched.
        float[] fast = new float[planes + 2];
        float[] slow = new float[planes + 2];
        java.util.Arrays.fill(fast, -7f);
        java.util.Arrays.fill(slow, -7f);
        PoolKernels.planeMeans(x, offset, 1, planes, inner, fast);
        PoolKernels.planeMeansScalar(x, offset, 1, planes, inner, slow);
        assertEquals(-7f, fast[0]);
        assertEquals(-7f, fast[planes]);
        for (int p = 1; p < planes; p++) {
            // The lanes hold float partial sums of up to inner / lanes values each: a few float
            // roundings of a sum near 2·inner, then the division.
            assertEquals(slow[p], fast[p], 1e-6 * (inner + 16), "plane " + p + " of " + inner);
        }
    }

    @Provide
    Arbitrary<Integer> inner() {
        return KernelSizes.sizes().filter(n -> n >= 1 && n <= 1100);
    }

    @Example
    void planeMeansOfConstantPlanesAreExact() {
        float[] x = new float[3 * 49];
        java.util.Arrays.fill(x, 0, 49, 0.5f);
        java.util.Arrays.fill(x, 49, 98, -3f);
        java.util.Arrays.fill(x, 98, 147, 1000.25f);
        float[] out = new float[3];
        PoolKernels.planeMeans(x, 0, 0, 3, 49, out);
        assertEquals(0.5f, out[0]);
        assertEquals(-3f, out[1]);
        assertEquals(1000.25f, out[2]);
    }

    @Example
    void planeMeansNameTheirBadArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PoolKernels.planeMeans(new float[10], 0, 0, 3, 4, new float[3]));
        assertTrue(e.getMessage().startsWith("planeMeans: planes [0, 3) of 4 floats from 0 do not fit an input of 10"),
                e.getMessage());
    }
}
