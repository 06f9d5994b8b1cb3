package dev.pare.tensor;

import dev.pare.tensor.kernels.SoftmaxKernels;
import dev.pare.tensor.parallel.Parallel;

/**
 * Softmax and log-softmax along one dimension, forward beside backward.
 *
 * <p>Both subtract the row maximum before exponentiating: e^(x−m) ≤ 1 cannot overflow, and the
 * result is mathematically unchanged because the factor e^(−m) cancels. Without it, a logit of
 * 100 already overflows float (e^100 > 3.4e38) and softmax returns NaN.
 *
 * <p>Backward, with y the output and g = dL/dy:
 * <ul>
 *   <li>softmax: dL/dx = y ⊙ (g − Σ g⊙y);</li>
 *   <li>log-softmax: dL/dx = g − softmax(x) ⊙ Σ g.</li>
 * </ul>
 */
final class SoftmaxOps {
    private SoftmaxOps() {}

    static Tensor softmax(Tensor x, int dim) {
        int d = Shape.dim("softmax", dim, x.dim());
        Tensor out = rows(x, d, false);
        return Autograd.record("softmax", out, g -> new Tensor[] {softmaxBackward(out, g, d)}, x);
    }

    static Tensor logSoftmax(Tensor x, int dim) {
        int d = Shape.dim("logSoftmax", dim, x.dim());
        Tensor out = rows(x, d, true);
        return Autograd.record("logSoftmax", out,
                g -> new Tensor[] {g.sub(out.exp().mul(g.sum(d, true)))}, x);
    }

    /**
     * dL/dx = y ⊙ (g − Σ g⊙y) along dim d, one {@link SoftmaxKernels#softmaxBackward} per row: one
     * output tensor instead of the four that {@code y.mul(g.sub(g.mul(y).sum(d, true)))} writes.
     */
    private static Tensor softmaxBackward(Tensor y, Tensor g, int d) {
        int last = y.dim() - 1;
        Tensor ym = y.transpose(d, last).contiguous();
        Tensor gm = g.detach().transpose(d, last).contiguous();
        int n = last < 0 ? 1 : ym.shape[last];
        Tensor dx = Tensor.empty(ym.shape.clone());
        int rows = n == 0 ? 0 : dx.data.length / n;
        Parallel.forRange(rows, Parallel.grainFor(3L * n), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                SoftmaxKernels.softmaxBackward(ym.data, ym.offset + r * n, gm.data, gm.offset + r * n,
                        dx.data, r * n, n);
            }
        });
        return d == last ? dx : dx.transpose(d, last).contiguous();
    }

    /**
     * Applies the row kernel along dim d: moves d last, makes rows contiguous, moves it back.
     * Rows are independent, so splitting them over threads never changes a result.
     */
    private static Tensor rows(Tensor x, int d, boolean log) {
        int last = x.dim() - 1;
        Tensor moved = x.detach().transpose(d, last).contiguous();
        int n = last < 0 ? 1 : moved.shape[last];
        Tensor out = Tensor.empty(moved.shape.clone());
        int rows = n == 0 ? 0 : out.data.length / n;
        Parallel.forRange(rows, Parallel.grainFor(2L * n), (lo, hi) -> {
            for (int r = lo; r < hi; r++) {
                if (log) {
                    SoftmaxKernels.logSoftmax(moved.data, moved.offset + r * n, out.data, r * n, n);
                } else {
                    SoftmaxKernels.softmax(moved.data, moved.offset + r * n, out.data, r * n, n);
                }
            }
        });
        return d == last ? out : out.transpose(d, last).contiguous();
    }
}
