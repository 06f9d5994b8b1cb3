package dev.pare.nn;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * 2-D convolution over a batch of images: each output channel slides a learned
 * {@code k × k} filter over the input channels of its group.
 *
 * <pre>
 *   out[n, o, y, x] = bias[o] + Σ_{c, i, j} weight[o, c, i, j] · xpad[n, g(o)·C/G + c, y·stride + i·dilation, x·stride + j·dilation]
 * </pre>
 * where {@code xpad} is the input with {@code padding} zeros on every side, {@code G = groups},
 * {@code g(o) = ⌊o / (O/G)⌋} is the group of output channel {@code o}, and {@code c} runs over the
 * {@code C/G} input channels of that group. (Strictly this is cross-correlation: the filter is not
 * flipped. Every deep learning library calls it convolution.)
 *
 * <p><b>Groups</b> split the channels into {@code G} independent convolutions. {@code groups = 1} is
 * the ordinary convolution; {@code groups = in = out} is a <em>depthwise</em> convolution (one filter
 * per channel); a depthwise convolution followed by a 1×1 convolution is the
 * depthwise-separable block of MobileNet, about {@code k²} times cheaper than a full convolution.
 *
 * <p>Computed by unfolding patches and one matrix multiply per group ({@link Conv2dOp}).
 *
 * <p><b>Args:</b>
 * <ul>
 *   <li>{@code inChannels} C, {@code outChannels} O: both divisible by {@code groups}</li>
 *   <li>{@code kernelSize} k: the filters are {@code k × k}</li>
 *   <li>{@code stride} (default 1), {@code padding} (zeros on each side, default 0),
 *       {@code dilation} (spacing between filter taps, default 1)</li>
 *   <li>{@code groups} (default 1), {@code bias} (default true)</li>
 *   <li>{@code rng}: source of the initial weights</li>
 * </ul>
 *
 * <p><b>Shape:</b> input {@code [N, C, H, W]}, output {@code [N, O, OH, OW]} with
 * {@code OH = ⌊(H + 2·padding − dilation·(k − 1) − 1) / stride⌋ + 1}, and likewise {@code OW}.
 *
 * <p><b>Parameters:</b> {@code weight} {@code [O, C/groups, k, k]}, {@code bias} {@code [O]}, drawn
 * from {@code U(−1/√fan_in, 1/√fan_in)} with {@code fan_in = (C/groups)·k²}, PyTorch's default
 * (see {@link Init#pytorchDefault}).
 *
 * <p><b>Example:</b>
 * <pre>{@code
 * Rng rng = new Rng(42);
 * Conv2d conv = new Conv2d(1, 32, 3, 1, 1, rng);                      // 3×3, "same" padding
 * Tensor y = conv.forward(Tensor.randn(rng, 128, 1, 28, 28));         // [128, 32, 28, 28]
 * Conv2d depthwise = new Conv2d(32, 32, 3, 1, 1, 1, 32, false, rng);  // groups = channels
 * }</pre>
 */
public final class Conv2d extends Module {
    private final int inChannels;
    private final int outChannels;
    private final int kernelSize;
    private final int stride;
    private final int padding;
    private final int dilation;
    private final int groups;
    private final Tensor weight;
    private final Tensor bias;

    /** Stride 1, no padding, dilation 1, one group, with bias. */
    public Conv2d(int inChannels, int outChannels, int kernelSize, Rng rng) {
        this(inChannels, outChannels, kernelSize, 1, 0, 1, 1, true, rng);
    }

    /** Dilation 1, one group, with bias. */
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, Rng rng) {
        this(inChannels, outChannels, kernelSize, stride, padding, 1, 1, true, rng);
    }

    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding, int dilation,
                  int groups, boolean bias, Rng rng) {
        this.inChannels = inChannels;
        this.outChannels = outChannels;
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        if (inChannels <= 0 || outChannels <= 0 || kernelSize <= 0 || stride <= 0 || padding < 0 || dilation <= 0
                || groups <= 0) {
            // toString(): every setting, since any of them may be the bad one.
            throw new IllegalArgumentException(this + ": channels, kernel_size, stride, dilation and groups "
                    + "must be positive and padding non-negative");
        }
        if (inChannels % groups != 0 || outChannels % groups != 0) {
            throw new IllegalArgumentException(this + ": in_channels " + inChannels + " and out_channels "
                    + outChannels + " must both be divisible by groups " + groups);
        }
        this.weight = registerParameter("weight",
                Tensor.zeros(outChannels, inChannels / groups, kernelSize, kernelSize));
        this.bias = bias ? registerParameter("bias", Tensor.zeros(outChannels)) : null;
        resetParameters(rng);
    }

    /** Redraws weight and bias from {@code U(−1/√fan_in, 1/√fan_in)}, as PyTorch does. */
    public void resetParameters(Rng rng) {
        int fanIn = Init.fanIn(weight);
        Init.pytorchDefault(weight, fanIn, rng);
        if (bias != null) {
            Init.pytorchDefault(bias, fanIn, rng);
        }
    }

    @Override
    public Tensor forward(Tensor x) {
        checkInput(x);
        // The stored weight, or weight_orig · weight_mask when pruning has reparametrised it.
        return Conv2dOp.conv2d(x, parametrized("weight", weight), bias, stride, padding, dilation, groups);
    }

    /**
     * {@code bn(this(x))}, and its ReLU when {@code relu}, with the batch norm applied to each
     * output plane just after it is computed ({@link PlaneEpilogue}), which {@link Sequential}
     * calls for a convolution followed by a batch norm. The same values as the layers one after
     * the other. Returns null, computing nothing, when the pair cannot run this way: when a graph
     * would be recorded, when {@code bn} is training or has no running statistics, or when its
     * channel count is not this layer's output count (the unfused layers then report it).
     */
    Tensor forwardBatchNorm(Tensor x, BatchNorm bn, boolean relu) {
        if (bn.numFeatures() != outChannels || Tensor.willRecord(x, weight, bias)) {
            return null;   // decided before computing a parametrized weight, which the unfused call computes again
        }
        PlaneEpilogue epilogue = bn.evalEpilogue(relu);
        Tensor w = epilogue == null ? null : parametrized("weight", weight);
        if (w == null || Tensor.willRecord(w)) {
            return null;
        }
        checkInput(x);
        return Conv2dOp.conv2d(x, w, bias, stride, padding, dilation, groups, epilogue);
    }

    private void checkInput(Tensor x) {
        int[] s = x.shape();
        if (s.length != 4 || s[1] != inChannels) {
            throw new IllegalArgumentException(describe() + ": input of shape " + Arrays.toString(s)
                    + ": expected [N, " + inChannels + ", H, W]");
        }
        int span = dilation * (kernelSize - 1) + 1;
        if (s[2] + 2 * padding < span || s[3] + 2 * padding < span) {
            throw new IllegalArgumentException(describe() + ": input of shape " + Arrays.toString(s)
                    + ": spatial size " + s[2] + "x" + s[3] + " plus padding " + padding
                    + " is smaller than the kernel's extent " + span);
        }
    }

    /** {@code Conv2d(in -> out, kernel_size=k)}. */
    @Override
    public String describe() {
        return "Conv2d(" + inChannels + " -> " + outChannels + ", kernel_size=" + kernelSize + ")";
    }

    public int inChannels() {
        return inChannels;
    }

    public int outChannels() {
        return outChannels;
    }

    public int kernelSize() {
        return kernelSize;
    }

    public int stride() {
        return stride;
    }

    public int padding() {
        return padding;
    }

    public int dilation() {
        return dilation;
    }

    public int groups() {
        return groups;
    }

    /** The filters, {@code [O, C/groups, k, k]}. */
    public Tensor weight() {
        return weight;
    }

    /** The bias, {@code [O]}, or null. */
    public Tensor bias() {
        return bias;
    }

    @Override
    protected String extraRepr() {
        StringBuilder sb = new StringBuilder()
                .append(inChannels).append(", ").append(outChannels)
                .append(", kernel_size=(").append(kernelSize).append(", ").append(kernelSize).append(")")
                .append(", stride=(").append(stride).append(", ").append(stride).append(")");
        if (padding != 0) {
            sb.append(", padding=(").append(padding).append(", ").append(padding).append(")");
        }
        if (dilation != 1) {
            sb.append(", dilation=(").append(dilation).append(", ").append(dilation).append(")");
        }
        if (groups != 1) {
            sb.append(", groups=").append(groups);
        }
        if (weight != null && bias == null) {
            sb.append(", bias=false");
        }
        return sb.toString();
    }
}
