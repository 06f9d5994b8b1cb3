package dev.pare.nn.optim;

import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * What every optimizer shares: a fixed list of parameters (leaf tensors with
 * {@code requiresGrad}), a learning rate, {@link #step()} and {@link #zeroGrad()}.
 *
 * <p>A training step is
 * <pre>{@code
 * optimizer.zeroGrad();
 * Tensor loss = lossFn.apply(model.forward(x), y);
 * loss.backward();          // fills every parameter's grad()
 * optimizer.step();         // param ← update(param, grad, state)
 * }</pre>
 *
 * <p>{@link #step()} opens a {@code Tensor.noGrad()} scope and calls {@link #update} once per
 * parameter that has a gradient, with the parameter's and the gradient's storage; subclasses
 * write plain loops over those arrays. One fused pass over memory per parameter is both the
 * fastest form and the easiest to compare with the formula in the subclass's Javadoc; it touches
 * no tensor op, so nothing is allocated per element.
 */
public abstract class Optimizer {
    private final String name;
    private final List<Tensor> params;
    private double learningRate;
    private long steps;

    /**
     * @param name         the optimizer's name, for error messages
     * @param params       leaf tensors with requiresGrad, each contiguous, none twice
     * @param learningRate lr ≥ 0
     */
    protected Optimizer(String name, List<Tensor> params, double learningRate) {
        this.name = name;
        if (params == null || params.isEmpty()) {
            throw new IllegalArgumentException(name + ": the parameter list is empty; pass model.parameters()");
        }
        Map<Tensor, Integer> seen = new IdentityHashMap<>();
        for (int i = 0; i < params.size(); i++) {
            Tensor p = params.get(i);
            if (p == null) {
                throw new IllegalArgumentException(name + ": parameter " + i + " is null");
            }
            if (!p.isLeaf() || !p.requiresGrad()) {
                throw new IllegalArgumentException(name + ": parameter " + i + " of shape " + Arrays.toString(p.shape())
                        + " must be a leaf tensor with requiresGrad(true)"
                        + (p.isLeaf() ? "" : ", but it was computed by " + p.gradFnName()));
            }
            // The update loops walk storage from offset() to offset() + numel().
            if (!p.isContiguous()) {
                throw new IllegalArgumentException(name + ": parameter " + i + " of shape " + Arrays.toString(p.shape())
                        + " is not contiguous");
            }
            Integer before = seen.put(p, i);
            if (before != null) {
                // Updating it twice per step would silently double its learning rate.
                throw new IllegalArgumentException(name + ": parameters " + before + " and " + i
                        + " are the same tensor");
            }
        }
        this.params = Collections.unmodifiableList(new ArrayList<>(params));
        setLearningRate(learningRate);
    }

    /** The parameters, in the order given (unmodifiable). */
    public final List<Tensor> parameters() {
        return params;
    }

    /** The learning rate the next {@link #step()} uses. */
    public final double learningRate() {
        return learningRate;
    }

    /** Changes the learning rate (schedules do this between steps). */
    public final void setLearningRate(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException(name + ": learning rate " + lr + " must be finite and >= 0");
        }
        this.learningRate = lr;
    }

    /** How many times {@link #step()} has run. */
    public final long steps() {
        return steps;
    }

    /** Updates every parameter that has a gradient; parameters whose grad() is null are skipped. */
    @SuppressWarnings("try") // the scope is used only for its close()
    public final void step() {
        steps++;
        try (var ignored = Tensor.noGrad()) {
            for (int i = 0; i < params.size(); i++) {
                Tensor p = params.get(i);
                Tensor g = p.grad();
                if (g == null) {
                    continue;
                }
                // Gradients made by backward are contiguous; one set by hand might not be.
                Tensor gc = g.isContiguous() ? g : g.contiguous();
                update(i, p.storage(), p.offset(), gc.storage(), gc.offset(), p.numel());
            }
        }
    }

    /**
     * Updates parameter {@code index} in place: its n values are {@code p[po .. po+n)}, its
     * gradient's {@code g[go .. go+n)}. Runs with grad mode off.
     */
    protected abstract void update(int index, float[] p, int po, float[] g, int go, int n);

    /**
     * Sets every parameter's gradient to zero, keeping the gradient tensors so that the next
     * backward adds into them instead of allocating new ones. (PyTorch 1.13's default
     * {@code zero_grad(set_to_none=False)}; Adam's moments therefore still decay on a step where a
     * parameter's gradient stayed zero, exactly as in PyTorch.)
     */
    @SuppressWarnings("try") // the scope is used only for its close()
    public final void zeroGrad() {
        try (var ignored = Tensor.noGrad()) {
            for (Tensor p : params) {
                Tensor g = p.grad();
                if (g != null) {
                    if (g.isContiguous()) {
                        g.zero();
                    } else {
                        // A gradient set by hand may be a view (even an expanded one, where one
                        // value stands for many): give the parameter a fresh zero gradient instead.
                        p.setGrad(Tensor.zeros(p.shape()));
                    }
                }
            }
        }
    }

    /** A zero-filled state array with one slot per value of parameter {@code index}. */
    protected final float[] newState(int index) {
        return new float[params.get(index).numel()];
    }

    /** The name given to the constructor, for messages. */
    protected final String name() {
        return name;
    }

    static void checkNonNegative(String op, String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(op + ": " + what + " " + v + " must be finite and >= 0");
        }
    }
}
