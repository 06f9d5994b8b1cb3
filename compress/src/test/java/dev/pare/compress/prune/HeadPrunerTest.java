package dev.pare.compress.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Module;
import dev.pare.nn.attention.MultiheadAttention;
import dev.pare.nn.attention.ViTConfig;
import dev.pare.nn.attention.VisionTransformer;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.train.LabeledBatch;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Head importance (Michel et al., 2019) and head removal on a small Vision Transformer. */
class HeadPrunerTest {
    @TempDir
    Path dir;

    private static final String L0 = "encoder.layers.0.self_attn";
    private static final String L1 = "encoder.layers.1.self_attn";

    /** 8×8 images in 2×2 patches, D = 16, 2 layers of 4 heads of 4. */
    private static VisionTransformer vit(long seed) {
        return new VisionTransformer(new ViTConfig(8, 1, 3, 2, 16, 2, 4, 2, 0.0, ViTConfig.Pooling.CLASS_TOKEN),
                new Rng(seed));
    }

    private static LabeledBatch batch(long seed, int n) {
        Rng rng = new Rng(seed);
        float[] labels = new float[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
        }
        return LabeledBatch.of(Tensor.randn(rng, n, 1, 8, 8), Tensor.fromArray(labels, n));
    }

    @SuppressWarnings("try") // the scope is used only for closing
    private static double loss(Module m, LabeledBatch b) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return new CrossEntropyLoss().apply(m.forward(b.inputs()), b.labels()).item();
        }
    }

    @SuppressWarnings("try") // the scope is used only for closing
    private static Tensor run(Module m, Tensor x) {
        m.eval();
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return m.forward(x);
        }
    }

    /** (L(ξ_h = 1 + ε) − L(ξ_h = 1 − ε)) / 2ε with every other gate at 1: ∂L/∂ξ_h by central difference. */
    @SuppressWarnings("try") // the scope is used only for closing
    private static double finiteDifference(VisionTransformer m, String layer, int head, LabeledBatch b) {
        double eps = 1e-2;
        MultiheadAttention a = (MultiheadAttention) m.getModule(layer);
        double[] l = new double[2];
        for (int side = 0; side < 2; side++) {
            Tensor mask = Tensor.ones(a.numHeads());
            try (GradMode.Scope ignored = Tensor.noGrad()) {
                mask.set((float) (1 + (side == 0 ? eps : -eps)), head);
            }
            a.setHeadMask(mask);
            l[side] = loss(m, b);
        }
        a.setHeadMask(null);
        return (l[0] - l[1]) / (2 * eps);
    }

    @Test
    void theImportanceIsTheSumOverBatchesOfTheAbsoluteFiniteDifferenceGradient() {
        VisionTransformer m = vit(1);
        m.eval();
        List<LabeledBatch> batches = List.of(batch(2, 6), batch(3, 6));
        HeadPruner.Importance imp = HeadPruner.importance(m, batches, new CrossEntropyLoss(), 10);
        assertEquals(2, imp.batches());
        assertEquals(List.of(L0, L1), List.copyOf(imp.scores().keySet()));
        for (String layer : List.of(L0, L1)) {
            double[] s = imp.of(layer);
            for (int h = 0; h < 4; h++) {
                double fd = Math.abs(finiteDifference(m, layer, h, batches.get(0)))
                        + Math.abs(finiteDifference(m, layer, h, batches.get(1)));
                assertEquals(fd, s[h], 2e-4 + 2e-2 * fd, layer + " head " + h);
            }
        }
        double total = 0;
        for (double[] s : imp.scores().values()) {
            for (double v : s) {
                total += v;
            }
        }
        assertTrue(total > 1e-3, "the scores are not all zero: " + total);
    }

    @Test
    void scoringLeavesTheModelAsItWas() {
        VisionTransformer m = vit(4);
        m.train();
        MultiheadAttention a = (MultiheadAttention) m.getModule(L1);
        Tensor mask = Tensor.fromArray(new float[] {1, 0, 1, 1}, 4);
        a.setHeadMask(mask);
        HeadPruner.importance(m, List.of(batch(5, 4)), new CrossEntropyLoss(), 1);
        assertTrue(m.isTraining(), "training flag restored");
        assertTrue(a.headMask() == mask, "the caller's head mask is back");
        for (Tensor p : m.parameters()) {
            assertTrue(p.requiresGrad(), "parameters require grad again");
            assertNull(p.grad(), "no gradient left behind");
        }
    }

    @Test
    void maxBatchesBoundsTheBatchesScoredAndNoBatchIsAnError() {
        VisionTransformer m = vit(6);
        assertEquals(1, HeadPruner.importance(m, List.of(batch(7, 2), batch(8, 2)), new CrossEntropyLoss(), 1)
                .batches());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HeadPruner.importance(m, List.of(), new CrossEntropyLoss(), 3));
        assertTrue(e.getMessage().contains("no batches"), e.getMessage());
    }

    @Test
    void globalPruningRemovesTheLowestScoresAfterPerLayerNormalisation() {
        VisionTransformer m = vit(9);
        Map<String, double[]> scores = new LinkedHashMap<>();
        scores.put(L0, new double[] {4, 1, 3, 2});          // norm √30: 0.73, 0.18, 0.55, 0.37
        scores.put(L1, new double[] {100, 100, 10, 100});   // norm √30100: 0.58, 0.58, 0.058, 0.58
        HeadPruner.Importance imp = new HeadPruner.Importance(scores, 1);
        // Raw scores would take L0's heads 1 and 3; normalised, L1's head 2 is the least important.
        Map<String, int[]> plan = HeadPruner.pruneGlobal(m, imp, 0.25);
        assertArrayEquals(new int[] {1}, plan.get(L0));
        assertArrayEquals(new int[] {2}, plan.get(L1));
        assertEquals(Map.of(L0, 3, L1, 3), HeadPruner.headCounts(m));
    }

    @Test
    void globalPruningKeepsOneHeadInEveryLayer() {
        VisionTransformer m = vit(10);
        Map<String, double[]> scores = new LinkedHashMap<>();
        scores.put(L0, new double[] {1, 1, 1, 1});
        scores.put(L1, new double[] {9, 9, 9, 9});
        // 6 of 8 go: every L0 head ties lowest, but its last one is kept and one more L1 head goes.
        Map<String, int[]> plan = HeadPruner.pruneGlobal(m, new HeadPruner.Importance(scores, 1), 0.75);
        assertArrayEquals(new int[] {0, 1, 2}, plan.get(L0));
        assertArrayEquals(new int[] {0, 1, 2}, plan.get(L1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HeadPruner.pruneGlobal(vit(10), new HeadPruner.Importance(scores, 1), 0.9));
        assertTrue(e.getMessage().contains("each of the 2 layers must keep one"), e.getMessage());
    }

    @Test
    void aPrunedModelEqualsTheUnprunedOneWithThoseHeadsMaskedToZero() {
        VisionTransformer m = vit(11);
        HeadPruner.Importance imp = HeadPruner.importance(m, List.of(batch(12, 8)), new CrossEntropyLoss(), 1);
        Tensor x = batch(13, 5).inputs();
        VisionTransformer masked = vit(11);
        Map<String, int[]> plan = HeadPruner.pruneGlobal(m, imp, 0.5);
        int removed = 0;
        for (Map.Entry<String, int[]> e : plan.entrySet()) {
            float[] gate = {1, 1, 1, 1};
            for (int h : e.getValue()) {
                gate[h] = 0;
                removed++;
            }
            ((MultiheadAttention) masked.getModule(e.getKey())).setHeadMask(Tensor.fromArray(gate, 4));
        }
        assertEquals(4, removed, "⌊0.5 · 8⌋ heads");
        assertArrayEquals(run(masked, x).toArray(), run(m, x).toArray(), 1e-6f);
    }

    @Test
    void pruningAllButOneHeadOfEachLayerWorks() {
        VisionTransformer m = vit(14);
        VisionTransformer masked = vit(14);
        HeadPruner.Importance imp = HeadPruner.importance(m, List.of(batch(15, 4)), new CrossEntropyLoss(), 1);
        Map<String, int[]> plan = HeadPruner.pruneEachLayer(m, imp, 0.75);
        assertEquals(Map.of(L0, 1, L1, 1), HeadPruner.headCounts(m));
        for (Map.Entry<String, int[]> e : plan.entrySet()) {
            assertEquals(3, e.getValue().length);
            float[] gate = {1, 1, 1, 1};
            for (int h : e.getValue()) {
                gate[h] = 0;
            }
            ((MultiheadAttention) masked.getModule(e.getKey())).setHeadMask(Tensor.fromArray(gate, 4));
            // The kept head is the layer's most important one.
            double[] s = imp.of(e.getKey());
            int kept = 0;
            while (gate[kept] == 0) {
                kept++;
            }
            for (double v : s) {
                assertTrue(s[kept] >= v);
            }
        }
        Tensor x = batch(16, 3).inputs();
        assertArrayEquals(run(masked, x).toArray(), run(m, x).toArray(), 1e-6f);
    }

    @Test
    void askingToPruneEveryHeadIsANamedErrorAndChangesNothing() {
        VisionTransformer m = vit(17);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HeadPruner.pruneHeads(m,
                Map.of(L0, new int[] {0}, L1, new int[] {0, 1, 2, 3})));
        assertTrue(e.getMessage().contains(L1) && e.getMessage().contains("would leave none"), e.getMessage());
        assertEquals(Map.of(L0, 4, L1, 4), HeadPruner.headCounts(m), "checked before any layer changed");
        IllegalArgumentException notAttention = assertThrows(IllegalArgumentException.class,
                () -> HeadPruner.pruneHeads(m, Map.of("head", new int[] {0})));
        assertTrue(notAttention.getMessage().contains("not a MultiheadAttention"), notAttention.getMessage());
    }

    @Test
    void scoresFromBeforePruningAreRefused() {
        VisionTransformer m = vit(18);
        HeadPruner.Importance imp = HeadPruner.importance(m, List.of(batch(19, 2)), new CrossEntropyLoss(), 1);
        HeadPruner.pruneGlobal(m, imp, 0.25);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HeadPruner.pruneGlobal(m, imp, 0.25));
        assertTrue(e.getMessage().contains("score the model again"), e.getMessage());
    }

    @Test
    void aHeadPrunedModelSavesAndLoadsIntoAnArchitectureShapedByMatchHeads() throws Exception {
        VisionTransformer m = vit(20);
        HeadPruner.pruneHeads(m, Map.of(L0, new int[] {0, 2}, L1, new int[] {3}));
        Path file = dir.resolve("pruned.safetensors");
        SafeTensors.save(file, m.stateDict());
        Checkpoint c = SafeTensors.read(file);
        assertArrayEquals(new int[] {24, 16}, c.entry(L0 + ".in_proj_weight").shape());
        assertArrayEquals(new int[] {16, 12}, c.entry(L1 + ".out_proj.weight").shape());
        VisionTransformer fresh = vit(21);
        assertThrows(RuntimeException.class, () -> fresh.loadStateDict(c.toStateDict(), true));
        HeadPruner.matchHeads(fresh, c, file.toString());
        fresh.loadStateDict(c.toStateDict(), true);
        Tensor x = batch(22, 2).inputs();
        assertArrayEquals(run(m, x).toArray(), run(fresh, x).toArray(), 0f);
    }
}
