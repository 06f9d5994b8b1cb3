package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import jdk.incubator.vector.FloatVector;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Each unary vector kernel equals its scalar twin, at awkward sizes and offsets. */
class UnaryKernelsProperties {

    @Provide
    Arbitrary<Integer> sizes() {
        return KernelSizes.sizes();
    }

    @Provide
    Arbitrary<Unary> ops() {
        return Arbitraries.of(Unary.class);
    }

    private static float param(Unary op) {
        return op == Unary.POW ? 3f : op == Unary.CLAMP ? -0.5f : 1.75f;
    }

    @Property(tries = 300)
    void vectorKernelEqualsScalarTwin(@ForAll("ops") Unary op, @ForAll("sizes") int n,
                                      @ForAll @IntRange(min = 0, max = 5) int srcOff, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float scale = op == Unary.EXP ? 80f : 5f;
        float[] src = KernelSizes.values(rng, srcOff, n, scale);
        if (op == Unary.LOG || op == Unary.SQRT) {
            for (int i = 0; i < src.length; i++) {
                src[i] = Math.abs(src[i]);
            }
        }
        float p = param(op);
        float q = 0.5f;
        float[] expected = new float[n + 2];
        float[] actual = new float[n + 2];
        UnaryKernels.scalar(op, p, q, src, srcOff, 1, expected, 1, 1, n);
        UnaryKernels.apply(op, p, q, src, srcOff, 1, actual, 1, 1, n);
        // Only EXP and GELU are computed differently (polynomials in float instead of Math.exp and
        // a double formula): EXP within 2 ulp-ish, GELU within its bound in GeluKernelsProperties.
        float rtol = op == Unary.EXP ? 3e-7f : 0f;
        float geluTol = op == Unary.GELU ? 4e-7f : 0f;
        for (int i = 0; i < n; i++) {
            float e = expected[1 + i];
            float a = actual[1 + i];
            float x = src[srcOff + i];
            assertTrue(e == a || Math.abs(e - a) <= rtol * Math.abs(e)
                            || Math.abs(e - a) <= geluTol * Math.max(1f, Math.abs(x)),
                    KernelSizes.where(op.name(), n, i, src[srcOff + i], e, a));
        }
        assertEquals(0f, actual[0], "kernel wrote before its output run");
        assertEquals(0f, actual[n + 1], "kernel wrote past its output run");
    }

    @Property(tries = 100)
    void stridedRunsUseTheScalarDefinition(@ForAll("ops") Unary op, @ForAll("sizes") int n, @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] src = KernelSizes.values(rng, 0, 3 * n, 4f);
        float[] actual = new float[2 * n + 1];
        UnaryKernels.apply(op, param(op), 0.5f, src, 2, 3, actual, 0, 2, n);
        for (int i = 0; i < n; i++) {
            float e = op.apply(src[2 + 3 * i], param(op), 0.5f);
            assertTrue(Float.compare(e, actual[2 * i]) == 0,
                    KernelSizes.where(op.name() + " strided", n, i, src[2 + 3 * i], e, actual[2 * i]));
        }
    }

    /**
     * The polynomial is written twice (see UnaryKernels.expShifted); the two copies must not
     * drift apart. Inputs span the whole range, overflow and underflow included (scale 100).
     */
    @Property(tries = 100)
    void expShiftedComputesWhatExpOfAVectorComputes(@ForAll("sizes") int n, @ForAll long seed) {
        Rng rng = new Rng(seed);
        int lanes = VectorConfig.FLOAT_LANES;
        int m = (n / lanes + 1) * lanes;
        float[] src = KernelSizes.values(rng, 0, m, 100f);
        float shift = rng.nextFloat() * 4f - 2f;
        float[] fromLoop = new float[m];
        UnaryKernels.expShifted(src, 0, shift, fromLoop, 0, m);
        float[] fromVector = new float[m];
        for (int i = 0; i < m; i += lanes) {
            UnaryKernels.exp(FloatVector.fromArray(VectorConfig.FLOAT, src, i).sub(shift)).intoArray(fromVector, i);
        }
        for (int i = 0; i < m; i++) {
            assertTrue(Float.compare(fromVector[i], fromLoop[i]) == 0,
                    KernelSizes.where("expShifted vs exp(FloatVector), shift " + shift, m, i, src[i], fromVector[i], fromLoop[i]));
        }
    }

    @Test
    void vectorExpHandlesTheEdgesOfTheFloatRange() {
        float[] x = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 100f, 88.8f, -100f, 0f, -0f,
            1e-8f, -1e-8f, 88.5f, -87f, 1f, -1f, 0.5f, 10f};
        float[] y = new float[x.length];
        UnaryKernels.apply(Unary.EXP, 0f, 0f, x, 0, 1, y, 0, 1, x.length);
        assertTrue(Float.isNaN(y[0]), "exp(NaN) must be NaN, got " + y[0]);
        assertEquals(Float.POSITIVE_INFINITY, y[1], "exp(+inf)");
        assertEquals(0f, y[2], "exp(-inf)");
        assertEquals(Float.POSITIVE_INFINITY, y[3], "exp(100) overflows float");
        assertEquals(0f, y[5], "exp(-100) flushes to 0");
        for (int i = 6; i < x.length; i++) {
            float e = (float) Math.exp(x[i]);
            assertTrue(Math.abs(e - y[i]) <= 3e-7f * e, "exp(" + x[i] + "): expected " + e + ", got " + y[i]);
        }
    }

    @Test
    void reluKeepsNaNVisible() {
        float[] x = new float[40];
        x[3] = Float.NaN;
        x[35] = Float.NaN;
        x[4] = -2f;
        float[] y = new float[40];
        UnaryKernels.apply(Unary.RELU, 0f, 0f, x, 0, 1, y, 0, 1, 40);
        assertTrue(Float.isNaN(y[3]) && Float.isNaN(y[35]), "relu must not turn NaN into 0");
        assertEquals(0f, y[4]);
    }

    @Test
    void geluMatchesItsDefinitionAtKnownPoints() {
        // x·Φ(x) with Φ from tables: Φ(1) = 0.841344746, Φ(−1) = 0.158655254, Φ(2) = 0.977249868.
        assertEquals(0.841344746f, Unary.gelu(1f), 2e-7f);
        assertEquals(-0.158655254f, Unary.gelu(-1f), 2e-7f);
        assertEquals(1.954499736f, Unary.gelu(2f), 4e-7f);
        assertEquals(0f, Unary.gelu(0f), 0f);
    }

    @Test
    void erfMatchesTableValues() {
        // Abramowitz & Stegun table 7.1: erf(0.5) = 0.5204998778, erf(1) = 0.8427007929, erf(2) = 0.9953222650.
        assertEquals(0.5204998778, Unary.erf(0.5), 2e-7);
        assertEquals(0.8427007929, Unary.erf(1.0), 2e-7);
        assertEquals(0.9953222650, Unary.erf(2.0), 2e-7);
        assertEquals(-0.8427007929, Unary.erf(-1.0), 2e-7);
    }
}
