package dev.pare.nn;

import dev.pare.tensor.parallel.Parallel;

/**
 * Unfolding image patches into the rows of a matrix ("im2row") and folding them back
 * ("row2im"): the two data movements that turn a convolution into one matrix multiply.
 *
 * <h2>The layout</h2>
 * For an input {@code [N, C, H, W]}, a kernel {@code kh × kw} and an output {@code OH × OW},
 * the patch matrix has one row per output pixel and one column per (channel, kernel row, kernel
 * column):
 * <pre>
 *   rows[(n·OH + oh)·OW + ow][(c·kh + i)·kw + j] = x[n, c, oh·sh − ph + i·dh, ow·sw − pw + j·dw]
 * </pre>
 * (zero where that position falls in the padding). The column order matches a weight stored
 * {@code [O, C, kh, kw]} flattened to {@code [O, C·kh·kw]}, so a convolution is
 * {@code out = rows · Wᵀ}; and the columns of one group of channels are contiguous, so a grouped
 * convolution multiplies one block of columns per group.
 *
 * <p>Pixels as rows (rather than as columns, the textbook "im2col") gives the matrix multiply one
 * row per output pixel of the whole batch: tens of thousands of rows that split evenly over the
 * threads, even for depthwise convolutions whose groups have one output channel each. Both loops
 * below write their output contiguously and read the (small, cache-resident) image scattered.
 *
 * <p>Both are parallel over the batch: every sample owns its own rows and its own image, so no
 * two threads ever write the same element and the results do not depend on the thread count.
 */
final class Im2Col {
    private Im2Col() {}

    /** Geometry of one 2-D convolution or pooling window. */
    record Geometry(int n, int c, int h, int w, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw) {
        int outH() {
            return (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
        }

        int outW() {
            return (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        }

        /** Columns of the patch matrix: {@code C·kh·kw}. */
        int cols() {
            return c * kh * kw;
        }
    }

    /**
     * Fills {@code rows} ({@code N·OH·OW × C·kh·kw}, row-major) from the image {@code x} read with
     * arbitrary strides {@code xs} = (sN, sC, sH, sW) from {@code xo}.
     */
    static void im2row(Geometry g, float[] x, int xo, int[] xs, float[] rows) {
        int oh = g.outH();
        int ow = g.outW();
        int k = g.cols();
        Parallel.forRange(g.n(), 1, (lo, hi) -> {
            for (int n = lo; n < hi; n++) {
                for (int y = 0; y < oh; y++) {
                    for (int xx = 0; xx < ow; xx++) {
                        int r = ((n * oh + y) * ow + xx) * k;
                        int ih0 = y * g.sh() - g.ph();
                        int iw0 = xx * g.sw() - g.pw();
                        // Most pixels' windows lie inside the image horizontally: then each kernel
                        // row is a plain copy, without the per-element column test.
                        boolean colsIn = iw0 >= 0 && iw0 + (g.kw() - 1) * g.dw() < g.w();
                        for (int c = 0; c < g.c(); c++) {
                            int base = xo + n * xs[0] + c * xs[1];
                            for (int i = 0; i < g.kh(); i++) {
                                int ih = ih0 + i * g.dh();
                                boolean rowIn = ih >= 0 && ih < g.h();
                                int rowBase = base + ih * xs[2];
                                if (rowIn && colsIn) {
                                    int src = rowBase + iw0 * xs[3];
                                    int step = g.dw() * xs[3];
                                    for (int j = 0; j < g.kw(); j++, src += step) {
                                        rows[r++] = x[src];
                                    }
                                    continue;
                                }
                                for (int j = 0; j < g.kw(); j++) {
                                    int iw = iw0 + j * g.dw();
                                    rows[r++] = rowIn && iw >= 0 && iw < g.w() ? x[rowBase + iw * xs[3]] : 0f;
                                }
                            }
                        }
                    }
                }
            }
        });
    }

    /**
     * The adjoint of {@link #im2row}: adds every entry of {@code rows} back onto the pixel it was
     * copied from, into the contiguous {@code [N, C, H, W]} array {@code dx}. A pixel covered by
     * several overlapping patches receives the sum of their entries, which is exactly the chain
     * rule for a value used several times.
     */
    static void row2im(Geometry g, float[] rows, float[] dx) {
        int oh = g.outH();
        int ow = g.outW();
        int k = g.cols();
        int hw = g.h() * g.w();
        Parallel.forRange(g.n(), 1, (lo, hi) -> {
            for (int n = lo; n < hi; n++) {
                for (int y = 0; y < oh; y++) {
                    for (int xx = 0; xx < ow; xx++) {
                        int r = ((n * oh + y) * ow + xx) * k;
                        int ih0 = y * g.sh() - g.ph();
                        int iw0 = xx * g.sw() - g.pw();
                        boolean colsIn = iw0 >= 0 && iw0 + (g.kw() - 1) * g.dw() < g.w();
                        for (int c = 0; c < g.c(); c++) {
                            int base = (n * g.c() + c) * hw;
                            for (int i = 0; i < g.kh(); i++) {
                                int ih = ih0 + i * g.dh();
                                if (ih < 0 || ih >= g.h()) {
                                    r += g.kw();
                                    continue;
                                }
                                int rowBase = base + ih * g.w();
                                if (colsIn) {
                                    // As in im2row: the whole kernel row is inside, no column test.
                                    // Same additions in the same order, so the same sums.
                                    for (int j = 0, dst = rowBase + iw0; j < g.kw(); j++, r++, dst += g.dw()) {
                                        dx[dst] += rows[r];
                                    }
                                    continue;
                                }
                                for (int j = 0; j < g.kw(); j++, r++) {
                                    int iw = iw0 + j * g.dw();
                                    if (iw >= 0 && iw < g.w()) {
                                        dx[rowBase + iw] += rows[r];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        });
    }
}
