package dev.pare.nn;

import java.util.List;
import java.util.Map;

/**
 * What {@link Module#loadStateDict(java.util.Map, boolean)} did not match, like PyTorch's
 * {@code _IncompatibleKeys}: keys the module expected but the map lacked, and keys the map had
 * that the module does not know. With {@code strict = true} both lists are always empty (any
 * mismatch throws instead).
 *
 * @param missingKeys    parameter or buffer names of the module absent from the map, in module order
 * @param unexpectedKeys names in the map that are no parameter or buffer of the module, in map
 *                       order (after the {@link KeyMap}, if one was used)
 * @param renamedKeys    checkpoint key → module key, for every key a {@link KeyMap} changed
 * @param ignoredKeys    checkpoint keys a {@link KeyMap} dropped before matching
 */
public record LoadResult(List<String> missingKeys, List<String> unexpectedKeys, Map<String, String> renamedKeys,
                         List<String> ignoredKeys) {
    public LoadResult {
        missingKeys = List.copyOf(missingKeys);
        unexpectedKeys = List.copyOf(unexpectedKeys);
        // An unmodifiable copy that keeps the checkpoint's order (Map.copyOf would not).
        renamedKeys = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(renamedKeys));
        ignoredKeys = List.copyOf(ignoredKeys);
    }

    /** A result without key mapping: nothing renamed or ignored. */
    public LoadResult(List<String> missingKeys, List<String> unexpectedKeys) {
        this(missingKeys, unexpectedKeys, Map.of(), List.of());
    }

    /** True when every key matched (renamed and ignored keys do not count against it). */
    public boolean isClean() {
        return missingKeys.isEmpty() && unexpectedKeys.isEmpty();
    }
}
