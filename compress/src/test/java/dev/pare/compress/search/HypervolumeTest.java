package dev.pare.compress.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class HypervolumeTest {

    /** Three stairs drawn on paper: reference (100 µs, 0.5). */
    @Test
    void aStaircaseIsMeasuredStepByStep() {
        double[] latency = {10, 40, 70, 50, 120};
        double[] accuracy = {0.6, 0.8, 0.9, 0.7, 0.99};
        // (40-10)·0.1 + (70-40)·0.3 + (100-70)·0.4; the point at 50 is dominated, the one at 120 outside.
        assertEquals(3 + 9 + 12, Hypervolume.of(latency, accuracy, 100, 0.5), 1e-12);
    }

    @Test
    void nothingInsideTheBoxHasNoVolume() {
        assertEquals(0, Hypervolume.of(new double[] {200}, new double[] {0.9}, 100, 0.5));
        assertEquals(0, Hypervolume.of(new double[0], new double[0], 100, 0.5));
        assertThrows(IllegalArgumentException.class, () -> Hypervolume.of(new double[] {1}, new double[] {Double.NaN}, 1, 0));
    }

    @Property(tries = 200)
    void addingAPointNeverShrinksTheVolumeAndADominatedOneAddsNothing(
            @ForAll @Size(min = 1, max = 8) double[] seeds, @ForAll @DoubleRange(min = 0, max = 1) double x,
            @ForAll @DoubleRange(min = 0, max = 1) double y) {
        int n = seeds.length;
        double[] l = new double[n];
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            double s = Math.abs(seeds[i] % 1);
            l[i] = 100 * s;
            a[i] = (s * 7919) % 1;
        }
        double before = Hypervolume.of(l, a, 100, 0);
        double[] l2 = java.util.Arrays.copyOf(l, n + 1);
        double[] a2 = java.util.Arrays.copyOf(a, n + 1);
        l2[n] = 100 * x;
        a2[n] = y;
        double after = Hypervolume.of(l2, a2, 100, 0);
        assertTrue(after >= before - 1e-9, before + " -> " + after);
        // A copy of an existing point, made slower and worse, is dominated by it.
        l2[n] = Math.min(100, l[0] + 1);
        a2[n] = Math.max(0, a[0] - 0.1);
        assertEquals(before, Hypervolume.of(l2, a2, 100, 0), 1e-9);
    }
}
