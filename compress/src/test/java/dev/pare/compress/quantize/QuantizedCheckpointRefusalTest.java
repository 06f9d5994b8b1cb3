package dev.pare.compress.quantize;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Flatten;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.CheckpointContentException;
import dev.pare.nn.io.DType;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.io.TensorEntry;
import dev.pare.nn.train.LabeledBatch;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reproducers of issue 16 for int8 files: each damaged file is refused with a
 * {@link CheckpointContentException} naming the file and the tensor, instead of an index
 * exception, an IllegalStateException from an accessor, or a silently different model.
 */
class QuantizedCheckpointRefusalTest {
    @TempDir
    Path dir;

    static Sequential mlp(long seed) {
        Rng rng = new Rng(seed);
        return new Sequential(new Flatten(), new Linear(24, 16, rng), new ReLU(), new Linear(16, 12, rng), new ReLU(),
                new Linear(12, 10, rng));
    }

    /** A statically quantized, per-channel int8 file as `pare pipeline` writes it. */
    static Path int8File(Path dir) throws Exception {
        return int8File(dir, DType.F32);
    }

    /** The same with its float tensors (scales, biases) stored as {@code floatType}. */
    static Path int8File(Path dir, DType floatType) throws Exception {
        Module prepared = Quantizer.prepareStatic(mlp(1), MinMaxObserver::new);
        Tensor x = Tensor.randn(new Rng(3), 8, 24);
        Quantizer.calibrate(prepared, List.of(LabeledBatch.of(x, Tensor.zeros(8))), 1);
        Module q = Quantizer.convertStatic(prepared, Granularity.PER_CHANNEL);
        Path f = dir.resolve("int8-" + floatType + ".safetensors");
        QuantizedCheckpoint.save(f, q, floatType);
        return f;
    }

    /** Rewrites {@code f} after {@code edit} changed its entries (in order); metadata is kept. */
    static Path rewrite(Path f, String name, Consumer<Map<String, TensorEntry>> edit) throws Exception {
        Checkpoint c = SafeTensors.read(f);
        Map<String, TensorEntry> entries = new LinkedHashMap<>(c.entries());
        edit.accept(entries);
        Checkpoint out = new Checkpoint();
        c.metadata().forEach(out::putMetadata);
        entries.forEach(out::put);
        Path g = f.resolveSibling(name);
        SafeTensors.write(g, out);
        return g;
    }

    private static void assertRefused(Path f, String... mustMention) {
        CheckpointContentException ex = assertThrows(CheckpointContentException.class,
                () -> QuantizedCheckpoint.load(f, mlp(2)));
        assertTrue(ex.getMessage().contains(f.toString()), ex.getMessage());
        for (String s : mustMention) {
            assertTrue(ex.getMessage().contains(s), "should mention " + s + ": " + ex.getMessage());
        }
    }

    @Test
    void anEmptyZeroPointIsRefusedBeforeItsFirstElementIsRead() throws Exception {
        Path f = int8File(dir);
        assertRefused(rewrite(f, "zp.safetensors", e -> e.put("3.input_zero_point", TensorEntry.ofInts(new int[0], 0))),
                "3.input_zero_point", "[1]", "[0]");
    }

    @Test
    void aZeroPointOfAnotherDtypeIsRefusedNamingTheDtype() throws Exception {
        Path f = int8File(dir);
        assertRefused(rewrite(f, "zp16.safetensors",
                e -> e.put("1.input_zero_point", TensorEntry.ofShorts(new short[] {3}, 1))), "1.input_zero_point", "I16", "I32");
    }

    @Test
    void anInt8TensorUnderAFloatTensorsNameIsRefused() throws Exception {
        Path f = int8File(dir);
        assertRefused(rewrite(f, "upper.safetensors", e -> e.put("3.WEIGHT", e.get("3.weight"))), "3.WEIGHT", "I8");
    }

    @Test
    void aMissingBiasIsRefusedRatherThanLoadedAsALayerWithoutOne() throws Exception {
        Path f = int8File(dir);
        for (String layer : new String[] {"1", "3", "5"}) {
            assertRefused(rewrite(f, "nobias" + layer + ".safetensors", e -> e.remove(layer + ".bias")),
                    layer + ".bias", "missing");
        }
    }

    @Test
    void aPerChannelScaleCutToOneValueIsRefusedRatherThanAppliedToEveryChannel() throws Exception {
        Path f = int8File(dir);
        assertRefused(rewrite(f, "scalar.safetensors",
                e -> e.put("1.weight_scale", TensorEntry.of(Tensor.scalar(0.1f)))),
                "1.weight_scale", "[16]", "[]");
    }

    @Test
    void aWeightOfTheWrongShapeIsRefusedNamingBothShapes() throws Exception {
        Path f = int8File(dir);
        assertRefused(rewrite(f, "w.safetensors",
                e -> e.put("3.weight", TensorEntry.ofBytes(new byte[12 * 15], 12, 15))), "3.weight", "[12, 16]");
    }

    @Test
    void aNonPositiveInputScaleIsRefusedNamingTheTensor() throws Exception {
        Path f = int8File(dir);
        assertRefused(rewrite(f, "is.safetensors",
                e -> e.put("1.input_scale", TensorEntry.of(Tensor.fromArray(new float[] {-1f}, 1)))), "1.input_scale");
    }

    @Test
    void aScaleOrBiasOfAnIntegerDtypeIsRefusedNamingTheFloatDtypesItMayHave() throws Exception {
        // F16 floats are accepted in place of F32, but not any dtype: codes under a scale's name are damage.
        for (DType floats : new DType[] {DType.F32, DType.F16}) {
            Path f = int8File(dir, floats);
            QuantizedCheckpoint.load(f, mlp(2)); // the undamaged file loads
            assertRefused(rewrite(f, "scale-i32-" + floats + ".safetensors",
                    e -> e.put("1.weight_scale", TensorEntry.ofInts(new int[16], 16))), "1.weight_scale", "I32", "F16");
            assertRefused(rewrite(f, "bias-i8-" + floats + ".safetensors",
                    e -> e.put("3.bias", TensorEntry.ofBytes(new byte[12], 12))), "3.bias", "I8", "F16");
            assertRefused(rewrite(f, "input-scale-i32-" + floats + ".safetensors",
                    e -> e.put("5.input_scale", TensorEntry.ofInts(new int[1], 1))), "5.input_scale", "I32", "F16");
        }
    }
}
