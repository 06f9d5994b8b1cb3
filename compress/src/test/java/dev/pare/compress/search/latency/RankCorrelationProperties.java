package dev.pare.compress.search.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.Size;

/** Laws of Spearman's ρ: what any rank correlation must satisfy, whatever the data. */
class RankCorrelationProperties {

    @Property(tries = 200)
    void spearmanIsUnchangedByAnyIncreasingTransformOfEitherList(
            @ForAll @Size(min = 2, max = 30) List<@DoubleRange(min = -50, max = 50) Double> xs,
            @ForAll @Size(min = 2, max = 30) List<@DoubleRange(min = -50, max = 50) Double> ys) {
        int n = Math.min(xs.size(), ys.size());
        double[] x = xs.stream().limit(n).mapToDouble(Double::doubleValue).toArray();
        double[] y = ys.stream().limit(n).mapToDouble(Double::doubleValue).toArray();
        // exp is increasing, so it keeps every order and every tie (the range keeps it finite).
        double[] ex = Arrays.stream(x).map(Math::exp).toArray();
        double rho = RankCorrelation.spearman(x, y);
        double rhoExp = RankCorrelation.spearman(ex, y);
        if (Double.isNaN(rho)) {
            assertTrue(Double.isNaN(rhoExp));
        } else {
            assertEquals(rho, rhoExp, 1e-12);
        }
    }

    @Property(tries = 200)
    void spearmanIsSymmetricAndWithinMinusOneAndOne(
            @ForAll @Size(min = 2, max = 30) List<@DoubleRange(min = -5, max = 5) Double> xs,
            @ForAll @Size(min = 2, max = 30) List<@DoubleRange(min = -5, max = 5) Double> ys) {
        int n = Math.min(xs.size(), ys.size());
        double[] x = xs.stream().limit(n).mapToDouble(Double::doubleValue).toArray();
        double[] y = ys.stream().limit(n).mapToDouble(Double::doubleValue).toArray();
        double xy = RankCorrelation.spearman(x, y);
        double yx = RankCorrelation.spearman(y, x);
        if (Double.isNaN(xy)) {
            assertTrue(Double.isNaN(yx));
            return;
        }
        assertEquals(xy, yx, 1e-12);
        assertTrue(xy >= -1 && xy <= 1, "rho = " + xy);
    }

    @Property(tries = 200)
    void ranksAreAPermutationOfOneToNWhenTheValuesAreDistinctAndSumToNNPlusOneOverTwoAlways(
            @ForAll @Size(min = 1, max = 40) List<@DoubleRange(min = -3, max = 3) Double> xs) {
        double[] x = xs.stream().mapToDouble(Double::doubleValue).toArray();
        double[] r = RankCorrelation.ranks(x);
        int n = x.length;
        // Averaging tied ranks keeps their total, so the sum is that of 1..n in every case.
        assertEquals(n * (n + 1) / 2.0, Arrays.stream(r).sum(), 1e-9);
        if (Arrays.stream(x).distinct().count() == n) {
            double[] sorted = r.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < n; i++) {
                assertEquals(i + 1, sorted[i]);
            }
        }
    }
}
