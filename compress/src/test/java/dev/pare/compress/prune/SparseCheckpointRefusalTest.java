package dev.pare.compress.prune;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Flatten;
import dev.pare.nn.Linear;
import dev.pare.nn.Sequential;
import dev.pare.nn.ReLU;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.CheckpointContentException;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.io.TensorEntry;
import dev.pare.tensor.Rng;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reproducers of issue 16 for pruned files: each damaged file is refused with a
 * {@link CheckpointContentException} that names the file and the tensor, instead of an
 * index or number-format exception from inside, or a model that silently lacks a bias.
 */
class SparseCheckpointRefusalTest {
    @TempDir
    Path dir;

    static Sequential mlp(long seed) {
        Rng rng = new Rng(seed);
        return new Sequential(new Flatten(), new Linear(64, 32, rng), new ReLU(), new Linear(32, 16, rng), new ReLU(),
                new Linear(16, 10, rng));
    }

    /** A pruned file as `pare pipeline` writes it: layers 1 and 3 CSR, layer 5 block-CSR. */
    private Path prunedFile() throws Exception {
        Sequential m = mlp(1);
        MagnitudePruner.pruneLayer(m, "1.weight", 0.9);
        MagnitudePruner.pruneLayer(m, "3.weight", 0.9);
        BlockPruner.prune(m, "5.weight", 0.5, 8);
        m.replaceModule("1", SparseLinear.fromLinear((Linear) m.getModule("1"), SparseFormat.CSR));
        m.replaceModule("3", SparseLinear.fromLinear((Linear) m.getModule("3"), SparseFormat.CSR));
        m.replaceModule("5", SparseLinear.fromLinear((Linear) m.getModule("5"), SparseFormat.BLOCK_8));
        Path f = dir.resolve("pruned.safetensors");
        SparseCheckpoint.save(f, m, Map.of());
        return f;
    }

    /** Rewrites {@code f} after {@code edit} changed its checkpoint (entries and metadata in order). */
    static Path rewrite(Path f, String name, Consumer<Map<String, Object>> edit) throws Exception {
        Checkpoint c = SafeTensors.read(f);
        Map<String, Object> all = new java.util.LinkedHashMap<>(c.entries());
        c.metadata().forEach((k, v) -> all.put("meta:" + k, v));
        edit.accept(all);
        Checkpoint out = new Checkpoint();
        all.forEach((k, v) -> {
            if (k.startsWith("meta:")) {
                out.putMetadata(k.substring(5), (String) v);
            } else {
                out.put(k, (TensorEntry) v);
            }
        });
        Path g = f.resolveSibling(name);
        SafeTensors.write(g, out);
        return g;
    }

    private void assertRefused(Path f, String... mustMention) {
        CheckpointContentException ex = assertThrows(CheckpointContentException.class,
                () -> SparseCheckpoint.load(f, mlp(2)));
        assertTrue(ex.getMessage().contains(f.toString()), ex.getMessage());
        for (String s : mustMention) {
            assertTrue(ex.getMessage().contains(s), "should mention " + s + ": " + ex.getMessage());
        }
    }

    @Test
    void aOneNumberShapeIsRefusedNamingTheMetadataKey() throws Exception {
        Path f = prunedFile();
        for (String shape : new String[] {"10", "785"}) {
            assertRefused(rewrite(f, "shape" + shape + ".safetensors", m -> m.put("meta:3.weight.shape", shape)),
                    "3.weight.shape", "2 sizes");
        }
    }

    @Test
    void aShapeThatIsNotTwoIntSizesIsRefusedNamingThePart() throws Exception {
        Path f = prunedFile();
        int i = 0;
        for (String shape : new String[] {"DENSE", "10,,128", "2147483648", "2147483648,64", "0,64", "-32,64"}) {
            assertRefused(rewrite(f, "bad" + i++ + ".safetensors", m -> m.put("meta:1.weight.shape", shape)),
                    "1.weight.shape");
        }
    }

    @Test
    void aShapeThatDiffersFromTheModelIsRefused() throws Exception {
        Path f = prunedFile();
        assertRefused(rewrite(f, "other.safetensors", m -> m.put("meta:1.weight.shape", "32,65")), "1.weight", "[32, 65]");
    }

    @Test
    void valuesRenamedUnderTheBiasAreRefusedAsAMisnamedSparseArray() throws Exception {
        Path f = prunedFile();
        Path g = rewrite(f, "renamed.safetensors", m -> {
            Map<String, Object> copy = new java.util.LinkedHashMap<>();
            m.forEach((k, v) -> copy.put(k.equals("1.weight.csr_values") ? "1.bias.csr_values" : k, v));
            m.clear();
            m.putAll(copy);
        });
        assertRefused(g, "1.bias.csr_values", "<layer>.weight");
    }

    @Test
    void aMissingBiasIsRefusedRatherThanLoadedAsALayerWithoutOne() throws Exception {
        Path f = prunedFile();
        for (String layer : new String[] {"1", "3", "5"}) {
            assertRefused(rewrite(f, "nobias" + layer + ".safetensors", m -> m.remove(layer + ".bias")),
                    layer + ".bias", "missing");
        }
    }

    @Test
    void aRowPointerOfTheWrongLengthIsRefusedBeforeItIsIndexed() throws Exception {
        Path f = prunedFile();
        assertRefused(rewrite(f, "rowptr.safetensors",
                m -> m.put("1.weight.csr_row_ptr", TensorEntry.ofInts(new int[] {0, 1}, 2))), "1.weight.csr_row_ptr", "[33]");
    }

    @Test
    void aRowPointerThatPointsPastTheValuesIsRefusedNamingTheWeight() throws Exception {
        Path f = prunedFile();
        int[] bad = new int[33];
        bad[32] = 1_000_000;
        assertRefused(rewrite(f, "rowptr2.safetensors", m -> m.put("1.weight.csr_row_ptr", TensorEntry.ofInts(bad, 33))),
                "1.weight");
    }
}
