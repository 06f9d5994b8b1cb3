package dev.pare.compress.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.FloatRange;
import net.jqwik.api.constraints.IntRange;

/**
 * The laws behind the T² factor (derived in {@link DistillationLoss}'s Javadoc): for large T the
 * gradient of T²·KL with respect to the student's logits tends to
 * g∞ = ((s − t) − mean_c(s − t)) / (C·B), independent of T, while the gradient of the bare KL
 * falls like 1/T².
 */
class DistillationLossProperties {

    private static float[] softGradient(Tensor s0, Tensor t, float temperature) {
        Tensor s = s0.detach().copy().requiresGrad(true);
        new DistillationLoss(temperature, 1f).soft(s, t).backward();
        return s.grad().toArray();
    }

    /** g∞ in double: the centred logit difference over C·B. */
    private static double[] limit(Tensor s, Tensor t) {
        float[] sv = s.toArray();
        float[] tv = t.toArray();
        int b = s.size(0);
        int c = s.size(1);
        double[] g = new double[sv.length];
        for (int i = 0; i < b; i++) {
            double mean = 0;
            for (int k = 0; k < c; k++) {
                mean += sv[i * c + k] - tv[i * c + k];
            }
            mean /= c;
            for (int k = 0; k < c; k++) {
                g[i * c + k] = ((sv[i * c + k] - tv[i * c + k]) - mean) / (c * (double) b);
            }
        }
        return g;
    }

    private static double maxAbsDiff(float[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static double maxAbs(double[] a) {
        double m = 0;
        for (double v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    @Property(tries = 50)
    void scaledSoftGradientTendsToTheTemperatureFreeLimit(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int b,
                                                           @ForAll @IntRange(min = 2, max = 12) int c) {
        Rng rng = new Rng(seed);
        Tensor s = Tensor.uniform(rng, -3f, 3f, b, c);
        Tensor t = Tensor.uniform(rng, -3f, 3f, b, c);
        double[] lim = limit(s, t);
        double scale = Math.max(maxAbs(lim), 1e-3 / (b * c));
        // The neglected term of the expansion is O(|s − t|²/T) relative; |s − t| ≤ 6 here.
        double errLarge = maxAbsDiff(softGradient(s, t, 400f), lim);
        assertTrue(errLarge <= 0.05 * scale, "T = 400: error " + errLarge + " against scale " + scale);
        // And it is the T² factor that makes the gradient T-independent: at T = 200 and 400 the
        // scaled gradients agree to the same precision.
        double errMid = maxAbsDiff(softGradient(s, t, 200f), lim);
        assertTrue(errMid <= 0.1 * scale, "T = 200: error " + errMid + " against scale " + scale);
    }

    @Property(tries = 50)
    void unscaledKlGradientFallsLikeOneOverTSquared(@ForAll long seed,
                                                    @ForAll @FloatRange(min = 50f, max = 200f) float temperature) {
        Rng rng = new Rng(seed);
        Tensor s = Tensor.uniform(rng, -3f, 3f, 2, 6);
        Tensor t = Tensor.uniform(rng, -3f, 3f, 2, 6);
        // soft() with α = 1 is T²·KL, so the bare KL gradient is that divided by T².
        double n1 = norm(softGradient(s, t, temperature)) / ((double) temperature * temperature);
        double n2 = norm(softGradient(s, t, 2 * temperature)) / (4.0 * temperature * temperature);
        assertEquals(4.0, n1 / n2, 0.2, "‖∇KL(T)‖ / ‖∇KL(2T)‖ at T = " + temperature);
    }

    @Property(tries = 50)
    void softTermIsNonNegativeAndZeroWhenTheStudentEqualsTheTeacher(@ForAll long seed,
                                                                    @ForAll @FloatRange(min = 0.5f, max = 20f) float temperature) {
        Rng rng = new Rng(seed);
        Tensor s = Tensor.uniform(rng, -5f, 5f, 3, 7);
        Tensor t = Tensor.uniform(rng, -5f, 5f, 3, 7);
        DistillationLoss loss = new DistillationLoss(temperature, 1f);
        assertTrue(loss.soft(s, t).item() >= -1e-6f);
        assertEquals(0f, loss.soft(t, t).item(), 1e-5f);
    }

    private static double norm(float[] g) {
        double sum = 0;
        for (float v : g) {
            sum += (double) v * v;
        }
        return Math.sqrt(sum);
    }
}
