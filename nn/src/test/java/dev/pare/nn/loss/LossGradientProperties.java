package dev.pare.nn.loss;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.function.Function;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Every loss's backward agrees with central differences of its forward, for random shapes,
 * targets and reductions. Logits are kept O(1) so that a step of h = 1e-2 in float resolves the
 * slope to about 1e-3.
 */
class LossGradientProperties {
    private static final float H = 1e-2f;

    private static float[] targets(Rng rng, int b, int c) {
        float[] y = new float[b];
        for (int i = 0; i < b; i++) {
            y[i] = rng.nextInt(c);
        }
        return y;
    }

    private static void agree(Tensor x, Function<Tensor, Tensor> f) {
        Check.assertClose("gradient", Check.numericGradient(x, f, H), Check.autogradGradient(x, f), 2e-2, 2e-3);
    }

    @Property(tries = 40)
    void crossEntropyGradientMatchesCentralDifferences(@ForAll @IntRange(min = 1, max = 5) int b,
                                                      @ForAll @IntRange(min = 1, max = 7) int c,
                                                      @ForAll @IntRange(min = 0, max = 2) int reduction,
                                                      @ForAll boolean smooth, @ForAll long seed) {
        Rng rng = new Rng(seed);
        Tensor x = Tensor.randn(rng, b, c);
        Tensor y = Tensor.fromArray(targets(rng, b, c));
        Reduction r = Reduction.values()[reduction];
        // NONE is reduced by a weighted sum so that the result is a scalar with distinct per-sample weights.
        Tensor w = Tensor.arange(b).add(1f);
        agree(x, t -> {
            Tensor l = CrossEntropyLoss.crossEntropy(t, y, r, smooth ? 0.15f : 0f);
            return r == Reduction.NONE ? l.mul(w).sum() : l;
        });
    }

    @Property(tries = 30)
    void nllGradientMatchesCentralDifferences(@ForAll @IntRange(min = 1, max = 5) int b,
                                             @ForAll @IntRange(min = 1, max = 7) int c, @ForAll long seed) {
        Rng rng = new Rng(seed);
        Tensor x = Tensor.randn(rng, b, c);
        Tensor y = Tensor.fromArray(targets(rng, b, c));
        agree(x, t -> NllLoss.nllLoss(t.logSoftmax(1), y, Reduction.SUM));
    }

    @Property(tries = 30)
    void mseGradientMatchesCentralDifferences(@ForAll @IntRange(min = 1, max = 4) int b,
                                             @ForAll @IntRange(min = 1, max = 4) int c, @ForAll long seed) {
        Rng rng = new Rng(seed);
        Tensor x = Tensor.randn(rng, b, c);
        Tensor target = Tensor.randn(rng, b, c);
        agree(x, t -> MseLoss.mseLoss(t, target));
    }

    @Property(tries = 40)
    void klDivGradientMatchesCentralDifferences(@ForAll @IntRange(min = 1, max = 4) int b,
                                               @ForAll @IntRange(min = 2, max = 6) int c,
                                               @ForAll @IntRange(min = 1, max = 8) int temperature,
                                               @ForAll long seed) {
        Rng rng = new Rng(seed);
        Tensor x = Tensor.randn(rng, b, c).mul(2f);
        Tensor teacher = Tensor.randn(rng, b, c).mul(2f);
        // Scaled by T² as distillation does, so the slope stays resolvable at large T.
        float t2 = temperature * temperature;
        agree(x, s -> KlDivLoss.klDiv(s, teacher, temperature).mul(t2));
    }
}
