package dev.pare.nn;

import dev.pare.tensor.GradMode;
import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Base class of every layer and model: a function {@link #forward(Tensor)} together with the
 * tensors it learns (<em>parameters</em>), the tensors it keeps but does not learn
 * (<em>buffers</em>, such as BatchNorm's running statistics) and its <em>child modules</em>.
 *
 * <h2>Registration is explicit</h2>
 * PyTorch discovers parameters by intercepting attribute assignment. Java has no such hook, so a
 * subclass names each piece once in its constructor:
 * <pre>{@code
 * final class TwoLayer extends Module {
 *     private final Linear fc1;
 *     private final Linear fc2;
 *
 *     TwoLayer(Rng rng) {
 *         fc1 = registerModule("fc1", new Linear(784, 256, rng));
 *         fc2 = registerModule("fc2", new Linear(256, 10, rng));
 *     }
 *
 *     @Override
 *     public Tensor forward(Tensor x) {
 *         return fc2.forward(fc1.forward(x).relu());
 *     }
 * }
 * }</pre>
 * The registered names make the dotted keys of {@link #namedParameters()} and
 * {@link #stateDict()}: {@code fc1.weight}, {@code fc1.bias}, {@code fc2.weight}, … exactly as
 * PyTorch would name the same model, so checkpoints can travel between the two.
 *
 * <h2>Parameters are plain tensors</h2>
 * A parameter is a leaf {@link Tensor} with {@code requiresGrad(true)}; {@link #registerParameter}
 * sets the flag. (PyTorch's {@code nn.Parameter} is a tensor subclass whose only job is to be
 * found by attribute assignment, which explicit registration makes unnecessary.) Optimizers get
 * them from {@link #parameters()} and update them in place inside {@link Tensor#noGrad()}.
 *
 * <h2>Order</h2>
 * Everything is kept in registration order: a module's own parameters, then its own buffers, then
 * each child's entries under the child's name. {@link #stateDict()} uses the same order as
 * PyTorch's {@code state_dict()} for the same registrations.
 *
 * <h2>Training and evaluation</h2>
 * {@link #train()} and {@link #eval()} set a flag on the whole tree; only layers whose behaviour
 * differs ({@link Dropout}, {@link BatchNorm2d}, …) read it. Neither turns gradient recording off:
 * evaluate inside {@code Tensor.noGrad()} for that.
 *
 * <h2>Trap: the name</h2>
 * {@code java.lang.Module} exists too. Code outside this package that writes
 * {@code import dev.pare.nn.*;} and then uses {@code Module} gets "reference to Module is
 * ambiguous"; add the single-type import {@code import dev.pare.nn.Module;}, which wins.
 */
public abstract class Module implements Model {
    private final LinkedHashMap<String, Tensor> params = new LinkedHashMap<>();
    private final LinkedHashMap<String, Tensor> buffers = new LinkedHashMap<>();
    private final LinkedHashMap<String, Module> children = new LinkedHashMap<>();
    private final LinkedHashMap<String, Supplier<Tensor>> parametrizations = new LinkedHashMap<>();
    private boolean training = true;

    /** Computes this module's output for {@code input}; every differentiable op is recorded. */
    @Override
    public abstract Tensor forward(Tensor input);

    // ---------------------------------------------------------------- registration

    /**
     * Registers {@code tensor} as a learnable parameter called {@code name}, marking it
     * {@code requiresGrad(true)}. Returns the tensor, so a constructor can write
     * {@code weight = registerParameter("weight", Tensor.zeros(out, in))}.
     *
     * <p>Public, as in PyTorch, so that code outside a layer can reparametrise it (pruning
     * registers {@code weight_orig} on a {@code Linear}; see {@link #setParametrization}).
     */
    public final Tensor registerParameter(String name, Tensor tensor) {
        checkNewName("registerParameter", name, tensor);
        if (!tensor.isLeaf()) {
            throw new IllegalArgumentException(describe() + ": registerParameter(\"" + name + "\"): the tensor was made by "
                    + tensor.gradFnName() + "; a parameter must be a leaf (use detach())");
        }
        params.put(name, tensor.requiresGrad(true));
        return tensor;
    }

    /**
     * Registers {@code tensor} as a buffer: state saved in {@link #stateDict()} and loaded by
     * {@link #loadStateDict}, but not learned (not in {@link #parameters()}). Public for the
     * same reason as {@link #registerParameter}.
     */
    public final Tensor registerBuffer(String name, Tensor tensor) {
        checkNewName("registerBuffer", name, tensor);
        buffers.put(name, tensor);
        return tensor;
    }

    /** Registers {@code child} as a submodule called {@code name}; returns it. */
    protected final <M extends Module> M registerModule(String name, M child) {
        checkNewName("registerModule", name, child);
        checkNoCycle("registerModule", name, child);
        children.put(name, child);
        return child;
    }

    /**
     * Refuses a child that is this module or contains it: the tree would become a cycle, and every
     * walk over it (parameters, stateDict, train) would recurse until the stack overflows.
     */
    private void checkNoCycle(String op, String name, Module child) {
        if (child == this || child.namedModules().values().stream().anyMatch(m -> m == this)) {
            throw new IllegalArgumentException(describe() + ": " + op + "(\"" + name + "\"): the module "
                    + child.describe() + " is, or contains, this module; a module tree cannot have cycles");
        }
    }

    private void checkNewName(String op, String name, Object value) {
        if (value == null) {
            throw new IllegalArgumentException(describe() + ": " + op + "(\"" + name + "\"): value is null");
        }
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException(describe() + ": " + op + ": name \"" + name
                    + "\" must be non-empty and contain no '.' (dots separate the levels of a state dict key)");
        }
        if (params.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(describe() + ": " + op + ": name \"" + name + "\" is already registered");
        }
    }

    /**
     * Unregisters this module's own parameter {@code name} (not dotted) and returns its tensor,
     * which the layer may still hold: it just stops being listed, saved and optimised under that
     * name. PyTorch's {@code del module._parameters[name]}; the first step of a reparametrisation.
     */
    public final Tensor removeParameter(String name) {
        Tensor t = parameter(name);
        params.remove(name);
        return t;
    }

    /** Unregisters this module's own buffer {@code name} (not dotted) and returns its tensor. */
    public final Tensor removeBuffer(String name) {
        Tensor t = buffer(name);
        buffers.remove(name);
        return t;
    }

    /**
     * Makes the layer compute its tensor {@code name} with {@code value} on every forward pass,
     * instead of using the tensor it stores; {@code null} restores the stored one. Pruning uses it
     * for {@code weight = weight_orig · weight_mask}: the product is recorded by autograd, so
     * gradients reach {@code weight_orig} only where the mask is 1. PyTorch does the same with a
     * forward pre-hook that sets the attribute before each call.
     *
     * <p>Only layers that read the tensor through {@link #parametrized} honour it: {@link Linear}
     * and {@link Conv2d} for {@code "weight"}. Registration is not touched; the caller arranges
     * the parameters and buffers the function reads.
     */
    public final void setParametrization(String name, Supplier<Tensor> value) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException(describe() + ": setParametrization: empty name");
        }
        if (value == null) {
            parametrizations.remove(name);
        } else {
            parametrizations.put(name, value);
        }
    }

    /** Whether {@link #setParametrization} installed a function for {@code name}. */
    public final boolean isParametrized(String name) {
        return parametrizations.containsKey(name);
    }

    /**
     * The value a layer uses for its tensor {@code name} in this forward pass: {@code stored},
     * unless a parametrisation is installed, in which case its freshly computed result.
     */
    protected final Tensor parametrized(String name, Tensor stored) {
        if (parametrizations.isEmpty()) {
            return stored;
        }
        Supplier<Tensor> f = parametrizations.get(name);
        return f == null ? stored : f.get();
    }

    /**
     * Replaces the existing submodule at dotted path {@code path} (for example {@code "features.3"})
     * with {@code replacement}, returning the old one. This is how a model is rewritten after
     * training, e.g. swapping a {@code Linear} for a quantized version.
     *
     * <p>Trap: a module that stored its child in a field keeps calling the old one. {@link Sequential}
     * looks its children up on every call, so replacing inside a {@code Sequential} always works.
     */
    public final Module replaceModule(String path, Module replacement) {
        if (path == null) {
            throw new IllegalArgumentException(describe() + ": replaceModule: path is null");
        }
        if (replacement == null) {
            throw new IllegalArgumentException(describe() + ": replaceModule(\"" + path + "\"): replacement is null");
        }
        int dot = path.lastIndexOf('.');
        Module parent = dot < 0 ? this : getModule(path.substring(0, dot));
        String last = path.substring(dot + 1);
        if (!parent.children.containsKey(last)) {
            throw new IllegalArgumentException(describe() + ": replaceModule: no submodule \"" + path + "\"");
        }
        // Every module from here down to the parent would become a descendant of itself if the
        // replacement contained it.
        Module ancestor = this;
        String[] parts = dot < 0 ? new String[0] : path.substring(0, dot).split("\\.", -1);
        for (int i = 0; ; i++) {
            ancestor.checkNoCycle("replaceModule", path, replacement);
            if (i == parts.length) {
                break;
            }
            ancestor = ancestor.children.get(parts[i]);
        }
        return parent.children.put(last, replacement);
    }

    /** The submodule at dotted path {@code path}; the empty path is this module. */
    public final Module getModule(String path) {
        if (path == null) {
            throw new IllegalArgumentException(describe() + ": getModule: path is null");
        }
        Module m = this;
        if (path.isEmpty()) {
            return m;
        }
        for (String part : path.split("\\.", -1)) {
            Module next = m.children.get(part);
            if (next == null) {
                throw new IllegalArgumentException(describe() + ": no submodule \"" + path + "\" (\"" + part
                        + "\" is not a child of " + m.describe() + "; children: " + m.children.keySet() + ")");
            }
            m = next;
        }
        return m;
    }

    /** This module's own parameter {@code name} (not dotted), or an error listing the names. */
    protected final Tensor parameter(String name) {
        Tensor t = params.get(name);
        if (t == null) {
            throw new IllegalArgumentException(describe() + ": no parameter \"" + name + "\"; has " + params.keySet());
        }
        return t;
    }

    /** This module's own buffer {@code name} (not dotted). */
    protected final Tensor buffer(String name) {
        Tensor t = buffers.get(name);
        if (t == null) {
            throw new IllegalArgumentException(describe() + ": no buffer \"" + name + "\"; has " + buffers.keySet());
        }
        return t;
    }

    // ---------------------------------------------------------------- traversal

    /** The direct children, by name, in registration order (unmodifiable). */
    public final Map<String, Module> namedChildren() {
        return Collections.unmodifiableMap(children);
    }

    /** This module (under the name "") and every descendant, by dotted path, parents first. */
    public final LinkedHashMap<String, Module> namedModules() {
        LinkedHashMap<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String prefix, LinkedHashMap<String, Module> out) {
        out.put(prefix, this);
        for (Map.Entry<String, Module> c : children.entrySet()) {
            c.getValue().collectModules(prefix.isEmpty() ? c.getKey() : prefix + "." + c.getKey(), out);
        }
    }

    /**
     * Every parameter of this module and its descendants, by dotted name ({@code "0.weight"},
     * {@code "block.conv.bias"}). A tensor registered in two places is listed once, under its
     * first name, as PyTorch does, so an optimizer never updates a shared weight twice.
     */
    public final LinkedHashMap<String, Tensor> namedParameters() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        IdentityHashMap<Tensor, Boolean> seen = new IdentityHashMap<>();
        for (Map.Entry<String, Module> m : namedModules().entrySet()) {
            for (Map.Entry<String, Tensor> p : m.getValue().params.entrySet()) {
                if (seen.put(p.getValue(), Boolean.TRUE) == null) {
                    out.put(join(m.getKey(), p.getKey()), p.getValue());
                }
            }
        }
        return out;
    }

    /** The values of {@link #namedParameters()}: what an optimizer is given. */
    public final List<Tensor> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /** Every buffer of this module and its descendants, by dotted name. */
    public final LinkedHashMap<String, Tensor> namedBuffers() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> m : namedModules().entrySet()) {
            for (Map.Entry<String, Tensor> b : m.getValue().buffers.entrySet()) {
                out.put(join(m.getKey(), b.getKey()), b.getValue());
            }
        }
        return out;
    }

    /** Number of learnable scalars (shared tensors counted once). */
    public final long numParameters() {
        long n = 0;
        for (Tensor p : parameters()) {
            n += p.numel();
        }
        return n;
    }

    private static String join(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + "." + name;
    }

    // ---------------------------------------------------------------- modes and gradients

    /** Puts this module and all descendants in training mode; returns this. */
    public Module train() {
        return train(true);
    }

    /** Sets training mode ({@code true}) or evaluation mode on the whole tree; returns this. */
    public Module train(boolean mode) {
        for (Module m : namedModules().values()) {
            m.training = mode;
        }
        return this;
    }

    /**
     * Same as {@link #train(boolean)}, without the return value: the name the training loop's
     * {@link Model} interface uses for the switch.
     */
    @Override
    public void setTraining(boolean training) {
        train(training);
    }

    /** Evaluation mode: Dropout becomes the identity, BatchNorm uses its running statistics. */
    public Module eval() {
        return train(false);
    }

    /** Whether this module is in training mode (the default for a new module). */
    public final boolean isTraining() {
        return training;
    }

    /**
     * Clears the gradient of every parameter (sets it to null, like PyTorch 2's default
     * {@code set_to_none=True}): the next backward pass then writes fresh gradients instead of
     * adding to old ones, and no memory is spent on zeros. An optimizer skips a parameter whose
     * gradient is null.
     */
    public void zeroGrad() {
        for (Tensor p : parameters()) {
            p.setGrad(null);
        }
    }

    // ---------------------------------------------------------------- state dict

    /**
     * Every parameter and buffer by dotted name, in PyTorch's order and with PyTorch's names
     * (e.g. {@code features.0.weight}, {@code bn.running_mean}). The values share storage with the
     * module (they are {@linkplain Tensor#detach() detached} views): copy them to keep a snapshot
     * that later training will not change.
     */
    public final LinkedHashMap<String, Tensor> stateDict() {
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> m : namedModules().entrySet()) {
            Module mod = m.getValue();
            for (Map.Entry<String, Tensor> p : mod.params.entrySet()) {
                out.put(join(m.getKey(), p.getKey()), p.getValue().detach());
            }
            for (Map.Entry<String, Tensor> b : mod.buffers.entrySet()) {
                out.put(join(m.getKey(), b.getKey()), b.getValue().detach());
            }
        }
        return out;
    }

    /**
     * Copies the tensors of {@code state} into this module's parameters and buffers, by name.
     *
     * <p>Every problem is found before anything is copied, and reported in one exception: keys the
     * module has but {@code state} lacks (<em>missing</em>), keys {@code state} has but the module
     * does not (<em>unexpected</em>), and tensors whose shape differs. With {@code strict = false}
     * missing and unexpected keys are allowed and returned, but a shape mismatch is still an
     * error, as in PyTorch: loading it could only produce a wrong model. Nothing is changed when
     * an exception is thrown.
     *
     * @return the missing and unexpected keys (both empty when {@code strict})
     * @throws StateDictMismatchException naming every mismatch, and the likely key mapping if
     *     the names differ in a regular way
     */
    public final LoadResult loadStateDict(Map<String, Tensor> state, boolean strict) {
        return loadStateDict(state, strict, KeyMap.identity());
    }

    /**
     * As {@link #loadStateDict(Map, boolean)}, after renaming the keys of {@code state} with
     * {@code keys} (a checkpoint from code that names its tensors differently; see
     * {@link KeyMap}). Missing and unexpected keys are reported under the mapped names.
     *
     * @return the missing, unexpected, renamed and ignored keys
     * @throws StateDictMismatchException naming every mismatch and the map used
     */
    @SuppressWarnings("try") // the scope is used only for closing
    public final LoadResult loadStateDict(Map<String, Tensor> checkpoint, boolean strict, KeyMap keys) {
        if (checkpoint == null || keys == null) {
            throw new IllegalArgumentException(describe() + ": loadStateDict: " + (checkpoint == null ? "state" : "key map")
                    + " is null");
        }
        KeyMap.Applied applied = keys.apply(checkpoint);
        Map<String, Tensor> state = applied.state;
        LinkedHashMap<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> shapeErrors = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor src = state.get(e.getKey());
            if (src == null) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(src.shape(), e.getValue().shape())) {
                shapeErrors.add(e.getKey() + ": checkpoint has " + Arrays.toString(src.shape()) + ", module has "
                        + Arrays.toString(e.getValue().shape()));
            }
        }
        for (String k : state.keySet()) {
            if (!own.containsKey(k)) {
                unexpected.add(k);
            }
        }
        boolean fail = !shapeErrors.isEmpty() || strict && (!missing.isEmpty() || !unexpected.isEmpty());
        if (fail) {
            StringBuilder sb = new StringBuilder("loadStateDict into " + describe() + " failed"
                    + (keys.toString().equals("identity") ? "" : " (after key map " + keys + ")") + ":");
            if (strict && !missing.isEmpty()) {
                sb.append("\n  missing keys: ").append(missing);
            }
            if (strict && !unexpected.isEmpty()) {
                sb.append("\n  unexpected keys: ").append(unexpected);
            }
            for (String s : shapeErrors) {
                sb.append("\n  size mismatch for ").append(s);
            }
            if (strict) {
                for (String hint : KeyMap.suggest(missing, unexpected, this)) {
                    sb.append("\n  likely mapping: ").append(hint);
                }
            }
            throw new StateDictMismatchException(sb.toString());
        }
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            for (Map.Entry<String, Tensor> e : own.entrySet()) {
                Tensor src = state.get(e.getKey());
                if (src != null) {
                    e.getValue().copyFrom(src);
                }
            }
        }
        return new LoadResult(missing, unexpected, applied.renamed, applied.ignored);
    }

    // ---------------------------------------------------------------- text

    /**
     * The one-line settings shown inside the parentheses of {@link #toString()}, such as
     * {@code in_features=784, out_features=256, bias=true}. Empty by default.
     */
    protected String extraRepr() {
        return "";
    }

    /** The name shown by {@link #toString()}: the class's simple name. */
    protected String typeName() {
        String n = getClass().getSimpleName();
        return n.isEmpty() ? "Module" : n;
    }

    /**
     * This module in a few words, for the start of error messages and for progress lines and
     * reports, e.g. {@code Linear(784 -> 256)}. By default {@code TypeName(extraRepr)}, the line
     * {@link #toString()} prints for a leaf; a layer whose full settings make a long line
     * overrides it with the few that identify it (its sizes, and a format or mode if it has one).
     */
    public String describe() {
        return repr();
    }

    /** {@code TypeName(extraRepr)}: one line of {@link #toString()}. */
    private String repr() {
        return typeName() + "(" + extraRepr() + ")";
    }

    /**
     * The module tree, as PyTorch prints it:
     * <pre>
     * Sequential(
     *   (0): Linear(in_features=784, out_features=256, bias=true)
     *   (1): ReLU()
     *   (2): Linear(in_features=256, out_features=10, bias=true)
     * )
     * </pre>
     */
    @Override
    public String toString() {
        if (children.isEmpty()) {
            return repr();
        }
        StringBuilder sb = new StringBuilder(typeName()).append("(");
        String extra = extraRepr();
        if (!extra.isEmpty()) {
            sb.append("\n  ").append(extra);
        }
        for (Map.Entry<String, Module> c : children.entrySet()) {
            String child = c.getValue().toString().replace("\n", "\n  ");
            sb.append("\n  (").append(c.getKey()).append("): ").append(child);
        }
        return sb.append("\n)").toString();
    }
}
