package dev.pare.compress.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.compress.search.latency.LatencyPredictor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The multiply-add proxy's rates come from a latency table, not from a guess. */
class MultiplyAddLatencyTest {

    @Test
    void aTableThatIsExactlyLinearGivesBackItsRates() {
        // A stand-in table: 2,500 multiply-adds per µs and 7 µs per unit, exactly.
        List<String> asked = new ArrayList<>();
        LatencyPredictor table = (a, batch) -> {
            asked.add(a.encode() + "@" + batch);
            return a.multiplyAdds() / 2_500.0 + 7 * a.latencyUnits().size();
        };
        for (SearchSpace space : SearchSpace.all()) {
            asked.clear();
            MultiplyAddLatency fitted = MultiplyAddLatency.fittedTo(space, table, "test table");
            assertEquals(2_500, fitted.macsPerMicro(), 1e-6 * 2_500, space.name());
            assertEquals(7, fitted.microsPerUnit(), 1e-6 * 7, space.name());
            assertEquals(MultiplyAddLatency.CALIBRATION_ARCHITECTURES, asked.size());
            assertTrue(asked.stream().allMatch(s -> s.endsWith("@1")), "batch-1 predictions only: " + asked);
            assertTrue(fitted.describe().contains("fitted to 12 " + space.name() + " architectures of test table"),
                    fitted.describe());
            // The same table gives the same rates: the calibration sample is fixed.
            assertEquals(fitted.describe(), MultiplyAddLatency.fittedTo(space, table, "test table").describe());
        }
    }

    @Test
    void theFitWeighsRelativeErrorsAndNeverReturnsANegativeUnitCost() {
        // Exact: t = m/100 + 3u.
        double[] m = {1_000, 5_000, 20_000, 80_000};
        double[] u = {2, 3, 5, 4};
        double[] t = new double[4];
        for (int i = 0; i < 4; i++) {
            t[i] = m[i] / 100 + 3 * u[i];
        }
        double[] ab = MultiplyAddLatency.fit(t, m, u);
        assertEquals(0.01, ab[0], 1e-12);
        assertEquals(3, ab[1], 1e-9);

        // More units, less time: the exact fit of 20 = 1000a + 9b, 45 = 2000a + b has b = −5/17; b is
        // clamped to 0 and a refitted alone, Σ w·m·t / Σ w·m² with w = 1/t²:
        // (1000/20 + 2000/45) / (1000²/20² + 2000²/45²) = 0.0211034…
        double[] ab0 = MultiplyAddLatency.fit(new double[] {20, 45}, new double[] {1_000, 2_000}, new double[] {9, 1});
        assertEquals(0, ab0[1]);
        assertEquals((1000 / 20.0 + 2000 / 45.0) / (1000 * 1000 / 400.0 + 2000 * 2000 / 2025.0), ab0[0], 1e-15);
        assertEquals(0.0211034, ab0[0], 1e-7);

        assertThrows(IllegalArgumentException.class,
                () -> MultiplyAddLatency.fit(new double[] {0, 1}, new double[] {1, 2}, new double[] {1, 1}));
    }

    @Test
    void explicitRatesAreCheckedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new MultiplyAddLatency(0, 1));
        assertTrue(e.getMessage().contains("rate 0.0 MAC/µs"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MultiplyAddLatency(1, Double.POSITIVE_INFINITY));
    }
}
