package dev.pare.nn;

import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Rules that turn the key names of someone else's state dict into this module's names, for
 * {@link Module#loadStateDict(Map, boolean, KeyMap)}.
 *
 * <p>Checkpoints from other code name the same tensors differently: {@code nn.DataParallel} adds
 * {@code module.} in front of every key; a model used as a backbone sits under a prefix; and a
 * {@code Sequential} whose layers are numbered differently shifts every index (Pare's
 * {@code FashionModels.mlp} starts with a {@code Flatten}, so PyTorch's {@code 0.weight} is
 * Pare's {@code 1.weight}). The rules are explicit and applied in the order they were added,
 * each to the result of the previous one:
 *
 * <pre>{@code
 * KeyMap map = KeyMap.builder()
 *         .stripPrefix("module.")          // module.0.weight → 0.weight
 *         .rename("0.", "1.")              // 0.weight → 1.weight (prefix rename, literal)
 *         .rename("2.", "3.")
 *         .ignore("fc.num_batches_tracked") // dropped before matching, reported as ignored
 *         .build();
 * LoadResult r = model.loadStateDict(state, true, map);
 * r.renamedKeys();   // {module.0.weight=1.weight, ...}
 * }</pre>
 *
 * <p>A whole {@code Sequential} shifted by one, as in the Flatten case, takes one rule:
 * {@code shiftIndex(1)} moves every leading index up by one (and, unlike a chain of renames,
 * cannot be written in an order that carries a key on twice). A rename applies only to keys that start with its {@code from}; keys a rule does not
 * match pass through unchanged. Two keys that end up with the same name are an error naming both,
 * never a silent overwrite.
 */
public final class KeyMap {
    /** One rule: a description for messages and the function it applies to one key. */
    private static final class Rule {
        final String description;
        final UnaryOperator<String> apply;

        Rule(String description, UnaryOperator<String> apply) {
            this.description = description;
            this.apply = apply;
        }
    }

    private final List<Rule> rules;
    private final Set<String> ignored;

    private KeyMap(List<Rule> rules, Set<String> ignored) {
        this.rules = List.copyOf(rules);
        this.ignored = Collections.unmodifiableSet(new LinkedHashSet<>(ignored));
    }

    /** The map that changes nothing. */
    public static KeyMap identity() {
        return builder().build();
    }

    /** A new, empty builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Collects rules in order; see the class comment. */
    public static final class Builder {
        private final List<Rule> rules = new ArrayList<>();
        private final Set<String> ignored = new LinkedHashSet<>();

        private Builder() {}

        /** Removes {@code prefix} from the start of every key that has it ({@code nn.DataParallel}'s "module."). */
        public Builder stripPrefix(String prefix) {
            requireNonEmpty("stripPrefix", prefix);
            rules.add(new Rule("stripPrefix(\"" + prefix + "\")",
                    k -> k.startsWith(prefix) ? k.substring(prefix.length()) : k));
            return this;
        }

        /** Puts {@code prefix} in front of every key (a whole model loaded as a submodule). */
        public Builder addPrefix(String prefix) {
            requireNonEmpty("addPrefix", prefix);
            rules.add(new Rule("addPrefix(\"" + prefix + "\")", k -> prefix + k));
            return this;
        }

        /**
         * Replaces the start {@code from} of every key that has it by {@code to}; a literal
         * prefix, not a pattern. End {@code from} with a dot ({@code "0."}) so that it cannot
         * match {@code "10.weight"}.
         */
        public Builder rename(String from, String to) {
            requireNonEmpty("rename", from);
            Objects.requireNonNull(to, "KeyMap.rename: to");
            rules.add(new Rule("rename(\"" + from + "\", \"" + to + "\")",
                    k -> k.startsWith(from) ? to + k.substring(from.length()) : k));
            return this;
        }

        /**
         * Adds {@code by} to the leading index of every key that starts with one: with
         * {@code by = 1}, {@code 0.weight → 1.weight} and {@code 4.bias → 5.bias}. It lines up two
         * {@code Sequential}s that differ by stateless modules in front: PyTorch's
         * {@code nn.Sequential(nn.Linear(784, 256), nn.ReLU(), …)}, whose input is flattened
         * before the model, against {@code FashionModels.mlp}, whose index 0 is its Flatten. Keys
         * whose first component is not a number pass through unchanged.
         *
         * <p>Unlike a chain of {@link #rename}s it cannot be written in the wrong order (0→1
         * before 1→2 would carry {@code 0.weight} on to {@code 2.weight}).
         *
         * @throws IllegalArgumentException if {@code by} is 0; {@link #map} throws, naming the
         *     key, if an index would become negative
         */
        public Builder shiftIndex(int by) {
            if (by == 0) {
                throw new IllegalArgumentException("KeyMap.shiftIndex: a shift of 0 changes nothing");
            }
            rules.add(new Rule("shiftIndex(" + by + ")", k -> shifted(k, by)));
            return this;
        }

        /**
         * Drops these keys of the checkpoint (its names, before any rule) before matching, for
         * state this model does not have; {@link LoadResult#ignoredKeys()} lists them.
         */
        public Builder ignore(String... keys) {
            for (String k : keys) {
                requireNonEmpty("ignore", k);
                ignored.add(k);
            }
            return this;
        }

        /** The map, with the rules in the order they were added. */
        public KeyMap build() {
            return new KeyMap(rules, ignored);
        }

        private static void requireNonEmpty(String op, String s) {
            if (s == null || s.isEmpty()) {
                throw new IllegalArgumentException("KeyMap." + op + ": needs a non-empty string, got "
                        + (s == null ? "null" : "\"\""));
            }
        }
    }

    /** {@code key} with {@code by} added to its leading index, or unchanged if it has none. */
    private static String shifted(String key, int by) {
        int dot = key.indexOf('.');
        String head = dot < 0 ? key : key.substring(0, dot);
        if (!isIndex(head)) {
            return key;
        }
        long index = Long.parseLong(head) + by;
        if (index < 0 || index > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("KeyMap.shiftIndex(" + by + "): key \"" + key + "\" would get index "
                    + index + ", outside [0, " + Integer.MAX_VALUE + "]");
        }
        return index + (dot < 0 ? "" : key.substring(dot));
    }

    /** Whether {@code s} is a Sequential index: decimal digits, no sign, no leading zero (as PyTorch names them). */
    private static boolean isIndex(String s) {
        if (s.isEmpty() || s.length() > 9 || s.length() > 1 && s.charAt(0) == '0') {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** The checkpoint keys this map drops. */
    public Set<String> ignoredKeys() {
        return ignored;
    }

    /** {@code key} after every rule, in order. */
    public String map(String key) {
        String k = key;
        for (Rule r : rules) {
            k = r.apply.apply(k);
        }
        return k;
    }

    /** The result of {@link #apply}: the renamed state, and what changed. */
    static final class Applied {
        final LinkedHashMap<String, Tensor> state = new LinkedHashMap<>();
        /** Original key → new key, for keys whose name changed, in checkpoint order. */
        final LinkedHashMap<String, String> renamed = new LinkedHashMap<>();
        final List<String> ignored = new ArrayList<>();
    }

    /**
     * {@code state} with ignored keys dropped and every other key mapped.
     *
     * @throws IllegalArgumentException if two keys map to the same name, naming both and the rules
     */
    Applied apply(Map<String, Tensor> state) {
        Applied out = new Applied();
        Map<String, String> origin = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            String key = e.getKey();
            if (ignored.contains(key)) {
                out.ignored.add(key);
                continue;
            }
            String mapped = map(key);
            String before = origin.putIfAbsent(mapped, key);
            if (before != null) {
                throw new IllegalArgumentException("KeyMap " + this + ": checkpoint keys \"" + before + "\" and \"" + key
                        + "\" both map to \"" + mapped + "\"");
            }
            if (!mapped.equals(key)) {
                out.renamed.put(key, mapped);
            }
            out.state.put(mapped, e.getValue());
        }
        return out;
    }

    /**
     * Likely mappings for a failed load, one line each, or none: whole-key prefixes (every
     * unexpected key is a missing key with a prefix, or the other way round) and renamed first
     * components ({@code 0.*} in the checkpoint ↔ {@code 1.*} in the module, when both hold the
     * same suffixes, such as {@code weight} and {@code bias}).
     *
     * @param module the module being loaded, to say which of its children holds no state
     */
    static List<String> suggest(List<String> missing, List<String> unexpected, Module module) {
        List<String> out = new ArrayList<>();
        if (missing.isEmpty() || unexpected.isEmpty()) {
            return out;
        }
        String strip = commonExtraPrefix(unexpected, missing);
        if (strip != null) {
            out.add("every unexpected key is a module key with \"" + strip + "\" in front: try KeyMap.builder().stripPrefix(\""
                    + strip + "\")");
            return out;
        }
        String add = commonExtraPrefix(missing, unexpected);
        if (add != null) {
            out.add("every missing key is a checkpoint key with \"" + add + "\" in front: try KeyMap.builder().addPrefix(\""
                    + add + "\")");
            return out;
        }
        // Group by first component: "0.weight" → "0" : {"weight"}.
        Map<String, Set<String>> fromCheckpoint = byHead(unexpected);
        Map<String, Set<String>> fromModule = byHead(missing);
        Set<String> taken = new LinkedHashSet<>();
        List<String[]> pairs = new ArrayList<>(); // {checkpoint head, module head}
        for (Map.Entry<String, Set<String>> u : fromCheckpoint.entrySet()) {
            for (Map.Entry<String, Set<String>> m : fromModule.entrySet()) {
                if (!taken.contains(m.getKey()) && m.getValue().equals(u.getValue())) {
                    taken.add(m.getKey());
                    pairs.add(new String[] {u.getKey(), m.getKey()});
                    String line = "checkpoint \"" + u.getKey() + ".*\" ↔ module \"" + m.getKey() + ".*\" (both hold "
                            + String.join(", ", u.getValue()) + ")";
                    Module child = module.namedModules().get(u.getKey());
                    if (child != null && child.stateDict().isEmpty()) {
                        line += ": the module's " + u.getKey() + " is " + child.describe() + ", which holds no state";
                    }
                    out.add(line);
                    break;
                }
            }
        }
        if (!pairs.isEmpty()) {
            Integer shift = commonShift(pairs, missing, unexpected, module);
            if (shift != null) {
                out.add("try KeyMap.builder().shiftIndex(" + shift + ").build() (every index moves by " + shift + ")");
            } else {
                out.add("try " + renameRules(pairs) + ".build()");
            }
        }
        return out;
    }

    /**
     * The shift d when every pair is "n ↔ n + d" for one d, and shifting every checkpoint key by d
     * gives exactly the module's keys (no index that already matched would be moved away); else null.
     */
    private static Integer commonShift(List<String[]> pairs, List<String> missing, List<String> unexpected,
                                       Module module) {
        Integer d = null;
        for (String[] p : pairs) {
            if (!isIndex(p[0]) || !isIndex(p[1])) {
                return null;
            }
            int delta = Integer.parseInt(p[1]) - Integer.parseInt(p[0]);
            if (d != null && d != delta || delta == 0) {
                return null;
            }
            d = delta;
        }
        // The checkpoint's keys are the module's keys that matched, plus the unexpected ones.
        Set<String> checkpoint = new LinkedHashSet<>(module.stateDict().keySet());
        checkpoint.removeAll(missing);
        checkpoint.addAll(unexpected);
        Set<String> shiftedKeys = new LinkedHashSet<>();
        for (String k : checkpoint) {
            int dot = k.indexOf('.');
            String head = dot < 0 ? k : k.substring(0, dot);
            if (isIndex(head) && Integer.parseInt(head) + d < 0) {
                return null;
            }
            shiftedKeys.add(shifted(k, d));
        }
        return shiftedKeys.equals(module.stateDict().keySet()) ? d : null;
    }

    /**
     * The renames as builder calls, ordered so that no rule renames the result of an earlier
     * one: for 0→1, 1→2 the rule 1→2 must come first, or 0.weight would travel on to 2.weight.
     */
    private static String renameRules(List<String[]> pairs) {
        List<String[]> left = new ArrayList<>(pairs);
        StringBuilder sb = new StringBuilder("KeyMap.builder()");
        while (!left.isEmpty()) {
            String[] next = left.get(0);
            for (String[] p : left) {
                boolean targetIsLaterSource = false;
                for (String[] q : left) {
                    targetIsLaterSource |= q != p && q[0].equals(p[1]);
                }
                if (!targetIsLaterSource) {
                    next = p;
                    break;
                }
            }
            left.remove(next);
            sb.append(".rename(\"").append(next[0]).append(".\", \"").append(next[1]).append(".\")");
        }
        return sb.toString();
    }

    /** The prefix p such that every key of {@code longer} is p + a key of {@code shorter}, or null. */
    private static String commonExtraPrefix(List<String> longer, List<String> shorter) {
        String p = null;
        for (String k : longer) {
            String found = null;
            for (String s : shorter) {
                if (k.length() > s.length() && k.endsWith(s) && k.charAt(k.length() - s.length() - 1) == '.') {
                    found = k.substring(0, k.length() - s.length());
                    break;
                }
            }
            if (found == null || p != null && !p.equals(found)) {
                return null;
            }
            p = found;
        }
        return p;
    }

    private static Map<String, Set<String>> byHead(List<String> keys) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (String k : keys) {
            int dot = k.indexOf('.');
            if (dot > 0) {
                out.computeIfAbsent(k.substring(0, dot), h -> new LinkedHashSet<>()).add(k.substring(dot + 1));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (Rule r : rules) {
            parts.add(r.description);
        }
        if (!ignored.isEmpty()) {
            parts.add("ignore" + ignored);
        }
        return parts.isEmpty() ? "identity" : String.join(" → ", parts);
    }
}
