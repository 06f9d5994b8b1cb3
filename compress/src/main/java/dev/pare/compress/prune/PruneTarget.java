package dev.pare.compress.prune;

import dev.pare.nn.Module;
import dev.pare.tensor.Tensor;

/**
 * One prunable tensor of a model: the module that owns it and the parameter's own name, found
 * from a dotted path such as {@code "1.weight"} (parameter {@code weight} of child {@code 1}).
 *
 * <p>The path names the parameter as the unpruned model has it. Once masked, the module holds
 * {@code weight_orig} and {@code weight_mask} instead, and {@link #effective()} gives their
 * product; the target still resolves.
 *
 * @param path   the dotted path given, for messages and reports
 * @param module the module holding the parameter
 * @param name   the parameter's name inside {@code module} (no dots)
 */
public record PruneTarget(String path, Module module, String name) {

    /**
     * The target at {@code path} in {@code model}.
     *
     * @throws IllegalArgumentException if no module or no parameter (plain or masked) is there,
     *         naming the parameters the module does have
     */
    public static PruneTarget of(Module model, String path) {
        if (path == null || path.isEmpty()) {
            throw new IllegalArgumentException("prune: empty parameter path");
        }
        int dot = path.lastIndexOf('.');
        String modulePath = dot < 0 ? "" : path.substring(0, dot);
        String name = path.substring(dot + 1);
        Module owner;
        try {
            owner = model.getModule(modulePath);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("prune: no parameter \"" + path + "\": " + e.getMessage(), e);
        }
        if (owner.namedParameters().get(name) == null && !Mask.isMasked(owner, name)) {
            throw new IllegalArgumentException("prune: no parameter \"" + path + "\"; the module at \"" + modulePath
                    + "\" (" + owner.getClass().getSimpleName() + ") has " + ownNames(owner));
        }
        return new PruneTarget(path, owner, name);
    }

    private static java.util.List<String> ownNames(Module m) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (String k : m.namedParameters().keySet()) {
            if (!k.contains(".")) {
                out.add(k);
            }
        }
        return out;
    }

    /** The weight the layer computes with: {@code orig · mask} when masked, else the parameter. */
    public Tensor effective() {
        return Mask.effective(module, name);
    }

    /** Number of elements of the parameter. */
    public int numel() {
        return Mask.stored(module, name).numel();
    }
}
