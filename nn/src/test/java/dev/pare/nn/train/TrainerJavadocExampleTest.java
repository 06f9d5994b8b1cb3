package dev.pare.nn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.data.TensorDataset;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.optim.LrSchedule;
import dev.pare.nn.optim.LrScheduler;
import dev.pare.nn.optim.SGD;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The example of {@link Trainer}'s class Javadoc, copied verbatim between the markers so that it
 * keeps compiling; if you change one, change the other.
 */
class TrainerJavadocExampleTest {
    private static FitResult javadocExample(Module model, DataLoader trainLoader, DataLoader testLoader) {
        // --- begin: Trainer's class Javadoc
        SGD opt = new SGD(model.parameters(), 0.1, 0.9);       // model: a Module
        Trainer trainer = Trainer.builder(model, new CrossEntropyLoss(), opt)
                .epochs(10)
                .scheduler(new LrScheduler(opt, LrSchedule.cosine(10, 0)), SchedulerInterval.EPOCH)
                .build();
        FitResult result = trainer.fit(trainLoader, testLoader);  // two DataLoaders
        // --- end
        return result;
    }

    @Test
    void theClassJavadocExampleCompilesAndTrains() {
        Rng rng = new Rng(3);
        Tensor x = Tensor.randn(rng, 64, 2);
        float[] y = new float[64];
        for (int i = 0; i < 64; i++) {
            y[i] = x.get(i, 0) > 0 ? 1 : 0;
        }
        TensorDataset data = new TensorDataset(x, Tensor.fromArray(y));
        DataLoader train = DataLoader.builder(data).batchSize(16).shuffle(3).build();
        DataLoader test = DataLoader.builder(data).batchSize(64).build();
        FitResult result = javadocExample(new Linear(2, 2, new Rng(4)), train, test);
        assertEquals(10, result.epochs().size());
        assertTrue(result.finalEvaluation().accuracy() > 0.9, "accuracy " + result.finalEvaluation().accuracy());
    }

    private static FitResult checkpointExample(Module model, SGD opt, DataLoader train, DataLoader test)
            throws IOException {
        // --- begin: Trainer's class Javadoc, "Checkpoints and resuming"
        Path file = Path.of("run.ckpt.safetensors");
        Trainer trainer = Trainer.builder(model, new CrossEntropyLoss(), opt).epochs(10)
                .checkpoint(file, CheckpointInterval.steps(500))
                .build();
        FitResult r = Files.exists(file) ? trainer.resume(file, train, test) : trainer.fit(train, test);
        // --- end
        return r;
    }

    @Test
    void theCheckpointExampleRunsWithoutSavingAShortRun() throws IOException {
        // The example's file is relative to the working directory; 10 epochs of 4 batches stay
        // below its 500-step interval, so it must train from scratch and write nothing there.
        Path file = Path.of("run.ckpt.safetensors");
        assertFalse(Files.exists(file), "a stale " + file.toAbsolutePath() + " would be resumed; delete it");
        Rng rng = new Rng(5);
        Tensor x = Tensor.randn(rng, 64, 2);
        float[] y = new float[64];
        for (int i = 0; i < 64; i++) {
            y[i] = x.get(i, 1) > 0 ? 1 : 0;
        }
        TensorDataset data = new TensorDataset(x, Tensor.fromArray(y));
        DataLoader train = DataLoader.builder(data).batchSize(16).shuffle(5).build();
        Linear model = new Linear(2, 2, new Rng(6));
        FitResult r = checkpointExample(model, new SGD(model.parameters(), 0.1, 0.9), train, null);
        assertEquals(10, r.epochs().size());
        assertFalse(Files.exists(file));
    }
}
