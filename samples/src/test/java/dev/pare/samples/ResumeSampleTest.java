package dev.pare.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.train.TrainingCheckpoint;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --checkpoint-every}, {@code --checkpoint} and {@code --resume} of the training samples on
 * the bundled subset. The kill itself is tested in nn's {@code KillResumeTest}; here the command
 * line: a checkpoint saved mid-epoch by one command and resumed by another gives the weights of
 * the uninterrupted command, and mistakes are named before any training.
 */
class ResumeSampleTest {
    private final int threadsBefore = Parallel.threads();

    @TempDir
    Path dir;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(threadsBefore);
    }

    @Test
    void trainMlpResumedFromAMidEpochCheckpointSavesTheUninterruptedWeightsAndRefusesOtherOptions() throws Exception {
        Path ckpt = dir.resolve("mlp.ckpt.safetensors");
        Path full = dir.resolve("full.safetensors");
        // One epoch of 79 batches with a checkpoint every 40 steps: the file keeps step 40's state.
        String[] a = CommandRun.run(new TrainMlp(), "--subset", "--epochs", "1", "--threads", "1", "--progress", "NONE",
                "--checkpoint-every", "40steps", "--checkpoint", ckpt.toString(), "--out", full.toString());
        assertEquals("0", a[0], a[2]);
        assertTrue(a[1].contains("checkpoints: every 40 steps to " + ckpt), a[1]);
        TrainingCheckpoint c = TrainingCheckpoint.read(ckpt);
        assertEquals(40, c.step());
        Path kept = dir.resolve("kept.safetensors");
        Files.copy(ckpt, kept, StandardCopyOption.REPLACE_EXISTING);

        Path resumedOut = dir.resolve("resumed.safetensors");
        String[] b = CommandRun.run(new TrainMlp(), "--subset", "--epochs", "1", "--threads", "1", "--progress", "NONE",
                "--checkpoint", kept.toString(), "--resume", "--out", resumedOut.toString());
        assertEquals("0", b[0], b[2]);
        assertTrue(b[1].contains("resumed from " + kept + " at epoch 1 of 1, after batch 40 of "), b[1]);

        Map<String, Tensor> x = SafeTensors.load(full);
        Map<String, Tensor> y = SafeTensors.load(resumedOut);
        for (String k : x.keySet()) {
            float[] p = x.get(k).toArray();
            float[] q = y.get(k).toArray();
            for (int i = 0; i < p.length; i++) {
                assertEquals(Float.floatToRawIntBits(p[i]), Float.floatToRawIntBits(q[i]), k + "[" + i + "]");
            }
        }
        // The final report is the uninterrupted run's too.
        String accuracy = a[1].substring(a[1].indexOf("test accuracy:"), a[1].indexOf('\n', a[1].indexOf("test accuracy:")));
        assertTrue(b[1].contains(accuracy), b[1]);

        // Other options: refused, naming each one, before anything is trained.
        String[] other = CommandRun.run(new TrainMlp(), "--subset", "--epochs", "2", "--seed", "3", "--threads", "1",
                "--progress", "NONE", "--checkpoint", kept.toString(), "--resume");
        assertNotEquals("0", other[0]);
        assertTrue(other[2].contains("option seed: 0 in the saved run, 3 now"), other[2]);
        assertTrue(other[2].contains("trainer setting epochs: 1 in the saved run, 2 now"), other[2]);
        assertFalse(other[1].contains("resumed from"), other[1]);
    }

    @Test
    void mistakesAreNamedBeforeAnyTraining() {
        String[] missing = CommandRun.run(new TrainCnn(), "--subset", "--resume", "--checkpoint",
                dir.resolve("none.safetensors").toString());
        assertNotEquals("0", missing[0]);
        assertTrue(missing[2].contains("--resume: no checkpoint at"), missing[2]);
        String[] bad = CommandRun.run(new TrainCnn(), "--subset", "--checkpoint-every", "10minutes");
        assertNotEquals("0", bad[0]);
        assertTrue(bad[2].contains("'10minutes'") && bad[2].contains("500steps or 1epoch"), bad[2]);
        String[] help = CommandRun.run(new TrainMlp(), "--help");
        assertTrue(help[1].contains("--checkpoint-every") && help[1].contains("--resume"), help[1]);
    }
}
