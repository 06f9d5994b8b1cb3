package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import jdk.incubator.vector.FloatVector;

/**
 * A depthwise convolution for one sample, vectorised along the channels instead of along the
 * image, forward ({@link #forward}) and backward ({@link #backward}, further down, with its own
 * formulas), each with its scalar twin:
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
        /**
         * A float sum of about this many products per channel and tap loses a few units in the
         * last place, far below the weight gradient's own noise; past it the partial is handed
         * over to a double sum, so the rounding does not grow with the batch.
         */
        public static final int PRODUCTS_PER_PARTIAL = 256;

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
        /**
         * The input gradient's gather table, by phase class. The input pixels whose padded
         * position has the same remainders modulo the stride, class {@code (a, b)}, are reached by
         * the same taps (in filter order; {@code classTaps[cls]} of them): for each pixel of the
         * class, in {@code classPixels}, entry u of its run in {@code gradAt} and {@code tapAt}
         * gives where its u-th tap reads the output gradient (offset in gT) and the filter (offset
         * in wT). Where that output pixel lies outside the output, the entry reads the gradient's
         * zero pixel and the filters' zero row instead, adding +0. Classes start at
         * {@code classStart} in {@code classPixels}, and their entries at {@code entryStart}.
         */
        private final int[] classTaps;
        private final int[] classStart;
        private final int[] entryStart;
        private final int[] classPixels;
        private final int[] gradAt;
        private final int[] tapAt;

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
            // The gather table. Input row iy is reached by filter row i from output row
            // (iy + p − i·d) / s when that division is exact: which i qualify depends only on
            // (iy + p) mod s, hence the classes.
            int classes = s * s;
            int kk = k * k;
            this.classTaps = new int[classes];
            this.classStart = new int[classes + 1];
            this.entryStart = new int[classes + 1];
            int[][] tapsOf = new int[classes][];
            for (int a = 0; a < s; a++) {
                for (int b = 0; b < s; b++) {
                    int[] list = new int[kk];
                    int count = 0;
                    for (int t = 0; t < kk; t++) {
                        if ((a - t / k * d) % s == 0 && (b - t % k * d) % s == 0) {
                            list[count++] = t;
                        }
                    }
                    tapsOf[a * s + b] = java.util.Arrays.copyOf(list, count);
                    classTaps[a * s + b] = count;
                }
            }
            for (int iy = 0; iy < h; iy++) {
                for (int ix = 0; ix < w; ix++) {
                    classStart[phase(iy, ix) + 1]++;
                }
            }
            for (int cl = 0; cl < classes; cl++) {
                entryStart[cl + 1] = entryStart[cl] + classStart[cl + 1] * classTaps[cl];
                classStart[cl + 1] += classStart[cl];
            }
            this.classPixels = new int[h * w];
            this.gradAt = new int[entryStart[classes]];
            this.tapAt = new int[entryStart[classes]];
            int[] nextPixel = java.util.Arrays.copyOf(classStart, classes);
            int zeroGrad = outH * outW * c;
            for (int iy = 0; iy < h; iy++) {
                for (int ix = 0; ix < w; ix++) {
                    int cl = phase(iy, ix);
                    int slot = nextPixel[cl]++;
                    classPixels[slot] = iy * w + ix;
                    int e = entryStart[cl] + (slot - classStart[cl]) * classTaps[cl];
                    for (int t : tapsOf[cl]) {
                        int oy = iy + p - t / k * d;
                        int ox = ix + p - t % k * d;
                        boolean inside = oy >= 0 && ox >= 0 && oy / s < outH && ox / s < outW;
                        gradAt[e] = inside ? (oy / s * outW + ox / s) * c : zeroGrad;
                        tapAt[e++] = inside ? t * c : kk * c;
                    }
                }
            }
        }

        /** The gather class of input pixel (iy, ix): its padded position's remainders modulo the stride. */
        private int phase(int iy, int ix) {
            return (iy + p) % s * s + (ix + p) % s;
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

        /** Floats of the output gradient's scratch in {@link #backward}: {@code [OH·OW, C]} and one pixel of zeros. */
        public int gradientScratch() {
            return c * (outH * outW + 1);
        }

        /**
         * Samples whose weight-gradient products {@link #backward} sums into one float partial
         * ({@code [k² + 1, C]}) before the caller moves it into doubles: enough that a partial
         * holds about {@link #PRODUCTS_PER_PARTIAL} products per channel (at least one sample).
         * It depends on the geometry alone, so the grouping, and with it every bit of the weight
         * gradient, is the same whatever the number of threads the samples are shared among.
         */
        public int samplesPerPartial() {
            return Math.max(1, PRODUCTS_PER_PARTIAL / Math.max(1, outH * outW));
        }

        /** Floats of one weight-gradient partial: {@code [k² + 1, C]}, the taps then the bias. */
        public int partialSize() {
            return (k * k + 1) * c;
        }

        @Override
        public String toString() {
            return "[C=" + c + ", " + h + "×" + w + "], " + k + "×" + k + " filter, stride " + s + ", padding " + p
                    + ", dilation " + d;
        }
    }

    /**
     * {@code wT[t·C + c] = w[wOff + c·k² + t]}: the {@code [C, 1, k, k]} filters as {@code [k², C]},
     * followed by one row of C zeros, which {@link #backward} reads where a tap falls outside the
     * output (the forward pass ignores it).
     */
    public static float[] transposeFilters(float[] w, int wOff, int c, int k) {
        int kk = k * k;
        if (wOff < 0 || (long) wOff + (long) c * kk > w.length) {
            throw new IllegalArgumentException("depthwise(channels last): filters of " + c + " channels × " + kk
                    + " taps at " + wOff + " do not fit in " + w.length + " floats");
        }
        float[] wT = new float[c * (kk + 1)];
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
        transposeInput(g, x, xOff, xT);
        pixels(g, xT, wT, bias, oT);
        GemmPacking.packTransposed(oT, 0, c, ohw, c, out, outOff, ohw); // [OH·OW, C] → [C, OH·OW]
    }

    /**
     * xT = the sample {@code [C, H, W]} at {@code x[xOff]} as {@code [H·W, C]}, followed by one
     * pixel of zeros (where padding taps read): what {@link #forward} and {@link #backward} work on.
     *
     * @throws IllegalArgumentException if an array is too short for the shape
     */
    public static void transposeInput(Shape g, float[] x, int xOff, float[] xT) {
        int c = g.c();
        int hw = g.h() * g.w();
        if (xOff < 0 || xOff + (long) c * hw > x.length || xT.length < g.inputScratch()) {
            throw new IllegalArgumentException("depthwise(channels last).transposeInput: " + g + ": input of "
                    + c * hw + " floats at " + xOff + " (array " + x.length + "), scratch of " + xT.length
                    + " floats, needs " + g.inputScratch());
        }
        streamIn(x, xOff, c * hw, xT, 0);
        GemmPacking.packTransposed(x, xOff, hw, c, hw, xT, 0, c);      // [C, H·W] → [H·W, C]
        java.util.Arrays.fill(xT, hw * c, hw * c + c, 0f);              // the zero pixel
    }

    /** Floats in a 64-byte cache line, the line size of every x86 core. */
    private static final int LINE_FLOATS = 16;

    /**
     * Reads {@code a[from, from + length)} one float per cache line, in order, so that the run is
     * in the cache before a transpose visits it. The loads decide a store of +0 into
     * {@code slot[at]} that never happens in practice and would change nothing if it did: the
     * caller passes a slot its transpose overwrites right after. Without a use, C2 would drop the
     * loads.
     *
     * <p>Why: a transpose of {@code [C, P]} reads (or writes) 16 rows at a time, a few lines of
     * each, and moves on; the hardware prefetchers follow address streams one line after the
     * other and do not fetch ahead of sixteen interleaved ones, so a sample that is not in the
     * cache (in the backward pass, the input was last touched by the forward pass, long before)
     * costs a wait for memory at almost every line. Read in order first, the sample streams in
     * at the memory's bandwidth, and the transpose finds every line in the cache. (Only the
     * transposes' sources are read ahead: a store that misses waits in the store buffer while the
     * core goes on, and streaming the destinations in as well made no measurable difference.)
     */
    private static void streamIn(float[] a, int from, int length, float[] slot, int at) {
        int bits = 0;
        for (int i = from, end = from + length; i < end; i += LINE_FLOATS) {
            bits += Float.floatToRawIntBits(a[i]);
        }
        if (bits == 0x5a5a_5a5a) {
            slot[at] = 0f;
        }
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

    // ---------------------------------------------------------------------------------------
    // Backward: one sample's input gradient and its weight and bias gradient products.
    //
    //   dx[c, iy, ix]  = Σ_{(t, q) reading (iy, ix)} W[c, t] · g[c, q]          (t increasing; one q per t)
    //   part[t, c]    += Σ_q xpad[c, tap t of pixel q] · g[c, q]                 (q increasing)
    //   part[k², c]   += Σ_q g[c, q]
    //
    // Each sum runs in one fixed order per channel, in float, multiplying and adding without
    // fusing, so a channel's lanes in a vector and its scalar tail give the same bits.
    // ---------------------------------------------------------------------------------------

    private static void checkBackward(String op, Shape g, float[] grad, int gOff, float[] wT, float[] dx, int dxOff,
                                      float[] part, int partOff) {
        long in = (long) g.c() * g.h() * g.w();
        long o = (long) g.c() * g.outH() * g.outW();
        if (gOff < 0 || gOff + o > grad.length || dx != null && (dxOff < 0 || dxOff + in > dx.length)
                || dx != null && (wT == null || wT.length < (long) (g.k() * g.k() + 1) * g.c())
                || part != null && (partOff < 0 || partOff + (long) g.partialSize() > part.length)) {
            throw new IllegalArgumentException("depthwise(channels last)." + op + ": " + g + ": output gradient of "
                    + o + " floats at " + gOff + " (array " + grad.length + "), input gradient of " + in + " at "
                    + dxOff + " (array " + (dx == null ? "none" : dx.length) + "), "
                    + (wT == null ? "no" : wT.length) + " filter floats, partial of " + g.partialSize() + " at "
                    + partOff + " (array " + (part == null ? "none" : part.length) + ")");
        }
    }

    /**
     * The definition, element by element on the {@code [C, H, W]} layouts: the oracle of
     * {@link #backward}. {@code x} null skips the weight rows of {@code part}; {@code dx} null
     * skips the input gradient; {@code part} null skips both weight and bias sums. A padding tap
     * adds {@code 0·g}, as in the forward pass.
     */
    public static void backwardScalar(Shape g, float[] grad, int gOff, float[] x, int xOff, float[] wT, float[] dx,
                                      int dxOff, float[] part, int partOff) {
        checkBackward("backwardScalar", g, grad, gOff, wT, dx, dxOff, part, partOff);
        int c = g.c();
        int k = g.k();
        int kk = k * k;
        int oh = g.outH();
        int ow = g.outW();
        int hw = g.h() * g.w();
        for (int ch = 0; ch < c; ch++) {
            int gc = gOff + ch * oh * ow;
            if (part != null) {
                for (int t = 0; x != null && t < kk; t++) {
                    float v = part[partOff + t * c + ch];
                    for (int q = 0; q < oh * ow; q++) {
                        int iy = q / ow * g.s() + t / k * g.d() - g.p();
                        int ix = q % ow * g.s() + t % k * g.d() - g.p();
                        boolean inside = iy >= 0 && iy < g.h() && ix >= 0 && ix < g.w();
                        v += (inside ? x[xOff + ch * hw + iy * g.w() + ix] : 0f) * grad[gc + q];
                    }
                    part[partOff + t * c + ch] = v;
                }
                float b = part[partOff + kk * c + ch];
                for (int q = 0; q < oh * ow; q++) {
                    b += grad[gc + q];
                }
                part[partOff + kk * c + ch] = b;
            }
            if (dx != null) {
                for (int r = 0; r < hw; r++) {
                    float v = 0f;
                    for (int t = 0; t < kk; t++) {
                        for (int q = 0; q < oh * ow; q++) {
                            int iy = q / ow * g.s() + t / k * g.d() - g.p();
                            int ix = q % ow * g.s() + t % k * g.d() - g.p();
                            if (iy == r / g.w() && ix == r % g.w()) {
                                v += wT[t * c + ch] * grad[gc + q];
                            }
                        }
                    }
                    dx[dxOff + ch * hw + r] = v;
                }
            }
        }
    }

    /**
     * {@link #backwardScalar}'s result for one sample, through channels-last scratch:
     * {@code xT} is the sample as {@link #transposeInput} leaves it ({@code [H·W, C]} and the zero
     * pixel; null when no weight gradient is wanted), {@code gT} ({@link Shape#gradientScratch}
     * floats) and {@code dxT} ({@code C·H·W} floats, unused when {@code dx} is null) are the
     * caller's, overwritten; {@code wT} is {@link #transposeFilters}'s, with its zero row. The output gradient {@code grad} and the input gradient {@code dx}
     * are {@code [C, OH, OW]} and {@code [C, H, W]}; {@code part} accumulates as described above.
     *
     * @throws IllegalArgumentException if an array is too short for the shape
     */
    public static void backward(Shape g, float[] grad, int gOff, float[] xT, float[] wT, float[] dx, int dxOff,
                                float[] part, int partOff, float[] gT, float[] dxT) {
        checkBackward("backward", g, grad, gOff, wT, dx, dxOff, part, partOff);
        int c = g.c();
        int hw = g.h() * g.w();
        int ohw = g.outH() * g.outW();
        if (gT.length < g.gradientScratch() || dx != null && dxT.length < c * hw
                || xT != null && xT.length < g.inputScratch()) {
            throw new IllegalArgumentException("depthwise(channels last).backward: " + g + ": scratch of " + gT.length
                    + (dx == null ? "" : " and " + dxT.length) + " floats and a transposed input of "
                    + (xT == null ? "none" : xT.length) + ", needs " + g.gradientScratch() + ", " + c * hw + " and "
                    + g.inputScratch());
        }
        if (c == 0) {
            return;
        }
        if (ohw > 0) {
            streamIn(grad, gOff, c * ohw, gT, 0);
            GemmPacking.packTransposed(grad, gOff, ohw, c, ohw, gT, 0, c);   // [C, OH·OW] → [OH·OW, C]
            java.util.Arrays.fill(gT, ohw * c, ohw * c + c, 0f);               // the zero pixel
            if (part != null) {
                if (xT != null) {
                    weightGrad(g, xT, gT, part, partOff);
                }
                biasGrad(g, gT, part, partOff + g.k() * g.k() * c);
            }
        }
        if (dx != null && hw > 0) {
            if (ohw == 0) {
                java.util.Arrays.fill(dx, dxOff, dxOff + c * hw, 0f);
                return;
            }
            inputGrad(g, gT, wT, dxT);
            GemmPacking.packTransposed(dxT, 0, c, hw, c, dx, dxOff, hw);      // [H·W, C] → [C, H·W]
        }
    }

    /**
     * part[t·C + c] += Σ_q xT[at[q·k² + t] + c] · gT[q·C + c], three taps at a time: three
     * chains of additions that do not wait on each other and share each load of the gradient.
     * (Grouping taps, unlike splitting a sum, leaves every sum's order as it is.)
     */
    private static void weightGrad(Shape g, float[] xT, float[] gT, float[] part, int partOff) {
        int c = g.c();
        int kk = g.k() * g.k();
        int[] at = g.at;
        int pixelsOut = g.outH() * g.outW();
        int l = FLOAT.length();
        int vecEnd = FLOAT.loopBound(c);
        int t = 0;
        for (; t + 2 < kk; t += 3) {
            int p0 = partOff + t * c;
            int ch = 0;
            for (; ch < vecEnd; ch += l) {
                FloatVector a0 = FloatVector.fromArray(FLOAT, part, p0 + ch);
                FloatVector a1 = FloatVector.fromArray(FLOAT, part, p0 + c + ch);
                FloatVector a2 = FloatVector.fromArray(FLOAT, part, p0 + 2 * c + ch);
                for (int q = 0, a = t; q < pixelsOut; q++, a += kk) {
                    FloatVector gv = FloatVector.fromArray(FLOAT, gT, q * c + ch);
                    a0 = a0.add(FloatVector.fromArray(FLOAT, xT, at[a] + ch).mul(gv));
                    a1 = a1.add(FloatVector.fromArray(FLOAT, xT, at[a + 1] + ch).mul(gv));
                    a2 = a2.add(FloatVector.fromArray(FLOAT, xT, at[a + 2] + ch).mul(gv));
                }
                a0.intoArray(part, p0 + ch);
                a1.intoArray(part, p0 + c + ch);
                a2.intoArray(part, p0 + 2 * c + ch);
            }
            for (; ch < c; ch++) {
                for (int j = 0; j < 3; j++) {
                    part[p0 + j * c + ch] = tapSum(xT, at, t + j, kk, gT, c, ch, pixelsOut, part[p0 + j * c + ch]);
                }
            }
        }
        for (; t < kk; t++) {
            int p0 = partOff + t * c;
            int ch = 0;
            for (; ch < vecEnd; ch += l) {
                FloatVector a0 = FloatVector.fromArray(FLOAT, part, p0 + ch);
                for (int q = 0, a = t; q < pixelsOut; q++, a += kk) {
                    a0 = a0.add(FloatVector.fromArray(FLOAT, xT, at[a] + ch).mul(FloatVector.fromArray(FLOAT, gT, q * c + ch)));
                }
                a0.intoArray(part, p0 + ch);
            }
            for (; ch < c; ch++) {
                part[p0 + ch] = tapSum(xT, at, t, kk, gT, c, ch, pixelsOut, part[p0 + ch]);
            }
        }
    }

    /** One channel's {@code v + Σ_q xT[at[q·k² + t] + ch] · gT[q·C + ch]}: the scalar tail of {@link #weightGrad}. */
    private static float tapSum(float[] xT, int[] at, int t, int kk, float[] gT, int c, int ch, int pixelsOut, float v) {
        for (int q = 0, a = t; q < pixelsOut; q++, a += kk) {
            v += xT[at[a] + ch] * gT[q * c + ch];
        }
        return v;
    }

    /** bias[c] += Σ_q gT[q·C + c]. */
    private static void biasGrad(Shape g, float[] gT, float[] bias, int off) {
        int c = g.c();
        int pixelsOut = g.outH() * g.outW();
        int l = FLOAT.length();
        int vecEnd = FLOAT.loopBound(c);
        int ch = 0;
        for (; ch < vecEnd; ch += l) {
            FloatVector b = FloatVector.fromArray(FLOAT, bias, off + ch);
            for (int q = 0; q < pixelsOut; q++) {
                b = b.add(FloatVector.fromArray(FLOAT, gT, q * c + ch));
            }
            b.intoArray(bias, off + ch);
        }
        for (; ch < c; ch++) {
            float b = bias[off + ch];
            for (int q = 0; q < pixelsOut; q++) {
                b += gT[q * c + ch];
            }
            bias[off + ch] = b;
        }
    }

    /**
     * dxT[r·C + c] = Σ_u wT[tapAt[e + u] + c] · gT[gradAt[e + u] + c] over the run e of entries of
     * input pixel r, class by class ({@link Shape#classTaps}): within a class every pixel has the
     * same number of taps, so the loops have no uneven ends, and each pixel's products are added in
     * filter order, as in the definition, in registers, and stored once. (Scattering instead, each
     * output pixel's products added onto the input pixels its taps read, writes every input pixel
     * k² times, and those read-modify-writes of vectors cost more than these loads.) Two pixels at
     * a time, as in {@link #pair}.
     */
    private static void inputGrad(Shape g, float[] gT, float[] wT, float[] dxT) {
        int c = g.c();
        int[] pixels = g.classPixels;
        int[] gradAt = g.gradAt;
        int[] tapAt = g.tapAt;
        int l = FLOAT.length();
        int vecEnd = FLOAT.loopBound(c);
        for (int cl = 0; cl < g.classTaps.length; cl++) {
            int m = g.classTaps[cl];
            int first = g.classStart[cl];
            int last = g.classStart[cl + 1];
            int i = first;
            for (int e = g.entryStart[cl]; i + 1 < last; i += 2, e += 2 * m) {
                int o0 = pixels[i] * c;
                int o1 = pixels[i + 1] * c;
                int ch = 0;
                for (; ch < vecEnd; ch += l) {
                    FloatVector v0 = FloatVector.zero(FLOAT);
                    FloatVector v1 = FloatVector.zero(FLOAT);
                    for (int u = 0; u < m; u++) {
                        v0 = v0.add(FloatVector.fromArray(FLOAT, wT, tapAt[e + u] + ch)
                                .mul(FloatVector.fromArray(FLOAT, gT, gradAt[e + u] + ch)));
                        v1 = v1.add(FloatVector.fromArray(FLOAT, wT, tapAt[e + m + u] + ch)
                                .mul(FloatVector.fromArray(FLOAT, gT, gradAt[e + m + u] + ch)));
                    }
                    v0.intoArray(dxT, o0 + ch);
                    v1.intoArray(dxT, o1 + ch);
                }
                for (; ch < c; ch++) {
                    dxT[o0 + ch] = gather(gT, wT, gradAt, tapAt, e, m, ch);
                    dxT[o1 + ch] = gather(gT, wT, gradAt, tapAt, e + m, m, ch);
                }
            }
            if (i < last) {
                int e = g.entryStart[cl] + (i - first) * m;
                int o0 = pixels[i] * c;
                int ch = 0;
                for (; ch < vecEnd; ch += l) {
                    FloatVector v0 = FloatVector.zero(FLOAT);
                    for (int u = 0; u < m; u++) {
                        v0 = v0.add(FloatVector.fromArray(FLOAT, wT, tapAt[e + u] + ch)
                                .mul(FloatVector.fromArray(FLOAT, gT, gradAt[e + u] + ch)));
                    }
                    v0.intoArray(dxT, o0 + ch);
                }
                for (; ch < c; ch++) {
                    dxT[o0 + ch] = gather(gT, wT, gradAt, tapAt, e, m, ch);
                }
            }
        }
    }

    /** One channel of one input pixel: the scalar tail of {@link #inputGrad}. */
    private static float gather(float[] gT, float[] wT, int[] gradAt, int[] tapAt, int e, int m, int ch) {
        float v = 0f;
        for (int u = 0; u < m; u++) {
            v += wT[tapAt[e + u] + ch] * gT[gradAt[e + u] + ch];
        }
        return v;
    }
}
