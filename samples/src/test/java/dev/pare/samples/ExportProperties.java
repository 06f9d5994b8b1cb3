package dev.pare.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.compress.prune.MagnitudePruner;
import dev.pare.compress.prune.Mask;
import dev.pare.compress.prune.SparseCheckpoint;
import dev.pare.compress.prune.SparseFormat;
import dev.pare.compress.prune.SparseLinear;
import dev.pare.nn.KeyMap;
import dev.pare.nn.Linear;
import dev.pare.nn.LoadResult;
import dev.pare.nn.Sequential;
import dev.pare.nn.io.DType;
import dev.pare.nn.io.SafeTensors;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Laws of {@code ./pare export} over random MLP widths, seeds and sparsities. */
class ExportProperties {

    private static int[] widths(List<Integer> hidden) {
        return hidden.stream().mapToInt(Integer::intValue).toArray();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Exports {@code file} with TorchExport (what the command does) and reads the export back as floats. */
    private static Map<String, Tensor> exported(Path file, TorchExport.MlpNames names) throws IOException {
        Path out = file.resolveSibling("out.safetensors");
        SafeTensors.write(out, TorchExport.checkpoint(ModelFile.read(file), DType.F32, names));
        return SafeTensors.load(out);
    }

    /**
     * F32 export is lossless: the export, loaded back into a fresh FashionModels MLP (through
     * TORCH_MLP_KEYS for the plain names), gives every tensor of the original bit for bit.
     */
    @Property(tries = 20)
    void aDenseMlpComesBackFromItsExportBitForBit(@ForAll @Size(max = 3) List<@IntRange(min = 1, max = 24) Integer> hidden,
                                                 @ForAll @IntRange(min = 0, max = 1000) int seed,
                                                 @ForAll boolean plain) throws IOException {
        Path dir = Files.createTempDirectory("pare-export-law");
        try {
            Sequential m = FashionModels.mlp(new Rng(seed), widths(hidden));
            Path file = dir.resolve("mlp.safetensors");
            SafeTensors.save(file, m.stateDict());
            Map<String, Tensor> torch = exported(file, plain ? TorchExport.MlpNames.PLAIN : TorchExport.MlpNames.FLATTEN);
            assertEquals(plain ? "0.weight" : "1.weight", torch.keySet().iterator().next());
            Sequential back = FashionModels.mlp(new Rng(seed + 1), widths(hidden));
            LoadResult r = back.loadStateDict(torch, true, plain ? FashionModels.TORCH_MLP_KEYS : KeyMap.identity());
            assertTrue(r.isClean());
            for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
                assertArrayEquals(e.getValue().toArray(), back.stateDict().get(e.getKey()).toArray(), 0f, e.getKey());
            }
        } finally {
            deleteTree(dir);
        }
    }

    /** A pruned layer's export is its masked weight: the kept values in place, exact zeros elsewhere. */
    @Property(tries = 15)
    void aPrunedMlpExportsItsMaskedWeightsExactly(@ForAll @Size(min = 1, max = 2) List<@IntRange(min = 1, max = 24) Integer> hidden,
                                                 @ForAll @IntRange(min = 0, max = 1000) int seed,
                                                 @ForAll @DoubleRange(min = 0, max = 0.99) double sparsity) throws IOException {
        Path dir = Files.createTempDirectory("pare-export-law");
        try {
            Sequential m = FashionModels.mlp(new Rng(seed), widths(hidden));
            List<String> weights = new ArrayList<>();
            for (int i = 0; i <= hidden.size(); i++) {
                weights.add((2 * i + 1) + ".weight");
            }
            MagnitudePruner.pruneGlobal(m, weights, sparsity);
            List<float[]> masked = new ArrayList<>();
            for (int i = 0; i <= hidden.size(); i++) {
                String p = Integer.toString(2 * i + 1);
                masked.add(Mask.effective(m.getModule(p), "weight").toArray());
                m.replaceModule(p, SparseLinear.fromLinear((Linear) m.getModule(p), SparseFormat.CSR));
            }
            Path file = dir.resolve("pruned.safetensors");
            SparseCheckpoint.save(file, m, Map.of());
            Map<String, Tensor> torch = exported(file, TorchExport.MlpNames.PLAIN);
            for (int i = 0; i <= hidden.size(); i++) {
                assertArrayEquals(masked.get(i), torch.get(2 * i + ".weight").toArray(), 0f, "layer " + (2 * i));
            }
        } finally {
            deleteTree(dir);
        }
    }
}
