package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The phase planes of {@link DepthwiseConvOp} against their definition: padded position (r, c)
 * of a plane lands in phase plane (r mod s, c mod s) at row ⌊r/s⌋, column ⌊c/s⌋, image values
 * where the position is inside the image and zeros elsewhere; {@code merge} reads the image back.
 * The stride-1 and stride-2 rows have their own loops, so both strides and odd and even widths
 * are drawn, and inputs whose columns are not adjacent ({@code sw = 2}).
 */
class DepthwisePhasePlanesProperties {

    @Property(tries = 300)
    void splitPutsEveryPaddedPositionInItsPhasePlaneAndMergeReadsTheImageBack(
            @ForAll @IntRange(min = 1, max = 30) int h,
            @ForAll @IntRange(min = 1, max = 30) int w,
            @ForAll @IntRange(min = 1, max = 3) int s,
            @ForAll @IntRange(min = 0, max = 2) int p,
            @ForAll @IntRange(min = 1, max = 3) int k,
            @ForAll @IntRange(min = 1, max = 2) int d,
            @ForAll @IntRange(min = 1, max = 2) int sw,
            @ForAll long seed) {
        int span = d * (k - 1) + 1;
        Assume.that(h + 2 * p >= span && w + 2 * p >= span);
        DepthwiseConvOp.Phases ph = DepthwiseConvOp.Phases.of(new Im2Col.Geometry(1, 1, h, w, k, k, s, s, p, p, d, d));
        SplittableRandom rng = new SplittableRandom(seed);
        int base = 3;
        int sh = w * sw + 1;   // rows one float apart beyond their columns: nothing is contiguous by accident
        float[] x = new float[base + h * sh];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rng.nextDouble(-1, 1);
        }
        // Guards after the phase planes and after the merged plane (where the next plane of a
        // batch would be, another thread's perhaps): the vector copies may run past a row, never
        // past the plane.
        float guard = -777f;
        float[] planes = new float[ph.size() + 64];
        java.util.Arrays.fill(planes, ph.size(), planes.length, guard);
        DepthwiseConvOp.split(x, base, sh, sw, h, w, p, ph, planes);
        for (int i = ph.size(); i < planes.length; i++) {
            assertEquals(guard, planes[i], 0f, "float " + i + " after the phase planes");
        }

        float[] expected = new float[ph.size()];
        int planeSize = ph.hs() * ph.ws();
        for (int r = 0; r < h + 2 * p; r++) {
            for (int c = 0; c < w + 2 * p; c++) {
                int at = ((r % s) * s + c % s) * planeSize + (r / s) * ph.ws() + c / s;
                boolean inside = r >= p && r < h + p && c >= p && c < w + p;
                expected[at] = inside ? x[base + (r - p) * sh + (c - p) * sw] : 0f;
            }
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], planes[i], 0f, "phase-plane float " + i + " of h=" + h + " w=" + w + " s=" + s
                    + " p=" + p);
        }

        float[] back = new float[h * w + 64];
        java.util.Arrays.fill(back, h * w, back.length, guard);
        DepthwiseConvOp.merge(planes, ph, h, w, p, back, 0);
        for (int i = h * w; i < back.length; i++) {
            assertEquals(guard, back[i], 0f, "float " + i + " after the merged plane");
        }
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                assertEquals(x[base + r * sh + c * sw], back[r * w + c], 0f, "merged (" + r + ", " + c + ")");
            }
        }
    }
}
