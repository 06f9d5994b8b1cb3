package dev.pare.nn.optim;

import dev.pare.tensor.Tensor;
import java.util.List;

/**
 * Gradient clipping by global L2 norm: PyTorch's {@code clip_grad_norm_}.
 *
 * <p>With N = √(Σ over every parameter and element of g²), the norm of all gradients taken as one
 * long vector, every gradient is scaled by min(1, maxNorm / (N + 10⁻⁶)). The direction of the
 * update is kept and only its length is capped, unlike clipping each element, which turns it.
 * The 10⁻⁶ is PyTorch's: it keeps the division finite when every gradient is zero.
 */
public final class GradClip {
    /** PyTorch's guard against dividing by a zero norm. */
    private static final double NORM_EPS = 1e-6;

    private GradClip() {}

    /**
     * Scales the gradients of {@code params} in place so that their global L2 norm is at most
     * {@code maxNorm}; parameters without a gradient are ignored.
     *
     * @return the global norm before clipping (to log: a growing norm warns of divergence). If it
     *     is NaN or infinite the gradients are left as they are; the caller decides what to do.
     */
    @SuppressWarnings("try") // the scope is used only for its close()
    public static double clipGradNorm(List<Tensor> params, double maxNorm) {
        if (!(maxNorm > 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("clipGradNorm: maxNorm " + maxNorm + " must be finite and > 0");
        }
        double norm = globalNorm(params);
        if (!Double.isFinite(norm)) {
            return norm;
        }
        double coef = maxNorm / (norm + NORM_EPS);
        if (coef < 1) {
            float c = (float) coef;
            try (var ignored = Tensor.noGrad()) {
                for (Tensor p : params) {
                    Tensor g = p.grad();
                    if (g != null) {
                        if (!g.isContiguous()) {
                            // A view set by hand (possibly expanded) cannot be scaled in place.
                            g = g.contiguous();
                            p.setGrad(g);
                        }
                        g.mulInPlace(c);
                    }
                }
            }
        }
        return norm;
    }

    /** √(Σ g²) over every gradient, accumulated in double so that millions of squares lose nothing. */
    public static double globalNorm(List<Tensor> params) {
        double sumSq = 0;
        for (Tensor p : params) {
            Tensor g = p.grad();
            if (g == null) {
                continue;
            }
            Tensor gc = g.isContiguous() ? g : g.contiguous();
            float[] d = gc.storage();
            int o = gc.offset();
            for (int i = 0, n = gc.numel(); i < n; i++) {
                double x = d[o + i];
                sumSq += x * x;
            }
        }
        return Math.sqrt(sumSq);
    }
}
