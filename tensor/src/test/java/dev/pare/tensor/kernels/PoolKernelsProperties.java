package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The vector 2×2 max pooling against its scalar twin, over odd and even plane sides, offsets,
 * ties (values drawn from a few levels) and NaNs: values bit for bit, and the same winners.
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
}
