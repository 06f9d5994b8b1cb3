package dev.pare.nn.optim;

import dev.pare.tensor.Tensor;
import java.util.List;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter, 2019): PyTorch's
 * {@code torch.optim.AdamW}.
 *
 * <p>Identical to {@link Adam} except for how λ acts. Before the Adam step,
 * <pre>
 *   θ ← θ · (1 − η·λ)
 * </pre>
 * and the gradient is left alone. Why it matters: with Adam's L2 form the penalty λ·θ enters m and
 * is then divided by √v, so weights with large gradients are barely regularised; decoupled decay
 * shrinks every weight by the same fraction. Note the default λ is 0.01, not 0.
 */
public final class AdamW extends Adam {
    /** AdamW with PyTorch's defaults: β = (0.9, 0.999), ε = 1e-8, λ = 0.01. */
    public AdamW(List<Tensor> params, double learningRate) {
        this(params, learningRate, 0.9, 0.999, 1e-8, 0.01);
    }

    /** See {@link Adam#Adam(List, double, double, double, double, double)}; λ is decoupled. */
    public AdamW(List<Tensor> params, double learningRate, double beta1, double beta2, double eps,
                 double weightDecay) {
        super("AdamW", params, learningRate, beta1, beta2, eps, weightDecay, true);
    }
}
