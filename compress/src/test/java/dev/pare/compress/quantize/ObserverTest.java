package dev.pare.compress.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Tensor;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class ObserverTest {
    private static final List<Supplier<Observer>> ALL = List.of(MinMaxObserver::new, MovingAverageMinMaxObserver::new,
            () -> new PercentileObserver(99.9), HistogramObserver::new);

    @Test
    void minMaxTakesTheExtremesOfAllBatches() {
        Observer o = new MinMaxObserver();
        o.observe(Tensor.fromArray(new float[] {1, 2, 3}, 3));
        o.observe(Tensor.fromArray(new float[] {-4, 0}, 2));
        assertArrayEquals(new float[] {-4, 3}, o.range());
        assertEquals(5, o.count());
    }

    @Test
    void movingAverageFollowsTheFormula() {
        Observer o = new MovingAverageMinMaxObserver(0.5f);
        o.observe(Tensor.fromArray(new float[] {0, 4}, 2));
        o.observe(Tensor.fromArray(new float[] {-2, 8}, 2));
        // lo = 0 + 0.5·(−2 − 0) = −1, hi = 4 + 0.5·(8 − 4) = 6
        assertArrayEquals(new float[] {-1, 6}, o.range());
    }

    @Test
    void percentileUsesTheNearestRank() {
        float[] v = new float[100];
        for (int i = 0; i < 100; i++) {
            v[i] = i + 1;
        }
        Observer o = new PercentileObserver(99);
        o.observe(Tensor.fromArray(v, 100));
        // rank ⌈0.99·100⌉ − 1 = 98: the value 99; the low end mirrors it: the value 2.
        assertArrayEquals(new float[] {2, 99}, o.range());
    }

    @Test
    void histogramErrorIsNeverWorseThanMinMax() {
        Random r = new Random(1);
        float[][] cases = new float[3][30000];
        for (int i = 0; i < 30000; i++) {
            cases[0][i] = (float) r.nextGaussian();
            cases[1][i] = (float) -Math.log(1 - r.nextDouble());         // exponential: a long thin tail
            cases[2][i] = (float) Math.tan(Math.PI * (r.nextDouble() - 0.5)) * 0.01f; // Cauchy: heavy tails
        }
        cases[0][7] = 40f;
        for (float[] v : cases) {
            Observer h = new HistogramObserver();
            Observer m = new MinMaxObserver();
            h.observe(Tensor.fromArray(v, v.length));
            m.observe(Tensor.fromArray(v, v.length));
            // Min-max is one of the candidates, so the chosen range can only be better, up to the
            // histogram's approximation of each value by its bin centre.
            assertTrue(mse(v, h.params()) <= mse(v, m.params()) * 1.02,
                    "histogram " + java.util.Arrays.toString(h.range()) + " mse " + mse(v, h.params())
                    + " vs min-max " + java.util.Arrays.toString(m.range()) + " mse " + mse(v, m.params()));
        }
    }

    @Test
    void histogramClipsWhenManyValuesGainMoreThanTheTailLoses() {
        // 200,000 values in [0, 1) and one at 1.3. The full range costs the bulk a step of 1.3/255,
        // Σ s²/12 ≈ 0.43; clipping at 1 gives the bulk 1/255 (≈ 0.26) and costs the outlier 0.3² = 0.09.
        float[] v = new float[200001];
        for (int i = 0; i < 200000; i++) {
            v[i] = i / 200000f;
        }
        v[200000] = 1.3f;
        Observer h = new HistogramObserver();
        h.observe(Tensor.fromArray(v, v.length));
        Observer m = new MinMaxObserver();
        m.observe(Tensor.fromArray(v, v.length));
        assertTrue(h.range()[1] < 1.5f, "upper end " + h.range()[1]);
        assertTrue(mse(v, h.params()) < mse(v, m.params()), mse(v, h.params()) + " vs " + mse(v, m.params()));
    }

    @Test
    void histogramKeepsTheFullRangeOfUniformData() {
        float[] v = new float[10000];
        for (int i = 0; i < v.length; i++) {
            v[i] = i / 10000f;
        }
        Observer h = new HistogramObserver();
        // Two batches, the second widening the range, exercise the re-binning.
        h.observe(Tensor.fromArray(java.util.Arrays.copyOf(v, 5000), 5000));
        h.observe(Tensor.fromArray(v, v.length));
        float[] range = h.range();
        assertTrue(range[1] > 0.9f, "upper end " + range[1]);
        assertEquals(0f, range[0], 1e-6f);
    }

    private static double mse(float[] v, QuantParams p) {
        double s = 0;
        for (float x : v) {
            double e = p.roundTrip(x) - x;
            s += e * e;
        }
        return s / v.length;
    }

    @Test
    void everyObserverRejectsNanAndInfinityByName() {
        for (Supplier<Observer> f : ALL) {
            Observer o = f.get();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> o.observe(Tensor.fromArray(new float[] {1, Float.NaN}, 2)));
            assertTrue(e.getMessage().contains("NaN") && e.getMessage().contains("index 1"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> o.observe(Tensor.fromArray(new float[] {Float.NEGATIVE_INFINITY}, 1)));
        }
    }

    @Test
    void everyObserverRefusesParametersBeforeAnyValue() {
        for (Supplier<Observer> f : ALL) {
            Observer o = f.get();
            o.observe(Tensor.zeros(0, 5));
            IllegalStateException e = assertThrows(IllegalStateException.class, o::params);
            assertTrue(e.getMessage().contains("no values observed"), e.getMessage());
        }
    }

    @Test
    void everyObserverGivesExactZerosForAnAllZeroTensor() {
        for (Supplier<Observer> f : ALL) {
            Observer o = f.get();
            o.observe(Tensor.zeros(4, 3));
            QuantParams p = o.params();
            assertEquals(1f, p.scale(), o.getClass().getSimpleName());
            assertEquals(0f, p.roundTrip(0f));
        }
    }

    @Test
    void everyObserverHandlesAConstantTensor() {
        for (Supplier<Observer> f : ALL) {
            Observer o = f.get();
            o.observe(Tensor.full(2.5f, 10));
            QuantParams p = o.params();
            assertEquals(2.5f, p.roundTrip(2.5f), p.scale() / 2 + 1e-6f, o.getClass().getSimpleName());
        }
    }

    @Test
    void badObserverSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new PercentileObserver(101));
        assertThrows(IllegalArgumentException.class, () -> new MovingAverageMinMaxObserver(0f));
    }
}
