package dev.pare.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.attention.ViTConfig;
import dev.pare.nn.attention.VisionTransformer;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.optim.LrSchedule;
import dev.pare.nn.train.TrainingCheckpoint;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./pare train-vit} on the bundled subset with a one-layer ViT (d = 16, 14×14 patches): it learns, saves
 * a file that rebuilds the model from its own metadata, resumes a mid-epoch checkpoint to the
 * uninterrupted run's bits, and names its mistakes before any training.
 */
class TrainVitSampleTest {
    /** A ViT small enough for a test: four 14×14 patches and the class token, width 16, one layer. */
    private static final String[] TINY = {"--subset", "--epochs", "1", "--threads", "1", "--progress", "NONE",
            "--patch", "14", "--dim", "16", "--depth", "1", "--heads", "2", "--lr", "3e-3"};

    private final int threadsBefore = Parallel.threads();

    @TempDir
    Path dir;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(threadsBefore);
    }

    private static String[] with(String... more) {
        String[] all = new String[TINY.length + more.length];
        System.arraycopy(TINY, 0, all, 0, TINY.length);
        System.arraycopy(more, 0, all, TINY.length, more.length);
        return all;
    }

    @Test
    void oneEpochOnTheSubsetLearnsResumesToTheSameBitsAndSavesARebuildableModel() throws Exception {
        Path ckpt = dir.resolve("vit.ckpt.safetensors");
        Path full = dir.resolve("full.safetensors");
        String[] a = CommandRun.run(new TrainVit(), with("--checkpoint-every", "40steps", "--checkpoint", ckpt.toString(),
                "--out", full.toString()));
        assertEquals("0", a[0], a[2]);
        Matcher acc = Pattern.compile("test accuracy: (0\\.\\d+)").matcher(a[1]);
        assertTrue(acc.find(), a[1]);
        // Chance is 0.10; this one-layer ViT of four patches reached 0.54 in its one epoch.
        assertTrue(Double.parseDouble(acc.group(1)) > 0.35, a[1]);
        assertTrue(a[1].contains("training samples/s at 1 thread(s)"), a[1]);
        assertTrue(a[1].contains("weight decay 0.05 on 6 of 20 tensors"), a[1]);   // the patch filters, 4 in the layer, the head

        // The checkpoint holds step 40; resumed, the run ends with the uninterrupted weights, bit for bit.
        assertEquals(40, TrainingCheckpoint.read(ckpt).step());
        Path kept = dir.resolve("kept.safetensors");
        Files.copy(ckpt, kept, StandardCopyOption.REPLACE_EXISTING);
        Path resumed = dir.resolve("resumed.safetensors");
        String[] b = CommandRun.run(new TrainVit(), with("--checkpoint", kept.toString(), "--resume", "--out",
                resumed.toString()));
        assertEquals("0", b[0], b[2]);
        assertTrue(b[1].contains("resumed from " + kept + " at epoch 1 of 1, after batch 40 of "), b[1]);
        Map<String, Tensor> x = SafeTensors.load(full);
        Map<String, Tensor> y = SafeTensors.load(resumed);
        assertEquals(x.keySet(), y.keySet());
        for (String k : x.keySet()) {
            float[] p = x.get(k).toArray();
            float[] q = y.get(k).toArray();
            for (int i = 0; i < p.length; i++) {
                assertEquals(Float.floatToRawIntBits(p[i]), Float.floatToRawIntBits(q[i]), k + "[" + i + "]");
            }
        }

        // The file says which ViT it holds: rebuilt from its metadata, it loads strictly.
        Checkpoint file = SafeTensors.read(full);
        assertEquals("vit", file.metadata().get("architecture"));
        ViTConfig cfg = FashionModels.vitConfig(file.metadata());
        assertEquals(ViTConfig.fashion(14, 16, 1, 2), cfg);
        VisionTransformer model = FashionModels.vit(new Rng(1), cfg);
        assertTrue(model.loadStateDict(x, true).isClean());
    }

    @Test
    void mistakesAreNamedBeforeAnyTraining() {
        String[] heads = CommandRun.run(new TrainVit(), "--subset", "--dim", "64", "--heads", "5");
        assertNotEquals("0", heads[0]);
        assertTrue(heads[2].contains("dim 64 must be divisible by heads 5"), heads[2]);
        String[] patch = CommandRun.run(new TrainVit(), "--subset", "--patch", "5");
        assertNotEquals("0", patch[0]);
        assertTrue(patch[2].contains("patch size 5 must divide image size 28"), patch[2]);
        String[] augment = CommandRun.run(new TrainVit(), "--subset", "--augment", "shift,rotate");
        assertNotEquals("0", augment[0]);
        assertTrue(augment[2].contains("unknown transform 'rotate'"), augment[2]);
        String[] smoothing = CommandRun.run(new TrainVit(), "--subset", "--label-smoothing", "1");
        assertNotEquals("0", smoothing[0]);
        assertTrue(smoothing[2].contains("labelSmoothing 1.0 must be in [0, 1)"), smoothing[2]);
        for (String[] r : List.of(heads, patch, augment, smoothing)) {
            assertTrue(!r[1].contains("data:"), "refused before reading the data: " + r[1]);
        }
        String[] help = CommandRun.run(new Pare(), "--help");
        assertTrue(help[1].contains("train-vit"), help[1]);
    }

    @Test
    void weightDecaySkipsBiasesNormsPositionsAndTheClassToken() {
        VisionTransformer vit = FashionModels.vit(new Rng(0), ViTConfig.fashion(7, 16, 2, 2));
        List<String> decayed = vit.namedParameters().entrySet().stream()
                .filter(e -> TrainVit.decays(e.getKey(), e.getValue())).map(Map.Entry::getKey).toList();
        assertEquals(List.of("patch_embed.proj.weight",
                "encoder.layers.0.self_attn.in_proj_weight", "encoder.layers.0.self_attn.out_proj.weight",
                "encoder.layers.0.linear1.weight", "encoder.layers.0.linear2.weight",
                "encoder.layers.1.self_attn.in_proj_weight", "encoder.layers.1.self_attn.out_proj.weight",
                "encoder.layers.1.linear1.weight", "encoder.layers.1.linear2.weight", "head.weight"), decayed);
    }

    @Test
    void theScheduleWarmsUpLinearlyThenFollowsAHalfCosineToZero() {
        LrSchedule s = TrainVit.schedule(4, 12);
        double[] expected = {0.25, 0.4375, 0.625, 0.8125};   // 1/4 + (3/4)·t/4
        for (int t = 0; t < 4; t++) {
            assertEquals(expected[t], s.lr(1.0, t), 1e-12, "warm-up step " + t);
        }
        for (int t = 4; t <= 12; t++) {
            assertEquals((1 + Math.cos(Math.PI * (t - 4) / 8)) / 2, s.lr(1.0, t), 1e-12, "cosine step " + t);
        }
        assertEquals(1.0, TrainVit.schedule(0, 10).lr(1.0, 0), 0);
        assertEquals(0.55, TrainVit.schedule(10, 10).lr(1.0, 5), 1e-12, "warm-up over the whole run: no decay");
    }
}
