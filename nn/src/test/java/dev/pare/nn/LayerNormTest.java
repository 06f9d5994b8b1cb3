package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * LayerNorm against PyTorch 1.13 ({@code fixtures/make_transformer_fixtures.py}), against
 * central differences, and against itself at one and two threads.
 */
class LayerNormTest {
    private static final Fixtures F = Fixtures.load("/fixtures/transformer.txt");

    @Test
    void forwardAndGradientsMatchPyTorch() {
        LayerNorm ln = new LayerNorm(16);
        F.copyInto("ln.weight", ln.weight());
        F.copyInto("ln.bias", ln.bias());
        Tensor x = F.get("ln.x").copy().requiresGrad(true);
        Tensor y = ln.forward(x);
        F.assertMatches("ln.y", y, 1e-6, 1e-5);
        y.backward(F.get("ln.g"));
        F.assertMatches("ln.dx", x.grad(), 1e-5, 1e-4);
        F.assertMatches("ln.d.weight", ln.weight().grad(), 1e-5, 1e-4);
        F.assertMatches("ln.d.bias", ln.bias().grad(), 1e-5, 1e-4);
    }

    @Test
    void rowsFarFromZeroMatchPyTorch() {
        LayerNorm ln = new LayerNorm(16);
        F.copyInto("ln.weight", ln.weight());
        F.copyInto("ln.bias", ln.bias());
        Tensor x = F.get("ln_far.x").copy().requiresGrad(true);
        Tensor y = ln.forward(x);
        // Inputs near 1000 carry float spacing 6e-5 in x itself, so x − μ holds 4 to 5 digits;
        // both libraries lose the same ones, and the tolerance is that of the input's rounding.
        F.assertMatches("ln_far.y", y, 2e-4, 1e-4);
        y.backward(F.get("ln_far.g"));
        F.assertMatches("ln_far.dx", x.grad(), 2e-4, 1e-3);
    }

    @Test
    void multiDimensionalShapeWithoutAffineMatchesPyTorch() {
        LayerNorm ln = new LayerNorm(new int[] {4, 6}, 1e-3, false);
        assertNull(ln.weight());
        assertTrue(ln.stateDict().isEmpty(), "no parameters without elementwise affine");
        Tensor x = F.get("ln_plain.x").copy().requiresGrad(true);
        Tensor y = ln.forward(x);
        F.assertMatches("ln_plain.y", y, 1e-6, 1e-5);
        y.backward(F.get("ln_plain.g"));
        F.assertMatches("ln_plain.dx", x.grad(), 1e-5, 1e-4);
    }

    @Test
    @SuppressWarnings("try") // the scope is used only for closing
    void gradientsMatchCentralDifferences() {
        Rng rng = new Rng(5);
        LayerNorm ln = new LayerNorm(7);
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            ln.weight().copyFrom(Tensor.uniform(rng, 0.5f, 1.5f, 7));
            ln.bias().copyFrom(Tensor.uniform(rng, -0.5f, 0.5f, 7));
        }
        Tensor x = Tensor.randn(rng, 3, 7).mul(2f).add(1f).requiresGrad(true);
        Tensor w = ln.weight();
        Tensor b = ln.bias();
        GradCheck.assertGradientsMatch("LayerNorm(7)", in -> ln.forward(in[0]), x, w, b);
    }

    @Test
    void strideInputIsNormalisedLikeItsCopy() {
        LayerNorm ln = new LayerNorm(5);
        Tensor base = Tensor.randn(new Rng(9), 5, 4);
        Tensor view = base.t();                               // [4, 5], not contiguous
        assertArrayEquals(ln.forward(view.contiguous()).toArray(), ln.forward(view).toArray(), 0f);
    }

    @Test
    void outputRowsHaveZeroMeanAndUnitVariance() {
        LayerNorm ln = new LayerNorm(64, 0.0);
        Tensor y = ln.forward(Tensor.randn(new Rng(2), 3, 64).mul(5f).add(-7f));
        for (int r = 0; r < 3; r++) {
            Tensor row = y.select(0, r);
            assertEquals(0f, row.mean().item(), 1e-5f);
            assertEquals(1f, row.square().mean().item(), 1e-5f);
        }
    }

    @Test
    @SuppressWarnings("try") // the scope is used only for closing
    void resultsAreIdenticalForOneAndTwoThreads() {
        int before = Parallel.threads();
        try {
            Rng rng = new Rng(11);
            LayerNorm ln = new LayerNorm(67);    // rows of an odd length: vector body and tail
            try (GradMode.Scope ignored = Tensor.noGrad()) {
                ln.weight().copyFrom(Tensor.uniform(rng, 0.5f, 1.5f, 67));
            }
            Tensor x = Tensor.randn(rng, 1500, 67);   // enough rows and columns to be split
            Tensor g = Tensor.randn(rng, 1500, 67);
            List<float[]> one = run(ln, x, g, 1);
            List<float[]> two = run(ln, x, g, 2);
            for (int i = 0; i < one.size(); i++) {
                assertArrayEquals(one.get(i), two.get(i), 0f, "output " + i + " (y, dx, dγ, dβ)");
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    private static List<float[]> run(LayerNorm ln, Tensor x0, Tensor g, int threads) {
        Parallel.setThreads(threads);
        ln.zeroGrad();
        Tensor x = x0.copy().requiresGrad(true);
        Tensor y = ln.forward(x);
        y.backward(g);
        return List.of(y.toArray(), x.grad().toArray(), ln.weight().grad().toArray(), ln.bias().grad().toArray());
    }

    @Test
    void badShapesAreRefusedByName() {
        LayerNorm ln = new LayerNorm(16);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ln.forward(Tensor.zeros(2, 15)));
        assertTrue(e.getMessage().contains("LayerNorm") && e.getMessage().contains("[2, 15]")
                && e.getMessage().contains("[16]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LayerNorm(0));
        assertThrows(IllegalArgumentException.class, () -> new LayerNorm(4, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new LayerNorm(new int[0], 1e-5, true));
    }

    @Test
    void stateDictNamesAreTorchs() {
        assertEquals(List.of("weight", "bias"), List.copyOf(new LayerNorm(8).stateDict().keySet()));
        assertEquals("LayerNorm((8,), eps=1.0E-5, elementwise_affine=true)", new LayerNorm(8).toString());
    }
}
