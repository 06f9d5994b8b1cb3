package dev.pare.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;

class OptimizerProperties {

    /** Gradients that are zero wherever mask is 0, random elsewhere. */
    private static float[] maskedGrad(Rng rng, boolean[] mask) {
        float[] g = new float[mask.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = mask[i] ? (float) rng.nextGaussian() : 0f;
        }
        return g;
    }

    @Property(tries = 60)
    void sgdWithoutWeightDecayLeavesElementsWithZeroGradientUnchanged(
            @ForAll @IntRange(min = 1, max = 40) int n, @ForAll @IntRange(min = 1, max = 6) int steps,
            @ForAll @DoubleRange(min = 0, max = 0.99) double momentum, @ForAll boolean nesterov,
            @ForAll long seed) {
        Rng rng = new Rng(seed);
        boolean[] mask = new boolean[n];
        for (int i = 0; i < n; i++) {
            mask[i] = rng.nextInt(3) == 0;
        }
        float[] init = Tensor.randn(rng, n).toArray();
        Tensor p = Tensor.fromArray(init.clone()).requiresGrad(true);
        boolean useNesterov = nesterov && momentum > 0;
        SGD sgd = new SGD(List.of(p), 0.3, momentum, 0, useNesterov, 0);
        for (int s = 0; s < steps; s++) {
            p.setGrad(Tensor.fromArray(maskedGrad(rng, mask)));
            sgd.step();
        }
        float[] after = p.toArray();
        for (int i = 0; i < n; i++) {
            if (!mask[i]) {
                assertEquals(init[i], after[i], 0f, "element " + i + " has always had a zero gradient");
            }
        }
    }

    @Property(tries = 30)
    void adamLeavesParametersWithOnlyZeroGradientsUnchanged(@ForAll @IntRange(min = 1, max = 20) int n,
                                                            @ForAll @IntRange(min = 1, max = 5) int steps,
                                                            @ForAll boolean decoupled, @ForAll long seed) {
        float[] init = Tensor.randn(new Rng(seed), n).toArray();
        Tensor p = Tensor.fromArray(init.clone()).requiresGrad(true);
        Optimizer opt = decoupled ? new AdamW(List.of(p), 0.1, 0.9, 0.999, 1e-8, 0) : new Adam(List.of(p), 0.1);
        for (int s = 0; s < steps; s++) {
            p.setGrad(Tensor.zeros(n));
            opt.step();
        }
        assertArrayEquals(init, p.toArray());
    }

    @Property(tries = 20)
    void sameSeedGivesBitIdenticalParameters(@ForAll @IntRange(min = 0, max = 3) int kind, @ForAll long seed) {
        assertArrayEquals(run(kind, seed), run(kind, seed));
    }

    private static float[] run(int kind, long seed) {
        Rng rng = new Rng(seed);
        Tensor p = Tensor.randn(rng, 37).requiresGrad(true);
        Optimizer opt;
        switch (kind) {
            case 0: opt = new SGD(List.of(p), 0.1, 0.9, 0, true, 1e-3); break;
            case 1: opt = new Adam(List.of(p), 0.01, 0.9, 0.999, 1e-8, 1e-2); break;
            case 2: opt = new AdamW(List.of(p), 0.01); break;
            default: opt = new SGD(List.of(p), 0.05, 0.5, 0.2, false, 0); break;
        }
        for (int s = 0; s < 10; s++) {
            p.setGrad(Tensor.randn(rng, 37));
            GradClip.clipGradNorm(List.of(p), 2.0);
            opt.step();
        }
        return p.toArray();
    }
}
