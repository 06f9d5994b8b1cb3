package dev.pare.nn.optim;

import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.TensorEntry;
import dev.pare.tensor.Tensor;
import java.util.List;

/**
 * Adam (Kingma and Ba, 2015) with L2 weight decay: PyTorch's {@code torch.optim.Adam}.
 *
 * <p>For each parameter θ with gradient g, learning rate η, betas β₁, β₂, weight decay λ and
 * step t (counted per parameter, from 1):
 * <pre>
 *   g ← g + λ·θ                                   (if λ ≠ 0: L2 penalty in the gradient)
 *   m ← β₁·m + (1 − β₁)·g                         (first moment, starts at 0)
 *   v ← β₂·v + (1 − β₂)·g²                        (second moment, starts at 0)
 *   θ ← θ − (η / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
 * </pre>
 * The two divisions by 1 − βᵗ are the bias correction: m and v start at 0, so early on they
 * underestimate the moments by exactly those factors. Trap: ε is added <em>after</em> the
 * correction of √v, as PyTorch does; the paper's ε̂ variant adds it before and gives different
 * numbers in the first steps.
 *
 * <p>The corrections are computed in double (PyTorch computes them in Python floats), the
 * per-element arithmetic in float. A parameter with a null gradient is skipped and its step
 * count does not advance.
 */
public class Adam extends Optimizer {
    private final float beta1;
    private final float beta2;
    private final double beta1d;
    private final double beta2d;
    private final float eps;
    private final float weightDecay;
    private final boolean decoupled;
    private final float[][] m;
    private final float[][] v;
    private final long[] t;

    /** Adam with PyTorch's defaults: β = (0.9, 0.999), ε = 1e-8, no weight decay. */
    public Adam(List<Tensor> params, double learningRate) {
        this(params, learningRate, 0.9, 0.999, 1e-8, 0);
    }

    /**
     * @param beta1       β₁ in [0, 1): decay of the gradient average
     * @param beta2       β₂ in [0, 1): decay of the squared-gradient average
     * @param eps         ε ≥ 0, keeps the step finite where v ≈ 0
     * @param weightDecay λ ≥ 0, added to the gradient as λ·θ
     */
    public Adam(List<Tensor> params, double learningRate, double beta1, double beta2, double eps, double weightDecay) {
        this("Adam", params, learningRate, beta1, beta2, eps, weightDecay, false);
    }

    Adam(String name, List<Tensor> params, double learningRate, double beta1, double beta2, double eps,
         double weightDecay, boolean decoupled) {
        super(name, params, learningRate);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException(name + ": betas (" + beta1 + ", " + beta2 + ") must be in [0, 1)");
        }
        checkNonNegative(name, "eps", eps);
        checkNonNegative(name, "weightDecay", weightDecay);
        this.beta1 = (float) beta1;
        this.beta2 = (float) beta2;
        this.beta1d = beta1;
        this.beta2d = beta2;
        this.eps = (float) eps;
        this.weightDecay = (float) weightDecay;
        this.decoupled = decoupled;
        this.m = new float[params.size()][];
        this.v = new float[params.size()][];
        this.t = new long[params.size()];
    }

    @Override
    protected final void update(int index, float[] p, int po, float[] g, int go, int n) {
        if (m[index] == null) {
            m[index] = newState(index);
            v[index] = newState(index);
        }
        float[] mi = m[index];
        float[] vi = v[index];
        long step = ++t[index];
        double lr = learningRate();

        float l2 = 0f;
        if (weightDecay != 0f) {
            if (decoupled) {
                // AdamW: shrink θ directly, before and independent of the adaptive step.
                float shrink = (float) (1 - lr * weightDecay);
                for (int i = 0; i < n; i++) {
                    p[po + i] *= shrink;
                }
            } else {
                l2 = weightDecay;
            }
        }
        float oneMinusBeta1 = (float) (1 - beta1d);
        float oneMinusBeta2 = (float) (1 - beta2d);
        double biasCorrection1 = 1 - Math.pow(beta1d, step);
        float biasCorrection2Sqrt = (float) Math.sqrt(1 - Math.pow(beta2d, step));
        float negStepSize = (float) (-lr / biasCorrection1);
        for (int i = 0; i < n; i++) {
            float gi = g[go + i];
            if (l2 != 0f) {
                gi += l2 * p[po + i];
            }
            float mNew = beta1 * mi[i] + oneMinusBeta1 * gi;
            float vNew = beta2 * vi[i] + oneMinusBeta2 * gi * gi;
            mi[i] = mNew;
            vi[i] = vNew;
            float denom = (float) Math.sqrt(vNew) / biasCorrection2Sqrt + eps;
            p[po + i] += negStepSize * mNew / denom;
        }
    }

    /** How many updates parameter {@code index} has received (its t in the bias correction). */
    public final long stepCount(int index) {
        return t[index];
    }

    @Override
    protected final List<String> stateNames() {
        return List.of("exp_avg", "exp_avg_sq", "step");
    }

    @Override
    protected final String hyperParameters() {
        return "betas=(" + beta1d + ", " + beta2d + ") eps=" + eps + " weight_decay=" + weightDecay
                + (decoupled ? " decoupled" : "");
    }

    @Override
    protected final void saveState(Checkpoint c) {
        for (int i = 0; i < m.length; i++) {
            if (m[i] != null) {
                c.put(stateKey(i, "exp_avg"), floatEntry(i, m[i]));
                c.put(stateKey(i, "exp_avg_sq"), floatEntry(i, v[i]));
                c.put(stateKey(i, "step"), TensorEntry.ofLongs(new long[] {t[i]}, 1));
            }
        }
    }

    @Override
    protected final void loadState(Checkpoint c) {
        int n = m.length;
        float[][] m2 = new float[n][];
        float[][] v2 = new float[n][];
        long[] t2 = new long[n];
        for (int i = 0; i < n; i++) {
            m2[i] = floatState(c, stateKey(i, "exp_avg"), i);
            v2[i] = floatState(c, stateKey(i, "exp_avg_sq"), i);
            boolean hasStep = c.entries().containsKey(stateKey(i, "step"));
            if ((m2[i] == null) != (v2[i] == null) || (m2[i] == null) == hasStep) {
                throw new IllegalArgumentException(name() + ".loadStateDict: parameter " + i + " has only some of "
                        + stateKey(i, "exp_avg") + ", exp_avg_sq and step; all three or none");
            }
            t2[i] = hasStep ? longEntry(c, stateKey(i, "step")) : 0;
        }
        System.arraycopy(m2, 0, m, 0, n);
        System.arraycopy(v2, 0, v, 0, n);
        System.arraycopy(t2, 0, t, 0, n);
    }
}
