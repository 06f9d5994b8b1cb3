package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import jdk.incubator.vector.FloatVector;

/**
 * The forward pass of a depthwise convolution for one sample, vectorised along the channels
 * instead of along the image, with its scalar twin:
 * <pre>
 *   out[c, y, x] = b[c] + Σ_{i,j} W[c, i, j] · xpad[c, y·s + i·d − p, x·s + j·d − p]      (i, j in row-major order)
 * </pre>
 * with x {@code [C, H, W]} and out {@code [C, OH, OW]}, both dense, in {@code dev.pare.nn}'s
 * layout; W is given transposed, {@code wT[i·k + j][c]} ({@link #transposeFilters}), and b is
 * always an array of C floats (zeros for a layer without bias: each output then starts from +0,
 * as on the phase planes).
 *
 * <p>Why: MobileNet's depthwise layers have small planes (14 × 14 and 7 × 7) and many channels.
 * Vectorised along a plane ({@link DepthwiseKernels}), each plane must first be copied, padded,
 * into phase planes so that every tap is a contiguous run, and its outputs copied back row by
 * row; for a 7 × 7 plane the 441 multiply-adds are a few dozen vector instructions and the copies
 * cost several times more, and a stride-2 copy deals out every other float one at a time. Here
 * the sample is transposed once to {@code [H·W, C]} (16 × 16 or 8 × 8 blocks through registers,
 * {@link GemmPacking#packTransposed}), so a vector holds one pixel of LANES channels; a tap is
 * then one load at a pixel computed from (y, x), whatever the stride, and a padding tap is known
 * for the whole vector at once, so there is nothing to copy or pad: it reads one pixel of zeros
 * kept after the transposed sample. Where each tap of each output pixel reads depends only on
 * the geometry, so {@link Shape} computes that table once for all samples. The outputs,
 * {@code [OH·OW, C]}, are transposed back into place.
 *
 * <p>Trap: the taps' loop must be one flat loop carrying the accumulator. Written as two nested
 * loops (filter rows, then columns), C2 kept the accumulator in a heap object at every step,
 * allocating on every tap, and the kernel ran slower than the phase planes it replaces.
 *
 * <p>Rounding: each output starts from its bias and adds its taps in filter order, multiplying
 * and adding without fusing; a padding tap adds {@code 0·W} as a zero-padded plane would (so
 * {@code −0} and non-finite weights come out as on the phase planes). The result is the twin's
 * and {@link DepthwiseKernels#forward}'s bit for bit.
 */
public final class DepthwiseChannelsLast {
    private DepthwiseChannelsLast() {}

    /**
     * The geometry of one sample (C channels of H × W, a k × k filter, stride s, padding p,
     * dilation d) and, computed once for all samples, where each tap of each output pixel reads
     * in the channels-last input.
     */
    public static final class Shape {
        private final int c;
        private final int h;
        private final int w;
        private final int k;
        private final int s;
        private final int p;
        private final int d;
        private final int outH;
        private final int outW;
        /** at[q·k² + t]: the offset in xT of the pixel tap t of output pixel q reads (the zero pixel for padding). */
        private final int[] at;

        /** @throws IllegalArgumentException if a size is negative or the kernel, stride or dilation below 1 */
        public Shape(int c, int h, int w, int k, int s, int p, int d) {
            if (c < 0 || h < 0 || w < 0 || k < 1 || s < 1 || p < 0 || d < 1) {
                throw new IllegalArgumentException("depthwise(channels last): C=" + c + ", H=" + h + ", W=" + w + ", k="
                        + k + ", stride " + s + ", padding " + p + ", dilation " + d
                        + ": sizes must be ≥ 0, kernel, stride and dilation ≥ 1, padding ≥ 0");
            }
            this.c = c;
            this.h = h;
            this.w = w;
            this.k = k;
            this.s = s;
            this.p = p;
            this.d = d;
            this.outH = out(h);
            this.outW = out(w);
            long taps = (long) outH * outW * k * k;
            if ((long) c * (h * w + 1) > Integer.MAX_VALUE - 16 || taps > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("depthwise(channels last): " + this + ": too large for one array");
            }
            this.at = new int[(int) taps];
            int zeroPixel = h * w * c;
            int i = 0;
            for (int y = 0; y < outH; y++) {
                for (int x = 0; x < outW; x++) {
                    for (int ty = 0; ty < k; ty++) {
                        int iy = y * s + ty * d - p;
                        for (int tx = 0; tx < k; tx++) {
                            int ix = x * s + tx * d - p;
                            // A padding tap reads the zero pixel: it adds 0·W, as on a zero-padded plane.
                            at[i++] = iy >= 0 && iy < h && ix >= 0 && ix < w ? (iy * w + ix) * c : zeroPixel;
                        }
                    }
                }
            }
        }

        private int out(int size) {
            int span = size + 2 * p - d * (k - 1) - 1;
            return span < 0 ? 0 : span / s + 1;
        }

        public int c() {
            return c;
        }

        public int h() {
            return h;
        }

        public int w() {
            return w;
        }

        public int k() {
            return k;
        }

        public int s() {
            return s;
        }

        public int p() {
            return p;
        }

        public int d() {
            return d;
        }

        /** Output rows: ⌊(H + 2p − d(k − 1) − 1) / s⌋ + 1 (0 if the filter does not fit). */
        public int outH() {
            return outH;
        }

        /** Output columns, as {@link #outH}. */
        public int outW() {
            return outW;
        }

        /** Floats of the input scratch: {@code [H·W, C]} and one pixel of zeros. */
        public int inputScratch() {
            return c * (h * w + 1);
        }

        /** Floats of the {@code [OH·OW, C]} scratch. */
        public int outputScratch() {
            return c * outH * outW;
        }

        @Override
        public String toString() {
            return "[C=" + c + ", " + h + "×" + w + "], " + k + "×" + k + " filter, stride " + s + ", padding " + p
                    + ", dilation " + d;
        }
    }

    /** {@code wT[t·C + c] = w[wOff + c·k² + t]}: the {@code [C, 1, k, k]} filters as {@code [k², C]}. */
    public static float[] transposeFilters(float[] w, int wOff, int c, int k) {
        int kk = k * k;
        if (wOff < 0 || (long) wOff + (long) c * kk > w.length) {
            throw new IllegalArgumentException("depthwise(channels last): filters of " + c + " channels × " + kk
                    + " taps at " + wOff + " do not fit in " + w.length + " floats");
        }
        float[] wT = new float[c * kk];
        for (int ch = 0; ch < c; ch++) {
            for (int t = 0; t < kk; t++) {
                wT[t * c + ch] = w[wOff + ch * kk + t];
            }
        }
        return wT;
    }

    private static void check(String op, Shape g, float[] x, int xOff, float[] wT, float[] bias, float[] out,
                              int outOff) {
        long in = (long) g.c() * g.h() * g.w();
        long o = (long) g.c() * g.outH() * g.outW();
        if (xOff < 0 || xOff + in > x.length || outOff < 0 || outOff + o > out.length
                || wT.length < (long) g.k() * g.k() * g.c() || bias.length < g.c()) {
            throw new IllegalArgumentException("depthwise(channels last)." + op + ": " + g + ": input of " + in
                    + " floats at " + xOff + " (array " + x.length + "), output of " + o + " at " + outOff
                    + " (array " + out.length + "), " + wT.length + " filter floats, "
                    + bias.length + " bias floats");
        }
    }

    /**
     * The definition, element by element on the {@code [C, H, W]} input: the oracle of
     * {@link #forward}. A padding tap adds {@code 0·W}, as on a zero-padded plane.
     */
    public static void forwardScalar(Shape g, float[] x, int xOff, float[] wT, float[] bias, float[] out, int outOff) {
        check("forwardScalar", g, x, xOff, wT, bias, out, outOff);
        int c = g.c();
        int oh = g.outH();
        int ow = g.outW();
        for (int ch = 0; ch < c; ch++) {
            for (int y = 0; y < oh; y++) {
                for (int xo = 0; xo < ow; xo++) {
                    float v = bias[ch];
                    for (int i = 0; i < g.k(); i++) {
                        for (int j = 0; j < g.k(); j++) {
                            int iy = y * g.s() + i * g.d() - g.p();
                            int ix = xo * g.s() + j * g.d() - g.p();
                            boolean inside = iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w();
                            float xv = inside ? x[xOff + (ch * g.h() + iy) * g.w() + ix] : 0f;
                            v += wT[(i * g.k() + j) * c + ch] * xv;
                        }
                    }
                    out[outOff + (ch * oh + y) * ow + xo] = v;
                }
            }
        }
    }

    /**
     * {@link #forwardScalar}'s result, through the channels-last scratch arrays {@code xT}
     * ({@link Shape#inputScratch} floats) and {@code oT} ({@link Shape#outputScratch}), which the
     * caller owns (one pair per thread) and whose contents are overwritten.
     *
     * @throws IllegalArgumentException if an array is too short for the shape
     */
    public static void forward(Shape g, float[] x, int xOff, float[] wT, float[] bias, float[] out, int outOff,
                               float[] xT, float[] oT) {
        check("forward", g, x, xOff, wT, bias, out, outOff);
        int c = g.c();
        int hw = g.h() * g.w();
        int ohw = g.outH() * g.outW();
        if (xT.length < g.inputScratch() || oT.length < g.outputScratch()) {
            throw new IllegalArgumentException("depthwise(channels last).forward: " + g + ": scratch of " + xT.length
                    + " and " + oT.length + " floats, needs " + g.inputScratch() + " and " + g.outputScratch());
        }
        if (c == 0 || ohw == 0) {
            return;
        }
        GemmPacking.packTransposed(x, xOff, hw, c, hw, xT, 0, c);      // [C, H·W] → [H·W, C]
        java.util.Arrays.fill(xT, hw * c, hw * c + c, 0f);              // the zero pixel
        pixels(g, xT, wT, bias, oT);
        GemmPacking.packTransposed(oT, 0, c, ohw, c, out, outOff, ohw); // [OH·OW, C] → [C, OH·OW]
    }

    /**
     * oT[(y·OW + x)·C + c] for every output pixel, from xT = [H·W, C] followed by one pixel of
     * zeros, where every padding tap reads.
     */
    private static void pixels(Shape g, float[] xT, float[] wT, float[] bias, float[] oT) {
        int c = g.c();
        int kk = g.k() * g.k();
        int[] at = g.at;
        int pixelsOut = g.outH() * g.outW();
        int q = 0;
        // Two pixels at a time: two independent chains of additions (see pair).
        for (; q + 1 < pixelsOut; q += 2) {
            pair(xT, at, q * kk, kk, wT, bias, c, oT, q * c);
        }
        if (q < pixelsOut) {
            pixel(xT, at, q * kk, kk, wT, bias, c, oT, q * c);
        }
    }

    /**
     * {@link #pixel} for two pixels whose outputs lie one after the other at {@code oT[o]}, their
     * taps at {@code at[a..a + kk)} and {@code at[a + kk..a + 2kk)}: two chains of additions that do not wait
     * on each other, so the adder's latency is paid half as often.
     */
    private static void pair(float[] xT, int[] at, int a, int kk, float[] wT, float[] bias, int c, float[] oT, int o) {
        int l = FLOAT.length();
        int vecEnd = FLOAT.loopBound(c);
        int ch = 0;
        for (; ch < vecEnd; ch += l) {
            FloatVector b = FloatVector.fromArray(FLOAT, bias, ch);
            FloatVector v0 = b;
            FloatVector v1 = b;
            for (int t = 0; t < kk; t++) {
                FloatVector wv = FloatVector.fromArray(FLOAT, wT, t * c + ch);
                v0 = v0.add(FloatVector.fromArray(FLOAT, xT, at[a + t] + ch).mul(wv));
                v1 = v1.add(FloatVector.fromArray(FLOAT, xT, at[a + kk + t] + ch).mul(wv));
            }
            v0.intoArray(oT, o + ch);
            v1.intoArray(oT, o + c + ch);
        }
        for (; ch < c; ch++) {
            float v0 = bias[ch];
            float v1 = bias[ch];
            for (int t = 0; t < kk; t++) {
                v0 += xT[at[a + t] + ch] * wT[t * c + ch];
                v1 += xT[at[a + kk + t] + ch] * wT[t * c + ch];
            }
            oT[o + ch] = v0;
            oT[o + c + ch] = v1;
        }
    }

    /**
     * The C outputs of one pixel: {@code oT[o + c] = bias[c] + Σ_t xT[at[a + t] + c]·wT[t·C + c]}.
     * (One flat loop over the taps, as in {@link DepthwiseKernels#forward}: with the taps in two
     * nested loops, C2 kept the accumulator in a heap object at every iteration.)
     */
    private static void pixel(float[] xT, int[] at, int a, int kk, float[] wT, float[] bias, int c, float[] oT, int o) {
        int l = FLOAT.length();
        int vecEnd = FLOAT.loopBound(c);
        int ch = 0;
        for (; ch < vecEnd; ch += l) {
            FloatVector v = FloatVector.fromArray(FLOAT, bias, ch);
            for (int t = 0; t < kk; t++) {
                v = v.add(FloatVector.fromArray(FLOAT, xT, at[a + t] + ch).mul(FloatVector.fromArray(FLOAT, wT, t * c + ch)));
            }
            v.intoArray(oT, o + ch);
        }
        for (; ch < c; ch++) {
            float v = bias[ch];
            for (int t = 0; t < kk; t++) {
                v += xT[at[a + t] + ch] * wT[t * c + ch];
            }
            oT[o + ch] = v;
        }
    }
}
