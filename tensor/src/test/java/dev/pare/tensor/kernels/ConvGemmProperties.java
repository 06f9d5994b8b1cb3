package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pare.tensor.parallel.Parallel;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The implicit-GEMM convolution ({@link ConvGemm}) against the explicit route: a patch matrix
 * written out element by element from its definition, multiplied by {@link GemmScalar}. Awkward
 * geometries (channel counts across the MR and NR edges, kernels 1/3/5, strides 1/2, paddings
 * 0–2, dilations, odd image sides, channels-last input views) and tiny block sizes, so that
 * micro-panels straddle output rows, samples and K blocks.
 *
 * <p>Tolerance as in {@link GemmProperties}: both sides are float sums of the same K products in
 * different orders, so they may differ by 2·(K+2)·u·Σ|products| per element (u = 2⁻²⁴).
 */
class ConvGemmProperties {

    @Provide
    Arbitrary<Integer> channels() {
        return Arbitraries.of(1, 2, 3, 5, 6, 7, 13, 17, 33);
    }

    @Provide
    Arbitrary<Integer> kernels() {
        return Arbitraries.of(1, 3, 5);
    }

    @Provide
    Arbitrary<Integer> sides() {
        return Arbitraries.of(1, 2, 3, 5, 7, 8, 9, 14, 15);
    }

    @Property(tries = 80)
    void convolutionEqualsExplicitPatchesTimesFilters(
            @ForAll @IntRange(min = 1, max = 3) int n, @ForAll("channels") int c, @ForAll("channels") int o,
            @ForAll("kernels") int k, @ForAll @IntRange(min = 1, max = 2) int stride,
            @ForAll @IntRange(min = 0, max = 2) int padding, @ForAll @IntRange(min = 1, max = 2) int dilation,
            @ForAll("sides") int h, @ForAll("sides") int w, @ForAll boolean channelsLast,
            @ForAll boolean bias, @ForAll boolean tinyBlocks, @ForAll long seed) {
        ConvGemm.Geometry g = new ConvGemm.Geometry(n, c, h, w, k, k, stride, stride, padding, padding,
                dilation, dilation);
        Assume.that(h + 2 * padding >= dilation * (k - 1) + 1 && w + 2 * padding >= dilation * (k - 1) + 1);
        SplittableRandom rng = new SplittableRandom(seed);
        Image x = Image.random(n, c, h, w, channelsLast, rng);
        float[] filters = random(o * g.cols(), rng);
        float[] b = bias ? random(o, rng) : null;
        float[] out = new float[n * o * g.outH() * g.outW()];
        ConvGemm.conv2d(g, x.data, x.offset, x.strides, o, filters, 0, b, out, blocking(tinyBlocks));

        float[] patches = patches(g, x);
        int p = n * g.outH() * g.outW();
        float[] product = new float[o * p];
        GemmScalar.gemm(false, false, o, p, g.cols(), filters, 0, g.cols(), patches, 0, p, product, 0, p, false);
        int pix = g.outH() * g.outW();
        for (int s = 0; s < n; s++) {
            for (int oc = 0; oc < o; oc++) {
                for (int q = 0; q < pix; q++) {
                    int col = s * pix + q;
                    float expected = product[oc * p + col] + (b == null ? 0f : b[oc]);
                    double mass = (b == null ? 0 : Math.abs(b[oc]));
                    for (int t = 0; t < g.cols(); t++) {
                        mass += Math.abs(filters[oc * g.cols() + t] * patches[t * p + col]);
                    }
                    check(g + " out[" + s + ", " + oc + ", " + q + "]", expected,
                            out[(s * o + oc) * pix + q], g.cols(), mass);
                }
            }
        }
    }

    @Property(tries = 80)
    void weightGradientEqualsOutputGradientTimesExplicitPatchesTransposed(
            @ForAll @IntRange(min = 1, max = 3) int n, @ForAll("channels") int c, @ForAll("channels") int o,
            @ForAll("kernels") int k, @ForAll @IntRange(min = 1, max = 2) int stride,
            @ForAll @IntRange(min = 0, max = 2) int padding, @ForAll @IntRange(min = 1, max = 2) int dilation,
            @ForAll("sides") int h, @ForAll("sides") int w, @ForAll boolean channelsLast,
            @ForAll boolean tinyBlocks, @ForAll long seed) {
        ConvGemm.Geometry g = new ConvGemm.Geometry(n, c, h, w, k, k, stride, stride, padding, padding,
                dilation, dilation);
        Assume.that(h + 2 * padding >= dilation * (k - 1) + 1 && w + 2 * padding >= dilation * (k - 1) + 1);
        SplittableRandom rng = new SplittableRandom(seed);
        Image x = Image.random(n, c, h, w, channelsLast, rng);
        Image dOut = Image.random(n, o, g.outH(), g.outW(), !channelsLast, rng);
        float[] dw = new float[o * g.cols()];
        ConvGemm.weightGradient(g, x.data, x.offset, x.strides, o, dOut.data, dOut.offset, dOut.strides, dw,
                blocking(tinyBlocks));

        float[] patches = patches(g, x);
        int p = n * g.outH() * g.outW();
        int pix = g.outH() * g.outW();
        float[] dOutCm = new float[o * p];
        for (int s = 0; s < n; s++) {
            for (int oc = 0; oc < o; oc++) {
                for (int q = 0; q < pix; q++) {
                    dOutCm[oc * p + s * pix + q] = dOut.at(s, oc, q / g.outW(), q % g.outW());
                }
            }
        }
        float[] expected = new float[o * g.cols()];
        GemmScalar.gemm(false, true, o, g.cols(), p, dOutCm, 0, p, patches, 0, p, expected, 0, g.cols(), false);
        for (int oc = 0; oc < o; oc++) {
            for (int t = 0; t < g.cols(); t++) {
                double mass = 0;
                for (int q = 0; q < p; q++) {
                    mass += Math.abs(dOutCm[oc * p + q] * patches[t * p + q]);
                }
                check(g + " dW[" + oc + ", " + t + "]", expected[oc * g.cols() + t], dw[oc * g.cols() + t], p, mass);
            }
        }
    }

    @Example
    void resultsAreTheSameForAnyThreadCount() {
        ConvGemm.Geometry g = new ConvGemm.Geometry(8, 16, 14, 14, 3, 3, 1, 1, 1, 1, 1, 1);
        SplittableRandom rng = new SplittableRandom(7);
        Image x = Image.random(8, 16, 14, 14, false, rng);
        Image dOut = Image.random(8, 32, 14, 14, false, rng);
        float[] filters = random(32 * g.cols(), rng);
        int before = Parallel.threads();
        float[][] out = new float[2][8 * 32 * 14 * 14];
        float[][] dw = new float[2][32 * g.cols()];
        try {
            for (int run = 0; run < 2; run++) {
                Parallel.setThreads(run == 0 ? 1 : 3);
                ConvGemm.conv2d(g, x.data, x.offset, x.strides, 32, filters, 0, null, out[run]);
                ConvGemm.weightGradient(g, x.data, x.offset, x.strides, 32, dOut.data, dOut.offset, dOut.strides,
                        dw[run]);
            }
        } finally {
            Parallel.setThreads(before);
        }
        assertArrayEquals(out[0], out[1], "forward, 1 thread against 3");
        assertArrayEquals(dw[0], dw[1], "weight gradient, 1 thread against 3");
    }

    /** Small K blocks (7 taps or pixels) and one micro-panel per block, or this machine's sizes. */
    private static GemmBlocking blocking(boolean tiny) {
        return tiny ? new GemmBlocking(7, GemmBlocking.MR, GemmBlocking.NR) : GemmBlocking.DEFAULT;
    }

    /** The explicit patch matrix [C·kh·kw, N·OH·OW], straight from its definition in {@link ConvGemm}. */
    private static float[] patches(ConvGemm.Geometry g, Image x) {
        int oh = g.outH();
        int ow = g.outW();
        int p = g.n() * oh * ow;
        float[] m = new float[g.cols() * p];
        for (int ch = 0; ch < g.c(); ch++) {
            for (int i = 0; i < g.kh(); i++) {
                for (int j = 0; j < g.kw(); j++) {
                    int row = (ch * g.kh() + i) * g.kw() + j;
                    for (int s = 0; s < g.n(); s++) {
                        for (int y = 0; y < oh; y++) {
                            for (int xx = 0; xx < ow; xx++) {
                                int ih = y * g.sh() - g.ph() + i * g.dh();
                                int iw = xx * g.sw() - g.pw() + j * g.dw();
                                boolean in = ih >= 0 && ih < g.h() && iw >= 0 && iw < g.w();
                                m[row * p + (s * oh + y) * ow + xx] = in ? x.at(s, ch, ih, iw) : 0f;
                            }
                        }
                    }
                }
            }
        }
        return m;
    }

    private static void check(String where, float expected, float actual, int terms, double mass) {
        double tol = 2.0 * (terms + 2) * Math.ulp(1f) / 2 * mass + Float.MIN_NORMAL;
        if (!(Math.abs(expected - actual) <= tol)) {
            fail(where + ": expected " + expected + ", got " + actual + " (tolerance " + tol + ")");
        }
    }

    private static float[] random(int size, SplittableRandom rng) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return a;
    }

    /**
     * A [n, c, h, w] image inside a larger array, at an offset, either contiguous or as a
     * channels-last view (strides h·w·c, 1, w·c, c), the layout of a permuted tensor.
     */
    private record Image(float[] data, int offset, int[] strides) {
        static Image random(int n, int c, int h, int w, boolean channelsLast, SplittableRandom rng) {
            int offset = 3;
            float[] data = ConvGemmProperties.random(offset + n * c * h * w + 2, rng);
            int[] strides = channelsLast ? new int[] {h * w * c, 1, w * c, c} : new int[] {c * h * w, h * w, w, 1};
            return new Image(data, offset, strides);
        }

        float at(int s, int ch, int y, int x) {
            return data[offset + s * strides[0] + ch * strides[1] + y * strides[2] + x * strides[3]];
        }
    }
}
