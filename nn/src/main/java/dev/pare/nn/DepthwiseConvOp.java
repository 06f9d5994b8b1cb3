package dev.pare.nn;

import dev.pare.tensor.ForwardArrays;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.DepthwiseChannelsLast;
import dev.pare.tensor.kernels.DepthwiseKernels;
import dev.pare.tensor.kernels.Interleave;
import dev.pare.tensor.parallel.Parallel;
import java.util.Arrays;

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
 * The forward pass splits the {@code (n, c)} planes over threads; the backward pass splits the
 * channels and computes dx, dW and db of a channel in one sweep over the batch, each sum in a
 * fixed order, so results do not depend on the thread count.
 *
 * <h2>Phase planes: every tap is one contiguous sweep</h2>
 * The textbook loop (kept in the tests as the oracle) tests bounds for each of the k² taps of
 * each output, and for stride 2 reads every other input: neither vectorises, and its
 * bounds tests cost more than the multiply-adds they guard. Here each input plane is first
 * copied, zero-padded, into s² <em>phase planes</em> (padded rows ≡ a, columns ≡ b mod s go to
 * plane (a, b), each {@code Hs × Ws} with {@code Ws = ⌈(W + 2p)/s⌉}). Output (y, x) then reads tap
 * (i, j) at plane ((i·d) mod s, (j·d) mod s), row {@code y + ⌊i·d/s⌋}, column
 * {@code x + ⌊j·d/s⌋}: stride 1, whatever the convolution's stride. Computing the outputs on a
 * grid {@code OH × Ws} (the columns past OW are junk and dropped), one tap for all outputs of a
 * plane is one flat run over {@code OH·Ws} floats: long enough for vector instructions even when
 * a row is 7 pixels wide (MobileNet's last blocks). {@link DepthwiseKernels} does the arithmetic,
 * all taps of a vector of outputs at once, over the grid rounded up to whole vectors (the arrays
 * here carry that slack). Padding taps read zeros instead of being skipped, and the junk columns
 * of the gradient grid are zeros, so they add nothing (for finite inputs).
 *
 * <p>The weight gradient needs the input's phase planes again. When it will be asked for (a graph
 * is recorded and the weight or bias requires a gradient), the forward pass writes each plane's
 * phase planes into an array of its own and keeps them for the backward pass: about 1.2× the
 * input's memory (the padding and the junk row), in exchange for a second split of every plane,
 * which costs more than the multiply-adds that read it. Inference splits into one reused buffer
 * per thread.
 *
 * <p>When the channels fill at least one vector, another route runs (for training, only on
 * small planes; see {@link #channelsLast}): each sample is transposed to channels-last and a
 * vector holds one pixel of many channels ({@link DepthwiseChannelsLast}), forward and backward,
 * which needs no phase planes and no copies row by row; for MobileNet's 14 × 14 and 7 × 7 planes
 * those copies cost more than the arithmetic. Its forward pass adds the same products in the
 * same order, so the two routes give the same output bits; its gradients are summed in another
 * order, so they agree to rounding.
 *
 * <p>Each output receives its bias and then its taps in row-major filter order, as in the
 * definition. Each plane and each channel's weight gradient belongs to one thread, so the result
 * does not depend on the thread count.
 */
final class DepthwiseConvOp {
    private DepthwiseConvOp() {}

    /**
     * Planes whose weight-gradient products a vector lane sums in float before they move into
     * doubles: a lane then adds 8·⌈OH·Ws / lanes⌉ products (about a hundred for a 14 × 14
     * output), and the double sum over the batch loses nothing however large the batch.
     */
    static final int FLUSH_EVERY = 8;

    /** Where the phase planes of one padded input plane live, and where each tap reads. */
    record Phases(int s, int hs, int ws, int[] tapOffset, int[][] planeTaps, int[] rowAt, int[] firstCol,
                          int[] colAt) {
        static Phases of(Im2Col.Geometry g) {
            int s = g.sh();
            int k = g.kh();
            int d = g.dh();
            int hs = ceilDiv(g.h() + 2 * g.ph(), s) + 1;   // + 1: junk columns of the last row read past it
            int ws = ceilDiv(g.w() + 2 * g.pw(), s);
            int[] tap = new int[k * k];
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    int plane = (i * d) % s * s + (j * d) % s;
                    tap[i * k + j] = plane * hs * ws + (i * d / s) * ws + j * d / s;
                }
            }
            // The taps that read each phase plane, in filter order: the input gradient of a phase
            // plane gathers from those alone.
            int[][] planeTaps = new int[s * s][];
            for (int plane = 0; plane < s * s; plane++) {
                int count = 0;
                int[] list = new int[k * k];
                for (int i = 0; i < k; i++) {
                    for (int j = 0; j < k; j++) {
                        if ((i * d) % s * s + (j * d) % s == plane) {
                            list[count++] = i * k + j;
                        }
                    }
                }
                planeTaps[plane] = java.util.Arrays.copyOf(list, count);
            }
            // Where input row r and the columns of phase b land, so that copying a plane in and out
            // divides nothing: padded position (r + p, firstCol[b] + p), in phase plane
            // ((r + p) mod s, b), is at rowAt[r] + colAt[b], and the columns
            // firstCol[b], firstCol[b] + s, … follow one after the other. (An integer division by
            // a stride that is not a constant costs tens of cycles; per row and phase it was most
            // of the copy.)
            int p = g.ph();
            int[] rowAt = new int[g.h()];
            for (int r = 0; r < g.h(); r++) {
                rowAt[r] = ((r + p) % s) * s * hs * ws + ((r + p) / s) * ws;
            }
            int[] firstCol = new int[s];
            int[] colAt = new int[s];
            for (int b = 0; b < s; b++) {
                firstCol[b] = Math.floorMod(b - p, s);
                colAt[b] = b * hs * ws + (firstCol[b] + p) / s;
            }
            return new Phases(s, hs, ws, tap, planeTaps, rowAt, firstCol, colAt);
        }

        int size() {
            return s * s * hs * ws;
        }

        /** With stride 2, the column phase that holds the image's even columns (the other holds the odd ones). */
        int evenPhase() {
            return firstCol[0] == 0 ? 0 : 1;
        }
    }

    /**
     * Planes of at most this many pixels (16 × 16) take the channels-last route in training too.
     * That route transposes the whole input plane twice per sample in the backward pass (the
     * input in, the input gradient out); the phase planes copy it in and out instead, row by row.
     * On a large plane those rows are long and the copies run at the speed of memory, so the
     * phase planes win; on small planes (MobileNet's 14 × 14 and 7 × 7) the copies are a few
     * floats per row and the channels-last arithmetic, which needs no copies, wins.
     */
    static final int TRAINING_PLANE_MAX = 256;

    /**
     * Whether the convolution runs vectorised along the channels ({@link DepthwiseChannelsLast}):
     * each sample's {@code [C, H, W]} is dense, the channels fill at least one vector (with fewer,
     * every lane but C would idle; the phase planes then do better), and, when a gradient will
     * be asked for, the planes are small ({@link #TRAINING_PLANE_MAX}). Both routes give the same
     * forward bits; their gradients differ only in rounding.
     */
    private static boolean channelsLast(Im2Col.Geometry g, int[] xs) {
        return g.c() >= DepthwiseKernels.SLACK && g.kh() == g.kw() && g.sh() == g.sw() && g.ph() == g.pw()
                && g.dh() == g.dw() && xs[3] == 1 && xs[2] == g.w() && xs[1] == g.h() * g.w();
    }

    /**
     * The depthwise convolution vectorised along the channels ({@link DepthwiseChannelsLast}),
     * forward and backward, the samples split over threads.
     *
     * <p>Nothing is kept for the backward pass but the input itself (the phase-planes route keeps
     * its split copies instead): the backward pass transposes each sample again, which costs less
     * than writing a copy of the whole input during the forward pass and reading it back. It
     * transposes each sample's output gradient once and does everything from it: the input
     * gradient as a gather per input pixel, transposed back, and the weight and bias products
     * summed in float over a group of samples whose size depends only on the geometry
     * ({@link DepthwiseChannelsLast.Shape#samplesPerPartial}); the groups' partials are then added
     * in doubles in group order. A thread owns whole groups, so no sum's order depends on the
     * thread count, and a thread keeps every lane busy even when the channels fill a single
     * vector (a split over the channels would leave half the lanes of 16 channels idle on each of
     * two threads).
     */
    private static Tensor convChannelsLast(Im2Col.Geometry g, Tensor x, Tensor weight, Tensor bias,
                                           PlaneEpilogue epilogue) {
        int n = g.n();
        int c = g.c();
        int h = g.h();
        int w = g.w();
        int kk = g.kh() * g.kw();
        float[] xd = x.storage();
        int xo = x.offset();
        int sampleStride = x.strides()[0];
        float[] wd = Conv2dOp.contiguous(weight).toArray();
        float[] bd = bias == null ? null : Conv2dOp.contiguous(bias).toArray();
        DepthwiseChannelsLast.Shape shape = new DepthwiseChannelsLast.Shape(c, h, w, g.kh(), g.sh(), g.ph(), g.dh());
        float[] wT = DepthwiseChannelsLast.transposeFilters(wd, 0, c, g.kh());
        int outSample = shape.outputScratch();
        int planeOut = shape.outH() * shape.outW();
        float[] out = ForwardArrays.take(n * outSample);   // every element is written below
        float[] biasOrZeros = bd == null ? new float[c] : bd;   // no bias: outputs start from +0, as on the phase planes
        Parallel.forRange(n, Parallel.grainFor((long) shape.inputScratch() * kk), (lo, hi) -> {
            float[] xT = new float[shape.inputScratch()];
            float[] oT = new float[outSample];
            for (int s = lo; s < hi; s++) {
                DepthwiseChannelsLast.forward(shape, xd, xo + s * sampleStride, wT, biasOrZeros, out, s * outSample,
                        xT, oT);
                if (epilogue != null) {
                    for (int ch = 0; ch < c; ch++) {
                        epilogue.apply(out, s * outSample + ch * planeOut, ch, planeOut);
                    }
                }
            }
        });
        Tensor result = Tensor.wrap(out, 0, n, c, shape.outH(), shape.outW());

        return Tensor.recordOp("conv2d(depthwise)", result, gradOut -> {
            Tensor gc = Conv2dOp.contiguous(gradOut);
            float[] gd = gc.storage();
            int go = gc.offset();
            boolean needX = x.requiresGrad();
            boolean needW = weight.requiresGrad();
            boolean needB = bias != null && bias.requiresGrad();
            float[] dxd = needX ? Tensor.backwardArray(n * c * h * w) : null;   // every element is written below
            int group = shape.samplesPerPartial();
            int groups = (n + group - 1) / group;
            int partSize = shape.partialSize();
            float[] parts = needW || needB ? new float[groups * partSize] : null;
            Parallel.forRange(groups, Parallel.grainFor((long) group * shape.inputScratch() * kk), (lo, hi) -> {
                float[] gT = new float[shape.gradientScratch()];
                float[] dxT = needX ? new float[shape.inputScratch()] : null;
                float[] xT = needW ? new float[shape.inputScratch()] : null;
                for (int grp = lo; grp < hi; grp++) {
                    for (int s = grp * group; s < Math.min(n, (grp + 1) * group); s++) {
                        if (needW) {
                            DepthwiseChannelsLast.transposeInput(shape, xd, xo + s * sampleStride, xT);
                        }
                        DepthwiseChannelsLast.backward(shape, gd, go + s * outSample, xT, wT,
                                dxd, s * c * h * w, parts, grp * partSize, gT, dxT);
                    }
                }
            });
            float[] dwd = needW ? new float[c * kk] : null;
            float[] dbd = needB ? new float[c] : null;
            if (parts != null) {
                // The groups' partials in group order, in doubles: the same sums on any thread count.
                Parallel.forRange(c, Parallel.grainFor((long) groups * (kk + 1)), (lo, hi) -> {
                    for (int ch = lo; ch < hi; ch++) {
                        for (int t = 0; t <= kk; t++) {
                            double sum = 0;
                            for (int grp = 0; grp < groups; grp++) {
                                sum += parts[grp * partSize + t * c + ch];
                            }
                            if (t < kk && needW) {
                                dwd[ch * kk + t] = (float) sum;
                            } else if (t == kk && needB) {
                                dbd[ch] = (float) sum;
                            }
                        }
                    }
                });
            }
            return new Tensor[] {
                needX ? Tensor.wrap(dxd, 0, n, c, h, w) : null,
                needW ? Tensor.wrap(dwd, 0, weight.shape()) : null,
                needB ? Tensor.wrap(dbd, 0, c) : null
            };
        }, x, weight, bias);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** The depthwise convolution, with {@code epilogue} (if not null) applied to each output plane (see {@link PlaneEpilogue}). */
    static Tensor conv(Im2Col.Geometry g, Tensor x, Tensor weight, Tensor bias, PlaneEpilogue epilogue) {
        boolean training = Tensor.willRecord(x, weight, bias);
        return channelsLast(g, x.strides()) && (!training || g.h() * g.w() <= TRAINING_PLANE_MAX)
                ? convChannelsLast(g, x, weight, bias, epilogue)
                : convPhasePlanes(g, x, weight, bias, epilogue);
    }

    /** {@link #conv} on phase planes, whatever the channel count (the tests compare the two routes through it). */
    static Tensor convPhasePlanes(Im2Col.Geometry g, Tensor x, Tensor weight, Tensor bias, PlaneEpilogue epilogue) {
        int n = g.n();
        int c = g.c();
        int h = g.h();
        int w = g.w();
        int kk = g.kh() * g.kw();
        int oh = g.outH();
        int ow = g.outW();
        int p = g.ph();
        Phases ph = Phases.of(g);
        int grid = oh * ph.ws();
        float[] xd = x.storage();
        int xo = x.offset();
        int[] xs = x.strides();
        float[] wd = Conv2dOp.contiguous(weight).toArray();
        float[] bd = bias == null ? null : Conv2dOp.contiguous(bias).toArray();
        float[] out = ForwardArrays.take(n * c * oh * ow);   // every element is written below

        int[] taps = ph.tapOffset();
        int room = ph.size() + DepthwiseKernels.SLACK;
        int gridRoom = DepthwiseKernels.paddedLength(grid);
        int planeSize = ph.hs() * ph.ws();
        int margin = Arrays.stream(taps).max().orElse(0);

        // Kept for the weight gradient (see the class comment); fresh arrays are zero, so their
        // border and slack need no clearing either.
        boolean keep = Tensor.willRecord(x, weight, bias)
                && (weight.requiresGrad() || bias != null && bias.requiresGrad());
        float[][] kept = keep ? new float[n * c][] : null;
        Parallel.forRange(n * c, Parallel.grainFor((long) ph.size() * kk), (lo, hi) -> {
            float[] shared = keep ? null : new float[room];   // the border and the slack are never written: stay zero
            float[] acc = new float[gridRoom];
            for (int plane = lo; plane < hi; plane++) {
                int ch = plane % c;
                float[] planes = keep ? (kept[plane] = new float[room]) : shared;
                split(xd, xo + (plane / c) * xs[0] + ch * xs[1], xs[2], xs[3], h, w, p, ph, planes);
                DepthwiseKernels.forward(planes, taps, kk, wd, ch * kk, bd == null ? 0f : bd[ch], acc, grid);
                for (int y = 0; y < oh; y++) {
                    System.arraycopy(acc, y * ph.ws(), out, (plane * oh + y) * ow, ow);
                }
                if (epilogue != null) {
                    epilogue.apply(out, plane * oh * ow, ch, oh * ow);
                }
            }
        });
        Tensor result = Tensor.wrap(out, 0, n, c, oh, ow);

        return Tensor.recordOp("conv2d(depthwise)", result, gradOut -> {
            Tensor gc = Conv2dOp.contiguous(gradOut);
            float[] gd = gc.storage();
            int go = gc.offset();
            boolean needX = x.requiresGrad();
            boolean needW = weight.requiresGrad();
            boolean needB = bias != null && bias.requiresGrad();
            float[] dxd = needX ? Tensor.backwardArray(n * c * h * w) : null;   // every element written by merge
            float[] dwd = new float[c * kk];
            float[] dbd = new float[c];
            // One sweep per channel does all three gradients: each sample's gradient plane is put
            // on its grid once, for dx and for dW and db. A channel belongs to one thread, so dW
            // and db are summed in a fixed order.
            Parallel.forRange(c, Parallel.grainFor((long) n * ph.size() * kk), (lo, hi) -> {
                float[] planes = new float[room];
                float[] dPlanes = new float[room];
                // The gradient grid at `margin`, zeros before it (as far back as the farthest tap
                // reaches) and after it, and in its junk columns: see DepthwiseKernels.inputGrad.
                float[] gGrid = new float[margin + room + 2 * DepthwiseKernels.SLACK];
                float[] partial = new float[DepthwiseKernels.partialLength(kk)];
                double[] sums = new double[kk + 1];
                for (int ch = lo; ch < hi; ch++) {
                    java.util.Arrays.fill(sums, 0);
                    for (int sample = 0; sample < n; sample++) {
                        int plane = sample * c + ch;
                        toGrid(gd, go + plane * oh * ow, oh, ow, ph.ws(), gGrid, margin);
                        if (needW || needB) {
                            float[] xPlanes = kept != null ? kept[plane] : planes;
                            if (kept == null) {
                                split(xd, xo + sample * xs[0] + ch * xs[1], xs[2], xs[3], h, w, p, ph, planes);
                            }
                            DepthwiseKernels.weightGrad(xPlanes, taps, kk, gGrid, margin, grid, partial);
                            // Lanes hold float sums: move them into doubles every few planes.
                            if (sample % FLUSH_EVERY == FLUSH_EVERY - 1) {
                                DepthwiseKernels.flush(partial, kk, sums);
                            }
                        }
                        if (needX) {
                            // Phase plane by phase plane, in order: each may spill junk into the next.
                            for (int pp = 0; pp < ph.planeTaps().length; pp++) {
                                int[] list = ph.planeTaps()[pp];
                                DepthwiseKernels.inputGrad(gGrid, margin, taps, list, list.length, wd, ch * kk,
                                        dPlanes, pp * planeSize, (pp + 1) * planeSize);
                            }
                            // Back from the phase planes, dropping the border: what landed in the
                            // padding belongs to no input.
                            merge(dPlanes, ph, h, w, p, dxd, plane * h * w);
                        }
                    }
                    DepthwiseKernels.flush(partial, kk, sums);
                    for (int t = 0; t < kk; t++) {
                        dwd[ch * kk + t] = (float) sums[t];
                    }
                    dbd[ch] = (float) sums[kk];
                }
            });
            return new Tensor[] {
                needX ? Tensor.wrap(dxd, 0, n, c, h, w) : null,
                needW ? Tensor.wrap(dwd, 0, weight.shape()) : null,
                needB ? Tensor.wrap(dbd, 0, c) : null
            };
        }, x, weight, bias);
    }

    /**
     * Copies the {@code h × w} plane at {@code x[base]} (row stride {@code sh}, column stride
     * {@code sw}), shifted by the padding {@code p}, into its phase planes. Only the image's own
     * positions receive its values: the padding and the spare row keep the zeros they were
     * created with (the stride-2 copy may write +0 over some of them), and nothing outside the
     * plane's phase planes is written.
     */
    static void split(float[] x, int base, int sh, int sw, int h, int w, int p, Phases ph, float[] planes) {
        split(x, base, sh, sw, h, w, p, ph, planes, 0);
    }

    /** {@link #split} into phase planes that start at {@code planes[at]}. */
    static void split(float[] x, int base, int sh, int sw, int h, int w, int p, Phases ph, float[] planes, int at) {
        int s = ph.s();
        int[] rowAt = ph.rowAt();
        int[] firstCol = ph.firstCol();
        int[] colAt = ph.colAt();
        int evenCol = s == 2 ? colAt[ph.evenPhase()] : 0;
        int oddCol = s == 2 ? colAt[1 - ph.evenPhase()] : 0;
        int pairs = w / 2;
        // Stride 2: after each run of a phase row come the row's right border and the next row
        // of the same phase plane, which is padding, the spare row, or the image row two further
        // down, written later; all of that may be set to +0 by the vector kernel's last step.
        int room = s == 2 ? 2 * ph.ws() - pairs - Math.max(colOffset(ph, 0), colOffset(ph, 1)) : 0;
        for (int r = 0; r < h; r++) {
            int src = base + r * sh;
            if (s == 1 && sw == 1) {
                copyRow(x, src, planes, at + rowAt[r] + colAt[0], w);
                continue;
            }
            if (s == 2 && sw == 1) {
                // Stride 2, the common case: the row's columns dealt out in pairs.
                int even = at + rowAt[r] + evenCol;
                Interleave.deinterleave(x, src, pairs, planes, even, at + rowAt[r] + oddCol, room);
                if ((w & 1) != 0) {
                    planes[even + pairs] = x[src + w - 1];
                }
                continue;
            }
            // Column phase b holds the input columns col ≡ b − p (mod s), one every s.
            for (int b = 0; b < s; b++) {
                int dst = at + rowAt[r] + colAt[b];
                for (int col = firstCol[b]; col < w; col += s, dst++) {
                    planes[dst] = x[src + col * sw];
                }
            }
        }
    }

    /** The inverse of {@link #split} for a dense plane: reads the image's positions back into {@code dx[d0]}. */
    static void merge(float[] planes, Phases ph, int h, int w, int p, float[] dx, int d0) {
        int s = ph.s();
        int[] rowAt = ph.rowAt();
        int[] firstCol = ph.firstCol();
        int[] colAt = ph.colAt();
        int evenCol = s == 2 ? colAt[ph.evenPhase()] : 0;
        int oddCol = s == 2 ? colAt[1 - ph.evenPhase()] : 0;
        int pairs = w / 2;
        for (int r = 0; r < h; r++) {
            int dstRow = d0 + r * w;
            if (s == 1) {
                copyRow(planes, rowAt[r] + colAt[0], dx, dstRow, w);
                continue;
            }
            if (s == 2) {   // the inverse of split's pairs
                int even = rowAt[r] + evenCol;
                // What follows the row in this plane of dx is written after it: the vector kernel
                // may run on into it (but never into the next plane, another thread's perhaps).
                int room = (h - 1 - r) * w + (w - 2 * pairs);
                Interleave.interleave(planes, even, rowAt[r] + oddCol, pairs, dx, dstRow, room);
                if ((w & 1) != 0) {
                    dx[dstRow + w - 1] = planes[even + pairs];
                }
                continue;
            }
            for (int b = 0; b < s; b++) {
                int src = rowAt[r] + colAt[b];
                for (int col = firstCol[b]; col < w; col += s, src++) {
                    dx[dstRow + col] = planes[src];
                }
            }
        }
    }

    /** Where column phase b's first image column sits in its phase row (0 or 1 for stride 2). */
    private static int colOffset(Phases ph, int b) {
        return ph.colAt()[b] - b * ph.hs() * ph.ws();
    }

    /** The {@code oh × ow} gradient plane at {@code g[g0]} on the {@code oh × ws} grid at {@code grid[at]} (its junk columns untouched). */
    static void toGrid(float[] g, int g0, int oh, int ow, int ws, float[] grid, int at) {
        for (int y = 0; y < oh; y++) {
            copyRow(g, g0 + y * ow, grid, at + y * ws, ow);
        }
    }

    /**
     * {@code System.arraycopy} for the short rows of a feature map. A depthwise layer copies
     * rows of 7 to 28 floats, hundreds of thousands per step; the call into the JVM's copy routine
     * and its checks cost more than such a copy, and a plain loop, which C2 compiles inline,
     * does not pay them.
     */
    private static void copyRow(float[] src, int s, float[] dst, int d, int len) {
        if (len > 64) {
            System.arraycopy(src, s, dst, d, len);
            return;
        }
        for (int i = 0; i < len; i++) {
            dst[d + i] = src[s + i];
        }
    }
}
