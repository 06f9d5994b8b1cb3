package dev.pare.nn.optim;

import dev.pare.nn.io.Checkpoint;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.SgdKernels;
import java.util.List;

/**
 * Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight
 * decay: PyTorch's {@code torch.optim.SGD}, update for update.
 *
 * <p>For each parameter θ with gradient g, learning rate η, weight decay λ, momentum μ and
 * dampening τ, step t (from 1):
 * <pre>
 *   g ← g + λ·θ                                   (if λ ≠ 0)
 *   b ← g                       at t = 1          (if μ ≠ 0: the momentum buffer)
 *   b ← μ·b + (1 − τ)·g         for t &gt; 1
 *   g ← g + μ·b  (Nesterov)  or  g ← b            (if μ ≠ 0)
 *   θ ← θ − η·g
 * </pre>
 * Trap: the first step copies g into the buffer without the (1 − τ) factor; that is PyTorch's
 * rule, and it makes the first step the same size with or without dampening.
 *
 * <p>Weight decay here is the L2 penalty folded into the gradient (it also passes through the
 * momentum); for Adam the difference from decoupled decay matters, see {@link AdamW}.
 */
public final class SGD extends Optimizer {
    private final float momentum;
    private final float dampening;
    private final boolean nesterov;
    private final float weightDecay;
    private final float[][] buffers;

    /** Plain SGD: θ ← θ − η·g. */
    public SGD(List<Tensor> params, double learningRate) {
        this(params, learningRate, 0, 0, false, 0);
    }

    /** SGD with momentum μ (0.9 is the usual value). */
    public SGD(List<Tensor> params, double learningRate, double momentum) {
        this(params, learningRate, momentum, 0, false, 0);
    }

    /**
     * @param momentum    μ ≥ 0
     * @param dampening   τ ≥ 0; must be 0 with Nesterov
     * @param nesterov    look-ahead momentum; needs μ &gt; 0
     * @param weightDecay λ ≥ 0
     */
    public SGD(List<Tensor> params, double learningRate, double momentum, double dampening, boolean nesterov,
               double weightDecay) {
        super("SGD", params, learningRate);
        checkNonNegative("SGD", "momentum", momentum);
        checkNonNegative("SGD", "dampening", dampening);
        checkNonNegative("SGD", "weightDecay", weightDecay);
        if (nesterov && (momentum <= 0 || dampening != 0)) {
            throw new IllegalArgumentException("SGD: Nesterov momentum needs momentum > 0 and dampening = 0, got momentum "
                    + momentum + " and dampening " + dampening);
        }
        this.momentum = (float) momentum;
        // PyTorch evaluates 1 − dampening in double, then uses it as a float scalar.
        this.dampening = (float) (1 - dampening);
        this.nesterov = nesterov;
        this.weightDecay = (float) weightDecay;
        this.buffers = new float[params.size()][];
    }

    @Override
    protected void update(int index, float[] p, int po, float[] g, int go, int n) {
        float[] buf = null;
        boolean first = false;
        if (momentum != 0f) {
            buf = buffers[index];
            first = buf == null;
            if (first) {
                buf = newState(index);
                buffers[index] = buf;
            }
        }
        // One vector pass over θ, g and b (SgdKernels), the same bits as the formula's scalar loop.
        SgdKernels.sgd(p, po, g, go, buf, 0, n, (float) learningRate(), weightDecay, momentum, dampening, nesterov,
                first);
    }

    @Override
    protected List<String> stateNames() {
        return List.of("momentum_buffer");
    }

    @Override
    protected String hyperParameters() {
        // Floats as stored: 1 − τ is what the update uses.
        return "momentum=" + momentum + " one_minus_dampening=" + dampening + " nesterov=" + nesterov
                + " weight_decay=" + weightDecay;
    }

    @Override
    protected void saveState(Checkpoint c) {
        for (int i = 0; i < buffers.length; i++) {
            if (buffers[i] != null) {
                c.put(stateKey(i, "momentum_buffer"), floatEntry(i, buffers[i]));
            }
        }
    }

    @Override
    protected void loadState(Checkpoint c) {
        float[][] loaded = new float[buffers.length][];
        for (int i = 0; i < buffers.length; i++) {
            loaded[i] = floatState(c, stateKey(i, "momentum_buffer"), i);
        }
        // A null buffer means "first step still to come": the update then copies g into it.
        System.arraycopy(loaded, 0, buffers, 0, buffers.length);
    }
}
