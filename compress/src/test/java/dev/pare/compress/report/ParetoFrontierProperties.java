package dev.pare.compress.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class ParetoFrontierProperties {

    private static double[][] split(List<Integer> costs, List<Integer> values) {
        int n = Math.min(costs.size(), values.size());
        double[] c = new double[n];
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            c[i] = costs.get(i);
            v[i] = values.get(i);
        }
        return new double[][] {c, v};
    }

    @Property
    void noFrontierPointIsDominatedAndEveryOtherPointIs(
            @ForAll @Size(max = 30) List<@IntRange(min = 0, max = 12) Integer> costs,
            @ForAll @Size(max = 30) List<@IntRange(min = 0, max = 12) Integer> values) {
        double[][] p = split(costs, values);
        double[] c = p[0];
        double[] v = p[1];
        boolean[] on = ParetoFrontier.of(c, v);
        for (int i = 0; i < c.length; i++) {
            boolean dominated = false;
            for (int j = 0; j < c.length; j++) {
                dominated |= ParetoFrontier.dominates(c[j], v[j], c[i], v[i]);
            }
            assertTrue(on[i] != dominated, "point " + i + " (" + c[i] + ", " + v[i] + ")");
        }
    }

    @Property
    void theCheapestOfTheMostValuablePointsIsAlwaysOnTheFrontier(
            @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 12) Integer> costs,
            @ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 12) Integer> values) {
        double[][] p = split(costs, values);
        int best = 0;
        for (int i = 1; i < p[0].length; i++) {
            if (p[1][i] > p[1][best] || (p[1][i] == p[1][best] && p[0][i] < p[0][best])) {
                best = i;
            }
        }
        assertTrue(ParetoFrontier.of(p[0], p[1])[best]);
    }

    @Example
    void aSmallerAndMoreAccurateVariantPushesTheOthersOff() {
        // bytes, accuracy: teacher (100, 0.90), student (20, 0.88), bad (50, 0.85), tiny (5, 0.80), twin of student
        boolean[] on = ParetoFrontier.of(new double[] {100, 20, 50, 5, 20}, new double[] {0.90, 0.88, 0.85, 0.80, 0.88});
        assertArrayEquals(new boolean[] {true, true, false, true, true}, on);
        assertFalse(ParetoFrontier.dominates(20, 0.88, 20, 0.88));
    }

    @Example
    void nanOrMismatchedArraysAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ParetoFrontier.of(new double[2], new double[3]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ParetoFrontier.of(new double[] {1, Double.NaN}, new double[] {1, 2}));
        assertTrue(e.getMessage().contains("point 1"), e.getMessage());
    }
}
