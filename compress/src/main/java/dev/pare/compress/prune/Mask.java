package dev.pare.compress.prune;

import dev.pare.nn.Module;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A pruning mask as a reparametrisation of a parameter, as in PyTorch's
 * {@code torch.nn.utils.prune}.
 *
 * <pre>
 *   before:  Linear { weight (parameter) }
 *   apply:   Linear { weight_orig (parameter), weight_mask (buffer) },  weight = weight_orig · weight_mask
 *   remove:  Linear { weight (parameter) = weight_orig · weight_mask }
 * </pre>
 *
 * <p>The original values are kept, so a schedule can change the mask later and lottery-ticket
 * rewinding can reset them. The layer computes with the product on every forward pass
 * ({@link Module#setParametrization}); autograd records the multiplication, so
 * dL/d{@code weight_orig} = dL/d{@code weight} · mask: gradients reach surviving weights only.
 * An optimizer may still move a pruned {@code weight_orig} entry (weight decay, momentum), but
 * the product keeps the effective weight exactly 0.
 *
 * <p>State dicts carry {@code <name>_orig} and {@code <name>_mask}, PyTorch's keys; use
 * {@link #loadStateDict} to load a checkpoint whether or not it, or the model, is masked.
 *
 * <p>The tensor object never changes: {@code weight_orig} is the very tensor the layer was
 * built with, so a layer that keeps a field for it ({@code Linear.weight()}) still sees it.
 */
public final class Mask {
    /** Suffix of the parameter holding the original values. */
    public static final String ORIG = "_orig";
    /** Suffix of the buffer holding the 0/1 mask. */
    public static final String MASK = "_mask";

    private Mask() {}

    /**
     * Masks parameter {@code name} of {@code module} with {@code mask} (same shape, every entry 0
     * or 1; copied). On an already masked parameter the new mask replaces the old one: the
     * pruners here always compute masks that include the earlier zeros.
     *
     * @throws IllegalArgumentException on a missing parameter, a shape mismatch, or an entry
     *         that is neither 0 nor 1
     */
    public static void apply(Module module, String name, Tensor mask) {
        Tensor stored = stored(module, name);
        if (!Arrays.equals(stored.shape(), mask.shape())) {
            throw new IllegalArgumentException("Mask.apply(" + name + "): mask of shape " + Arrays.toString(mask.shape())
                    + " for a parameter of shape " + Arrays.toString(stored.shape()));
        }
        float[] m = mask.contiguous().toArray();
        for (int i = 0; i < m.length; i++) {
            if (m[i] != 0f && m[i] != 1f) {
                throw new IllegalArgumentException("Mask.apply(" + name + "): mask entry " + i + " is " + m[i]
                        + "; a mask holds only 0 (pruned) and 1 (kept)");
            }
        }
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            if (isMasked(module, name)) {
                maskOf(module, name).copyFrom(mask);
                return;
            }
            Tensor orig = module.removeParameter(name);
            module.registerParameter(name + ORIG, orig);
            Tensor buffer = module.registerBuffer(name + MASK, Tensor.fromArray(m, stored.shape()));
            module.setParametrization(name, () -> orig.mul(buffer));
        }
    }

    /**
     * Bakes the mask in: parameter {@code name} becomes {@code orig · mask} (computed in place in
     * the original tensor) and {@code <name>_orig}, {@code <name>_mask} disappear. PyTorch's
     * {@code prune.remove}. The pruned entries are then plain zeros that training can revive.
     *
     * @throws IllegalArgumentException if the parameter is not masked
     */
    public static void remove(Module module, String name) {
        if (!isMasked(module, name)) {
            throw new IllegalArgumentException("Mask.remove(" + name + "): the parameter is not masked; "
                    + module.getClass().getSimpleName() + " has " + module.stateDict().keySet());
        }
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            Tensor orig = module.removeParameter(name + ORIG);
            Tensor mask = module.removeBuffer(name + MASK);
            module.setParametrization(name, null);
            orig.mulInPlace(mask);
            module.registerParameter(name, orig);
        }
    }

    /** Removes every mask in {@code model} (see {@link #remove}). */
    public static void removeAll(Module model) {
        for (Module m : model.namedModules().values()) {
            for (String key : new java.util.ArrayList<>(m.namedBuffers().keySet())) {
                if (!key.contains(".") && key.endsWith(MASK)) {
                    String name = key.substring(0, key.length() - MASK.length());
                    if (isMasked(m, name)) {
                        remove(m, name);
                    }
                }
            }
        }
    }

    /** Whether {@code module}'s parameter {@code name} is masked. */
    public static boolean isMasked(Module module, String name) {
        return module.isParametrized(name) && module.namedBuffers().get(name + MASK) != null
                && module.namedParameters().get(name + ORIG) != null;
    }

    /** The live 0/1 mask buffer of a masked parameter. */
    public static Tensor maskOf(Module module, String name) {
        if (!isMasked(module, name)) {
            throw new IllegalArgumentException("Mask.maskOf(" + name + "): the parameter is not masked");
        }
        return module.namedBuffers().get(name + MASK);
    }

    /**
     * The stored values: {@code <name>_orig} when masked, else the parameter itself.
     *
     * @throws IllegalArgumentException if the module has neither
     */
    public static Tensor stored(Module module, String name) {
        Map<String, Tensor> params = module.namedParameters();
        Tensor t = isMasked(module, name) ? params.get(name + ORIG) : params.get(name);
        if (t == null || name.contains(".")) {
            throw new IllegalArgumentException("prune: " + module.getClass().getSimpleName() + " has no parameter \""
                    + name + "\"; it has " + params.keySet());
        }
        return t;
    }

    /** A new tensor (no graph) with the weight the layer computes with: {@code orig · mask}, or the parameter. */
    public static Tensor effective(Module module, String name) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            Tensor s = stored(module, name);
            return isMasked(module, name) ? s.mul(maskOf(module, name)) : s.copy();
        }
    }

    /**
     * Loads {@code state} into {@code model} strictly, masked or not on either side.
     *
     * <ul>
     *   <li>{@code p_orig} and {@code p_mask} in the file, plain {@code p} in the model: the
     *       model's parameter is masked first (with ones), then both are loaded.</li>
     *   <li>plain {@code p} in the file, masked in the model: the model's mask is removed first.</li>
     * </ul>
     * Everything else is {@link Module#loadStateDict}'s strict check.
     */
    public static void loadStateDict(Module model, Map<String, Tensor> state) {
        for (Map.Entry<String, Module> e : new LinkedHashMap<>(model.namedModules()).entrySet()) {
            String prefix = e.getKey().isEmpty() ? "" : e.getKey() + ".";
            Module m = e.getValue();
            for (String key : state.keySet()) {
                if (!key.startsWith(prefix) || !key.endsWith(MASK)) {
                    continue;
                }
                String name = key.substring(prefix.length(), key.length() - MASK.length());
                if (name.contains(".") || !state.containsKey(prefix + name + ORIG)) {
                    continue;
                }
                Tensor plain = m.namedParameters().get(name);
                if (plain != null && !isMasked(m, name)) {
                    apply(m, name, Tensor.ones(plain.shape()));
                }
            }
            for (String key : new java.util.ArrayList<>(m.namedBuffers().keySet())) {
                if (key.contains(".") || !key.endsWith(MASK)) {
                    continue;
                }
                String name = key.substring(0, key.length() - MASK.length());
                if (isMasked(m, name) && state.containsKey(prefix + name) && !state.containsKey(prefix + name + MASK)) {
                    remove(m, name);
                }
            }
        }
        model.loadStateDict(state, true);
    }
}
