package dev.pare.samples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.compress.distill.TeacherLayerInit;
import dev.pare.nn.attention.TransformerEncoder;
import dev.pare.nn.attention.ViTConfig;
import dev.pare.nn.attention.VisionTransformer;
import dev.pare.nn.io.SafeTensors;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
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
        String[] base = {"--subset", "--train-limit", "256", "--test-limit", "64", "--depth", "2", "--student-epochs", "1",
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
                "--table", table.toString(), "--cosine-pooling", "mean"));
        assertEquals("0", r[0], r[2]);
        String md = Files.readString(table);
        for (String row : new String[] {"| teacher (2 layers) |", "| student (1): distilled (init + KL + CE + cos) |",
            "| student (1): scratch (CE only) |", "| student (1): ablation: no layer init |",
            "| student (1): ablation: no cosine loss |"}) {
            assertTrue(md.contains(row), row + " in\n" + md);
            assertTrue(r[1].contains(row), "printed too: " + row);
        }
        assertTrue(md.startsWith("| model | test accuracy | params | bytes | batch-1 img/s | batch-256 img/s"), md);
        assertEquals(7, md.strip().split("\\R").length, "header, rule, five rows:\n" + md);
        assertEquals("vit", SafeTensors.read(student).metadata().get("architecture"));
        assertEquals("1", SafeTensors.read(student).metadata().get("vit_depth"));
        assertEquals("2", SafeTensors.read(teacher).metadata().get("vit_depth"));

        // The saved teacher is read back, and two seeds give mean ± spread.
        String[] again = CommandRun.run(new DistillVit(), quick("--teacher", teacher.toString(), "--seeds", "2",
                "--out", student.toString(), "--gamma", "0"));
        assertEquals("0", again[0], again[2]);
        assertTrue(again[1].contains("(n=2)") && again[1].contains("seed 1, scratch (CE only): "), again[1]);
    }

    @Test
    @SuppressWarnings("try")
    void aHalfDepthVitStudentStartsWithTheTeachersFirstLayerOutput() {
        // The real model of the command: every key outside the encoder's layers is copied too
        // (patch_embed.proj, cls_token.token, pos_embed, encoder.norm, head).
        ViTConfig config = ViTConfig.fashion(7, 16, 4, 2);
        VisionTransformer teacher = FashionModels.vit(new Rng(1), config);
        VisionTransformer student = FashionModels.vit(new Rng(2), config.withDepth(2));
        assertArrayEquals(new int[] {0, 2}, TeacherLayerInit.copy(teacher, student));
        Tensor x = Tensor.randn(new Rng(3), 2, 1, 28, 28);
        teacher.eval();
        student.eval();
        try (var ignored = Tensor.noGrad()) {
            TransformerEncoder.Output t = teacher.encoder().forwardWithHiddenStates(teacher.embed(x), null, null);
            TransformerEncoder.Output s = student.encoder().forwardWithHiddenStates(student.embed(x), null, null);
            assertArrayEquals(t.hiddenStates().get(0).toArray(), s.hiddenStates().get(0).toArray(), 0f);
            assertArrayEquals(teacher.encoder().layer(2).forward(t.hiddenStates().get(0)).toArray(),
                    s.hiddenStates().get(1).toArray(), 0f, "student layer 1 is teacher layer 2");
        }
        assertArrayEquals(teacher.stateDict().get("cls_token.token").toArray(),
                student.stateDict().get("cls_token.token").toArray(), 0f);
        assertArrayEquals(teacher.head().stateDict().get("weight").toArray(),
                student.head().stateDict().get("weight").toArray(), 0f);
    }

    @Test
    void badOptionsFailBeforeTrainingNamingTheValue() {
        String[] r = CommandRun.run(new DistillVit(), "--subset", "--depth", "3");
        assertNotEquals("0", r[0]);
        assertTrue(r[2].contains("--depth 3"), r[2]);
        r = CommandRun.run(new DistillVit(), "--subset", "--cosine-pooling", "max");
        assertNotEquals("0", r[0]);
        assertTrue(r[2].contains("'max'"), r[2]);
        r = CommandRun.run(new DistillVit(), "--subset", "--beta", "-1");
        assertNotEquals("0", r[0]);
        assertTrue(r[2].contains("beta = -1.0"), r[2]);
        r = CommandRun.run(new DistillVit(), "--subset", "--dim", "30");
        assertNotEquals("0", r[0]);
        assertTrue(r[2].contains("dim 30 must be divisible by heads 4"), r[2]);
        r = CommandRun.run(new DistillVit(), "--subset", "--pool", "mean", "--cosine-pooling", "class-token");
        assertNotEquals("0", r[0]);
        assertTrue(r[2].contains("no class token"), r[2]);
        r = CommandRun.run(new DistillVit(), "--subset", "--augment", "rotate");
        assertNotEquals("0", r[0]);
        assertTrue(r[2].contains("'rotate'"), r[2]);
    }
}
