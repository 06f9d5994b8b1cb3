package dev.pare.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.io.SafeTensors;
import dev.pare.tensor.parallel.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code distill} command end to end on the bundled subset, with a quickly trained MLP as the teacher. */
class DistillSampleTest {
    private final int threadsBefore = Parallel.threads();

    @TempDir
    Path dir;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(threadsBefore);
    }

    private static String[] run(Object command, String... args) {
        return CommandRun.run(command, args);
    }

    @Test
    void badTemperatureOrAlphaFailsBeforeTrainingNamingTheValue() {
        String[] r = run(new Distill(), "--subset", "--temperature", "2,0");
        assertNotEquals("0", r[0]);
        assertTrue(r[2].contains("T = 0.0"), r[2]);
        r = run(new Distill(), "--subset", "--alpha", "1.5");
        assertNotEquals("0", r[0]);
        assertTrue(r[2].contains("alpha = 1.5"), r[2]);
    }

    @Test
    void distillsAnMlpTeacherAndPrintsTheComparison() throws Exception {
        Path teacher = dir.resolve("mlp.safetensors");
        String[] t = run(new TrainMlp(), "--subset", "--epochs", "1", "--threads", "1", "--progress", "NONE",
                "--out", teacher.toString());
        assertEquals("0", t[0], t[2]);

        Path student = dir.resolve("student.safetensors");
        String[] r = run(new Distill(), "--subset", "--teacher", teacher.toString(), "--student-epochs", "1",
                "--student-hidden", "8", "--seeds", "2", "--threads", "1", "--progress", "NONE", "--out", student.toString());
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("teacher (mlp)"), r[1]);
        assertTrue(r[1].contains("student 784-8-10 scratch"), r[1]);
        assertTrue(r[1].contains("student 784-8-10 distilled T=1.0 a=0.7"), r[1]);
        assertTrue(r[1].contains("(n=2)"), r[1]);
        assertEquals("mlp-784-8-10", SafeTensors.read(student).metadata().get("architecture"));

        // The hint path: the student's 8 hidden units projected onto the teacher's 128.
        String[] h = run(new Distill(), "--subset", "--teacher", teacher.toString(), "--student-epochs", "1",
                "--student-hidden", "8", "--seeds", "1", "--hint-weight", "0.1", "--threads", "1", "--progress", "NONE",
                "--out", student.toString());
        assertEquals("0", h[0], h[2]);
        assertTrue(h[1].contains("hint weight = 0.1"), h[1]);
        assertTrue(Files.size(student) > 0);
    }

    @Test
    void augmentedRunsCacheTheTeacherPerViewAndReuseTheViewsFromDisk() throws Exception {
        Path teacher = dir.resolve("mlp.safetensors");
        String[] t = run(new TrainMlp(), "--subset", "--epochs", "1", "--threads", "1", "--progress", "NONE",
                "--out", teacher.toString());
        assertEquals("0", t[0], t[2]);
        Path views = dir.resolve("views");
        String[] args = {"--subset", "--teacher", teacher.toString(), "--student-epochs", "3", "--student-hidden", "6,5",
            "--seeds", "1", "--augment", "shift,flip", "--shift", "1", "--views", "2", "--view-cache", views.toString(),
            "--threads", "1", "--progress", "NONE", "--out", dir.resolve("s.safetensors").toString()};
        String[] first = run(new Distill(), args);
        assertEquals("0", first[0], first[2]);
        assertTrue(first[1].contains("student 784-6-5-10 distilled"), first[1]);
        assertTrue(first[1].contains("logits of 2 augmented view(s) computed"), first[1]);
        assertTrue(first[1].contains("0 read from"), first[1]);
        String[] second = run(new Distill(), args);
        assertEquals("0", second[0], second[2]);
        assertTrue(second[1].contains("logits of 0 augmented view(s) computed"), second[1]);
        assertTrue(second[1].contains("2 read from"), second[1]);
        // The same views, whether computed or read back: the same accuracies.
        assertEquals(accuracies(first[1]), accuracies(second[1]));

        String[] bad = run(new Distill(), "--subset", "--augment", "rotate");
        assertNotEquals("0", bad[0]);
        assertTrue(bad[2].contains("'rotate'"), bad[2]);
    }

    /** The "seed ..." lines, which hold every run's accuracy (and its time, which is dropped). */
    private static String accuracies(String out) {
        StringBuilder b = new StringBuilder();
        for (String line : out.split("\\R")) {
            if (line.startsWith("seed ")) {
                b.append(line.replaceAll("\\([0-9.]+ s\\)", "")).append('\n');
            }
        }
        return b.toString();
    }

    @Test
    void everyRunOfTheCommandResumesFromItsOwnCheckpoint() throws Exception {
        Path teacher = dir.resolve("mlp.safetensors");
        String[] t = run(new TrainMlp(), "--subset", "--epochs", "1", "--threads", "1", "--progress", "NONE",
                "--out", teacher.toString());
        assertEquals("0", t[0], t[2]);
        Path ckpts = dir.resolve("ckpts");
        String[] args = {"--subset", "--teacher", teacher.toString(), "--student-epochs", "1", "--student-hidden", "4",
            "--seeds", "1", "--threads", "1", "--progress", "NONE", "--out", dir.resolve("s.safetensors").toString(),
            "--checkpoint-every", "30steps", "--checkpoint", ckpts.toString()};
        String[] first = run(new Distill(), args);
        assertEquals("0", first[0], first[2]);
        assertTrue(Files.exists(ckpts.resolve("seed0-scratch.ckpt.safetensors")), first[1]);
        assertTrue(Files.exists(ckpts.resolve("seed0-T1.0-a0.7.ckpt.safetensors")), first[1]);

        // The last checkpoints were taken at step 60 of 79: the resumed command trains 19 batches per run.
        String[] again = java.util.Arrays.copyOf(args, args.length + 1);
        again[args.length] = "--resume";
        String[] second = run(new Distill(), again);
        assertEquals("0", second[0], second[2]);
        assertTrue(second[1].contains("seed0-scratch: resumed from " + ckpts.resolve("seed0-scratch.ckpt.safetensors")
                + " at epoch 1 of 1, after batch 60 of 79 (step 60)"), second[1]);
        assertTrue(second[1].contains("seed0-T1.0-a0.7: resumed from"), second[1]);
        assertTrue(accuracies(first[1]).startsWith("seed 0: scratch"), first[1]);
        assertEquals(accuracies(first[1]), accuracies(second[1]));
    }
}
