package dev.pare.compress.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Flatten;
import dev.pare.nn.Linear;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.DType;
import dev.pare.nn.io.SafeTensors;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparseCheckpointTest {
    @TempDir
    Path dir;

    static Sequential mlp(long seed) {
        Rng rng = new Rng(seed);
        return new Sequential(new Flatten(), new Linear(784, 256, rng), new ReLU(), new Linear(256, 128, rng), new ReLU(),
                new Linear(128, 10, rng));
    }

    @Test
    void aSparseModelRoundTripsThroughItsArraysInEveryFormat() throws Exception {
        for (SparseFormat format : SparseFormat.values()) {
            Sequential m = mlp(1);
            MagnitudePruner.pruneLayer(m, "1.weight", 0.9);
            BlockPruner.prune(m, "3.weight", 0.8, 8);
            m.replaceModule("1", SparseLinear.fromLinear((Linear) m.getModule("1"), format));
            m.replaceModule("3", SparseLinear.fromLinear((Linear) m.getModule("3"), SparseFormat.BLOCK_8));
            Tensor x = Tensor.randn(new Rng(2), 3, 784);
            float[] expected = m.forward(x).toArray();

            Path f = dir.resolve(format + ".safetensors");
            SparseCheckpoint.save(f, m, Map.of("architecture", "mlp"));
            Checkpoint raw = SafeTensors.read(f);
            String w = "1.weight.";
            if (format == SparseFormat.CSR) {
                assertEquals(DType.I16, raw.entry(w + "csr_col_indices").dtype());
                assertArrayEquals(new int[] {257}, raw.entry(w + "csr_row_ptr").shape());
            } else {
                assertEquals(DType.I32, raw.entry(w + "bcsr_block_starts").dtype());
            }
            assertEquals(format.fileName(), raw.metadata().get("1.weight.format"));
            assertEquals("256,784", raw.metadata().get("1.weight.shape"));

            Sequential fresh = mlp(7);
            SparseCheckpoint.load(f, fresh);
            assertTrue(fresh.getModule("1") instanceof SparseLinear);
            assertArrayEquals(expected, fresh.forward(x).toArray(), "format " + format);
        }
    }

    @Test
    void atNinetyPercentTheFileIsMoreThanFiveTimesSmaller() throws Exception {
        Sequential dense = mlp(3);
        Path denseFile = dir.resolve("dense.safetensors");
        SafeTensors.save(denseFile, dense.stateDict());
        List<String> paths = List.of("1.weight", "3.weight", "5.weight");
        MagnitudePruner.pruneEachLayer(dense, paths, 0.9);
        for (String p : List.of("1", "3", "5")) {
            dense.replaceModule(p, SparseLinear.fromLinear((Linear) dense.getModule(p), SparseFormat.CSR));
        }
        Path sparseFile = dir.resolve("sparse.safetensors");
        SparseCheckpoint.save(sparseFile, dense, Map.of());
        double ratio = (double) Files.size(denseFile) / Files.size(sparseFile);
        assertTrue(ratio >= 5, "dense " + Files.size(denseFile) + " B / sparse " + Files.size(sparseFile) + " B = " + ratio);
    }

    @Test
    void masksAndDenseLayersSaveAsTheyAre() throws Exception {
        Sequential m = mlp(4);
        MagnitudePruner.pruneLayer(m, "5.weight", 0.5);
        Path f = dir.resolve("masked.safetensors");
        SparseCheckpoint.save(f, m, Map.of());
        assertTrue(SafeTensors.read(f).entries().containsKey("5.weight_mask"));
        Sequential fresh = mlp(5);
        SparseCheckpoint.load(f, fresh);
        Tensor x = Tensor.randn(new Rng(6), 2, 784);
        assertArrayEquals(m.forward(x).toArray(), fresh.forward(x).toArray());
    }
}
