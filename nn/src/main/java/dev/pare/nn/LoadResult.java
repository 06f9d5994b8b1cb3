package dev.pare.nn;

import java.util.List;

/**
 * What {@link Module#loadStateDict(java.util.Map, boolean)} did not match, like PyTorch's
 * {@code _IncompatibleKeys}: keys the module expected but the map lacked, and keys the map had
 * that the module does not know. With {@code strict = true} both lists are always empty (any
 * mismatch throws instead).
 *
 * @param missingKeys    parameter or buffer names of the module absent from the map, in module order
 * @param unexpectedKeys names in the map that are no parameter or buffer of the module, in map order
 */
public record LoadResult(List<String> missingKeys, List<String> unexpectedKeys) {
    public LoadResult {
        missingKeys = List.copyOf(missingKeys);
        unexpectedKeys = List.copyOf(unexpectedKeys);
    }

    /** True when every key matched. */
    public boolean isClean() {
        return missingKeys.isEmpty() && unexpectedKeys.isEmpty();
    }
}
