package dev.pare.compress.stack;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.compress.prune.MagnitudePruner;
import dev.pare.compress.prune.Mask;
import dev.pare.compress.quantize.Granularity;
import dev.pare.compress.quantize.MinMaxObserver;
import dev.pare.compress.quantize.Quantizer;
import dev.pare.nn.Module;
import dev.pare.nn.Sequential;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.CheckpointContentException;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.train.LabeledBatch;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16 for stacked files: a removed bias is refused, not loaded as a layer without one. */
class CompressedCheckpointRefusalTest {
    @TempDir
    Path dir;

    @Test
    void aMissingBiasInAStackedFileIsRefusedNamingIt() throws Exception {
        Sequential floatModel = CheckpointLoaderFuzzTest.mlp(2);
        MagnitudePruner.pruneGlobal(floatModel, List.of("1.weight", "3.weight"), 0.7);
        Mask.removeAll(floatModel);
        Sequential copy = CheckpointLoaderFuzzTest.mlp(3);
        copy.loadStateDict(floatModel.stateDict(), true);
        Module prepared = Quantizer.prepareStatic(copy, MinMaxObserver::new);
        Quantizer.calibrate(prepared, List.of(LabeledBatch.of(Tensor.randn(new Rng(4), 8, 24), Tensor.zeros(8))), 1);
        Module q = Quantizer.convertStatic(prepared, Granularity.PER_CHANNEL);
        Path f = dir.resolve("stacked.safetensors");
        CompressedCheckpoint.save(f, LowBitWeights.requantizeAll(q, floatModel, 4), 4, Map.of());

        for (String layer : new String[] {"1", "3", "5"}) {
            Checkpoint c = SafeTensors.read(f);
            Checkpoint cut = new Checkpoint();
            c.metadata().forEach(cut::putMetadata);
            c.entries().forEach((k, v) -> {
                if (!k.equals(layer + ".bias")) {
                    cut.put(k, v);
                }
            });
            Path g = dir.resolve("nobias" + layer + ".safetensors");
            SafeTensors.write(g, cut);
            CheckpointContentException ex = assertThrows(CheckpointContentException.class,
                    () -> CompressedCheckpoint.load(g, CheckpointLoaderFuzzTest.mlp(5)));
            assertTrue(ex.getMessage().contains(g.toString()) && ex.getMessage().contains(layer + ".bias")
                    && ex.getMessage().contains("missing"), ex.getMessage());
        }
    }
}
