package dev.pare.nn.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pare.tensor.Tensor;
import java.util.function.Function;

/** Assertions shared by the loss, optimizer and training tests. */
public final class Check {
    private Check() {}

    /** |actual − expected| ≤ rel·|expected| + abs for every element, failing with the index. */
    public static void assertClose(String what, float[] expected, float[] actual, double rel, double abs) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double tol = rel * Math.abs(expected[i]) + abs;
            if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
                fail(what + ": element " + i + " is " + actual[i] + ", expected " + expected[i] + " (tolerance " + tol + ")");
            }
        }
    }

    /**
     * The gradient of the scalar {@code f(x)} with respect to every element of x, by central
     * differences in double around x's float values: (f(x + h) − f(x − h)) / 2h.
     */
    public static float[] numericGradient(Tensor x, Function<Tensor, Tensor> f, float h) {
        float[] base = x.toArray();
        float[] grad = new float[base.length];
        for (int i = 0; i < base.length; i++) {
            float[] plus = base.clone();
            float[] minus = base.clone();
            plus[i] += h;
            minus[i] -= h;
            double fp = f.apply(Tensor.fromArray(plus, x.shape())).item();
            double fm = f.apply(Tensor.fromArray(minus, x.shape())).item();
            // Divide by the step actually taken: base ± h is rounded to float.
            grad[i] = (float) ((fp - fm) / ((double) plus[i] - minus[i]));
        }
        return grad;
    }

    /** The autograd gradient of the scalar {@code f(x)} with respect to x. */
    public static float[] autogradGradient(Tensor x, Function<Tensor, Tensor> f) {
        Tensor leaf = Tensor.fromArray(x.toArray(), x.shape()).requiresGrad(true);
        f.apply(leaf).backward();
        return leaf.grad().toArray();
    }
}
