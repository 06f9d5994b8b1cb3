package dev.pare.tensor.kernels;

import dev.pare.tensor.parallel.Parallel;

/**
 * A 2-D convolution as one packed matrix multiply whose patch operand is never materialised
 * ("implicit GEMM"): the patches are copied from the image straight into the packed panels of
 * {@link Gemm}, the copy that the multiply makes anyway.
 *
 * <p>With {@code K = C·kh·kw} and the output pixels of the whole batch as columns, the
 * convolution is {@code out [O, pixels] = W [O, K] · patches [K, pixels]}, where the column of an
 * output pixel is the window under it:
 * <pre>
 *   patches[(c·kh + i)·kw + j][pixel (n, y, x)] = xpad[n, c, y·sh + i·dh, x·sw + j·dw]
 * </pre>
 * The explicit route writes that matrix (9 floats per input float for a 3×3 kernel), and the
 * multiply then reads it back and transposes it into its panels. Here packed B̃ is filled directly
 * from {@code xpad}, a copy of the image with its zero border made real ({@link PaddedImage}),
 * so that no copy tests a bound.
 *
 * <h2>Wide rows for stride 1</h2>
 * With stride 1, let the pixels of one sample run over {@code OH × Wp} (Wp = W + 2·pw, the padded
 * width) instead of {@code OH × OW}. Then pixel {@code y·Wp + x} of tap (c, i, j) reads
 * {@code xpad[c][(y + i·dh)·Wp + x + j·dw]}: one address plus a constant, for every pixel of the
 * sample. A row of a micro-panel is then one contiguous run of the padded image, two vector copies.
 * The price is {@code Wp − OW} columns per output row whose windows wrap around the image edge:
 * they are computed (a 3×3 kernel with padding 1 on a 14-pixel row computes 16) and never stored.
 * Other strides use exact pixels, and copy one run per output row.
 *
 * <p>The product lands channel-major in a scratch array and is copied to {@code [N, O, OH, OW]}
 * with the bias. The multiply is {@link Gemm}'s own packed path, so the results are the same for
 * any thread count (the K sum is never split).
 */
public final class ConvGemm {
    private ConvGemm() {}

    /** Scratch arrays above this many floats (2²⁴ floats, 64 MiB) are not kept between calls. */
    private static final int MAX_KEPT = 1 << 24;

    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /**
     * The shape of one convolution: input {@code [n, c, h, w]}, kernel {@code kh × kw}, strides,
     * paddings and dilations per axis.
     */
    public record Geometry(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        /** Output rows: {@code ⌊(h + 2ph − dh·(kh−1) − 1)/sh⌋ + 1}. */
        public int outH() {
            return (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
        }

        /** Output columns: {@code ⌊(w + 2pw − dw·(kw−1) − 1)/sw⌋ + 1}. */
        public int outW() {
            return (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        }

        /** Rows of the patch matrix, {@code c·kh·kw}. */
        public int cols() {
            return c * kh * kw;
        }
    }

    /**
     * The image with its padding written out, {@code [n, c, hp, wp]} contiguous, and how pixels of
     * the product map onto it: output row y of a sample starts at column {@code y·rowWidth} of the
     * product, and {@code rowWidth} is {@code wp} (wide rows, stride 1) or {@code ow}.
     */
    record PaddedImage(float[] data, int c, int hp, int wp, int kh, int kw, int sh, int sw, int dh, int dw,
                       int oh, int ow, int rowWidth) {
        int plane() {
            return hp * wp;
        }

        boolean wide() {
            return rowWidth == wp && sh == 1 && sw == 1;
        }

        /** Product columns per sample. */
        int columnsPerSample() {
            return oh * rowWidth;
        }

        /** How far tap (c, i, j) reads from tap (0, 0, 0), for every pixel alike. */
        int tapOffset(int ch, int i, int j) {
            return ch * plane() + i * dh * wp + j * dw;
        }

        /**
         * Cuts product columns [q0, q0 + cols) into segments along which tap (0, 0, 0)'s address
         * grows by a fixed step: seg[4t..4t+3] = (first column within the panel, length, address,
         * step). Wide rows break only between samples; exact rows at every output row.
         *
         * @return the number of segments
         */
        int segments(int q0, int cols, int[] seg) {
            int per = columnsPerSample();
            int sample = c * plane();
            int count = 0;
            for (int r = 0, q = q0; r < cols; count++) {
                int s = q / per;
                int local = q % per;
                int len;
                if (wide()) {
                    len = Math.min(cols - r, per - local);
                    seg[4 * count + 2] = s * sample + local;
                    seg[4 * count + 3] = 1;
                } else {
                    int y = local / ow;
                    int x = local % ow;
                    len = Math.min(cols - r, ow - x);
                    seg[4 * count + 2] = s * sample + y * sh * wp + x * sw;
                    seg[4 * count + 3] = sw;
                }
                seg[4 * count] = r;
                seg[4 * count + 1] = len;
                r += len;
                q += len;
            }
            return count;
        }
    }

    /**
     * {@code out[n, oc, y, x] = bias[oc] + Σ_p filters[fo + oc·K + p] · patches[p][(n, y, x)]}:
     * the convolution of the image {@code x[xo + n·xs[0] + c·xs[1] + y·xs[2] + x·xs[3]]} (any
     * strides) by {@code o} filters {@code [O, C, kh, kw]} stored contiguously from {@code fo},
     * written to {@code out[0 .. N·O·OH·OW)} as a contiguous {@code [N, O, OH, OW]}.
     *
     * @param bias {@code o} values added to each output channel, or null
     * @throws IllegalArgumentException if a size is not positive, or an array is too short, or a
     *     scratch array would exceed a Java array
     */
    public static void conv2d(Geometry g, float[] x, int xo, int[] xs, int o, float[] filters, int fo,
                              float[] bias, float[] out) {
        conv2d(g, x, xo, xs, o, filters, fo, bias, out, GemmBlocking.DEFAULT);
    }

    /** {@link #conv2d} with the given block sizes; tests use small ones to reach every edge. */
    static void conv2d(Geometry g, float[] x, int xo, int[] xs, int o, float[] filters, int fo,
                       float[] bias, float[] out, GemmBlocking blocking) {
        PaddedImage img = padded(g, x, xo, xs, o);
        int k = g.cols();
        if (fo < 0 || (long) fo + (long) o * k > filters.length || (long) g.n() * o * img.oh() * img.ow() > out.length
                || bias != null && bias.length < o) {
            throw new IllegalArgumentException("convGemm: " + o + " filters of " + k + " from offset " + fo
                    + " in " + filters.length + " floats, output of " + (long) g.n() * o * img.oh() * img.ow()
                    + " in " + out.length + (bias == null ? "" : ", bias of " + bias.length));
        }
        int cols = g.n() * img.columnsPerSample();
        float[] product = WORKSPACE.get().product(cols * o);
        Gemm.packedProduct(o, cols, k, new GemmOperands.PatchColumns(filters, fo, k, img),
                product, 0, cols, false, blocking);
        unpack(product, cols, bias, g.n(), o, img.oh(), img.ow(), img.rowWidth(), out);
    }

    /**
     * The weight gradient of {@link #conv2d}: {@code dw[oc·K + p] = Σ_{n,y,x} dOut[n, oc, y, x] ·
     * patches[p][(n, y, x)]}, that is {@code dW = dOut · patchesᵀ} with the output pixels of the
     * whole batch as the sum. The image is read as by {@link #conv2d}, dOut {@code [N, O, OH, OW]}
     * from {@code dOut[go + n·gs[0] + oc·gs[1] + y·gs[2] + x·gs[3]]}; dw {@code [O, C·kh·kw]} is
     * written from index 0.
     *
     * <p>dOut is first copied channel-major in the product's pixel order, with zeros in the wide
     * rows' extra columns: those pixels are not part of the output, and a zero weight removes
     * them from the sum. Then one packed multiply whose right operand is packed from the padded
     * image ({@link GemmPacking#packPatchRows}); its K sum runs over pixels and is never split, so
     * the result does not depend on the thread count.
     */
    public static void weightGradient(Geometry g, float[] x, int xo, int[] xs, int o,
                                      float[] dOut, int go, int[] gs, float[] dw) {
        weightGradient(g, x, xo, xs, o, dOut, go, gs, dw, GemmBlocking.DEFAULT);
    }

    /** {@link #weightGradient} with the given block sizes. */
    static void weightGradient(Geometry g, float[] x, int xo, int[] xs, int o,
                               float[] dOut, int go, int[] gs, float[] dw, GemmBlocking blocking) {
        PaddedImage img = padded(g, x, xo, xs, o);
        int k = g.cols();
        if (gs.length != 4 || (long) o * k > dw.length) {
            throw new IllegalArgumentException("convGemm: " + gs.length + " output-gradient strides, weight gradient of "
                    + (long) o * k + " in " + dw.length + ": need 4 strides and room for [" + o + ", " + k + "]");
        }
        int n = g.n();
        int oh = img.oh();
        int ow = img.ow();
        int rowWidth = img.rowWidth();
        int cols = n * img.columnsPerSample();
        float[] a = WORKSPACE.get().product(cols * o);
        Parallel.forRange(n, 1, (lo, hi) -> {
            for (int s = lo; s < hi; s++) {
                for (int oc = 0; oc < o; oc++) {
                    for (int y = 0; y < oh; y++) {
                        int dst = oc * cols + (s * oh + y) * rowWidth;
                        int src = go + s * gs[0] + oc * gs[1] + y * gs[2];
                        for (int xx = 0; xx < ow; xx++) {
                            a[dst + xx] = dOut[src + xx * gs[3]];
                        }
                        java.util.Arrays.fill(a, dst + ow, dst + rowWidth, 0f);
                    }
                }
            }
        });
        Gemm.packedProduct(o, k, cols, new GemmOperands.PatchRows(a, 0, cols, img), dw, 0, k, false, blocking);
    }

    /** Checks the geometry and fills this thread's padded copy of the image. */
    private static PaddedImage padded(Geometry g, float[] x, int xo, int[] xs, int o) {
        int oh = g.outH();
        int ow = g.outW();
        if (g.n() < 1 || g.c() < 1 || o < 1 || g.kh() < 1 || g.kw() < 1 || g.sh() < 1 || g.sw() < 1 || g.dh() < 1
                || g.dw() < 1 || g.ph() < 0 || g.pw() < 0 || xs.length != 4
                || g.h() + 2 * g.ph() < g.dh() * (g.kh() - 1) + 1 || g.w() + 2 * g.pw() < g.dw() * (g.kw() - 1) + 1) {
            throw new IllegalArgumentException("convGemm: " + g + " with " + o + " filters and " + xs.length
                    + " input strides: need positive sizes, a padded image at least as large as the dilated"
                    + " kernel, and 4 strides");
        }
        int hp = g.h() + 2 * g.ph();
        int wp = g.w() + 2 * g.pw();
        boolean wide = g.sh() == 1 && g.sw() == 1;
        int rowWidth = wide ? wp : ow;
        long columns = (long) g.n() * oh * rowWidth;
        // Wide rows let the last windows of the last sample reach dw·(kw−1) floats past its plane.
        long padded = (long) g.n() * g.c() * hp * wp + (long) g.dw() * (g.kw() - 1);
        if (columns * o > Integer.MAX_VALUE - 8 || padded > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("convGemm: " + g + " with " + o + " filters needs " + columns * o
                    + " floats of product and " + padded + " of padded image, more than a Java array holds");
        }
        float[] xpad = WORKSPACE.get().image((int) padded);
        pad(g, x, xo, xs, hp, wp, xpad, (int) padded);
        return new PaddedImage(xpad, g.c(), hp, wp, g.kh(), g.kw(), g.sh(), g.sw(), g.dh(), g.dw(), oh, ow, rowWidth);
    }

    /** xpad[n, c, y + ph, x + pw] = x[n, c, y, x], zero in the border and in the slack after the last plane. */
    private static void pad(Geometry g, float[] x, int xo, int[] xs, int hp, int wp, float[] xpad, int padded) {
        int h = g.h();
        int w = g.w();
        int ph = g.ph();
        int pw = g.pw();
        int planes = g.n() * g.c();
        Parallel.forRange(planes, Parallel.grainFor((long) hp * wp), (lo, hi) -> {
            for (int pl = lo; pl < hi; pl++) {
                int src = xo + pl / g.c() * xs[0] + pl % g.c() * xs[1];
                int dst = pl * hp * wp;
                java.util.Arrays.fill(xpad, dst, dst + ph * wp + pw, 0f);
                for (int y = 0; y < h; y++) {
                    int row = dst + (y + ph) * wp + pw;
                    int s = src + y * xs[2];
                    if (xs[3] == 1) {
                        System.arraycopy(x, s, xpad, row, w);
                    } else {
                        for (int c = 0; c < w; c++) {
                            xpad[row + c] = x[s + c * xs[3]];
                        }
                    }
                    // The right border of this row and the left border of the next are adjacent.
                    int next = y + 1 < h ? row + w + 2 * pw : dst + hp * wp;
                    java.util.Arrays.fill(xpad, row + w, next, 0f);
                }
                java.util.Arrays.fill(xpad, dst + (ph + h) * wp, dst + hp * wp, 0f);
            }
        });
        java.util.Arrays.fill(xpad, planes * hp * wp, padded, 0f);
    }

    /** out[n, oc, y, x] = product[oc][(n·OH + y)·rowWidth + x] + bias[oc]: drops the wide rows' extra columns. */
    private static void unpack(float[] product, int cols, float[] bias, int n, int o, int oh, int ow, int rowWidth,
                               float[] out) {
        Parallel.forRange(n, 1, (lo, hi) -> {
            for (int s = lo; s < hi; s++) {
                for (int oc = 0; oc < o; oc++) {
                    float b = bias == null ? 0f : bias[oc];
                    for (int y = 0; y < oh; y++) {
                        int src = oc * cols + (s * oh + y) * rowWidth;
                        int dst = ((s * o + oc) * oh + y) * ow;
                        for (int x = 0; x < ow; x++) {
                            out[dst + x] = product[src + x] + b;
                        }
                    }
                }
            }
        });
    }

    /** The calling thread's padded image and product; they grow to the largest size seen (up to {@link #MAX_KEPT}). */
    private static final class Workspace {
        private float[] image = new float[0];
        private float[] product = new float[0];

        float[] image(int size) {
            if (image.length >= size) {
                return image;
            }
            float[] fresh = new float[size];
            if (size <= MAX_KEPT) {
                image = fresh;
            }
            return fresh;
        }

        float[] product(int size) {
            if (product.length >= size) {
                return product;
            }
            float[] fresh = new float[size];
            if (size <= MAX_KEPT) {
                product = fresh;
            }
            return fresh;
        }
    }
}
