package dev.pare.nn.optim;

import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.DType;
import dev.pare.nn.io.TensorEntry;
import dev.pare.tensor.Shape;
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
 *
 * <p>{@link #stateDict()} and {@link #loadStateDict} save and restore everything a later
 * {@code step()} depends on (the learning rate, the step count, each subclass's buffers), as
 * PyTorch's {@code optimizer.state_dict()} does, so that a training run can stop and resume.
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

    // ---------------------------------------------------------------- state dict

    /**
     * A snapshot of everything the next {@link #step()} depends on, PyTorch's
     * {@code optimizer.state_dict()} in safetensors form:
     * <ul>
     *   <li>entry {@code steps}: I64 [1], how many times {@code step()} has run;</li>
     *   <li>entries {@code state.<i>.<name>}: parameter i's buffers ({@link #stateNames()}, e.g.
     *       {@code momentum_buffer}, {@code exp_avg}), F32 of the parameter's shape, or I64 [1]
     *       for a per-parameter counter; a parameter not yet updated has none;</li>
     *   <li>metadata {@code optimizer} (the type), {@code hyper_parameters} (everything fixed at
     *       construction), {@code lr} (exact, as {@link Double#toString}) and {@code param_shapes}.</li>
     * </ul>
     * The buffers are copied: the snapshot does not change when training continues.
     */
    public final Checkpoint stateDict() {
        Checkpoint c = new Checkpoint();
        c.putMetadata("optimizer", name);
        c.putMetadata("hyper_parameters", hyperParameters());
        c.putMetadata("lr", Double.toString(learningRate));
        c.putMetadata("param_shapes", paramShapes());
        c.put("steps", TensorEntry.ofLongs(new long[] {steps}, 1));
        saveState(c);
        return c;
    }

    /**
     * Continues from a {@link #stateDict()} snapshot: sets the learning rate, the step count and
     * every buffer, so that the following steps are bit for bit those the saved optimizer would
     * have made. Everything is checked before anything changes.
     *
     * @throws IllegalArgumentException naming what differs: another optimizer type, other
     *     hyper-parameters, other parameter shapes, or a missing, unknown or misshapen entry
     */
    public final void loadStateDict(Checkpoint state) {
        if (state == null) {
            throw new IllegalArgumentException(name + ".loadStateDict: state is null");
        }
        String where = name + ".loadStateDict: ";
        String type = state.metadata().get("optimizer");
        if (!name.equals(type)) {
            throw new IllegalArgumentException(where + "the state was saved by " + (type == null ? "no optimizer" : type)
                    + ", not " + name);
        }
        String hyper = state.metadata().get("hyper_parameters");
        if (!hyperParameters().equals(hyper)) {
            throw new IllegalArgumentException(where + "the state was saved with hyper-parameters " + hyper
                    + ", this optimizer has " + hyperParameters());
        }
        String shapes = state.metadata().get("param_shapes");
        if (!paramShapes().equals(shapes)) {
            throw new IllegalArgumentException(where + "the state was saved for parameters of shapes " + shapes
                    + ", this optimizer has " + paramShapes());
        }
        double lr;
        try {
            lr = Double.parseDouble(String.valueOf(state.metadata().get("lr")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + "metadata 'lr' is " + state.metadata().get("lr") + ", not a number", e);
        }
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException(where + "metadata 'lr' is " + lr + "; it must be finite and >= 0");
        }
        long savedSteps = longEntry(state, "steps");
        for (String key : state.entries().keySet()) {
            if (!key.equals("steps") && !isStateKey(key)) {
                throw new IllegalArgumentException(where + "unknown entry \"" + key + "\"; " + name
                        + " keeps steps and state.<i>.{" + String.join(", ", stateNames()) + "}");
            }
        }
        loadState(state); // validates its own entries before changing anything
        this.learningRate = lr;
        this.steps = savedSteps;
    }

    private boolean isStateKey(String key) {
        for (int i = 0; i < params.size(); i++) {
            for (String s : stateNames()) {
                if (key.equals(stateKey(i, s))) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * The buffer names a parameter can have in {@link #stateDict()}, PyTorch's where it has one
     * (SGD: {@code momentum_buffer}; Adam: {@code exp_avg}, {@code exp_avg_sq}, {@code step}).
     * None by default.
     */
    protected List<String> stateNames() {
        return List.of();
    }

    /**
     * Every setting fixed at construction, as one string compared on load (momentum, betas, …).
     * Two optimizers with different settings would not continue each other's run.
     */
    protected String hyperParameters() {
        return "";
    }

    /** Adds this optimizer's buffers to {@code c} (copies, under {@link #stateKey}). None by default. */
    protected void saveState(Checkpoint c) {}

    /**
     * Replaces this optimizer's buffers with those of {@code c}; must check every entry
     * ({@link #floatState}, {@link #longEntry}) before changing anything. None by default.
     */
    protected void loadState(Checkpoint c) {}

    /** The entry name of buffer {@code stateName} of parameter {@code index}: {@code state.<index>.<stateName>}. */
    protected static String stateKey(int index, String stateName) {
        return "state." + index + "." + stateName;
    }

    /** A copy of a float buffer as an F32 entry of parameter {@code index}'s shape. */
    protected final TensorEntry floatEntry(int index, float[] values) {
        return TensorEntry.of(Tensor.fromArray(values.clone(), params.get(index).shape()));
    }

    /**
     * The values of entry {@code key} of {@code c}, copied, checked to be F32 of parameter
     * {@code index}'s shape; null if there is no such entry (a parameter not yet updated).
     */
    protected final float[] floatState(Checkpoint c, String key, int index) {
        TensorEntry e = c.entries().get(key);
        if (e == null) {
            return null;
        }
        int[] want = params.get(index).shape();
        if (e.dtype() != DType.F32 || !Arrays.equals(e.shape(), want)) {
            throw new IllegalArgumentException(name + ".loadStateDict: entry \"" + key + "\" is " + e + ", expected F32"
                    + Shape.str(want) + " like parameter " + index);
        }
        return e.tensor().contiguous().toArray();
    }

    /** The one value of I64 [1] entry {@code key}, which must exist. */
    protected final long longEntry(Checkpoint c, String key) {
        TensorEntry e = c.entries().get(key);
        if (e == null) {
            throw new IllegalArgumentException(name + ".loadStateDict: entry \"" + key + "\" is missing; the checkpoint"
                    + " holds " + c.entries().keySet());
        }
        if (e.dtype() != DType.I64 || e.numel() != 1) {
            throw new IllegalArgumentException(name + ".loadStateDict: entry \"" + key + "\" is " + e + ", expected I64[1]");
        }
        long v = e.longs()[0];
        if (v < 0) {
            throw new IllegalArgumentException(name + ".loadStateDict: entry \"" + key + "\" is " + v + "; a count is >= 0");
        }
        return v;
    }

    private String paramShapes() {
        StringBuilder b = new StringBuilder();
        for (Tensor p : params) {
            b.append(b.length() == 0 ? "" : " ").append(Shape.str(p.shape()));
        }
        return b.toString();
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
