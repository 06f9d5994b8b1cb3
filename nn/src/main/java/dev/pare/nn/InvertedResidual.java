package dev.pare.nn;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * MobileNetV2's inverted residual block: widen the channels, filter each channel on its own in
 * the wide space, narrow them again, and add the input back when the shapes allow it.
 *
 * <pre>
 *   h = ReLU(BN(conv1×1(x)))                 expand  C → t·C        (skipped when t = 1)
 *   h = ReLU(BN(depthwise k×k, stride s)(h))  filter  t·C → t·C, one k×k filter per channel
 *   y = BN(conv1×1(h))                       project t·C → O        (no activation: "linear bottleneck")
 *   out = x + y   when s = 1 and C = O,   else y
 * </pre>
 *
 * <p>Why "inverted": a classic residual block (ResNet) is wide at its ends and narrow in the
 * middle; this one is narrow at its ends, where the residual is carried, and wide in the middle,
 * where the cheap depthwise filter works. Why no ReLU after the projection: the narrow output is
 * a low-dimensional code, and a ReLU there would zero out part of it for good (Sandler et al.,
 * 2018, section 3.2). The convolutions have no bias, because the BatchNorm after each adds its
 * own. MobileNetV2 uses ReLU6 ({@code min(max(x, 0), 6)}, kept for its fixed-point range); a float
 * engine gains nothing from the cap, so plain {@link ReLU} is used.
 *
 * <p><b>Args:</b> {@code in} C, {@code out} O, {@code expansion} t ≥ 1, {@code kernelSize} k
 * (odd, padded by k/2 so that stride 1 keeps the size), {@code stride} s ∈ {1, 2}, {@code rng}.
 *
 * <p><b>Shape:</b> input {@code [N, C, H, W]}, output {@code [N, O, ⌊(H − 1)/s⌋ + 1, ⌊(W − 1)/s⌋ + 1]}.
 *
 * <p><b>State dict:</b> the layers live in one {@link Sequential} called {@code conv}, as in
 * torchvision's block, flattened: {@code conv.0.weight} (expand), {@code conv.1.*} (its BN), …,
 * so the keys are {@code conv.0} to {@code conv.7} with expansion and {@code conv.0} to
 * {@code conv.4} without.
 *
 * <p><b>Example:</b>
 * <pre>{@code
 * InvertedResidual block = new InvertedResidual(16, 24, 6, 3, 2, new Rng(0));
 * Tensor y = block.forward(Tensor.randn(new Rng(1), 8, 16, 28, 28));   // [8, 24, 14, 14]
 * }</pre>
 */
public final class InvertedResidual extends Module {
    private final int in;
    private final int out;
    private final int expansion;
    private final int kernelSize;
    private final int stride;
    private final boolean residual;
    private final Sequential conv;

    public InvertedResidual(int in, int out, int expansion, int kernelSize, int stride, Rng rng) {
        if (in < 1 || out < 1 || expansion < 1 || kernelSize < 1 || kernelSize % 2 == 0 || stride < 1 || stride > 2) {
            throw new IllegalArgumentException("InvertedResidual(" + in + " -> " + out + ", expansion=" + expansion
                    + ", kernel_size=" + kernelSize + ", stride=" + stride + "): channels and expansion must be "
                    + "positive, the kernel size odd (so that padding k/2 keeps the size) and the stride 1 or 2");
        }
        this.in = in;
        this.out = out;
        this.expansion = expansion;
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.residual = stride == 1 && in == out;
        int hidden = in * expansion;
        List<Module> layers = new ArrayList<>();
        if (expansion != 1) {
            layers.add(new Conv2d(in, hidden, 1, 1, 0, 1, 1, false, rng));
            layers.add(new BatchNorm2d(hidden));
            layers.add(new ReLU());
        }
        layers.add(new Conv2d(hidden, hidden, kernelSize, stride, kernelSize / 2, 1, hidden, false, rng));
        layers.add(new BatchNorm2d(hidden));
        layers.add(new ReLU());
        layers.add(new Conv2d(hidden, out, 1, 1, 0, 1, 1, false, rng));
        layers.add(new BatchNorm2d(out));
        this.conv = registerModule("conv", new Sequential(layers.toArray(new Module[0])));
    }

    @Override
    public Tensor forward(Tensor x) {
        int[] s = x.shape();
        if (s.length != 4 || s[1] != in) {
            throw new IllegalArgumentException(describe() + ": input of shape " + Arrays.toString(s)
                    + ": expected [N, " + in + ", H, W]");
        }
        Tensor y = conv.forward(x);
        // The addition is recorded like any op: its backward sends the same gradient to both
        // branches, which is what lets a deep stack of blocks train.
        return residual ? x.add(y) : y;
    }

    /** Whether the input is added to the output (stride 1 and equal channels). */
    public boolean hasResidual() {
        return residual;
    }

    public int inChannels() {
        return in;
    }

    public int outChannels() {
        return out;
    }

    public int expansion() {
        return expansion;
    }

    public int kernelSize() {
        return kernelSize;
    }

    public int stride() {
        return stride;
    }

    @Override
    protected String extraRepr() {
        return "in=" + in + ", out=" + out + ", expansion=" + expansion + ", kernel_size=" + kernelSize
                + ", stride=" + stride + ", residual=" + residual;
    }

    /** {@code InvertedResidual(in -> out, t=…, k=…, s=…)}. */
    @Override
    public String describe() {
        return "InvertedResidual(" + in + " -> " + out + ", t=" + expansion + ", k=" + kernelSize + ", s=" + stride + ")";
    }
}
