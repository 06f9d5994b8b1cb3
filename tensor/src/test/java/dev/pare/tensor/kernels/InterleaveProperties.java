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
 * The vector interleaving kernels against their scalar twins, over run lengths around whole
 * vectors, offsets and the room they may write past a run: the runs bit for bit (NaNs, −0 and
 * infinities included), +0 in the room {@code deinterleave} used, and every float beyond that
 * room untouched.
 */
class InterleaveProperties {
    private static final int LANES = VectorConfig.FLOAT_LANES;
    private static final float GUARD = -1234.5f;

    private static float[] values(SplittableRandom rng, int n) {
        float[] special = {Float.NaN, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = rng.nextInt(8) == 0 ? special[rng.nextInt(special.length)] : (float) rng.nextGaussian();
        }
        return a;
    }

    private static float[] guards(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, GUARD);
        return a;
    }

    @Property(tries = 400)
    void deinterleaveEqualsItsTwinAndWritesOnlyZerosIntoItsRoom(@ForAll @IntRange(min = 0, max = 70) int pairs,
                                                                @ForAll @IntRange(min = 0, max = 3) int from,
                                                                @ForAll @IntRange(min = 0, max = 40) int room,
                                                                @ForAll @IntRange(min = 0, max = 40) int extra,
                                                                @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] x = values(rng, from + 2 * pairs + extra);
        // Two runs with a gap between them wider than any room, then more space after.
        int even = 1;
        int odd = even + pairs + 2 * LANES + 1;
        float[] fast = guards(odd + pairs + 2 * LANES);
        float[] slow = guards(fast.length);
        Interleave.deinterleave(x, from, pairs, fast, even, odd, room);
        Interleave.deinterleaveScalar(x, from, pairs, slow, even, odd);
        int used = Math.min(room, LANES - 1);
        for (int i = 0; i < fast.length; i++) {
            boolean inRoom = i >= even + pairs && i < even + pairs + used || i >= odd + pairs && i < odd + pairs + used;
            if (inRoom && Float.floatToRawIntBits(fast[i]) != Float.floatToRawIntBits(GUARD)) {
                assertEquals(0, Float.floatToRawIntBits(fast[i]), "room float " + i + " must be +0 or untouched");
            } else {
                assertEquals(Float.floatToRawIntBits(slow[i]), Float.floatToRawIntBits(fast[i]),
                        pairs + " pairs from " + from + ", room " + room + ": float " + i);
            }
        }
    }

    @Property(tries = 400)
    void interleaveEqualsItsTwinAndWritesNothingBeyondItsRoom(@ForAll @IntRange(min = 0, max = 70) int pairs,
                                                              @ForAll @IntRange(min = 0, max = 3) int to,
                                                              @ForAll @IntRange(min = 0, max = 40) int room,
                                                              @ForAll long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int even = 2;
        int odd = even + pairs + 3;
        float[] src = values(rng, odd + pairs + 2 * LANES);
        float[] fast = guards(to + 2 * pairs + 4 * LANES);
        float[] slow = guards(fast.length);
        Interleave.interleave(src, even, odd, pairs, fast, to, room);
        Interleave.interleaveScalar(src, even, odd, pairs, slow, to);
        int used = Math.min(room, 2 * LANES - 2);
        for (int i = 0; i < fast.length; i++) {
            if (i >= to + 2 * pairs && i < to + 2 * pairs + used) {
                continue;   // the room: anything may land there
            }
            assertEquals(Float.floatToRawIntBits(slow[i]), Float.floatToRawIntBits(fast[i]),
                    pairs + " pairs to " + to + ", room " + room + ": float " + i);
        }
    }

    @Example
    void aRoundTripGivesTheRowBack() {
        float[] row = new float[28];
        for (int i = 0; i < row.length; i++) {
            row[i] = i * 1.5f - 7f;
        }
        float[] phases = new float[2 * 20];
        Interleave.deinterleave(row, 0, 14, phases, 0, 20, 6);
        assertEquals(-7f, phases[0]);
        assertEquals(-5.5f, phases[20]);
        float[] back = new float[28 + 2 * LANES];
        Interleave.interleave(phases, 0, 20, 14, back, 0, 2 * LANES);
        for (int i = 0; i < row.length; i++) {
            assertEquals(row[i], back[i], "float " + i);
        }
    }

    @Example
    void runsThatDoNotFitAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Interleave.deinterleave(new float[10], 0, 6, new float[20], 0, 10, 0));
        assertTrue(e.getMessage().startsWith("interleave.deinterleave: 6 pairs at 0 (array of 10)"), e.getMessage());
    }
}
