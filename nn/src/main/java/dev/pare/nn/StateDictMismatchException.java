package dev.pare.nn;

/**
 * A state dict does not fit the module it is loaded into: keys are missing or unexpected (with
 * {@code strict}), or a tensor's shape differs. The message lists every mismatch, and the likely
 * key mapping when the names differ in a regular way, for example
 * <pre>
 * loadStateDict into Sequential() failed:
 *   missing keys: [1.bias]
 *   size mismatch for 1.weight: checkpoint has [16, 25], module has [16, 24]
 * </pre>
 * Thrown by {@link Module#loadStateDict} before anything is copied, so the module is unchanged.
 * It is an {@link IllegalArgumentException}: the state dict is a bad argument.
 */
public final class StateDictMismatchException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public StateDictMismatchException(String message) {
        super(message);
    }
}
