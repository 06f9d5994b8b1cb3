package dev.pare.compress.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.compress.prune.Mask;
import dev.pare.compress.prune.MagnitudePruner;
import dev.pare.compress.quantize.Granularity;
import dev.pare.compress.quantize.MinMaxObserver;
import dev.pare.compress.quantize.QuantizedCheckpoint;
import dev.pare.compress.quantize.QuantizedLinear;
import dev.pare.compress.quantize.Quantizer;
import dev.pare.nn.Flatten;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.io.TensorEntry;
import dev.pare.nn.train.LabeledBatch;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompressedCheckpointTest {
    @TempDir
    Path dir;

    private static Sequential mlp(long seed) {
        Rng rng = new Rng(seed);
        return new Sequential(new Flatten(), new Linear(60, 32, rng), new ReLU(), new Linear(32, 10, rng));
    }

    /** The MLP pruned to {@code sparsity} (masks baked in), statically quantized per channel. */
    private static Module[] prunedAndQuantized(double sparsity, int bits) {
        Sequential floatModel = mlp(1);
        MagnitudePruner.pruneGlobal(floatModel, List.of("1.weight", "3.weight"), sparsity);
        Mask.removeAll(floatModel);
        Sequential copy = mlp(2);
        copy.loadStateDict(floatModel.stateDict(), true);
        Module prepared = Quantizer.prepareStatic(copy, MinMaxObserver::new);
        Tensor x = Tensor.randn(new Rng(3), 16, 60);
        Quantizer.calibrate(prepared, List.of(LabeledBatch.of(x, Tensor.zeros(16))), 1);
        Module q = Quantizer.convertStatic(prepared, Granularity.PER_CHANNEL);
        return new Module[] {LowBitWeights.requantizeAll(q, floatModel, bits), floatModel};
    }

    private static float[] run(Module m, Tensor x) {
        m.eval();
        try (var ignored = Tensor.noGrad()) {
            return m.forward(x).toArray();
        }
    }

    private static QuantizedLinear layer(Module m, String path) {
        return (QuantizedLinear) m.getModule(path);
    }

    @Test
    void aPrunedQuantizedModelLoadsBackWithTheSameCodesScalesAndOutputs() throws Exception {
        for (int bits : new int[] {8, 4, 3}) {
            for (double sparsity : new double[] {0.0, 0.5, 0.9}) {
                Module q = prunedAndQuantized(sparsity, bits)[0];
                Path file = dir.resolve("m" + bits + "-" + sparsity + ".safetensors");
                CompressedCheckpoint.save(file, q, bits, Map.of("architecture", "test"));
                Module loaded = CompressedCheckpoint.load(file, mlp(9));
                for (String p : new String[] {"1", "3"}) {
                    assertArrayEquals(layer(q, p).weightCodes(), layer(loaded, p).weightCodes(), p + " at " + bits + " bits");
                    assertArrayEquals(layer(q, p).weightScales(), layer(loaded, p).weightScales());
                    assertArrayEquals(layer(q, p).bias(), layer(loaded, p).bias());
                    assertEquals(layer(q, p).inputParams(), layer(loaded, p).inputParams());
                }
                Tensor x = Tensor.randn(new Rng(4), 5, 60);
                assertArrayEquals(run(q, x), run(loaded, x));
            }
        }
    }

    @Test
    void eachWeightTakesItsSmallestLayout() throws Exception {
        Module dense = prunedAndQuantized(0.0, 8)[0];
        Module half = prunedAndQuantized(0.5, 8)[0];
        Module sparse = prunedAndQuantized(0.95, 8)[0];
        Checkpoint c0 = CompressedCheckpoint.toCheckpoint(dense, 8, Map.of());
        Checkpoint c5 = CompressedCheckpoint.toCheckpoint(half, 8, Map.of());
        Checkpoint c95 = CompressedCheckpoint.toCheckpoint(sparse, 8, Map.of());
        assertEquals("dense", c0.metadata().get("1.weight.layout"));
        assertEquals("bitmap", c5.metadata().get("1.weight.layout"));
        assertEquals("relative", c95.metadata().get("1.weight.layout"));
        // The sizes the layouts promise: 60·32 = 1,920 codes.
        assertEquals(1920, c0.entry("1.weight_packed").numel());
        int nnz = countNonZero(layer(half, "1").weightCodes());
        assertEquals(1920 / 8, c5.entry("1.weight_bitmap").numel());
        assertEquals(nnz, c5.entry("1.weight_packed").numel());
    }

    @Test
    void fewerBitsAndMoreSparsityGiveSmallerFiles() throws Exception {
        long fp32 = save(prunedAndQuantized(0.0, 8)[1], "fp32");
        long int8 = QuantizedCheckpoint.save(dir.resolve("q.safetensors"), prunedAndQuantized(0.0, 8)[0]);
        long packed8 = CompressedCheckpoint.save(dir.resolve("c8.safetensors"), prunedAndQuantized(0.0, 8)[0], 8, Map.of());
        long packed4 = CompressedCheckpoint.save(dir.resolve("c4.safetensors"), prunedAndQuantized(0.0, 4)[0], 4, Map.of());
        long sparse4 = CompressedCheckpoint.save(dir.resolve("s4.safetensors"), prunedAndQuantized(0.9, 4)[0], 4, Map.of());
        assertTrue(fp32 > int8 && int8 >= packed8 - 200 && packed8 > packed4 && packed4 > sparse4,
                fp32 + " " + int8 + " " + packed8 + " " + packed4 + " " + sparse4);
    }

    private long save(Module m, String name) throws Exception {
        Path f = dir.resolve(name + ".safetensors");
        SafeTensors.save(f, m.stateDict());
        return Files.size(f);
    }

    @Test
    void codesWiderThanTheBitWidthAreRefusedWithAHint() {
        Module q = prunedAndQuantized(0.5, 8)[0];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CompressedCheckpoint.toCheckpoint(q, 4, Map.of()));
        assertTrue(e.getMessage().contains("1.weight") && e.getMessage().contains("LowBitWeights"), e.getMessage());
    }

    @Test
    void aFileWithACorruptBitmapOrIndexIsRefusedNamingTheEntry() throws Exception {
        Checkpoint good = CompressedCheckpoint.toCheckpoint(prunedAndQuantized(0.5, 8)[0], 8, Map.of());
        Checkpoint bad = copyWith(good, "1.weight_bitmap", new byte[good.entry("1.weight_bitmap").numel()]);
        Path f = dir.resolve("bad.safetensors");
        SafeTensors.write(f, bad);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CompressedCheckpoint.load(f, mlp(0)));
        assertTrue(e.getMessage().contains("1.weight") && e.getMessage().contains("marks 0 of 1920 weights"), e.getMessage());

        Checkpoint sparse = CompressedCheckpoint.toCheckpoint(prunedAndQuantized(0.95, 8)[0], 8, Map.of());
        byte[] skips = sparse.entry("1.weight_skips").bytes().clone();
        java.util.Arrays.fill(skips, (byte) -1); // every skip at its maximum: the entries run off the end
        Path g = dir.resolve("bad2.safetensors");
        SafeTensors.write(g, copyWith(sparse, "1.weight_skips", skips));
        e = assertThrows(IllegalArgumentException.class, () -> CompressedCheckpoint.load(g, mlp(0)));
        assertTrue(e.getMessage().contains("1.weight") && e.getMessage().contains("past the 1920 weights"), e.getMessage());

        Path plain = dir.resolve("plain.safetensors");
        SafeTensors.save(plain, mlp(0).stateDict());
        e = assertThrows(IllegalArgumentException.class, () -> CompressedCheckpoint.load(plain, mlp(0)));
        assertTrue(e.getMessage().contains("not written by CompressedCheckpoint"), e.getMessage());
    }

    @Test
    void aShapeThatDisagreesWithTheArchitectureIsRefusedBeforeAnythingIsAllocated() throws Exception {
        Checkpoint sparse = CompressedCheckpoint.toCheckpoint(prunedAndQuantized(0.95, 8)[0], 8, Map.of());
        Checkpoint bad = new Checkpoint();
        sparse.metadata().forEach(bad::putMetadata);
        bad.putMetadata("1.weight.shape", "40000,50000"); // 2·10^9 codes, were it believed
        sparse.entries().forEach(bad::put);
        Path f = dir.resolve("huge.safetensors");
        SafeTensors.write(f, bad);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CompressedCheckpoint.load(f, mlp(0)));
        assertTrue(e.getMessage().contains("1.weight has shape 40000,50000 in the file but 32,60 in the architecture"),
                e.getMessage());
    }

    @Test
    void aBareLayerIsRefusedAtSaveAndACodeOutsideTheSymmetricRangeAtLoad() {
        QuantizedLinear bare = QuantizedLinear.from(new Linear(4, 2, new Rng(1)),
                dev.pare.compress.quantize.QuantMode.DYNAMIC, Granularity.PER_CHANNEL, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CompressedCheckpoint.toCheckpoint(bare, 8, Map.of()));
        assertTrue(e.getMessage().contains("bare layer"), e.getMessage());
        // 0b1000 is −8 in 4 bits: a field pack() never writes, so a corrupt file.
        e = assertThrows(IllegalArgumentException.class, () -> BitPacking.unpack(new byte[] {(byte) 0x81}, 2, 4));
        assertTrue(e.getMessage().contains("code -8 at index 1"), e.getMessage());
    }

    private static Checkpoint copyWith(Checkpoint c, String name, byte[] bytes) {
        Checkpoint out = new Checkpoint();
        c.metadata().forEach(out::putMetadata);
        c.entries().forEach((k, v) -> out.put(k, k.equals(name) ? TensorEntry.ofBytes(bytes, bytes.length) : v));
        return out;
    }

    private static int countNonZero(byte[] b) {
        int n = 0;
        for (byte v : b) {
            n += v != 0 ? 1 : 0;
        }
        return n;
    }
}
