package dev.pare.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pare.tensor.kernels.GemmScalar;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every step benchmarked in GemmStepsBenchmark computes A·B: checked against the scalar twin. */
class GemmStepsTest {

    interface Step {
        void run(int n, float[] a, float[] b, float[] c);
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 128})
    void everyStepComputesTheProduct(int n) {
        SplittableRandom rnd = new SplittableRandom(n);
        float[] a = GemmBenchData.random(rnd, n * n);
        float[] b = GemmBenchData.random(rnd, n * n);
        float[] expected = new float[n * n];
        GemmScalar.gemm(false, false, n, n, n, a, 0, n, b, 0, n, expected, 0, n, false);
        Step[] steps = {GemmSteps::naive, GemmSteps::ipjScalar, GemmSteps::ipjVector, GemmSteps::tiled};
        String[] names = {"naive", "ipjScalar", "ipjVector", "tiled"};
        for (int s = 0; s < steps.length; s++) {
            float[] c = new float[n * n];
            java.util.Arrays.fill(c, Float.NaN);
            steps[s].run(n, a, b, c);
            for (int i = 0; i < c.length; i++) {
                // |sum| of n products of numbers in [-1, 1): each ordering is within n·u·n of the exact sum.
                assertEquals(expected[i], c[i], 2e-7f * n * n, names[s] + " at index " + i);
            }
        }
    }
}
