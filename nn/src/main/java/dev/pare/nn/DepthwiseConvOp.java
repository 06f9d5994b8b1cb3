package dev.pare.nn;

import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;

/**
 * Depthwise convolution ({@code groups = in = out}: one {@code k × k} filter per channel), forward
 * beside backward, computed directly rather than by unfolding.
 *
 * <p>Why a separate path: each output of a depthwise convolution sums only {@code k²} products,
 * so the unfolded patch matrix of {@link Conv2dOp} would cost as much memory traffic as the whole
 * arithmetic, for a matrix multiply with one output column per group. Sliding the filter over
 * each channel plane directly reads the input once and needs no buffer. {@link Conv2dOp} sends
 * depthwise convolutions here; its own tests cover both paths against the same direct loops.
 *
 * <pre>
 *   out[n, c, y, x] = b[c] + Σ_{i,j} W[c, 0, i, j] · xpad[n, c, y·s + i·d, x·s + j·d]
 *   dx[n, c, y·s + i·d, x·s + j·d] += W[c, 0, i, j] · g[n, c, y, x]
 *   dW[c, 0, i, j] = Σ_{n, y, x} xpad[n, c, y·s + i·d, x·s + j·d] · g[n, c, y, x],   db[c] = Σ_{n, y, x} g[n, c, y, x]
 * </pre>
 * The forward pass and dx split the {@code (n, c)} planes over threads; dW and db split the
 * channels, each summed by one thread over the batch in a fixed order, so results do not depend
 * on the thread count.
 */
final class DepthwiseConvOp {
    private DepthwiseConvOp() {}

    static Tensor conv(Im2Col.Geometry g, Tensor x, Tensor weight, Tensor bias) {
        int n = g.n();
        int c = g.c();
        int h = g.h();
        int w = g.w();
        int k = g.kh();
        int oh = g.outH();
        int ow = g.outW();
        int s = g.sh();
        int p = g.ph();
        int d = g.dh();
        float[] xd = x.storage();
        int xo = x.offset();
        int[] xs = x.strides();
        float[] wd = Conv2dOp.contiguous(weight).toArray();
        float[] bd = bias == null ? null : Conv2dOp.contiguous(bias).toArray();
        float[] out = new float[n * c * oh * ow];

        Parallel.forRange(n * c, 1, (lo, hi) -> {
            for (int plane = lo; plane < hi; plane++) {
                int ch = plane % c;
                int in0 = xo + (plane / c) * xs[0] + ch * xs[1];
                int w0 = ch * k * k;
                float b0 = bd == null ? 0f : bd[ch];
                int o = plane * oh * ow;
                for (int y = 0; y < oh; y++) {
                    for (int xx = 0; xx < ow; xx++, o++) {
                        float acc = b0;
                        for (int i = 0; i < k; i++) {
                            int ih = y * s - p + i * d;
                            if (ih < 0 || ih >= h) {
                                continue;
                            }
                            for (int j = 0; j < k; j++) {
                                int iw = xx * s - p + j * d;
                                if (iw >= 0 && iw < w) {
                                    acc += wd[w0 + i * k + j] * xd[in0 + ih * xs[2] + iw * xs[3]];
                                }
                            }
                        }
                        out[o] = acc;
                    }
                }
            }
        });
        Tensor result = Tensor.wrap(out, 0, n, c, oh, ow);

        return Tensor.recordOp("conv2d(depthwise)", result, gradOut -> {
            Tensor gc = Conv2dOp.contiguous(gradOut);
            float[] gd = gc.storage();
            int go = gc.offset();
            Tensor dx = null;
            if (x.requiresGrad()) {
                float[] dxd = new float[n * c * h * w];
                Parallel.forRange(n * c, 1, (lo, hi) -> {
                    for (int plane = lo; plane < hi; plane++) {
                        int w0 = (plane % c) * k * k;
                        int in0 = plane * h * w;
                        int o = go + plane * oh * ow;
                        for (int y = 0; y < oh; y++) {
                            for (int xx = 0; xx < ow; xx++, o++) {
                                float gv = gd[o];
                                for (int i = 0; i < k; i++) {
                                    int ih = y * s - p + i * d;
                                    if (ih < 0 || ih >= h) {
                                        continue;
                                    }
                                    for (int j = 0; j < k; j++) {
                                        int iw = xx * s - p + j * d;
                                        if (iw >= 0 && iw < w) {
                                            dxd[in0 + ih * w + iw] += wd[w0 + i * k + j] * gv;
                                        }
                                    }
                                }
                            }
                        }
                    }
                });
                dx = Tensor.wrap(dxd, 0, n, c, h, w);
            }
            boolean needW = weight.requiresGrad();
            boolean needB = bias != null && bias.requiresGrad();
            float[] dwd = new float[c * k * k];
            float[] dbd = new float[c];
            if (needW || needB) {
                Parallel.forRange(c, 1, (lo, hi) -> {
                    for (int ch = lo; ch < hi; ch++) {
                        int w0 = ch * k * k;
                        for (int sample = 0; sample < n; sample++) {
                            int in0 = xo + sample * xs[0] + ch * xs[1];
                            int o = go + (sample * c + ch) * oh * ow;
                            for (int y = 0; y < oh; y++) {
                                for (int xx = 0; xx < ow; xx++, o++) {
                                    float gv = gd[o];
                                    dbd[ch] += gv;
                                    for (int i = 0; i < k; i++) {
                                        int ih = y * s - p + i * d;
                                        if (ih < 0 || ih >= h) {
                                            continue;
                                        }
                                        for (int j = 0; j < k; j++) {
                                            int iw = xx * s - p + j * d;
                                            if (iw >= 0 && iw < w) {
                                                dwd[w0 + i * k + j] += gv * xd[in0 + ih * xs[2] + iw * xs[3]];
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                });
            }
            return new Tensor[] {
                dx,
                needW ? Tensor.wrap(dwd, 0, weight.shape()) : null,
                needB ? Tensor.wrap(dbd, 0, c) : null
            };
        }, x, weight, bias);
    }
}
