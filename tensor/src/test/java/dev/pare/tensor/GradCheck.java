package dev.pare.tensor;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.Function;

/**
 * Checks autograd against central differences: for L = Σ f(x)·w with fixed random weights w,
 * compares dL/dx from {@code backward()} with (L(x + ε) − L(x − ε)) / 2ε, element by element.
 *
 * <p>The sum L is accumulated in double from the float outputs, so the only float error in a
 * difference quotient is the op's own rounding; with ε = 1e-2 the truncation error (ε²/6·f''')
 * stays well below the tolerance for smooth functions. Inputs of functions with kinks (relu,
 * abs, max) must be generated away from the kinks.
 */
final class GradCheck {
    static final double EPS = 1e-2;
    static final double ATOL = 2e-3;
    static final double RTOL = 2e-2;

    private GradCheck() {}

    static void assertGradientsMatch(String what, Function<Tensor[], Tensor> f, Tensor... inputs) {
        Rng rng = new Rng(12345);
        Tensor[] leaves = new Tensor[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            leaves[i] = inputs[i].detach().copy().requiresGrad(true);
        }
        Tensor out = f.apply(leaves);
        Tensor w = Tensor.randn(rng, out.shape());
        out.mul(w).sum().backward();
        for (int i = 0; i < leaves.length; i++) {
            Tensor x = leaves[i];
            Tensor analytic = x.grad();
            float[] values = x.detach().toArray();
            int[] shape = x.shape();
            for (int j = 0; j < values.length; j++) {
                // Divide by the step actually taken: x ± ε is rounded to float.
                float up = (float) (values[j] + EPS);
                float down = (float) (values[j] - EPS);
                double num = (loss(f, leaves, i, values, shape, j, up, w)
                        - loss(f, leaves, i, values, shape, j, down, w)) / ((double) up - down);
                double got = analytic == null ? 0 : analytic.reshape(-1).get(j);
                if (!(Math.abs(num - got) <= ATOL + RTOL * Math.abs(num))) {   // NaN fails too
                    fail(what + ": d/d input " + i + " (shape " + TestTensors.str(shape) + ") at flat index " + j
                            + ": autograd " + got + " but central difference " + num);
                }
            }
        }
    }

    private static double loss(Function<Tensor[], Tensor> f, Tensor[] leaves, int i, float[] values, int[] shape,
                               int j, float value, Tensor w) {
        float[] moved = values.clone();
        moved[j] = value;
        Tensor[] args = leaves.clone();
        args[i] = Tensor.fromArray(moved, shape);
        try (GradMode.Scope s = Tensor.noGrad()) {
            float[] out = f.apply(args).toArray();
            float[] ws = w.toArray();
            double acc = 0;
            for (int k = 0; k < out.length; k++) {
                acc += (double) out[k] * ws[k];
            }
            return acc;
        }
    }
}
