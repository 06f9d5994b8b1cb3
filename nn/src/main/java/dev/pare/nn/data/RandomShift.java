package dev.pare.nn.data;

import dev.pare.tensor.Rng;
import java.util.Arrays;

/**
 * Translates an image by a random whole number of pixels, {@code dy, dx} each uniform on
 * {@code [−maxShift, maxShift]}, filling the uncovered border with a constant:
 *
 * <pre>
 * out[c, y, x] = in[c, y − dy, x − dx]   if (y − dy, x − dx) is inside the image,
 *              = fill                    otherwise.
 * </pre>
 *
 * <p>The fill must be the value of the background <em>after</em> any normalisation: a black
 * pixel of a Fashion-MNIST image normalised with mean 0.286 and std 0.353 is −0.81, not 0, and
 * filling with 0 would draw a grey frame the network never saw in the originals.
 */
public final class RandomShift implements ImageTransform {
    private final int maxShift;
    private final float fill;

    /**
     * @param maxShift the largest shift in pixels, in each direction, ≥ 0
     * @param fill     the value of uncovered pixels (the background)
     */
    public RandomShift(int maxShift, float fill) {
        if (maxShift < 0) {
            throw new IllegalArgumentException("RandomShift: maxShift must be >= 0, got " + maxShift);
        }
        if (!Float.isFinite(fill)) {
            throw new IllegalArgumentException("RandomShift: fill must be finite, got " + fill);
        }
        this.maxShift = maxShift;
        this.fill = fill;
    }

    @Override
    public void apply(float[] src, int srcOffset, float[] dst, int dstOffset, int channels, int height, int width, Rng rng) {
        // Two draws for every image, even with maxShift = 0, so that a later transform sharing
        // the generator sees the same stream whatever this one's setting.
        int dy = rng.nextInt(2 * maxShift + 1) - maxShift;
        int dx = rng.nextInt(2 * maxShift + 1) - maxShift;
        shift(src, srcOffset, dst, dstOffset, channels, height, width, dy, dx, fill);
    }

    /** The translation by exactly {@code (dy, dx)}: positive dy moves the content down, positive dx right. */
    static void shift(float[] src, int srcOffset, float[] dst, int dstOffset, int channels, int height, int width,
            int dy, int dx, float fill) {
        // The columns that stay inside the image, as a range of output x: one arraycopy per row.
        int x0 = Math.max(0, dx);
        int x1 = Math.min(width, width + dx);
        for (int c = 0; c < channels; c++) {
            int plane = c * height * width;
            for (int y = 0; y < height; y++) {
                int out = dstOffset + plane + y * width;
                int sy = y - dy;
                if (sy < 0 || sy >= height || x0 >= x1) {
                    Arrays.fill(dst, out, out + width, fill);
                    continue;
                }
                Arrays.fill(dst, out, out + x0, fill);
                System.arraycopy(src, srcOffset + plane + sy * width + x0 - dx, dst, out + x0, x1 - x0);
                Arrays.fill(dst, out + x1, out + width, fill);
            }
        }
    }

    @Override
    public String toString() {
        return "RandomShift(±" + maxShift + " px, fill " + fill + ")";
    }
}
