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
 * The vector GELU, forward and backward, against its scalar twin at awkward sizes and offsets,
 * and both against PyTorch's float64 {@code gelu} (the exact function).
 */
class GeluKernelsProperties {

    /**
     * Float evaluation of the same formula as the double twin: the difference is float rounding
     * in t, the polynomial and the exponential, relative to the size of the result.
     */
    private static final float TOLERANCE = 4e-7f;

    @Provide
    Arbitrary<Integer> sizes() {
        return KernelSizes.sizes();
    }

    private static void assertClose(String what, int n, int i, float x, float expected, float actual) {
        assertTrue(Math.abs(expected - actual) <= TOLERANCE * Math.max(1f, Math.abs(x)),
                KernelSizes.where(what, n, i, x, expected, actual));
    }

    @Property(tries = 200)
    void forwardEqualsScalarTwin(@ForAll("sizes") int n, @ForAll @IntRange(min = 0, max = 5) int off,
                                 @ForAll long seed) {
        float[] x = KernelSizes.values(new Rng(seed), off, n, 8f);
        float[] expected = new float[n + 2];
        float[] actual = new float[n + 2];
        GeluKernels.forwardScalar(x, off, expected, 1, n);
        GeluKernels.forward(x, off, actual, 1, n);
        for (int i = 0; i < n; i++) {
            assertClose("gelu", n, i, x[off + i], expected[1 + i], actual[1 + i]);
        }
        assertEquals(0f, actual[0], "kernel wrote before its output run");
        assertEquals(0f, actual[n + 1], "kernel wrote past its output run");
    }

    @Property(tries = 200)
    void backwardEqualsScalarTwin(@ForAll("sizes") int n, @ForAll @IntRange(min = 0, max = 5) int off,
                                  @ForAll long seed) {
        Rng rng = new Rng(seed);
        float[] x = KernelSizes.values(rng, off, n, 8f);
        float[] g = KernelSizes.values(rng, 2, n, 1f);
        float[] expected = new float[n + 2];
        float[] actual = new float[n + 2];
        GeluKernels.backwardScalar(g, 2, x, off, expected, 1, n);
        GeluKernels.backward(g, 2, x, off, actual, 1, n);
        for (int i = 0; i < n; i++) {
            assertClose("gelu backward", n, i, x[off + i], expected[1 + i], actual[1 + i]);
        }
        assertEquals(0f, actual[0], "kernel wrote before its output run");
        assertEquals(0f, actual[n + 1], "kernel wrote past its output run");
    }

    // torch.nn.functional.gelu on float64 (PyTorch 1.13), value and derivative, made with:
    //   x = torch.tensor(XS, dtype=torch.float64, requires_grad=True)
    //   y = torch.nn.functional.gelu(x); y.sum().backward(); print(y.tolist(), x.grad.tolist())
    private static final float[] XS = {-10f, -6f, -5f, -4f, -3f, -2.5f, -2f, -1.5f, -1f, -0.75f, -0.5f, -0.25f,
        -1e-3f, 0f, 1e-3f, 0.25f, 0.5f, 0.75f, 1f, 1.5f, 2f, 2.5f, 3f, 4f, 5f, 6f, 10f};
    private static final double[] TORCH_GELU = {-7.694598626706419e-22, -5.919525869479969e-09,
        -1.4332578593401202e-06, -0.00012668496733247991, -0.00404969409489031, -0.015524163314440398,
        -0.04550026389635842, -0.10021080190328704, -0.15865525393145702, -0.16997051428265111,
        -0.15426876936299344, -0.10032341857926907, -0.000499601057786089, 0.0, 0.000500398942213911,
        0.14967658142073093, 0.34573123063700656, 0.5800294857173489, 0.841344746068543, 1.399789198096713,
        1.9544997361036416, 2.4844758366855597, 2.99595030590511, 3.9998733150326675, 4.999998566742141,
        5.999999994080474, 10.0};
    private static final double[] TORCH_GELU_GRAD = {-7.694598626706419e-22, -3.546870945402639e-08,
        -7.1469460018034646e-06, -0.0005036496612264215, -0.01194564720418392, -0.03761108590814519,
        -0.08523180107819692, -0.1274691922299796, -0.08331547058768635, 0.0007742782607648296,
        0.13250487534383712, 0.304626645116364, 0.4992021157051586, 0.5, 0.5007978842948414,
        0.695373354883636, 0.8674951246561629, 0.9992257217392352, 1.0833154705876864, 1.1274691922299795,
        1.085231801078197, 1.037611085908145, 1.011945647204184, 1.0005036496612265, 1.000007146946002,
        1.0000000354687093, 1.0};

    /** Both the kernel and its twin: within 4e-7·max(1, |x|) of the exact GELU and GELU'. */
    @Test
    void matchesPyTorchsExactGeluAndItsDerivative() {
        int n = XS.length;
        float[] y = new float[n];
        float[] yTwin = new float[n];
        float[] ones = new float[n];
        java.util.Arrays.fill(ones, 1f);
        float[] dy = new float[n];
        float[] dyTwin = new float[n];
        GeluKernels.forward(XS, 0, y, 0, n);
        GeluKernels.forwardScalar(XS, 0, yTwin, 0, n);
        GeluKernels.backward(ones, 0, XS, 0, dy, 0, n);
        GeluKernels.backwardScalar(ones, 0, XS, 0, dyTwin, 0, n);
        for (int i = 0; i < n; i++) {
            double bound = TOLERANCE * Math.max(1f, Math.abs(XS[i]));
            String at = " at x=" + XS[i] + " (species " + VectorConfig.describe() + "): ";
            assertTrue(Math.abs(y[i] - TORCH_GELU[i]) <= bound, "gelu" + at + y[i] + " vs torch " + TORCH_GELU[i]);
            assertTrue(Math.abs(yTwin[i] - TORCH_GELU[i]) <= bound,
                    "gelu twin" + at + yTwin[i] + " vs torch " + TORCH_GELU[i]);
            assertTrue(Math.abs(dy[i] - TORCH_GELU_GRAD[i]) <= bound,
                    "gelu'" + at + dy[i] + " vs torch " + TORCH_GELU_GRAD[i]);
            assertTrue(Math.abs(dyTwin[i] - TORCH_GELU_GRAD[i]) <= bound,
                    "gelu' twin" + at + dyTwin[i] + " vs torch " + TORCH_GELU_GRAD[i]);
        }
    }

    @Test
    void edgeValuesFollowTheFormulaAsPyTorchDoes() {
        float[] x = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e30f, -1e30f, 0f, -0f};
        // Enough copies that the vector loop, not only the scalar tail, sees each value.
        int lanes = VectorConfig.FLOAT_LANES;
        float[] in = new float[x.length * lanes];
        for (int i = 0; i < in.length; i++) {
            in[i] = x[i / lanes];
        }
        float[] y = new float[in.length];
        float[] twin = new float[in.length];
        GeluKernels.forward(in, 0, y, 0, in.length);
        GeluKernels.forwardScalar(in, 0, twin, 0, in.length);
        for (int i = 0; i < in.length; i++) {
            assertEquals(twin[i], y[i], "gelu(" + in[i] + "): twin " + twin[i] + ", kernel " + y[i]);
        }
        assertTrue(Float.isNaN(y[0]), "gelu(NaN) must be NaN");
        assertEquals(Float.POSITIVE_INFINITY, y[lanes], "gelu(+inf)");
        assertTrue(Float.isNaN(y[2 * lanes]), "gelu(-inf) is -inf·0 = NaN, as in PyTorch");
        assertEquals(1e30f, y[3 * lanes], "gelu(1e30)");
        assertEquals(0f, y[4 * lanes], 0f, "gelu(-1e30)");
    }
}
