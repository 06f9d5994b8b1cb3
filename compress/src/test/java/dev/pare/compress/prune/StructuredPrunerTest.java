package dev.pare.compress.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Conv2d;
import dev.pare.nn.Linear;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import org.junit.jupiter.api.Test;

class StructuredPrunerTest {

    @Test
    void keptNeuronsComputeExactlyWhatTheyDidAndTheLayersReallyShrink() {
        Sequential m = new Sequential(new Linear(9, 10, new Rng(1)), new ReLU(), new Linear(10, 4, new Rng(2)));
        Tensor x = Tensor.randn(new Rng(3), 5, 9);
        Linear oldHidden = (Linear) m.getModule("0");
        Linear oldOut = (Linear) m.getModule("2");
        float[] hiddenBefore = oldHidden.forward(x).toArray();

        int[] keep = StructuredPruner.pruneNeurons(m, "0", "2", 0.5, StructuredPruner.Norm.L2);

        Linear hidden = (Linear) m.getModule("0");
        Linear out = (Linear) m.getModule("2");
        assertEquals(5, keep.length);
        assertEquals(5, hidden.outFeatures());
        assertEquals(5, out.inFeatures());
        float[] hiddenAfter = hidden.forward(x).toArray();
        for (int n = 0; n < 5; n++) {
            for (int j = 0; j < keep.length; j++) {
                // Same weights, same inputs; only the GEMM's blocking (which depends on the output
                // width) may reorder the 9 additions, so allow a few units in the last place.
                float e = hiddenBefore[n * 10 + keep[j]];
                assertEquals(e, hiddenAfter[n * 5 + j], 1e-6f * (1 + Math.abs(e)) * 9, "sample " + n + " neuron " + keep[j]);
            }
        }
        // Oracle for the whole network: the old one with the removed neurons' consumer columns zeroed.
        float[] w2 = oldOut.weight().toArray();
        boolean[] kept = new boolean[10];
        for (int k : keep) {
            kept[k] = true;
        }
        for (int o = 0; o < 4; o++) {
            for (int h = 0; h < 10; h++) {
                if (!kept[h]) {
                    w2[o * 10 + h] = 0f;
                }
            }
        }
        Tensor expected = oldHidden.forward(x).relu().matmul(Tensor.fromArray(w2, 4, 10).t()).add(oldOut.bias());
        assertArrayEquals(expected.toArray(), m.forward(x).toArray(), 1e-5f);
    }

    @Test
    void theSmallestNormsGoAndTiesGoToTheLowerIndex() {
        Sequential m = new Sequential(new Linear(2, 4, new Rng(1)), new ReLU(), new Linear(4, 1, new Rng(2)));
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            // L1 norms: 3, 1, 1, 5 (rows 1 and 2 tie); L2 norms: √5, 1, 1, √13.
            ((Linear) m.getModule("0")).weight().copyFrom(Tensor.fromArray(new float[] {1, 2, 0, -1, 1, 0, 2, -3}, 4, 2));
        }
        assertArrayEquals(new int[] {0, 2, 3}, StructuredPruner.pruneNeurons(m, "0", "2", 0.25, StructuredPruner.Norm.L1));
    }

    @Test
    void convolutionChannelsShrinkWithTheirConsumer() {
        Sequential m = new Sequential(new Conv2d(2, 6, 3, 1, 1, new Rng(1)), new ReLU(), new Conv2d(6, 3, 3, 1, 1, new Rng(2)));
        Tensor x = Tensor.randn(new Rng(3), 2, 2, 5, 5);
        float[] before = m.getModule("0").forward(x).toArray();
        int[] keep = StructuredPruner.pruneChannels(m, "0", "2", 0.5, StructuredPruner.Norm.L1);
        assertEquals(3, ((Conv2d) m.getModule("0")).outChannels());
        assertEquals(3, ((Conv2d) m.getModule("2")).inChannels());
        float[] after = m.getModule("0").forward(x).toArray();
        for (int n = 0; n < 2; n++) {
            for (int j = 0; j < 3; j++) {
                for (int p = 0; p < 25; p++) {
                    float e = before[(n * 6 + keep[j]) * 25 + p];
                    assertEquals(e, after[(n * 3 + j) * 25 + p], 1e-6f * (1 + Math.abs(e)) * 18);
                }
            }
        }
        assertArrayEquals(new int[] {2, 3, 5, 5}, m.forward(x).shape());
    }

    @Test
    void mismatchedOrWrongLayersAreRefused() {
        Sequential m = new Sequential(new Linear(4, 6, new Rng(1)), new ReLU(), new Linear(6, 2, new Rng(2)),
                new Linear(2, 3, new Rng(3)));
        IllegalArgumentException notLinear = assertThrows(IllegalArgumentException.class,
                () -> StructuredPruner.pruneNeurons(m, "1", "2", 0.5, StructuredPruner.Norm.L2));
        assertTrue(notLinear.getMessage().contains("not a Linear"), notLinear.getMessage());
        IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
                () -> StructuredPruner.pruneNeurons(m, "0", "3", 0.5, StructuredPruner.Norm.L2));
        assertTrue(mismatch.getMessage().contains("takes 2 inputs") && mismatch.getMessage().contains("6 outputs"),
                mismatch.getMessage());
        IllegalArgumentException fraction = assertThrows(IllegalArgumentException.class,
                () -> StructuredPruner.pruneNeurons(m, "0", "2", 1.0, StructuredPruner.Norm.L2));
        assertTrue(fraction.getMessage().contains("outside [0, 1)"), fraction.getMessage());
    }
}
