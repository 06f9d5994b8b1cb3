package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.data.DataLoader;
import dev.pare.nn.data.TensorDataset;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.optim.SGD;
import dev.pare.nn.train.FitResult;
import dev.pare.nn.train.ProgressMode;
import dev.pare.nn.train.Trainer;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The code of docs/nn.md, kept here so that it compiles and runs with the tests. If you change an
 * example, change the chapter too.
 */
class NnTourExamples {

    /** A model of one's own: register the parameters and children, write forward. */
    static final class TwoLayerNet extends dev.pare.nn.Module {
        private final Linear hidden;
        private final Linear out;

        TwoLayerNet(int in, int width, int classes, Rng rng) {
            hidden = registerModule("hidden", new Linear(in, width, rng));
            out = registerModule("out", new Linear(width, classes, rng));
        }

        @Override
        public Tensor forward(Tensor x) {
            return out.forward(hidden.forward(x).relu());
        }
    }

    @Test
    void aModuleNamesItsParametersLikePyTorch() {
        TwoLayerNet net = new TwoLayerNet(4, 8, 3, new Rng(0));
        assertEquals(java.util.List.of("hidden.weight", "hidden.bias", "out.weight", "out.bias"),
                java.util.List.copyOf(net.stateDict().keySet()));
        assertEquals(4 * 8 + 8 + 8 * 3 + 3, net.numParameters());
    }

    @Test
    void trainAModelWithTheTrainerAndSaveIt(@TempDir Path dir) throws Exception {
        // Two Gaussian blobs, labels 0 and 1.
        Rng rng = new Rng(1);
        Tensor x = Tensor.randn(rng, 200, 4);
        float[] y = new float[200];
        for (int i = 0; i < 200; i++) {
            y[i] = i % 2;
            x.set(x.get(i, 0) + (i % 2 == 0 ? -2f : 2f), i, 0);
        }
        DataLoader train = DataLoader.builder(new TensorDataset(x, Tensor.fromArray(y))).batchSize(20).shuffle(1).build();

        TwoLayerNet net = new TwoLayerNet(4, 8, 2, new Rng(2));
        SGD sgd = new SGD(net.parameters(), 0.1, 0.9, 0, true, 0);
        Trainer trainer = Trainer.builder(net, new CrossEntropyLoss(), sgd)
                .epochs(5).progress(ProgressMode.NONE).build();
        FitResult result = trainer.fit(train, train);
        assertTrue(result.finalEvaluation().accuracy() > 0.95);

        Path file = dir.resolve("net.safetensors");
        SafeTensors.save(file, net.stateDict());
        TwoLayerNet copy = new TwoLayerNet(4, 8, 2, new Rng(99));
        copy.loadStateDict(SafeTensors.load(file), true);
        Map<String, Tensor> saved = net.stateDict();
        assertArrayEquals(saved.get("out.weight").toArray(), copy.stateDict().get("out.weight").toArray(), 0f);
        assertTrue(Files.size(file) > 4 * net.numParameters());
    }
}
