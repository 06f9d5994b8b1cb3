package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.fail;

import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.function.Function;

/**
 * Checks autograd gradients against central finite differences, all in float.
 *
 * <p>The function's output is reduced to a scalar with a fixed random projection,
 * {@code L = Σ out ⊙ R}, so that every output element contributes with its own weight (a plain
 * sum would hide errors that cancel). The analytic gradient is {@code dL/dinput} from
 * {@code backward()}; the numerical one is {@code (L(x + ε) − L(x − ε)) / 2ε} per input element,
 * with the projection summed in double so that only the float forward pass adds rounding. With
 * {@code ε ≈ 1e-2} the truncation error is {@code O(ε²)·f'''} and the rounding error about
 * {@code 1e-7·|L|/ε}; tolerances of 1e-3 absolute plus 0.5% relative separate those from real bugs (a wrong gradient is
 * typically off by tens of percent).
 *
 * <p>Kinks (ReLU at 0, ties in max pooling) make finite differences meaningless; callers choose
 * inputs at least a few ε away from them.
 */
public final class GradCheck {
    private GradCheck() {}

    /**
     * @param f      the function under test; it must read its inputs afresh on every call
     * @param inputs leaf tensors; those with {@code requiresGrad()} are checked, element by element
     */
    public static void assertGradientsMatch(String what, Function<Tensor[], Tensor> f, double eps, double atol, double rtol, Tensor... inputs) {
        for (Tensor in : inputs) {
            if (!in.isContiguous()) {
                throw new IllegalArgumentException("GradCheck: inputs must be contiguous");
            }
            in.setGrad(null);
        }
        Tensor out = f.apply(inputs);
        Tensor r = Tensor.uniform(new Rng(12345), -1f, 1f, out.shape());
        out.mul(r).sum().backward();
        float[] rv = r.toArray();
        for (int t = 0; t < inputs.length; t++) {
            Tensor in = inputs[t];
            if (!in.requiresGrad()) {
                continue;
            }
            if (in.grad() == null) {
                fail(what + ": input " + t + " received no gradient");
            }
            float[] analytic = in.grad().toArray();
            float[] data = in.storage();
            int off = in.offset();
            for (int i = 0; i < in.numel(); i++) {
                float saved = data[off + i];
                data[off + i] = (float) (saved + eps);
                double plus = project(f, inputs, rv);
                data[off + i] = (float) (saved - eps);
                double minus = project(f, inputs, rv);
                data[off + i] = saved;
                double numeric = (plus - minus) / (2 * eps);
                double diff = Math.abs(analytic[i] - numeric);
                if (!(diff <= atol + rtol * Math.abs(numeric))) {
                    fail(String.format("%s: input %d, element %d: analytic %.6g, numeric %.6g (diff %.3g)",
                            what, t, i, analytic[i], numeric, diff));
                }
            }
        }
    }

    /** The usual settings: ε = 1e-2, |a − n| ≤ 1e-3 + 5e-3·|n|. */
    public static void assertGradientsMatch(String what, Function<Tensor[], Tensor> f, Tensor... inputs) {
        assertGradientsMatch(what, f, 1e-2, 1e-3, 5e-3, inputs);
    }

    @SuppressWarnings("try") // the scope is used only for closing
    private static double project(Function<Tensor[], Tensor> f, Tensor[] inputs, float[] r) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            float[] out = f.apply(inputs).toArray();
            double s = 0;
            for (int i = 0; i < out.length; i++) {
                s += (double) out[i] * r[i];
            }
            return s;
        }
    }
}
