package dev.pare.nn;

import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * What the 2-D pooling layers share: a square window, a stride and a zero padding, their checks,
 * and their text. A subclass says only how one window is reduced ({@link MaxPool2d},
 * {@link AvgPool2d}).
 */
public abstract class Pool2d extends Module {
    protected final int kernelSize;
    protected final int stride;
    protected final int padding;

    /**
     * @throws IllegalArgumentException unless {@code kernelSize > 0}, {@code stride > 0} and
     *         {@code 0 <= padding <= kernelSize / 2} (a wider padding would make whole windows
     *         of padding, as PyTorch also refuses)
     */
    protected Pool2d(int kernelSize, int stride, int padding) {
        this.kernelSize = kernelSize;
        this.stride = stride;
        this.padding = padding;
        if (kernelSize <= 0 || stride <= 0 || padding < 0 || padding > kernelSize / 2) {
            throw new IllegalArgumentException(describe() + ": need kernel_size > 0, stride > 0 and "
                    + "0 <= padding <= kernel_size / 2");
        }
    }

    /** The pooled input; {@code x} is already checked to be {@code [N, C, H, W]} and large enough. */
    protected abstract Tensor pool(Tensor x);

    @Override
    public final Tensor forward(Tensor x) {
        int[] s = x.shape();
        if (s.length != 4) {
            throw new IllegalArgumentException(describe() + ": input of shape " + Arrays.toString(s)
                    + ": expected 4 dimensions [N, C, H, W]");
        }
        if (s[2] + 2 * padding < kernelSize || s[3] + 2 * padding < kernelSize) {
            throw new IllegalArgumentException(describe() + ": input of shape " + Arrays.toString(s) + ": spatial size "
                    + s[2] + "x" + s[3] + " plus padding " + padding + " is smaller than the window "
                    + kernelSize + "x" + kernelSize);
        }
        return pool(x);
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + kernelSize + ", stride=" + stride + ", padding=" + padding;
    }
}
