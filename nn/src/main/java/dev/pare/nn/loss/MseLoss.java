package dev.pare.nn.loss;

import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * Mean squared error, PyTorch's {@code F.mse_loss}: L = mean((x − t)²) over every element
 * (SUM: the sum; NONE: the elementwise squares).
 *
 * <p>Built from differentiable tensor ops ({@code sub}, {@code square}, {@code mean}), so it
 * backpropagates into both arguments: dL/dx = 2(x − t)/N and dL/dt = −2(x − t)/N for MEAN over
 * N elements.
 *
 * <p>The shapes must be equal. PyTorch only warns when they differ and broadcasts, and the
 * classic bug (a [B, 1] output against a [B] target silently becoming a [B, B] difference) is
 * exactly what that lets through; here it is an error.
 */
public final class MseLoss implements Loss {
    private final Reduction reduction;

    /** Mean squared error: PyTorch's {@code nn.MSELoss()}. */
    public MseLoss() {
        this(Reduction.MEAN);
    }

    public MseLoss(Reduction reduction) {
        if (reduction == null) {
            throw new IllegalArgumentException("mseLoss: reduction is null");
        }
        this.reduction = reduction;
    }

    @Override
    public Tensor apply(Tensor input, Tensor target) {
        return mseLoss(input, target, reduction);
    }

    /** Mean squared error. */
    public static Tensor mseLoss(Tensor input, Tensor target) {
        return mseLoss(input, target, Reduction.MEAN);
    }

    /** The loss in the class comment; {@code input} and {@code target} of equal shapes. */
    public static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
        if (!Arrays.equals(input.shape(), target.shape())) {
            throw new IllegalArgumentException("mseLoss: input of shape " + Arrays.toString(input.shape())
                    + " and target of shape " + Arrays.toString(target.shape()) + " differ; reshape one of them");
        }
        Tensor sq = input.sub(target).square();
        switch (reduction) {
            case NONE:
                return sq;
            case SUM:
                return sq.sum();
            case MEAN:
                return sq.mean();
            default:
                throw new AssertionError(reduction);
        }
    }

    @Override
    public String toString() {
        return "MseLoss(reduction=" + reduction + ")";
    }
}
