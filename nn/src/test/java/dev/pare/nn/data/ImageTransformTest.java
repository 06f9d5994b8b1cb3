package dev.pare.nn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ImageTransformTest {
    // A 3×4 image with one channel, pixel (y, x) = 10y + x + 1 (so 0 is never a pixel).
    private static final float[] IMAGE = {
        1, 2, 3, 4,
        11, 12, 13, 14,
        21, 22, 23, 24};

    @Test
    void shiftingDownAndLeftMovesTheContentAndFillsTheUncoveredBorder() {
        float[] out = new float[12];
        RandomShift.shift(IMAGE, 0, out, 0, 1, 3, 4, 1, -1, -9);
        assertArrayEquals(new float[] {
            -9, -9, -9, -9,
            2, 3, 4, -9,
            12, 13, 14, -9}, out);
    }

    @Test
    void shiftingUpAndRightByTwoOnTwoChannelsWorksPlaneByPlane() {
        float[] two = new float[24];
        System.arraycopy(IMAGE, 0, two, 0, 12);
        for (int i = 0; i < 12; i++) {
            two[12 + i] = -IMAGE[i];
        }
        float[] out = new float[26];
        RandomShift.shift(two, 0, out, 2, 2, 3, 4, -2, 2, 0);
        assertArrayEquals(new float[] {
            0, 0,                                          // before dstOffset: untouched
            0, 0, 21, 22, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, -21, -22, 0, 0, 0, 0, 0, 0, 0, 0}, out);
    }

    @Test
    void aShiftAsLargeAsTheImageLeavesOnlyTheFill() {
        float[] out = new float[12];
        RandomShift.shift(IMAGE, 0, out, 0, 1, 3, 4, 0, 4, 5);
        assertArrayEquals(new float[] {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5}, out);
    }

    @Test
    void randomShiftsCoverEveryOffsetInRangeAndNoOther() {
        // A single bright pixel in the middle of a 7×7 image: where it lands gives (dy, dx).
        float[] img = new float[49];
        img[3 * 7 + 3] = 1;
        RandomShift shift = new RandomShift(2, 0);
        Rng rng = new Rng(3);
        Set<Integer> seen = new HashSet<>();
        float[] out = new float[49];
        for (int k = 0; k < 2000; k++) {
            shift.apply(img, 0, out, 0, 1, 7, 7, rng);
            int at = -1;
            for (int i = 0; i < 49; i++) {
                if (out[i] == 1) {
                    at = i;
                }
            }
            int dy = at / 7 - 3;
            int dx = at % 7 - 3;
            assertTrue(Math.abs(dy) <= 2 && Math.abs(dx) <= 2, "shift (" + dy + ", " + dx + ") beyond ±2");
            seen.add(dy * 10 + dx);
        }
        assertEquals(25, seen.size(), "all 5×5 offsets occur");
    }

    @Test
    void aFlipMirrorsEachRowAndTwoFlipsGiveTheImageBack() {
        RandomHorizontalFlip always = new RandomHorizontalFlip(1);
        float[] once = new float[12];
        always.apply(IMAGE, 0, once, 0, 1, 3, 4, new Rng(0));
        assertArrayEquals(new float[] {
            4, 3, 2, 1,
            14, 13, 12, 11,
            24, 23, 22, 21}, once);
        float[] twice = new float[12];
        always.apply(once, 0, twice, 0, 1, 3, 4, new Rng(0));
        assertArrayEquals(IMAGE, twice);
    }

    @Test
    void aFlipWithProbabilityZeroCopiesAndOneHalfFlipsAboutHalf() {
        float[] out = new float[12];
        new RandomHorizontalFlip(0).apply(IMAGE, 0, out, 0, 1, 3, 4, new Rng(1));
        assertArrayEquals(IMAGE, out);
        RandomHorizontalFlip half = new RandomHorizontalFlip();
        Rng rng = new Rng(2);
        int flips = 0;
        for (int k = 0; k < 4000; k++) {
            half.apply(IMAGE, 0, out, 0, 1, 3, 4, rng);
            flips += out[0] == 4 ? 1 : 0;
        }
        assertEquals(2000, flips, 120); // binomial(4000, ½): std ≈ 32
    }

    @Test
    void badSettingsAreRefusedNamingTheValue() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RandomShift(-1, 0)).getMessage().contains("-1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RandomShift(1, Float.NaN)).getMessage()
                .contains("NaN"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RandomHorizontalFlip(1.5f)).getMessage()
                .contains("1.5"));
    }
}
