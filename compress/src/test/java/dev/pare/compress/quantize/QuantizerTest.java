package dev.pare.compress.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Conv2d;
import dev.pare.nn.Flatten;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.nn.data.Batch;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.data.TensorDataset;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class QuantizerTest {

    private static Sequential model() {
        Rng rng = new Rng(11);
        return new Sequential(new Conv2d(1, 4, 3, 1, 1, rng), new ReLU(), new Flatten(),
                new Linear(4 * 6 * 6, 20, rng), new ReLU(), new Linear(20, 5, rng));
    }

    private static DataLoader data(int n) {
        Tensor x = Tensor.randn(new Rng(12), n, 1, 6, 6);
        Tensor y = Tensor.zeros(n);
        return DataLoader.builder(new TensorDataset(x, y)).batchSize(8).build();
    }

    private static float[] run(Module m, Tensor x) {
        m.eval();
        try (var ignored = Tensor.noGrad()) {
            return m.forward(x).toArray();
        }
    }

    private static double maxDiff(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d;
    }

    @Test
    void everySchemeReplacesEveryLayerAndStaysCloseToFloat() {
        Tensor x = Tensor.randn(new Rng(13), 4, 1, 6, 6);
        float[] ref = run(model(), x);
        List<Module> variants = List.of(
                Quantizer.weightOnly(model(), Granularity.PER_CHANNEL),
                Quantizer.dynamic(model(), Granularity.PER_TENSOR),
                staticModel(Granularity.PER_CHANNEL, new MinMaxObserver()),
                staticModel(Granularity.PER_TENSOR, new HistogramObserver()));
        for (Module m : variants) {
            Sequential s = (Sequential) m;
            assertEquals(QuantizedConv2d.class, s.get(0).getClass());
            assertEquals(QuantizedLinear.class, s.get(3).getClass());
            assertEquals(QuantizedLinear.class, s.get(5).getClass());
            double d = maxDiff(ref, run(m, x));
            assertTrue(d < 0.05, m + " differs by " + d);
        }
    }

    private static Module staticModel(Granularity g, Observer prototype) {
        Module m = Quantizer.prepareStatic(model(), prototype instanceof MinMaxObserver ? MinMaxObserver::new
                : HistogramObserver::new);
        assertEquals(4, Quantizer.calibrate(m, data(30), 100));
        return Quantizer.convertStatic(m, g);
    }

    @Test
    void staticLayersRecordTheCalibratedRange() {
        Module m = Quantizer.prepareStatic(model(), MinMaxObserver::new);
        Quantizer.calibrate(m, data(16), 1);
        float[] range = ((Observed) m.getModule("3")).observer().range();
        Quantizer.convertStatic(m, Granularity.PER_CHANNEL);
        assertEquals(QuantParams.affine(range[0], range[1]), ((QuantizedLinear) m.getModule("3")).inputParams());
    }

    @Test
    void anEmptyCalibrationSetIsAClearError() {
        Module m = Quantizer.prepareStatic(model(), MinMaxObserver::new);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Quantizer.calibrate(m, List.<Batch>of(), 10));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        IllegalStateException s = assertThrows(IllegalStateException.class,
                () -> Quantizer.convertStatic(m, Granularity.PER_CHANNEL));
        assertTrue(s.getMessage().contains("no values observed"), s.getMessage());
    }

    @Test
    void nanInCalibrationDataIsAClearError() {
        Module m = Quantizer.prepareStatic(model(), MinMaxObserver::new);
        Tensor x = Tensor.full(Float.NaN, 2, 1, 6, 6);
        DataLoader nan = DataLoader.builder(new TensorDataset(x, Tensor.zeros(2))).batchSize(2).build();
        assertThrows(IllegalArgumentException.class, () -> Quantizer.calibrate(m, nan, 1));
    }

    @Test
    void aBareLayerCannotBeReplaced() {
        assertThrows(IllegalArgumentException.class,
                () -> Quantizer.dynamic(new Linear(2, 2, new Rng(0)), Granularity.PER_CHANNEL));
    }
}
