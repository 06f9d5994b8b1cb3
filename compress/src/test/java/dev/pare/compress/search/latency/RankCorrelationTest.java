package dev.pare.compress.search.latency;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Examples worked by hand (and confirmed with scipy.stats, the independent oracle). */
class RankCorrelationTest {

    @Test
    void tiedValuesShareTheMeanOfTheRanksTheySpan() {
        assertArrayEquals(new double[] {1, 3.5, 2, 3.5}, RankCorrelation.ranks(new double[] {10, 30, 20, 30}));
        assertArrayEquals(new double[] {2, 2, 2}, RankCorrelation.ranks(new double[] {7, 7, 7}));
        assertArrayEquals(new double[] {3, 1, 2}, RankCorrelation.ranks(new double[] {-0.5, -3, -1}));
    }

    @Test
    void spearmanWithATieInOneListMatchesTheHandComputedValue() {
        // y's ranks are [1, 2, 3.5, 5, 3.5]; against x's [1..5]: deviations [-2,-1,0,1,2] and
        // [-2,-1,0.5,2,0.5]; Σ dx·dy = 8, Σ dx² = 10, Σ dy² = 9.5, so ρ = 8 / √95.
        double rho = RankCorrelation.spearman(new double[] {1, 2, 3, 4, 5}, new double[] {5, 6, 7, 8, 7});
        assertEquals(8 / Math.sqrt(95), rho, 1e-15);
        assertEquals(0.8207826816681233, rho, 1e-15); // scipy.stats.spearmanr
    }

    @Test
    void spearmanWithTiesInBothListsMatchesTheHandComputedValue() {
        // Ranks [1, 2.5, 2.5, 4] and [4, 1, 2.5, 2.5]: Σ dx·dy = −2.25, Σ dx² = Σ dy² = 4.5, ρ = −0.5.
        // The no-ties shortcut 1 − 6Σd²/(n(n²−1)) would give 1 − 6·13.5/60 = −0.35 here: wrong.
        assertEquals(-0.5, RankCorrelation.spearman(new double[] {1, 2, 2, 3}, new double[] {3, 1, 2, 2}), 1e-15);
    }

    @Test
    void spearmanIsOneForAnyIncreasingRelationAndMinusOneForAnyDecreasingOne() {
        double[] x = {3, 1, 4, 1.5, 9, 2.6};
        double[] cubes = new double[x.length];
        double[] negExp = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            cubes[i] = x[i] * x[i] * x[i];
            negExp[i] = -Math.exp(x[i]);
        }
        assertEquals(1.0, RankCorrelation.spearman(x, cubes));
        assertEquals(-1.0, RankCorrelation.spearman(x, negExp));
    }

    @Test
    void pearsonOfLogsIsPearsonOfTheLogarithms() {
        double[] p = {10, 20, 40, 80};
        double[] m = {12, 19, 50, 70};
        assertEquals(0.9829152248534845, RankCorrelation.pearsonOfLogs(p, m), 1e-12); // scipy.stats.pearsonr
        // A constant factor of error is no error at all on the log scale.
        assertEquals(1.0, RankCorrelation.pearsonOfLogs(p, new double[] {13, 26, 52, 104}), 1e-12);
    }

    @Test
    void pearsonOfAHandComputedExample() {
        // x̄ = 2, ȳ = 3: dx = [−1, 0, 1], dy = [−2, 1, 1]; Σ dx·dy = 3, Σ dx² = 2, Σ dy² = 6, r = 3 / √12.
        assertEquals(3 / Math.sqrt(12), RankCorrelation.pearson(new double[] {1, 2, 3}, new double[] {1, 4, 4}), 1e-15);
    }

    @Test
    void aConstantListHasNoCorrelationAndGivesNaNNotAnInventedNumber() {
        assertTrue(Double.isNaN(RankCorrelation.spearman(new double[] {1, 2, 3}, new double[] {5, 5, 5})));
        assertTrue(Double.isNaN(RankCorrelation.pearson(new double[] {0.1, 0.1, 0.1}, new double[] {1, 2, 3})));
        // 0.1 three times: the mean rounds, and a naive Σ(x − x̄)² would not be exactly 0.
        assertTrue(Double.isNaN(RankCorrelation.pearsonOfLogs(new double[] {0.1, 0.1, 0.1}, new double[] {1, 2, 3})));
    }

    @Test
    void badInputsAreRefusedWithTheOperationAndTheValues() {
        IllegalArgumentException lengths = assertThrows(IllegalArgumentException.class,
                () -> RankCorrelation.spearman(new double[] {1, 2}, new double[] {1, 2, 3}));
        assertEquals("spearman: 2 x values but 3 y values", lengths.getMessage());
        IllegalArgumentException one = assertThrows(IllegalArgumentException.class,
                () -> RankCorrelation.pearson(new double[] {1}, new double[] {1}));
        assertEquals("pearson: needs at least 2 pairs, got 1", one.getMessage());
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> RankCorrelation.spearman(new double[] {1, Double.NaN}, new double[] {1, 2}));
        assertEquals("spearman: pair 1 (NaN, 2.0) is not finite", nan.getMessage());
        IllegalArgumentException log = assertThrows(IllegalArgumentException.class,
                () -> RankCorrelation.pearsonOfLogs(new double[] {1, 0}, new double[] {1, 2}));
        assertTrue(log.getMessage().startsWith("pearsonOfLogs: pair 1 (0.0, 2.0)"), log.getMessage());
    }
}
