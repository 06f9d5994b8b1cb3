package dev.pare.nn.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pare.tensor.Rng;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class ImageTransformProperties {
    @Property(tries = 200)
    void aShiftMovesEveryPixelThatStaysInsideAndFillsTheRest(
            @ForAll @IntRange(min = 1, max = 3) int channels, @ForAll @IntRange(min = 1, max = 9) int height,
            @ForAll @IntRange(min = 1, max = 17) int width, @ForAll @IntRange(min = -10, max = 10) int dy,
            @ForAll @IntRange(min = -10, max = 10) int dx, @ForAll long seed) {
        int n = channels * height * width;
        float[] src = new float[n];
        Rng rng = new Rng(seed);
        for (int i = 0; i < n; i++) {
            src[i] = rng.nextFloat() + 1; // never the fill
        }
        float[] dst = new float[n + 3];
        RandomShift.shift(src, 0, dst, 1, channels, height, width, dy, dx, -1f);
        assertEquals(0f, dst[0]);
        assertEquals(0f, dst[n + 1]);
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int sy = y - dy;
                    int sx = x - dx;
                    boolean inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
                    float expected = inside ? src[(c * height + sy) * width + sx] : -1f;
                    assertEquals(expected, dst[1 + (c * height + y) * width + x], "(" + c + ", " + y + ", " + x + ")");
                }
            }
        }
    }

    @Property(tries = 200)
    void flippingTwiceGivesTheImageBack(@ForAll @IntRange(min = 1, max = 3) int channels,
            @ForAll @IntRange(min = 1, max = 9) int height, @ForAll @IntRange(min = 1, max = 17) int width,
            @ForAll long seed) {
        int n = channels * height * width;
        float[] src = new float[n];
        Rng rng = new Rng(seed);
        for (int i = 0; i < n; i++) {
            src[i] = rng.nextFloat();
        }
        float[] once = new float[n];
        float[] twice = new float[n];
        RandomHorizontalFlip always = new RandomHorizontalFlip(1);
        always.apply(src, 0, once, 0, channels, height, width, rng);
        always.apply(once, 0, twice, 0, channels, height, width, rng);
        for (int i = 0; i < n; i++) {
            assertEquals(src[i], twice[i]);
        }
    }
}
