package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * PatchEmbedding against its definition written as loops (each token is the patch's pixels times
 * the filter, plus the bias, patches numbered row by row), and its backward against finite
 * differences.
 */
class PatchEmbeddingTest {

    @Test
    void eachTokenIsItsPatchTimesTheFilterWithPatchesNumberedRowByRow() {
        Rng rng = new Rng(7);
        int b = 2, c = 2, h = 6, p = 3, d = 5;
        PatchEmbedding pe = new PatchEmbedding(h, p, c, d, rng);
        Tensor x = Tensor.randn(rng, b, c, h, h);
        Tensor y = pe.forward(x);
        assertArrayEquals(new int[] {b, 4, d}, y.shape());
        assertEquals(4, pe.numPatches());
        float[] xv = x.toArray();
        float[] w = pe.proj().weight().toArray();
        float[] bias = pe.proj().bias().toArray();
        int side = h / p;
        for (int n = 0; n < b; n++) {
            for (int r = 0; r < side; r++) {
                for (int q = 0; q < side; q++) {
                    for (int o = 0; o < d; o++) {
                        double s = bias[o];
                        for (int ch = 0; ch < c; ch++) {
                            for (int i = 0; i < p; i++) {
                                for (int j = 0; j < p; j++) {
                                    s += (double) w[((o * c + ch) * p + i) * p + j]
                                            * xv[((n * c + ch) * h + r * p + i) * h + q * p + j];
                                }
                            }
                        }
                        float got = y.get(n, r * side + q, o);
                        assertEquals(s, got, 1e-5, "image " + n + ", patch (" + r + ", " + q + "), channel " + o);
                    }
                }
            }
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        Rng rng = new Rng(8);
        PatchEmbedding pe = new PatchEmbedding(4, 2, 2, 3, rng);
        Tensor x = Tensor.randn(rng, 2, 2, 4, 4).requiresGrad(true);
        GradCheck.assertGradientsMatch("PatchEmbedding", in -> pe.forward(in[0]), x, pe.proj().weight(),
                pe.proj().bias());
    }

    @Test
    void stateDictHasTheProjectionsPyTorchNames() {
        PatchEmbedding pe = new PatchEmbedding(28, 7, 1, 16, new Rng(1));
        assertEquals(java.util.List.of("proj.weight", "proj.bias"), java.util.List.copyOf(pe.stateDict().keySet()));
        assertArrayEquals(new int[] {16, 1, 7, 7}, pe.stateDict().get("proj.weight").shape());
    }

    @Test
    void aPatchThatDoesNotDivideTheImageOrAWrongInputIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PatchEmbedding(28, 5, 1, 16, new Rng(1)));
        assertTrue(e.getMessage().contains("patch_size=5") && e.getMessage().contains("28 % 5 = 3"), e.getMessage());
        PatchEmbedding pe = new PatchEmbedding(28, 7, 1, 16, new Rng(1));
        e = assertThrows(IllegalArgumentException.class, () -> pe.forward(Tensor.zeros(2, 1, 32, 32)));
        assertTrue(e.getMessage().contains("[2, 1, 32, 32]") && e.getMessage().contains("[B, 1, 28, 28]"),
                e.getMessage());
    }

    @Test
    void aProjectionReplacedThroughReplaceModuleIsTheOneThatRuns() {
        // What quantization relies on: replaceModule("proj", …) must change what forward computes.
        PatchEmbedding pe = new PatchEmbedding(6, 3, 1, 4, new Rng(9));
        Conv2d other = new Conv2d(1, 4, 3, 3, 0, new Rng(10));
        Tensor x = Tensor.randn(new Rng(11), 2, 1, 6, 6);
        pe.replaceModule("proj", other);
        assertArrayEquals(other.forward(x).flatten(2, 3).transpose(1, 2).toArray(), pe.forward(x).toArray(), 0f);
        assertSame(other, pe.proj());

        pe.replaceModule("proj", new ReLU());
        IllegalStateException e = assertThrows(IllegalStateException.class, pe::proj);
        assertTrue(e.getMessage().contains("getModule(\"proj\")"), e.getMessage());
    }
}
