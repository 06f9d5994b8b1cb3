package dev.pare.nn;

import dev.pare.tensor.ForwardArrays;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.ConvGemm;
import dev.pare.tensor.kernels.Gemm;
import dev.pare.tensor.kernels.GemmBatch;
import dev.pare.tensor.kernels.ReduceKernels;
import dev.pare.tensor.kernels.SparseLayout;
import dev.pare.tensor.parallel.Parallel;
import java.util.Arrays;

/**
 * The differentiable 2-D convolution (really cross-correlation, as in every deep learning
 * library), forward beside backward, as a function: {@link Conv2d} is the layer that owns the
 * weights, this is the arithmetic, usable by any layer that computes its own weight.
 *
 * <h2>Forward</h2>
 * <pre>
 *   out[n, o, y, x] = b[o] + Σ_{c in group(o)} Σ_{i,j} W[o, c − c0(o), i, j] · xpad[n, c, y·s + i·d, x·s + j·d]
 * </pre>
 * The explicit route, kept for grouped convolutions and as the reference the implicit one is
 * explained by: unfold the patches ({@link Im2Col#im2row}), so that {@code rows} is
 * {@code [N·OH·OW, C·kh·kw]}; then per group {@code g} one matrix multiply
 * {@code out_g = rows_g · W_gᵀ} ({@code [N·OH·OW, O/G]}) by {@link Gemm}; then reorder the
 * result from pixel-major to {@code [N, O, OH, OW]}, adding the bias on the way.
 *
 * <h2>Backward</h2>
 * With {@code dOut} reordered to pixel-major {@code dC} ({@code [N·OH·OW, O]}), the same two
 * matrix-multiply rules as for {@code Linear} apply per group:
 * <ul>
 *   <li>{@code dRows_g = dC_g · W_g}, then {@link Im2Col#row2im} folds {@code dRows} back onto the
 *       image, summing where patches overlap: that is {@code dx};</li>
 *   <li>{@code dW_gᵀ = rows_gᵀ · dC_g}: the patches saved by the forward pass, weighted by how much
 *       each output pixel mattered;</li>
 *   <li>{@code db[o] = Σ_{n,y,x} dOut[n, o, y, x]}.</li>
 * </ul>
 *
 * <h2>Ungrouped convolutions: no patch matrix</h2>
 * The same products, with the patches packed by the matrix multiply straight from the image
 * ({@link ConvGemm}, "implicit GEMM"): {@code out = W · patches} forward, {@code dW = dOut · patchesᵀ}
 * backward, and for stride 1 {@code dx} as a convolution of dOut by the flipped filters
 * ({@link #transposedInputGradient}). The patch matrix was the largest array of a step (9 floats
 * per input float for a 3×3 kernel), written once and read twice, and its gradient was written
 * and folded back; now neither exists, and only the input is kept for the backward pass.
 *
 * <p>Depthwise convolutions (one filter per channel) go to {@link DepthwiseConvOp}: for them a
 * matrix multiply would cost more than the arithmetic. Pointwise convolutions (1×1, stride 1, no
 * padding: MobileNet's channel mixers) need no patches at all: {@link #pointwiseForward}
 * multiplies the weight by each sample's {@code [C, H·W]} as it lies, also when it has few
 * channels (a 16 → 32 mixer): the sweep below would copy every plane in and out of its phase
 * planes and gather dx through the implicit route, where the product reads the planes where they
 * lie. A first layer (few input channels: C·k² ≤ 27) goes to {@link Conv2dFewChannelsOp}, the
 * depthwise machinery with all channels' taps in one sweep.
 *
 * <p>On the explicit route the forward pass keeps {@code rows} for the weight gradient: memory for
 * speed, like PyTorch's saved tensors. When no graph is recorded (inference under
 * {@code noGrad}, or nothing requires a gradient) the patches are scratch instead, taken from the
 * thread's {@link ConvWorkspace}, as is the pixel-major product in every mode: only the output is
 * allocated per call. No matrix multiply splits its K sum over threads, and each reduction is
 * done by one thread in a fixed order, so results are identical for any thread count.
 */
public final class Conv2dOp {
    /** The largest array length every JVM accepts (a few header words below Integer.MAX_VALUE). */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private Conv2dOp() {}

    /**
     * {@code conv2d(x, weight, bias, stride, padding, dilation, groups)}, like
     * {@code torch.nn.functional.conv2d} with square settings.
     *
     * @param x      input {@code [N, C, H, W]}
     * @param weight {@code [O, C/groups, kh, kw]}
     * @param bias   {@code [O]}, or null
     * @return {@code [N, O, OH, OW]} with {@code OH = ⌊(H + 2p − d·(kh−1) − 1)/s⌋ + 1} (likewise OW)
     * @throws IllegalArgumentException naming the shapes when they do not fit together
     */
    public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding, int dilation, int groups) {
        return conv2d(x, weight, bias, stride, padding, dilation, groups, null);
    }

    /**
     * {@link #conv2d(Tensor, Tensor, Tensor, int, int, int, int)} with {@code epilogue} (if not
     * null) applied to each output plane in place as soon as it is final. Only for outputs that
     * no graph records: the result is not the convolution's, so no backward pass may see it.
     */
    static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, int stride, int padding, int dilation, int groups,
                         PlaneEpilogue epilogue) {
        if (epilogue != null && Tensor.willRecord(x, weight, bias)) {
            throw new IllegalStateException("conv2d: a plane epilogue on a recorded convolution would change the "
                    + "output its backward pass sees");
        }
        String op = "conv2d";
        if (stride < 1 || padding < 0 || dilation < 1 || groups < 1) {
            throw new IllegalArgumentException(op + ": stride=" + stride + ", padding=" + padding + ", dilation="
                    + dilation + ", groups=" + groups + ": need stride >= 1, padding >= 0, dilation >= 1, groups >= 1");
        }
        int[] xs = x.shape();
        int[] ws = weight.shape();
        if (xs.length != 4 || ws.length != 4) {
            throw new IllegalArgumentException(op + ": input " + Arrays.toString(xs) + ", weight " + Arrays.toString(ws)
                    + ": expected a 4-D input [N, C, H, W] and a 4-D weight [O, C/groups, kh, kw]");
        }
        int o = ws[0];
        if (xs[1] != ws[1] * groups || o % groups != 0) {
            throw new IllegalArgumentException(op + ": input " + Arrays.toString(xs) + ", weight " + Arrays.toString(ws)
                    + ", groups=" + groups + ": need input channels = weight.size(1) * groups = " + ws[1] * groups
                    + " and out channels " + o + " divisible by groups");
        }
        if (bias != null && (bias.dim() != 1 || bias.size(0) != o)) {
            throw new IllegalArgumentException(op + ": bias of shape " + Arrays.toString(bias.shape())
                    + " for " + o + " output channels: expected [" + o + "]");
        }
        Im2Col.Geometry g = new Im2Col.Geometry(xs[0], xs[1], xs[2], xs[3], ws[2], ws[3],
                stride, stride, padding, padding, dilation, dilation);
        if (g.h() + 2 * padding < dilation * (ws[2] - 1) + 1 || g.w() + 2 * padding < dilation * (ws[3] - 1) + 1) {
            throw new IllegalArgumentException(op + ": input " + Arrays.toString(xs) + " padded by " + padding
                    + " is smaller than the dilated kernel " + (dilation * (ws[2] - 1) + 1) + "x"
                    + (dilation * (ws[3] - 1) + 1));
        }
        if ((long) xs[0] * o * g.outH() * g.outW() > MAX_ARRAY) {
            throw new IllegalArgumentException(op + ": input " + Arrays.toString(xs) + ", weight " + Arrays.toString(ws)
                    + ": the output [" + xs[0] + ", " + o + ", " + g.outH() + ", " + g.outW()
                    + "] has more elements than a Java array holds; use a smaller batch");
        }
        if (groups == xs[1] && o == groups && ws[2] == ws[3]) {
            return DepthwiseConvOp.conv(g, x, weight, bias, epilogue);
        }
        if (groups == 1 && pointwise(g)) {
            return pointwiseForward(g, x, weight, bias, o, epilogue);
        }
        if (Conv2dFewChannelsOp.applies(g, groups, o)) {
            return Conv2dFewChannelsOp.conv(g, x, weight, bias, o, epilogue);
        }
        Tensor out = groups == 1 ? implicitForward(g, x, weight, bias, o) : forward(g, x, weight, bias, o, groups);
        if (epilogue != null) {
            // These routes finish their planes all at once: the epilogue follows, still in place.
            Tensor dense = contiguous(out);
            PlaneEpilogue.applyToAll(epilogue, dense.storage(), dense.offset(), g.n() * o, o, g.outH() * g.outW());
            return dense;
        }
        return out;
    }

    /**
     * The ungrouped convolution without a patch matrix: {@link ConvGemm} multiplies the filters by
     * patches packed straight from the image. Nothing but the output is allocated here, and nothing
     * is saved beyond the input itself.
     *
     * <p>Backward: the input gradient of a stride-1 convolution is itself a convolution
     * ({@link #transposedInputGradient}), so it takes the same kernel and never builds the
     * {@code dRows} matrix that {@link Im2Col#row2im} would fold; other strides keep the explicit
     * route. The weight gradient ({@link ConvGemm#weightGradient}) packs its patches from the
     * saved input too, so no patch matrix is kept alive between forward and backward.
     */
    /**
     * dx of an ungrouped convolution from dOut, as the implicit route computes it: as a
     * convolution for stride 1 ({@link #transposedInputGradient}), else through the patch
     * gradients folded back ({@link #inputGradient}). {@link Conv2dFewChannelsOp} shares it.
     */
    static Tensor ungroupedInputGradient(Im2Col.Geometry g, Tensor gradOut, float[] wd, int wo, int o) {
        if (transposable(g)) {
            return transposedInputGradient(g, gradOut, wd, wo, o);
        }
        int pix = g.outH() * g.outW();
        ConvWorkspace bws = ConvWorkspace.get();
        float[] dc = toPixelMajor(gradOut, g.n(), o, pix, bws.pixelMajor(g.n() * pix * o));
        return inputGradient(g, dc, wd, wo, o, 1, bws);
    }

    private static Tensor implicitForward(Im2Col.Geometry g, Tensor x, Tensor weight, Tensor bias, int o) {
        int n = g.n();
        int pix = g.outH() * g.outW();
        int rowsCount = n * pix;
        int k = g.cols();
        if ((long) rowsCount * Math.max(k, o) > MAX_ARRAY) {
            throw new IllegalArgumentException("conv2d: input [" + n + ", " + g.c() + ", " + g.h() + ", " + g.w()
                    + "] needs a buffer of " + (long) rowsCount * Math.max(k, o) + " floats (" + rowsCount
                    + " output pixels x " + Math.max(k, o) + "), more than a Java array holds; use a smaller batch");
        }
        Tensor w = contiguous(weight);
        float[] wd = w.storage();
        int wo = w.offset();
        float[] b = bias == null ? null : contiguous(bias).toArray();
        float[] out = new float[n * o * pix];
        ConvGemm.conv2d(convGeometry(g), x.storage(), x.offset(), x.strides(), o, wd, wo, b, out);
        Tensor result = Tensor.wrap(out, 0, n, o, g.outH(), g.outW());

        return Tensor.recordOp("conv2d", result, gradOut -> {
            ConvWorkspace bws = ConvWorkspace.get();
            Tensor dx = null;
            if (x.requiresGrad() && transposable(g)) {
                dx = transposedInputGradient(g, gradOut, wd, wo, o);
            }
            if (x.requiresGrad() && dx == null) {
                float[] dc = toPixelMajor(gradOut, n, o, pix, bws.pixelMajor(rowsCount * o));
                dx = inputGradient(g, dc, wd, wo, o, 1, bws);
            }
            Tensor dw = null;
            if (weight.requiresGrad()) {
                float[] dwData = new float[o * k];
                ConvGemm.weightGradient(convGeometry(g), x.storage(), x.offset(), x.strides(), o,
                        gradOut.storage(), gradOut.offset(), gradOut.strides(), dwData);
                dw = Tensor.wrap(dwData, 0, weight.shape());
            }
            return new Tensor[] {dx, dw, bias != null && bias.requiresGrad() ? biasGradient(gradOut, n, o, pix) : null};
        }, x, weight, bias);
    }

    /** A 1×1 kernel, stride 1, no padding: the convolution is a matrix product per sample, with no patches at all. */
    private static boolean pointwise(Im2Col.Geometry g) {
        return g.kh() == 1 && g.kw() == 1 && g.sh() == 1 && g.sw() == 1 && g.ph() == 0 && g.pw() == 0;
    }

    /**
     * The pointwise (1×1) convolution as plain matrix products, the layout of {@code [N, C, H·W]}
     * used as it lies: per sample, {@code out[n] [O, HW] = W [O, C] · x[n] [C, HW]} forward and
     * {@code dx[n] = Wᵀ · dOut[n]} backward, each written straight into its place in the result,
     * with W (or Wᵀ) packed once for the whole batch ({@link GemmBatch}); on small feature maps
     * dx is one product over the batch instead ({@link #batchedInputGradient}). The weight
     * gradient {@code dW = Σ_n dOut[n] · x[n]ᵀ} is one product with the batch as its K sum: dOut
     * and x are first copied channel-major ({@code [O, N·HW]}, {@code [C, N·HW]}, a plane at a
     * time), so that the multiply sees two plain row-major operands; it is computed as
     * {@code dWᵀ = x · dOutᵀ} when that fills the GEMM's tiles better
     * ({@link Gemm#transposeFillsTilesBetter}), with the same bits.
     *
     * <p>Why not the implicit route: for a 1×1 kernel its padded copy of the image is the image,
     * its product has to be copied to {@code [N, O, OH, OW]} again, and its weight gradient
     * gathers patch rows that are just the input's rows; with K = C as small as 16 those copies
     * cost as much as the arithmetic. A sample belongs to one thread, and the products over the
     * batch are {@link Gemm} calls, which never split their K sums, so the results do not depend
     * on the thread count.
     */
    private static Tensor pointwiseForward(Im2Col.Geometry g, Tensor x, Tensor weight, Tensor bias, int o,
                                           PlaneEpilogue epilogue) {
        int n = g.n();
        int c = g.c();
        int hw = g.h() * g.w();
        Tensor xc = contiguous(x);
        float[] xd = xc.storage();
        int xo = xc.offset();
        Tensor w = contiguous(weight);
        float[] wd = w.storage();
        int wo = w.offset();
        float[] b = bias == null ? null : contiguous(bias).toArray();
        float[] out = ForwardArrays.take(n * o * hw);   // every element is written below
        // One product per sample, W packed once for all of them (GemmBatch); each sample's bias and
        // epilogue are applied as soon as its product is done, while it is in cache.
        GemmBatch.gemm(false, o, hw, c, wd, wo, c, n, xd, xo, c * hw, hw, out, 0, o * hw, hw, s -> {
            if (b != null) {
                for (int oc = 0; oc < o; oc++) {
                    int base = (s * o + oc) * hw;
                    for (int p = 0; p < hw; p++) {
                        out[base + p] += b[oc];
                    }
                }
            }
            if (epilogue != null) {
                for (int oc = 0; oc < o; oc++) {
                    epilogue.apply(out, (s * o + oc) * hw, oc, hw);
                }
            }
        });
        Tensor result = Tensor.wrap(out, 0, n, o, g.h(), g.w());

        return Tensor.recordOp("conv2d(1x1)", result, gradOut -> {
            Tensor gc = contiguous(gradOut);
            float[] gd = gc.storage();
            int go = gc.offset();
            boolean needX = x.requiresGrad();
            boolean needW = weight.requiresGrad();
            // With the weight gradient, dOut is copied channel-major anyway: then dx too can be one
            // product over the whole batch (see batchedInputGradient).
            boolean batchedDx = needX && needW && batchedInputGradient(hw, o);
            float[] dxd = needX ? Tensor.backwardArray(n * c * hw) : null;   // every element written below
            if (needX && !batchedDx) {
                GemmBatch.gemm(true, c, hw, o, wd, wo, c, n, gd, go, o * hw, hw, dxd, 0, c * hw, hw, null);
            }
            Tensor dw = null;
            if (needW) {
                long cols = (long) n * hw;
                if (cols * Math.max(o, c) > MAX_ARRAY) {
                    throw new IllegalArgumentException("conv2d(1x1): weight gradient of input [" + n + ", " + c
                            + ", " + g.h() + ", " + g.w() + "] needs " + cols * Math.max(o, c)
                            + " floats of channel-major copies, more than a Java array holds; use a smaller batch");
                }
                int k = (int) cols;
                ConvWorkspace bws = ConvWorkspace.get();
                float[] gt = bws.pixelMajor(o * k);
                float[] xt = bws.patches(c * k);
                channelMajor(gd, go, n, o, hw, gt);
                channelMajor(xd, xo, n, c, hw, xt);
                float[] dwData = new float[o * c];
                if (Gemm.transposeFillsTilesBetter(o, c)) {
                    // E.g. 16 input channels at 512 bits: dW's 16 columns would fill half of each
                    // 32-wide tile, dWᵀ's 32 fill them all. Same bits either way.
                    float[] dwT = new float[c * o];
                    Gemm.gemm(false, true, c, o, k, xt, 0, k, gt, 0, k, dwT, 0, o, false);
                    SparseLayout.transpose(dwT, 0, c, o, dwData, 0);
                } else {
                    Gemm.gemm(false, true, o, c, k, gt, 0, k, xt, 0, k, dwData, 0, c, false);
                }
                dw = Tensor.wrap(dwData, 0, weight.shape());
                if (batchedDx) {
                    float[] dxt = xt;   // the input's copy is read: its buffer takes dx channel-major
                    Gemm.gemm(true, false, c, k, o, wd, wo, c, gt, 0, k, dxt, 0, k, false);
                    sampleMajor(dxt, n, c, hw, dxd);
                }
            }
            Tensor dx = needX ? Tensor.wrap(dxd, 0, n, c, g.h(), g.w()) : null;
            return new Tensor[] {dx, dw, bias != null && bias.requiresGrad() ? biasGradient(gradOut, n, o, pix(g)) : null};
        }, x, weight, bias);
    }

    /**
     * Whether the pointwise input gradient {@code dx[n] = Wᵀ·dOut[n]} is computed as one product
     * over the batch, {@code [C, N·HW] = Wᵀ · dOut} with dOut channel-major (the weight gradient
     * has made that copy already), then copied back sample-major, rather than as one product per
     * sample ({@link GemmBatch}). Per sample, the product's columns are the sample's pixels: with
     * a few dozen of them (a 7 × 7 map's 49) the last panel of columns is largely empty, so a
     * third of the arithmetic is wasted; over the batch the panels are full, and what it costs
     * instead is a plain copy of {@code C·HW} floats per sample, against {@code O·C·HW}
     * multiply-adds. The copy pays when a sample has fewer pixels than the layer has output
     * channels: MobileNet's 7 × 7 blocks.
     */
    static boolean batchedInputGradient(int hw, int o) {
        return hw < o;
    }

    private static int pix(Im2Col.Geometry g) {
        return g.outH() * g.outW();
    }

    /** {@code [N, C, HW]} at {@code src[so]} to {@code [C, N·HW]} from {@code dst[0]}: plane (n, c) to row c, columns n·HW. */
    private static void channelMajor(float[] src, int so, int n, int c, int hw, float[] dst) {
        Parallel.forRange(n, Parallel.grainFor((long) c * hw), (lo, hi) -> {
            for (int s = lo; s < hi; s++) {
                for (int ch = 0; ch < c; ch++) {
                    System.arraycopy(src, so + (s * c + ch) * hw, dst, ch * n * hw + s * hw, hw);
                }
            }
        });
    }

    /** The inverse of {@link #channelMajor}: {@code [C, N·HW]} from {@code src[0]} to {@code [N, C, HW]} at {@code dst[0]}. */
    private static void sampleMajor(float[] src, int n, int c, int hw, float[] dst) {
        Parallel.forRange(n, Parallel.grainFor((long) c * hw), (lo, hi) -> {
            for (int s = lo; s < hi; s++) {
                for (int ch = 0; ch < c; ch++) {
                    System.arraycopy(src, ch * n * hw + s * hw, dst, (s * c + ch) * hw, hw);
                }
            }
        });
    }

    private static ConvGemm.Geometry convGeometry(Im2Col.Geometry g) {
        return new ConvGemm.Geometry(g.n(), g.c(), g.h(), g.w(), g.kh(), g.kw(), g.sh(), g.sw(),
                g.ph(), g.pw(), g.dh(), g.dw());
    }

    /**
     * Whether dx can be computed as a convolution ({@link #transposedInputGradient}): stride 1
     * (a strided convolution's adjoint would need zeros between the gradient's pixels), and a
     * padding no wider than the dilated kernel's reach, so that the adjoint's padding
     * {@code d·(k−1) − p} is not negative.
     */
    private static boolean transposable(Im2Col.Geometry g) {
        return g.sh() == 1 && g.sw() == 1 && g.ph() <= g.dh() * (g.kh() - 1) && g.pw() <= g.dw() * (g.kw() - 1);
    }

    /**
     * dx of a stride-1 convolution, as a convolution: every input pixel receives
     * {@code Σ_o Σ_{i,j} W[o, c, i, j] · dOut[n, o, y + ph − i·dh, x + pw − j·dw]}, which is dOut
     * (padded by {@code d·(k−1) − p}, zero outside) convolved with the filters flipped in both
     * axes and with their in and out channels swapped, {@code W'[c, o, kh−1−i, kw−1−j]}. Its output
     * is {@code H × W} again. The same implicit kernel as the forward pass computes it, reading
     * dOut where it lies.
     */
    private static Tensor transposedInputGradient(Im2Col.Geometry g, Tensor gradOut, float[] wd, int wo, int o) {
        int c = g.c();
        int kh = g.kh();
        int kw = g.kw();
        int taps = kh * kw;
        float[] flipped = new float[c * o * taps];
        for (int oc = 0; oc < o; oc++) {
            for (int ic = 0; ic < c; ic++) {
                for (int i = 0; i < kh; i++) {
                    for (int j = 0; j < kw; j++) {
                        flipped[((ic * o + oc) * kh + i) * kw + j] =
                                wd[wo + ((oc * c + ic) * kh + (kh - 1 - i)) * kw + (kw - 1 - j)];
                    }
                }
            }
        }
        ConvGemm.Geometry adjoint = new ConvGemm.Geometry(g.n(), o, g.outH(), g.outW(), kh, kw, 1, 1,
                g.dh() * (kh - 1) - g.ph(), g.dw() * (kw - 1) - g.pw(), g.dh(), g.dw());
        float[] dx = Tensor.backwardArray(g.n() * c * g.h() * g.w());   // every element written
        ConvGemm.conv2d(adjoint, gradOut.storage(), gradOut.offset(), gradOut.strides(), c, flipped, 0, null, dx);
        return Tensor.wrap(dx, 0, g.n(), c, g.h(), g.w());
    }

    /**
     * The im2row convolution in four named steps: {@link #unfold} the patches, {@link #filtersAsColumns},
     * {@link #multiply} per group into the pixel-major product, {@link #toChannelMajor} adding the
     * bias; the backward pass is {@link #inputGradient}, {@link #weightGradient} and
     * {@link #biasGradient}.
     */
    private static Tensor forward(Im2Col.Geometry g, Tensor x, Tensor weight, Tensor bias, int o, int groups) {
        int n = g.n();
        int pix = g.outH() * g.outW();
        int rowsCount = n * pix;
        int k = g.cols();

        // The patch matrix (rows × k) and the pixel-major output (rows × o) are single arrays.
        int widest = Math.max(k, o);
        if ((long) rowsCount * widest > MAX_ARRAY) {
            throw new IllegalArgumentException("conv2d: input [" + n + ", " + g.c() + ", " + g.h() + ", " + g.w()
                    + "] needs a buffer of " + (long) rowsCount * widest + " floats (" + rowsCount + " output pixels x "
                    + widest + "), more than a Java array holds; use a smaller batch");
        }
        boolean recording = Tensor.willRecord(x, weight, bias);
        ConvWorkspace ws = ConvWorkspace.get();
        float[] rows = unfold(g, x, recording, ws);
        Tensor w = contiguous(weight);
        float[] wd = w.storage();
        int wo = w.offset();
        float[] pixelMajor = multiply(rows, filtersAsColumns(wd, wo, o, k / groups), rowsCount, k, o, groups,
                ws.pixelMajor(rowsCount * o));
        float[] b = bias == null ? null : contiguous(bias).toArray();
        Tensor result = Tensor.wrap(toChannelMajor(pixelMajor, b, n, o, pix), 0, n, o, g.outH(), g.outW());

        return Tensor.recordOp("conv2d", result, gradOut -> {
            // Backward runs on the thread that calls backward(); its temporaries are scratch too.
            // dRows may share the patches slot: the saved `rows` was allocated fresh above.
            ConvWorkspace bws = ConvWorkspace.get();
            float[] dc = toPixelMajor(gradOut, n, o, pix, bws.pixelMajor(rowsCount * o));
            return new Tensor[] {
                x.requiresGrad() ? inputGradient(g, dc, wd, wo, o, groups, bws) : null,
                weight.requiresGrad() ? weightGradient(rows, dc, rowsCount, k, o, groups, weight.shape()) : null,
                bias != null && bias.requiresGrad() ? biasGradient(dc, rowsCount, o) : null
            };
        }, x, weight, bias);
    }

    /**
     * Step 1: the patch matrix {@code [N·OH·OW, C·kh·kw]} ({@link Im2Col#im2row}). The patches are
     * needed again only by the weight gradient: when no graph is recorded they are scratch, reused
     * from this thread's workspace (see {@link ConvWorkspace} for the traps), else a fresh array
     * that the backward closure keeps.
     */
    private static float[] unfold(Im2Col.Geometry g, Tensor x, boolean recording, ConvWorkspace ws) {
        int size = g.n() * g.outH() * g.outW() * g.cols();
        float[] rows = recording ? new float[size] : ws.patches(size);
        Im2Col.im2row(g, x.storage(), x.offset(), x.strides(), rows);
        return rows;
    }

    /**
     * Step 2: Wᵀ as a {@code [kg, O]} row-major matrix, so that column block {@code g·og…} holds
     * group g's filters. The copy is small (one weight), and lets the matrix multiply stream along
     * output channels with vector loads.
     */
    private static float[] filtersAsColumns(float[] wd, int wo, int o, int kg) {
        float[] wt = new float[kg * o];
        for (int oc = 0; oc < o; oc++) {
            for (int p = 0; p < kg; p++) {
                wt[p * o + oc] = wd[wo + oc * kg + p];
            }
        }
        return wt;
    }

    /** Step 3: per group, {@code product_g = rows_g · W_gᵀ}, into the pixel-major {@code [N·OH·OW, O]} scratch. */
    private static float[] multiply(float[] rows, float[] wt, int rowsCount, int k, int o, int groups, float[] product) {
        int kg = k / groups;
        int og = o / groups;
        for (int grp = 0; grp < groups; grp++) {
            Gemm.gemm(false, false, rowsCount, og, kg,
                    rows, grp * kg, k, wt, grp * og, o, product, grp * og, o, false);
        }
        return product;
    }

    /** Step 4: the pixel-major product reordered to a fresh {@code [N, O, OH, OW]} array, plus the bias. */
    private static float[] toChannelMajor(float[] pixelMajor, float[] b, int n, int o, int pix) {
        float[] out = new float[n * o * pix];
        Parallel.forRange(n, 1, (lo, hi) -> {
            for (int s = lo; s < hi; s++) {
                for (int oc = 0; oc < o; oc++) {
                    float bo = b == null ? 0f : b[oc];
                    int dst = (s * o + oc) * pix;
                    int src = s * pix * o + oc;
                    for (int p = 0; p < pix; p++) {
                        out[dst + p] = pixelMajor[src + p * o] + bo;
                    }
                }
            }
        });
        return out;
    }

    /**
     * dx: per group {@code dRows_g = dC_g · W_g} (the weight as stored, {@code [og, kg]}, is the
     * right operand as it is), then {@link Im2Col#row2im} folds the patch gradients back onto the
     * image.
     */
    private static Tensor inputGradient(Im2Col.Geometry g, float[] dc, float[] wd, int wo, int o, int groups,
            ConvWorkspace ws) {
        int rowsCount = g.n() * g.outH() * g.outW();
        int k = g.cols();
        int kg = k / groups;
        int og = o / groups;
        float[] dRows = ws.patches(rowsCount * k);
        for (int grp = 0; grp < groups; grp++) {
            Gemm.gemm(false, false, rowsCount, kg, og,
                    dc, grp * og, o, wd, wo + grp * og * kg, kg, dRows, grp * kg, k, false);
        }
        float[] dxData = new float[g.n() * g.c() * g.h() * g.w()];
        Im2Col.row2im(g, dRows, dxData);
        return Tensor.wrap(dxData, 0, g.n(), g.c(), g.h(), g.w());
    }

    /**
     * dW: per group {@code dW_g = dC_gᵀ · rows_g}, {@code [og, kg]}, a sum over every output
     * pixel of the batch. Either product orientation gives it: {@code dC_gᵀ · rows_g} lands in the
     * weight's own layout, {@code rows_gᵀ · dC_g} needs a transposing copy of the small result.
     * The matrix multiply is fastest with a wide result (many columns per micro-tile) and a narrow
     * transposed operand (which it packs element by element), so the result's columns go to the
     * wider of {@code kg} and {@code og}: {@code kg} for the deep layers (288 against 64), {@code og}
     * for a first layer on one channel (9 against 32).
     */
    private static Tensor weightGradient(float[] rows, float[] dc, int rowsCount, int k, int o, int groups,
            int[] shape) {
        int kg = k / groups;
        int og = o / groups;
        float[] dw = new float[o * kg];
        if (kg >= og) {
            for (int grp = 0; grp < groups; grp++) {
                Gemm.gemm(true, false, og, kg, rowsCount,
                        dc, grp * og, o, rows, grp * kg, k, dw, grp * og * kg, kg, false);
            }
        } else {
            float[] dwt = new float[kg * o];
            for (int grp = 0; grp < groups; grp++) {
                Gemm.gemm(true, false, kg, og, rowsCount,
                        rows, grp * kg, k, dc, grp * og, o, dwt, grp * og, o, false);
            }
            for (int oc = 0; oc < o; oc++) {
                for (int p = 0; p < kg; p++) {
                    dw[oc * kg + p] = dwt[p * o + oc];
                }
            }
        }
        return Tensor.wrap(dw, 0, shape);
    }

    /** db[o] = Σ over every pixel of the batch of dC[·, o], in pixel order. */
    private static Tensor biasGradient(float[] dc, int rowsCount, int o) {
        float[] acc = new float[o];
        for (int r = 0; r < rowsCount; r++) {
            int base = r * o;
            for (int oc = 0; oc < o; oc++) {
                acc[oc] += dc[base + oc];
            }
        }
        return Tensor.wrap(acc, 0, o);
    }

    /**
     * db[o] = Σ over every pixel of the batch of dOut[·, o, ·]: per sample, one vector sum over the
     * plane ({@link ReduceKernels#sum}), added up sample by sample in a double, in a fixed order.
     * A plain running sum would be one chain of dependent additions per channel, waiting on the
     * adder's latency at every pixel.
     */
    private static Tensor biasGradient(Tensor gradOut, int n, int o, int pix) {
        Tensor gc = contiguous(gradOut);
        float[] gd = gc.storage();
        int go = gc.offset();
        float[] db = new float[o];
        for (int oc = 0; oc < o; oc++) {
            double sum = 0;
            for (int s = 0; s < n; s++) {
                sum += ReduceKernels.sum(gd, go + (s * o + oc) * pix, 1, pix);
            }
            db[oc] = (float) sum;
        }
        return Tensor.wrap(db, 0, o);
    }

    /**
     * {@code [N, O, OH·OW]} (any layout) to a pixel-major {@code [N·OH·OW, O]} array, written into
     * the first {@code N·OH·OW·O} elements of {@code dc}.
     */
    private static float[] toPixelMajor(Tensor gradOut, int n, int o, int pix, float[] dc) {
        Tensor gc = contiguous(gradOut);
        float[] gd = gc.storage();
        int go = gc.offset();
        Parallel.forRange(n, 1, (lo, hi) -> {
            for (int s = lo; s < hi; s++) {
                for (int oc = 0; oc < o; oc++) {
                    int src = go + (s * o + oc) * pix;
                    int dst = s * pix * o + oc;
                    for (int p = 0; p < pix; p++) {
                        dc[dst + p * o] = gd[src + p];
                    }
                }
            }
        });
        return dc;
    }

    /** A row-major version of {@code t} that records nothing (the op records itself once). */
    @SuppressWarnings("try") // the scope is used only for closing
    static Tensor contiguous(Tensor t) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return t.detach().contiguous();
        }
    }
}
