package dev.pare.compress.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.optim.SGD;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaskTest {
    @TempDir
    Path dir;

    static Sequential net(long seed) {
        Rng rng = new Rng(seed);
        return new Sequential(new Linear(6, 5, rng), new ReLU(), new Linear(5, 3, rng));
    }

    @Test
    void applyingAMaskRenamesTheWeightAsPyTorchDoesAndRemoveRestoresIt() {
        Sequential m = net(1);
        Tensor w = ((Linear) m.getModule("0")).weight();
        float[] before = w.toArray();
        MagnitudePruner.pruneLayer(m, "0.weight", 0.5);
        assertEquals(List.of("0.bias", "0.weight_orig", "0.weight_mask", "2.weight", "2.bias"),
                List.copyOf(m.stateDict().keySet()));
        // The original values are kept untouched.
        assertArrayEquals(before, w.toArray());

        Tensor mask = Mask.maskOf(m.getModule("0"), "weight");
        Mask.remove(m.getModule("0"), "weight");
        assertEquals(List.of("0.bias", "0.weight", "2.weight", "2.bias"), List.copyOf(m.stateDict().keySet()));
        float[] after = w.toArray();
        float[] mk = mask.toArray();
        for (int i = 0; i < after.length; i++) {
            assertEquals(before[i] * mk[i], after[i], "baked weight " + i);
        }
        assertFalse(Mask.isMasked(m.getModule("0"), "weight"));
    }

    @Test
    void theForwardPassUsesTheMaskedWeight() {
        Sequential m = net(2);
        MagnitudePruner.pruneLayer(m, "0.weight", 0.6);
        Linear l = (Linear) m.getModule("0");
        Tensor x = Tensor.randn(new Rng(3), 4, 6);
        Tensor expected = x.matmul(Mask.effective(l, "weight").t()).add(l.bias());
        assertArrayEquals(expected.toArray(), l.forward(x).toArray(), 1e-6f);
    }

    @Test
    void gradientsReachOnlySurvivingWeights() {
        Sequential m = net(4);
        MagnitudePruner.pruneLayer(m, "0.weight", 0.7);
        Tensor x = Tensor.randn(new Rng(5), 8, 6);
        new CrossEntropyLoss().apply(m.forward(x), Tensor.fromArray(new float[] {0, 1, 2, 0, 1, 2, 0, 1}))
                .backward();
        Module l = m.getModule("0");
        float[] g = Mask.stored(l, "weight").grad().toArray();
        float[] mk = Mask.maskOf(l, "weight").toArray();
        int nonZeroGrads = 0;
        for (int i = 0; i < g.length; i++) {
            if (mk[i] == 0f) {
                // -0 counts: a negative product with 0 is -0, and -0 == 0.
                assertTrue(g[i] == 0f, "gradient of pruned weight " + i + " is " + g[i]);
            } else if (g[i] != 0f) {
                nonZeroGrads++;
            }
        }
        assertTrue(nonZeroGrads > 0, "some surviving weight must get a gradient");
    }

    @Test
    void maskedWeightsStayZeroThroughOptimizerStepsWithMomentumAndWeightDecay() {
        Sequential m = net(6);
        MagnitudePruner.pruneGlobal(m, List.of("0.weight", "2.weight"), 0.8);
        SGD sgd = new SGD(m.parameters(), 0.1, 0.9, 0, true, 0.01);
        Rng rng = new Rng(7);
        for (int step = 0; step < 5; step++) {
            Tensor x = Tensor.randn(rng, 8, 6);
            new CrossEntropyLoss().apply(m.forward(x), Tensor.fromArray(new float[] {0, 1, 2, 0, 1, 2, 0, 1}))
                    .backward();
            sgd.step();
            sgd.zeroGrad();
        }
        for (String p : List.of("0", "2")) {
            Module l = m.getModule(p);
            float[] w = Mask.effective(l, "weight").toArray();
            float[] mk = Mask.maskOf(l, "weight").toArray();
            for (int i = 0; i < w.length; i++) {
                if (mk[i] == 0f) {
                    assertTrue(w[i] == 0f, p + ": pruned weight " + i + " is " + w[i]);
                }
            }
        }
    }

    @Test
    void masksSaveAndLoadIntoMaskedAndUnmaskedModels() throws Exception {
        Sequential pruned = net(8);
        MagnitudePruner.pruneLayer(pruned, "0.weight", 0.5);
        Path file = dir.resolve("masked.safetensors");
        SafeTensors.save(file, pruned.stateDict());
        Tensor x = Tensor.randn(new Rng(9), 3, 6);
        float[] expected = pruned.forward(x).toArray();

        Sequential fresh = net(99);
        Mask.loadStateDict(fresh, SafeTensors.load(file));
        assertTrue(Mask.isMasked(fresh.getModule("0"), "weight"));
        assertArrayEquals(expected, fresh.forward(x).toArray());

        // A plain checkpoint into a masked model: the mask goes, the weights are the file's.
        Sequential plain = net(10);
        Path plainFile = dir.resolve("plain.safetensors");
        SafeTensors.save(plainFile, plain.stateDict());
        Mask.loadStateDict(fresh, SafeTensors.load(plainFile));
        assertFalse(Mask.isMasked(fresh.getModule("0"), "weight"));
        assertArrayEquals(plain.forward(x).toArray(), fresh.forward(x).toArray());
    }

    @Test
    void badMasksAreRefusedWithTheirReason() {
        Linear l = new Linear(3, 2, new Rng(1));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> Mask.apply(l, "weight", Tensor.ones(3, 2)));
        assertTrue(shape.getMessage().contains("[3, 2]") && shape.getMessage().contains("[2, 3]"), shape.getMessage());
        IllegalArgumentException value = assertThrows(IllegalArgumentException.class,
                () -> Mask.apply(l, "weight", Tensor.full(0.5f, 2, 3)));
        assertTrue(value.getMessage().contains("0.5"), value.getMessage());
        IllegalArgumentException notMasked = assertThrows(IllegalArgumentException.class, () -> Mask.remove(l, "weight"));
        assertTrue(notMasked.getMessage().contains("not masked"), notMasked.getMessage());
    }

    @Test
    void pruningAMissingParameterNamesWhatExists() {
        Sequential m = net(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MagnitudePruner.pruneLayer(m, "0.wieght", 0.5));
        assertTrue(e.getMessage().contains("0.wieght") && e.getMessage().contains("weight"), e.getMessage());
        IllegalArgumentException noModule = assertThrows(IllegalArgumentException.class,
                () -> MagnitudePruner.pruneLayer(m, "7.weight", 0.5));
        assertTrue(noModule.getMessage().contains("7.weight"), noModule.getMessage());
    }

    @Test
    void sparsityOutsideZeroToOneIsRefused() {
        Sequential m = net(1);
        for (double s : new double[] {-0.1, 1.0, 1.5, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MagnitudePruner.pruneLayer(m, "0.weight", s));
            assertTrue(e.getMessage().contains("outside [0, 1)"), e.getMessage());
        }
        Map<String, Tensor> unchanged = m.stateDict();
        assertTrue(unchanged.containsKey("0.weight"), "a refused call must not mask anything");
    }
}
