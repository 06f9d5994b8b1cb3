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

/** The {@code distill-vit} command end to end on a sliver of the bundled subset, with tiny budgets. */
class DistillVitSampleTest {
    private final int threadsBefore = Parallel.threads();

    @TempDir
    Path dir;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(threadsBefore);
    }

    /** The options that keep a run to seconds: 256 training and 64 test images, one epoch, short timings. */
    private String[] quick(String... more) {
        String[] base = {"--subset", "--train-limit", "256", "--test-limit", "64", "--layers", "2", "--student-epochs", "1",
            "--teacher-epochs", "1", "--latency-calls", "5", "--warmup-millis", "0", "--threads", "1", "--progress", "NONE",
            "--batch-size", "64"};
        String[] all = new String[base.length + more.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void trainsATeacherThenTheFourStudentsAndWritesTheTable() throws Exception {
        Path teacher = dir.resolve("teacher.safetensors");
        Path student = dir.resolve("student.safetensors");
        Path table = dir.resolve("table.md");
        String[] r = CommandRun.run(new DistillVit(), quick("--teacher-out", teacher.toString(), "--out", student.toString(),
                "--table", table.toString(), "--pooling", "mean"));
        assertEquals("0", r[0], r[2]);
        String md = Files.readString(table);
        for (String row : new String[] {"| teacher (2 layers) |", "| student: distilled (init + KL + CE + cos) |",
            "| student: scratch (CE only) |", "| student: ablation: no layer init |", "| student: ablation: no cosine loss |"}) {
            assertTrue(md.contains(row), row + " in\n" + md);
            assertTrue(r[1].contains(row), "printed too: " + row);
        }
        assertTrue(md.startsWith("| model | test accuracy | params | bytes | batch-1 img/s | batch-256 img/s"), md);
        assertEquals(7, md.strip().split("\\R").length, "header, rule, five rows:\n" + md);
        assertEquals("vit-p7-d64-h4-l1", SafeTensors.read(student).metadata().get("architecture"));
        assertEquals("vit-p7-d64-h4-l2", SafeTensors.read(teacher).metadata().get("architecture"));

        // The saved teacher is read back, and two seeds give mean ± spread.
        String[] again = CommandRun.run(new DistillVit(), quick("--teacher", teacher.toString(), "--seeds", "2",
                "--out", student.toString(), "--gamma", "0"));
        assertEquals("0", again[0], again[2]);
        assertTrue(again[1].contains("(n=2)") && again[1].contains("seed 1:"), again[1]);
    }

    @Test
    void badOptionsFailBeforeTrainingNamingTheValue() {
        String[] r = CommandRun.run(new DistillVit(), "--subset", "--layers", "3");
        assertNotEquals("0", r[0]);
        assertTrue(r[2].contains("--layers 3"), r[2]);
        r = CommandRun.run(new DistillVit(), "--subset", "--pooling", "max");
        assertNotEquals("0", r[0]);
        assertTrue(r[2].contains("'max'"), r[2]);
        r = CommandRun.run(new DistillVit(), "--subset", "--beta", "-1");
        assertNotEquals("0", r[0]);
        assertTrue(r[2].contains("beta = -1.0"), r[2]);
    }
}
