package dev.pare.compress.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.BatchNorm2d;
import dev.pare.nn.Conv2d;
import dev.pare.nn.Flatten;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.DType;
import dev.pare.nn.io.SafeTensors;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QuantizedCheckpointTest {
    @TempDir
    Path dir;

    private static Sequential cnn(long seed) {
        Rng rng = new Rng(seed);
        return new Sequential(new Conv2d(1, 3, 3, 1, 1, rng), new BatchNorm2d(3), new ReLU(), new Flatten(),
                new Linear(3 * 5 * 5, 4, rng));
    }

    private static float[] run(Module m, Tensor x) {
        m.eval();
        try (var ignored = Tensor.noGrad()) {
            return m.forward(x).toArray();
        }
    }

    @Test
    void aStaticModelSavesAsInt8AndLoadsBackIdentically() throws Exception {
        Sequential model = cnn(1);
        Tensor x = Tensor.randn(new Rng(2), 3, 1, 5, 5);
        model.train();
        try (var ignored = Tensor.noGrad()) {
            model.forward(x); // moves the BatchNorm running statistics away from their initial values
        }
        Quantizer.prepareStatic(model, MinMaxObserver::new);
        Quantizer.calibrate(model, dev.pare.nn.data.DataLoader.builder(
                new dev.pare.nn.data.TensorDataset(x, Tensor.zeros(3))).batchSize(3).build(), 1);
        Quantizer.convertStatic(model, Granularity.PER_CHANNEL);
        Path file = dir.resolve("q.safetensors");
        QuantizedCheckpoint.save(file, model);

        Checkpoint c = SafeTensors.read(file);
        assertEquals("static-per-channel-int8", c.metadata().get("quantization"));
        assertEquals(DType.I8, c.entry("0.weight").dtype());
        assertArrayEquals(new int[] {3, 1, 3, 3}, c.entry("0.weight").shape());
        assertArrayEquals(new int[] {4}, c.entry("4.weight_scale").shape());
        assertEquals(DType.I32, c.entry("4.input_zero_point").dtype());
        assertEquals(DType.F32, c.entry("1.running_mean").dtype());

        Module loaded = QuantizedCheckpoint.load(file, cnn(99));
        assertArrayEquals(run(model, x), run(loaded, x), 0f);
    }

    @Test
    void perTensorScalesAreStoredOnceAndExpandedOnLoad() throws Exception {
        Sequential model = new Sequential(new Linear(6, 5, new Rng(3)));
        Quantizer.weightOnly(model, Granularity.PER_TENSOR);
        Path file = dir.resolve("w.safetensors");
        QuantizedCheckpoint.save(file, model);
        assertArrayEquals(new int[] {1}, SafeTensors.read(file).entry("0.weight_scale").shape());
        Module loaded = QuantizedCheckpoint.load(file, new Sequential(new Linear(6, 5, new Rng(4))));
        QuantizedLinear q = (QuantizedLinear) ((Sequential) loaded).get(0);
        assertEquals(QuantMode.WEIGHT_ONLY, q.mode());
        assertArrayEquals(((QuantizedLinear) model.get(0)).weightScales(), q.weightScales());
    }

    @Test
    void theInt8FileIsNearlyFourTimesSmaller() throws Exception {
        // The MLP of the samples: 784-256-128-10.
        Rng rng = new Rng(5);
        Sequential model = new Sequential(new Linear(784, 256, rng), new ReLU(), new Linear(256, 128, rng), new ReLU(),
                new Linear(128, 10, rng));
        Path fp32 = dir.resolve("fp32.safetensors");
        SafeTensors.save(fp32, model.stateDict());
        Quantizer.dynamic(model, Granularity.PER_CHANNEL);
        long int8 = QuantizedCheckpoint.save(dir.resolve("int8.safetensors"), model);
        double ratio = (double) Files.size(fp32) / int8;
        assertTrue(ratio >= 3.9, "ratio " + ratio);
    }

    @Test
    void aFloatFileIsNotAQuantizedCheckpoint() throws Exception {
        Path file = dir.resolve("f.safetensors");
        SafeTensors.save(file, new Sequential(new Linear(2, 2, new Rng(0))).stateDict());
        assertThrows(IllegalArgumentException.class, () -> QuantizedCheckpoint.load(file, new Sequential(new Linear(2, 2, new Rng(0)))));
    }

    @Test
    void aStaticModelSavedWithF16FloatsLoadsWithItsFloatsRoundedAndItsCountersExact() throws Exception {
        Sequential model = cnn(6);
        Tensor x = Tensor.randn(new Rng(7), 3, 1, 5, 5);
        model.train();
        try (var ignored = Tensor.noGrad()) {
            for (int i = 0; i < 3; i++) {
                model.forward(x); // 3 batches counted, running statistics moved
            }
        }
        Quantizer.prepareStatic(model, MinMaxObserver::new);
        Quantizer.calibrate(model, dev.pare.nn.data.DataLoader.builder(
                new dev.pare.nn.data.TensorDataset(x, Tensor.zeros(3))).batchSize(3).build(), 1);
        Quantizer.convertStatic(model, Granularity.PER_CHANNEL);
        Path file = dir.resolve("q16.safetensors");
        QuantizedCheckpoint.save(file, model, DType.F16);

        java.util.Map<String, FileHeader> header = FileHeader.of(file);
        assertEquals("I8", header.get("0.weight").dtype());
        assertEquals("I32", header.get("4.input_zero_point").dtype());
        for (String name : new String[] {"0.weight_scale", "0.bias", "0.input_scale", "1.running_mean", "1.weight",
                "4.weight_scale"}) {
            assertEquals("F16", header.get(name).dtype(), name);
        }
        assertEquals("F32", header.get("1.num_batches_tracked").dtype(), "a counter keeps F32");

        Module loaded = QuantizedCheckpoint.load(file, cnn(98));
        QuantizedConv2d conv = (QuantizedConv2d) ((Sequential) loaded).get(0);
        QuantizedConv2d before = (QuantizedConv2d) model.get(0);
        assertArrayEquals(F16Rounding.round(before.weightScales()), conv.weightScales());
        assertArrayEquals(F16Rounding.round(before.bias()), conv.bias());
        assertEquals(F16Rounding.round(before.inputParams().scale()), conv.inputParams().scale());
        assertEquals(before.inputParams().zeroPoint(), conv.inputParams().zeroPoint());
        assertArrayEquals(F16Rounding.round(model.stateDict().get("1.running_var").toArray()),
                loaded.stateDict().get("1.running_var").toArray());
        assertEquals(3f, loaded.stateDict().get("1.num_batches_tracked").item());
    }

    @Test
    void aScaleBelowF16sNormalRangeIsRefusedForF16ButNotForBf16() throws Exception {
        // Row 1's largest weight is 2e-4, so its scale 2e-4/127 is below 2^-14; row 0's is ordinary.
        Sequential model = new Sequential(new Linear(3, 2, new Rng(8)));
        model.loadStateDict(java.util.Map.of("0.weight", Tensor.fromArray(new float[] {0.5f, -0.25f, 0.125f, 1e-4f, -2e-4f, 0f},
                2, 3), "0.bias", Tensor.fromArray(new float[] {0.1f, 0.2f}, 2)), true);
        Quantizer.weightOnly(model, Granularity.PER_CHANNEL);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> QuantizedCheckpoint.save(dir.resolve("tiny.safetensors"), model, DType.F16));
        assertTrue(e.getMessage().contains("0.weight_scale[1]") && e.getMessage().contains("2^-14"), e.getMessage());
        Path bf16 = dir.resolve("tiny-bf16.safetensors");
        QuantizedCheckpoint.save(bf16, model, DType.BF16);
        assertEquals("BF16", FileHeader.of(bf16).get("0.weight_scale").dtype());
        assertThrows(IllegalArgumentException.class, () -> QuantizedCheckpoint.toCheckpoint(model, DType.I8));
    }
}
