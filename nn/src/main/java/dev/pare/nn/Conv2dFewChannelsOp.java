package dev.pare.nn;

import dev.pare.tensor.ForwardArrays;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.DepthwiseKernels;
import dev.pare.tensor.parallel.Parallel;

/**
 * An ungrouped convolution whose filters are tiny ({@code C·k² ≤ }{@link #MAX_TAPS}, such as a
 * 3×3 stem on a grey or RGB image), forward and weight gradient computed directly on
 * phase planes like {@link DepthwiseConvOp}: each output channel is one depthwise-style sweep
 * whose taps run over all input channels. (A 1×1 kernel with stride 1 and no padding is a plain
 * matrix product and goes to {@code Conv2dOp}'s pointwise route first, however few its channels.)
 * <pre>
 *   out[n, o, y, x] = b[o] + Σ_c Σ_{i,j} W[o, c, i, j] · xpad[n, c, y·s + i·d, x·s + j·d]
 *   dW[o, c, i, j] = Σ_{n, y, x} g[n, o, y, x] · xpad[n, c, y·s + i·d, x·s + j·d],   db[o] = Σ g[n, o, ·, ·]
 * </pre>
 *
 * <p>Why: as a matrix multiply such a layer has a K of 9 (one channel, 3×3), far below one
 * micro-tile of the GEMM; its weight gradient is a product whose result is 9 columns wide, a
 * third of one 32-column tile, with the patches gathered for it. Here the phase planes of a
 * sample's C channels lie one after the other, tap (c, t) reads at {@code c·planeSize +
 * tapOffset[t]}, and {@link DepthwiseKernels} sums all C·k² taps of a vector of outputs at once.
 *
 * <p>The input gradient, rarely wanted for a first layer fed with data, is the implicit route's
 * ({@link Conv2dOp#ungroupedInputGradient}). The route does not depend on whether a graph is
 * recorded, so inference under {@code noGrad} gives the recorded forward's bits. Each
 * sample's outputs and each output channel's weight gradient belong to one thread, summed in a
 * fixed order, so the results do not depend on the thread count.
 */
final class Conv2dFewChannelsOp {
    /** The largest C·k² taken this way: an RGB image under a 3×3 kernel. */
    static final int MAX_TAPS = 27;

    private Conv2dFewChannelsOp() {}

    /**
     * Whether {@link #conv} applies: one group, a square kernel with the same stride, padding and
     * dilation along both axes, few taps, and an input gradient's buffers (if one is ever asked
     * for) within a Java array, else the implicit route rejects the batch with its message.
     */
    static boolean applies(Im2Col.Geometry g, int groups, int o) {
        long rows = (long) g.n() * g.outH() * g.outW();
        return groups == 1 && g.kh() == g.kw() && g.sh() == g.sw() && g.ph() == g.pw() && g.dh() == g.dw()
                && g.c() * g.kh() * g.kw() <= MAX_TAPS && rows * Math.max(g.cols(), o) <= Conv2dOp.MAX_ARRAY;
    }

    /** The convolution, with {@code epilogue} (if not null) applied to each output plane (see {@link PlaneEpilogue}). */
    static Tensor conv(Im2Col.Geometry g, Tensor x, Tensor weight, Tensor bias, int o, PlaneEpilogue epilogue) {
        int n = g.n();
        int c = g.c();
        int h = g.h();
        int w = g.w();
        int kk = g.kh() * g.kw();
        int taps = c * kk;
        int oh = g.outH();
        int ow = g.outW();
        int p = g.ph();
        DepthwiseConvOp.Phases ph = DepthwiseConvOp.Phases.of(g);
        int grid = oh * ph.ws();
        int gridRoom = DepthwiseKernels.paddedLength(grid);
        int[] all = new int[taps];
        for (int ch = 0; ch < c; ch++) {
            for (int t = 0; t < kk; t++) {
                all[ch * kk + t] = ch * ph.size() + ph.tapOffset()[t];
            }
        }
        int room = c * ph.size() + DepthwiseKernels.SLACK;
        float[] xd = x.storage();
        int xo = x.offset();
        int[] xs = x.strides();
        float[] wd = Conv2dOp.contiguous(weight).toArray();
        float[] bd = bias == null ? null : Conv2dOp.contiguous(bias).toArray();
        float[] out = ForwardArrays.take(n * o * oh * ow);   // every element is written below

        Parallel.forRange(n, Parallel.grainFor((long) room * o), (lo, hi) -> {
            float[] planes = new float[room];   // borders and slack are never written: stay zero
            float[] acc = new float[gridRoom];
            for (int s = lo; s < hi; s++) {
                splitSample(xd, xo + s * xs[0], xs, c, h, w, p, ph, planes);
                for (int oc = 0; oc < o; oc++) {
                    DepthwiseKernels.forward(planes, all, taps, wd, oc * taps, bd == null ? 0f : bd[oc], acc, grid);
                    for (int y = 0; y < oh; y++) {
                        System.arraycopy(acc, y * ph.ws(), out, ((s * o + oc) * oh + y) * ow, ow);
                    }
                    if (epilogue != null) {
                        epilogue.apply(out, (s * o + oc) * oh * ow, oc, oh * ow);
                    }
                }
            }
        });
        Tensor result = Tensor.wrap(out, 0, n, o, oh, ow);

        return Tensor.recordOp("conv2d(few channels)", result, gradOut -> {
            Tensor gc = Conv2dOp.contiguous(gradOut);
            float[] gd = gc.storage();
            int go = gc.offset();
            Tensor dx = x.requiresGrad() ? Conv2dOp.ungroupedInputGradient(g, gradOut, wd, 0, o) : null;
            boolean needW = weight.requiresGrad();
            boolean needB = bias != null && bias.requiresGrad();
            float[] dwd = new float[o * taps];
            float[] dbd = new float[o];
            if (needW || needB) {
                // Output channels split over threads; each thread splits every sample once for
                // all of its channels.
                Parallel.forRange(o, 1, (lo, hi) -> {
                    float[] planes = new float[room];
                    float[] gGrid = new float[gridRoom];   // junk columns and padding stay zero
                    float[][] partial = new float[hi - lo][DepthwiseKernels.partialLength(taps)];
                    double[][] sums = new double[hi - lo][taps + 1];
                    for (int s = 0; s < n; s++) {
                        splitSample(xd, xo + s * xs[0], xs, c, h, w, p, ph, planes);
                        for (int oc = lo; oc < hi; oc++) {
                            DepthwiseConvOp.toGrid(gd, go + (s * o + oc) * oh * ow, oh, ow, ph.ws(), gGrid, 0);
                            DepthwiseKernels.weightGrad(planes, all, taps, gGrid, 0, grid, partial[oc - lo]);
                            if (s % DepthwiseConvOp.FLUSH_EVERY == DepthwiseConvOp.FLUSH_EVERY - 1) {
                                DepthwiseKernels.flush(partial[oc - lo], taps, sums[oc - lo]);
                            }
                        }
                    }
                    for (int oc = lo; oc < hi; oc++) {
                        DepthwiseKernels.flush(partial[oc - lo], taps, sums[oc - lo]);
                        for (int t = 0; t < taps; t++) {
                            dwd[oc * taps + t] = (float) sums[oc - lo][t];
                        }
                        dbd[oc] = (float) sums[oc - lo][taps];
                    }
                });
            }
            return new Tensor[] {
                dx,
                needW ? Tensor.wrap(dwd, 0, weight.shape()) : null,
                needB ? Tensor.wrap(dbd, 0, o) : null
            };
        }, x, weight, bias);
    }

    /** The phase planes of sample {@code base}'s C channels, one after the other. */
    private static void splitSample(float[] x, int base, int[] xs, int c, int h, int w, int p,
                                    DepthwiseConvOp.Phases ph, float[] planes) {
        // split puts the image's values only at the image's positions, within each channel's own
        // phase planes, into a zeroed region; with several channels the regions are distinct, so
        // the borders stay zero here too.
        for (int ch = 0; ch < c; ch++) {
            DepthwiseConvOp.split(x, base + ch * xs[1], xs[2], xs[3], h, w, p, ph, planes, ch * ph.size());
        }
    }
}
