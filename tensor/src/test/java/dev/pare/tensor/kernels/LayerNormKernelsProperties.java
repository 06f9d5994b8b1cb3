package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Layer-norm row kernels against their scalar twins at awkward sizes and odd offsets. The
 * elementwise passes ({@code normalize}, {@code accumulateAffine}) round exactly as their twins
 * and are compared bit for bit; the sums (the moments, the two means of the backward pass) add in
 * another order, so they get a tolerance growing with n.
 */
class LayerNormKernelsProperties {

    @Provide
    Arbitrary<Integer> sizes() {
        return KernelSizes.sizes().filter(n -> n > 0);
    }

    private static float[] affine(Rng rng, int off, int n) {
        return KernelSizes.values(rng, off, n, 2f);
    }

    @Property(tries = 150)
    void momentsEqualScalarTwin(@ForAll("sizes") int n, @ForAll @IntRange(min = 0, max = 3) int off,
            @ForAll @IntRange(min = -2, max = 2) int shift, @ForAll long seed) {
        float[] x = KernelSizes.values(new Rng(seed), off, n, 3f);
        for (int i = 0; i < x.length; i++) {
            x[i] += shift * 100f; // a mean far from 0 against a spread of 3
        }
        float[] e = new float[2];
        float[] a = new float[3];
        LayerNormKernels.momentsScalar(x, off, n, 1e-5, e, 0);
        LayerNormKernels.moments(x, off, n, 1e-5, a, 1);
        assertTrue(Math.abs(e[0] - a[1]) <= 1e-6f * Math.max(1, n) * (Math.abs(shift) * 100f + 3f),
                "mean n=" + n + ": scalar twin " + e[0] + ", vector " + a[1]);
        assertTrue(Math.abs(e[1] - a[2]) <= 2e-6f * Math.max(1, n) * e[1],
                "1/σ n=" + n + ": scalar twin " + e[1] + ", vector " + a[2]);
    }

    @Property(tries = 150)
    void normalizeEqualsScalarTwinBitForBit(@ForAll("sizes") int n, @ForAll @IntRange(min = 0, max = 3) int off,
            @ForAll boolean withAffine, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] x = KernelSizes.values(rng, off, n, 4f);
        float[] gamma = withAffine ? affine(rng, 1, n) : null;
        float[] beta = withAffine ? affine(rng, 1, n) : null;
        float[] e = new float[n];
        float[] a = new float[n + 2];
        LayerNormKernels.normalizeScalar(x, off, 0.3f, 1.7f, gamma, beta, 1, e, 0, n);
        LayerNormKernels.normalize(x, off, 0.3f, 1.7f, gamma, beta, 1, a, 2, n);
        for (int i = 0; i < n; i++) {
            assertEquals(e[i], a[i + 2], 0f, KernelSizes.where("normalize", n, i, x[off + i], e[i], a[i + 2]));
        }
    }

    @Property(tries = 150)
    void backwardRowEqualsScalarTwin(@ForAll("sizes") int n, @ForAll @IntRange(min = 0, max = 3) int off,
            @ForAll boolean withAffine, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] x = KernelSizes.values(rng, off, n, 4f);
        float[] g = KernelSizes.values(rng, off + 1, n, 1f);
        float[] gamma = withAffine ? affine(rng, 0, n) : null;
        float[] stats = new float[2];
        LayerNormKernels.momentsScalar(x, off, n, 1e-5, stats, 0);
        float[] e = new float[n];
        float[] a = new float[n + 1];
        LayerNormKernels.backwardRowScalar(x, off, g, off + 1, stats[0], stats[1], gamma, e, 0, n);
        LayerNormKernels.backwardRow(x, off, g, off + 1, stats[0], stats[1], gamma, a, 1, n);
        // dx = r·(ĝ − a − x̂·c): the means a and c differ by about n·ulp of their magnitudes
        // (|ĝ| ≤ 2, |x̂| ≤ √n), and that difference is multiplied by r and by |x̂|.
        double tol = 2e-6 * Math.max(1, n) * stats[1] * (1 + Math.sqrt(n)) * 2;
        for (int i = 0; i < n; i++) {
            assertTrue(Math.abs(e[i] - a[i + 1]) <= tol + 1e-6 * Math.abs(e[i]),
                    KernelSizes.where("backwardRow", n, i, x[off + i], e[i], a[i + 1]));
        }
    }

    @Property(tries = 100)
    void backwardRowMayOverwriteItsGradient(@ForAll("sizes") int n, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] x = KernelSizes.values(rng, 0, n, 4f);
        float[] g = KernelSizes.values(rng, 0, n, 1f);
        float[] gamma = affine(rng, 0, n);
        float[] stats = new float[2];
        LayerNormKernels.moments(x, 0, n, 1e-5, stats, 0);
        float[] expected = new float[n];
        LayerNormKernels.backwardRow(x, 0, g, 0, stats[0], stats[1], gamma, expected, 0, n);
        LayerNormKernels.backwardRow(x, 0, g, 0, stats[0], stats[1], gamma, g, 0, n);
        for (int i = 0; i < n; i++) {
            assertEquals(expected[i], g[i], 0f, "in place, n=" + n + " index " + i);
        }
    }

    @Property(tries = 150)
    void accumulateAffineEqualsScalarTwinBitForBit(@ForAll("sizes") int n, @ForAll @IntRange(min = 0, max = 3) int off,
            @ForAll @IntRange(min = 0, max = 5) int from, @ForAll long seed) {
        Rng rng = new Rng(seed);
        int lo = Math.min(from, n);
        float[] x = KernelSizes.values(rng, off, n, 4f);
        float[] g = KernelSizes.values(rng, off + 2, n, 1f);
        float[] dgE = KernelSizes.values(rng, 0, n, 1f);
        float[] dbE = KernelSizes.values(rng, 0, n, 1f);
        float[] dgA = dgE.clone();
        float[] dbA = dbE.clone();
        LayerNormKernels.accumulateAffineScalar(x, off, g, off + 2, 0.1f, 0.9f, dgE, dbE, lo, n);
        LayerNormKernels.accumulateAffine(x, off, g, off + 2, 0.1f, 0.9f, dgA, dbA, lo, n);
        for (int i = 0; i < dgE.length; i++) {
            assertEquals(dgE[i], dgA[i], 0f, KernelSizes.where("accumulateAffine dγ", n, i, x[Math.min(off + i, x.length - 1)], dgE[i], dgA[i]));
            assertEquals(dbE[i], dbA[i], 0f, KernelSizes.where("accumulateAffine dβ", n, i, g[Math.min(off + 2 + i, g.length - 1)], dbE[i], dbA[i]));
        }
    }

    /** A large mean against a small spread: the two-pass variance keeps its digits. */
    @Test
    void momentsOfRowsFarFromZeroKeepTheirVariance() {
        int n = 1000;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = 10000f + (i % 2 == 0 ? 1f : -1f);
        }
        float[] s = new float[2];
        LayerNormKernels.moments(x, 0, n, 0.0, s, 0);
        assertEquals(10000f, s[0], 0f);
        // σ² = 1 exactly, so 1/σ = 1; Σx² − nμ² would give 0 or garbage here.
        assertEquals(1f, s[1], 1e-6f);
    }
}
