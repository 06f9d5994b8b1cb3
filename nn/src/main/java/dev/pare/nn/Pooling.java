package dev.pare.nn;

import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.PoolKernels;
import dev.pare.tensor.parallel.Parallel;
import java.util.Arrays;

/**
 * Max and average pooling over {@code k × k} windows, forward beside backward, as differentiable
 * ops recorded with {@link Tensor#recordOp}. Used by {@link MaxPool2d} and {@link AvgPool2d},
 * which check shapes and arguments first.
 *
 * <p>Every {@code (n, c)} plane is independent, so planes are split over threads: each output and
 * each input gradient element belongs to exactly one plane, so results do not depend on the
 * thread count.
 */
final class Pooling {
    private Pooling() {}

    /** Output size along one dimension: {@code ⌊(size + 2p − k)/s⌋ + 1}. */
    static int outSize(int size, int k, int s, int p) {
        return (size + 2 * p - k) / s + 1;
    }

    /**
     * {@code out[n, c, y, x] = max over the window at (y·s − p, x·s − p)} of the input, padding
     * counting as −∞ (it never wins). The backward pass sends each output's gradient to the
     * position that won; on ties, the first in row-major window order (as PyTorch on CPU).
     */
    static Tensor maxPool2d(Tensor input, int k, int s, int p) {
        Tensor x = Conv2dOp.contiguous(input);
        int[] sh = x.shape();
        int n = sh[0], c = sh[1], h = sh[2], w = sh[3];
        int oh = outSize(h, k, s, p);
        int ow = outSize(w, k, s, p);
        float[] xd = x.storage();
        int xo = x.offset();
        float[] out = new float[n * c * oh * ow];
        // Flat index (within its plane) of the winner of each output: what backward needs, so
        // only kept when a graph will be recorded (as large as the output, in ints).
        boolean recording = Tensor.willRecord(input);
        int[] argmax = recording ? new int[out.length] : null;
        if (k == 2 && s == 2 && p == 0) {
            maxPool2x2(xd, xo, n * c, h, w, out, argmax);
        } else {
            maxPoolAnyWindow(xd, xo, n * c, h, w, k, s, p, out, argmax);
        }
        Tensor result = Tensor.wrap(out, 0, n, c, oh, ow);
        return Tensor.recordOp("maxPool2d", result, g -> {
            Tensor gc = Conv2dOp.contiguous(g);
            float[] gd = gc.storage();
            int go = gc.offset();
            // A recycled array, cleared plane by plane by the thread that then scatters into the
            // plane: the zeroing is shared by the threads and done while the plane is in cache.
            float[] dx = Tensor.backwardArray(n * c * h * w);
            Parallel.forRange(n * c, Parallel.grainFor((long) h * w), (lo, hi) -> {
                Arrays.fill(dx, lo * h * w, hi * h * w, 0f);
                for (int plane = lo; plane < hi; plane++) {
                    int in0 = plane * h * w;
                    for (int o = plane * oh * ow, end = o + oh * ow; o < end; o++) {
                        dx[in0 + argmax[o]] += gd[go + o];
                    }
                }
            });
            return new Tensor[] {Tensor.wrap(dx, 0, n, c, h, w)};
        }, input);
    }

    /**
     * Whether {@code v} replaces {@code best} as the maximum of a window scanned in row-major
     * order: strictly greater (so the first of equal values stays, as PyTorch), or the first NaN
     * (which then stays, so that a NaN input is not hidden by max).
     */
    private static boolean beats(float v, float best) {
        return v > best || Float.isNaN(v) && !Float.isNaN(best);
    }

    /** Any window: clipped to the image, padding never wins. {@code argmax} may be null. */
    private static void maxPoolAnyWindow(float[] xd, int xo, int planes, int h, int w, int k, int s, int p,
            float[] out, int[] argmax) {
        int oh = outSize(h, k, s, p);
        int ow = outSize(w, k, s, p);
        Parallel.forRange(planes, Parallel.grainFor((long) h * w), (lo, hi) -> {
            for (int plane = lo; plane < hi; plane++) {
                int in0 = xo + plane * h * w;
                int o = plane * oh * ow;
                for (int y = 0; y < oh; y++) {
                    int y0 = y * s - p;
                    int yLo = Math.max(y0, 0);
                    int yHi = Math.min(y0 + k, h);
                    for (int xx = 0; xx < ow; xx++, o++) {
                        int x0 = xx * s - p;
                        int xLo = Math.max(x0, 0);
                        int xHi = Math.min(x0 + k, w);
                        float best = Float.NEGATIVE_INFINITY;
                        int bestAt = yLo * w + xLo;
                        for (int i = yLo; i < yHi; i++) {
                            for (int j = xLo; j < xHi; j++) {
                                float v = xd[in0 + i * w + j];
                                if (beats(v, best)) {
                                    best = v;
                                    bestAt = i * w + j;
                                }
                            }
                        }
                        out[o] = best;
                        if (argmax != null) {
                            argmax[o] = bestAt;
                        }
                    }
                }
            }
        });
    }

    /**
     * The CNN's common case, non-overlapping 2×2 windows without padding: every window lies inside
     * the image (a last odd row or column is dropped by the output size), so the bounds arithmetic
     * of {@link #maxPoolAnyWindow} disappears and the compares run on vector lanes
     * ({@link PoolKernels#maxPool2x2}). Same scan order and same {@link #beats} rule, hence the same
     * values and winners bit for bit.
     */
    private static void maxPool2x2(float[] xd, int xo, int planes, int h, int w, float[] out, int[] argmax) {
        int[] corners = PoolKernels.corners(h, w);
        Parallel.forRange(planes, Parallel.grainFor((long) h * w), (lo, hi) -> PoolKernels.maxPool2x2(xd, xo, lo, hi, h, w, corners, out, argmax));
    }

    /**
     * {@code out[n, c, y, x] = (1/k²) Σ window}, padding counting as zeros that are included in
     * the divisor (PyTorch's default {@code count_include_pad=True}). Backward spreads each
     * output's gradient equally, {@code g/k²}, over its window's in-bounds positions.
     */
    static Tensor avgPool2d(Tensor input, int k, int s, int p) {
        Tensor x = Conv2dOp.contiguous(input);
        int[] sh = x.shape();
        int n = sh[0], c = sh[1], h = sh[2], w = sh[3];
        int oh = outSize(h, k, s, p);
        int ow = outSize(w, k, s, p);
        float[] xd = x.storage();
        int xo = x.offset();
        float inv = 1f / (k * k);
        float[] out = new float[n * c * oh * ow];
        Parallel.forRange(n * c, Parallel.grainFor((long) h * w), (lo, hi) -> {
            for (int plane = lo; plane < hi; plane++) {
                int in0 = xo + plane * h * w;
                int o = plane * oh * ow;
                for (int y = 0; y < oh; y++) {
                    int yLo = Math.max(y * s - p, 0);
                    int yHi = Math.min(y * s - p + k, h);
                    for (int xx = 0; xx < ow; xx++, o++) {
                        int xLo = Math.max(xx * s - p, 0);
                        int xHi = Math.min(xx * s - p + k, w);
                        float sum = 0f;
                        for (int i = yLo; i < yHi; i++) {
                            for (int j = xLo; j < xHi; j++) {
                                sum += xd[in0 + i * w + j];
                            }
                        }
                        out[o] = sum * inv;
                    }
                }
            }
        });
        Tensor result = Tensor.wrap(out, 0, n, c, oh, ow);
        return Tensor.recordOp("avgPool2d", result, g -> {
            Tensor gc = Conv2dOp.contiguous(g);
            float[] gd = gc.storage();
            int go = gc.offset();
            float[] dx = Tensor.backwardArray(n * c * h * w);   // cleared per plane, as max pooling's
            Parallel.forRange(n * c, Parallel.grainFor((long) h * w), (lo, hi) -> {
                Arrays.fill(dx, lo * h * w, hi * h * w, 0f);
                for (int plane = lo; plane < hi; plane++) {
                    int in0 = plane * h * w;
                    int o = plane * oh * ow;
                    for (int y = 0; y < oh; y++) {
                        int yLo = Math.max(y * s - p, 0);
                        int yHi = Math.min(y * s - p + k, h);
                        for (int xx = 0; xx < ow; xx++, o++) {
                            int xLo = Math.max(xx * s - p, 0);
                            int xHi = Math.min(xx * s - p + k, w);
                            float share = gd[go + o] * inv;
                            for (int i = yLo; i < yHi; i++) {
                                for (int j = xLo; j < xHi; j++) {
                                    dx[in0 + i * w + j] += share;
                                }
                            }
                        }
                    }
                }
            });
            return new Tensor[] {Tensor.wrap(dx, 0, n, c, h, w)};
        }, input);
    }
}
