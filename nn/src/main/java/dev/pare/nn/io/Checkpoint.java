package dev.pare.nn.io;

import dev.pare.tensor.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a safetensors file holds, in memory: named {@link TensorEntry entries} in order, and a
 * string-to-string metadata map (the header's {@code __metadata__}), for instance
 * {@code {"architecture": "mlp-784-256-10", "quantization": "int8-per-channel"}}.
 *
 * <p>Names are unique; putting a name again replaces its entry but keeps its place, as a
 * {@link LinkedHashMap} does. The name {@code __metadata__} is reserved by the format.
 */
public final class Checkpoint {
    /** The header key that holds the metadata map rather than a tensor. */
    public static final String METADATA_KEY = "__metadata__";

    private final LinkedHashMap<String, TensorEntry> entries = new LinkedHashMap<>();
    private final LinkedHashMap<String, String> metadata = new LinkedHashMap<>();

    /** An empty checkpoint. */
    public Checkpoint() {}

    /** A checkpoint of F32 entries sharing the tensors of {@code stateDict}, in its order. */
    public static Checkpoint of(Map<String, Tensor> stateDict) {
        Checkpoint c = new Checkpoint();
        for (Map.Entry<String, Tensor> e : stateDict.entrySet()) {
            c.put(e.getKey(), e.getValue());
        }
        return c;
    }

    /** Adds (or replaces) an entry; returns this. */
    public Checkpoint put(String name, TensorEntry entry) {
        if (name == null || entry == null) {
            throw new IllegalArgumentException("Checkpoint.put: name and entry must not be null (name=" + name + ")");
        }
        if (METADATA_KEY.equals(name)) {
            throw new IllegalArgumentException("Checkpoint.put: the name " + METADATA_KEY
                    + " is reserved by the safetensors format for the metadata map; use putMetadata");
        }
        entries.put(name, entry);
        return this;
    }

    /** Adds (or replaces) an F32 entry holding {@code tensor}; returns this. */
    public Checkpoint put(String name, Tensor tensor) {
        if (tensor == null) {
            throw new IllegalArgumentException("Checkpoint.put: tensor \"" + name + "\" is null");
        }
        return put(name, TensorEntry.of(tensor));
    }

    /** Adds (or replaces) a metadata pair; returns this. */
    public Checkpoint putMetadata(String key, String value) {
        if (key == null || value == null) {
            throw new IllegalArgumentException("Checkpoint.putMetadata: key and value must not be null (key=" + key
                    + ", value=" + value + ")");
        }
        metadata.put(key, value);
        return this;
    }

    /** The entries in order (read-only view). */
    public Map<String, TensorEntry> entries() {
        return Collections.unmodifiableMap(entries);
    }

    /** The metadata in order (read-only view). */
    public Map<String, String> metadata() {
        return Collections.unmodifiableMap(metadata);
    }

    /** The entry called {@code name}; fails with the list of names if there is none. */
    public TensorEntry entry(String name) {
        TensorEntry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException("Checkpoint.entry: no entry \"" + name + "\"; the checkpoint holds "
                    + entries.keySet());
        }
        return e;
    }

    /**
     * The entries as a state dict, in order. Every entry must be F32: an int8 weight turned into
     * floats here would silently lose its scale, so that is left to the code that knows it.
     */
    public Map<String, Tensor> toStateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, TensorEntry> e : entries.entrySet()) {
            if (e.getValue().dtype() != DType.F32) {
                throw new IllegalStateException("Checkpoint.toStateDict: entry \"" + e.getKey() + "\" is "
                        + e.getValue() + ", not F32; read it with entries() and TensorEntry.bytes()/ints()");
            }
            out.put(e.getKey(), e.getValue().tensor());
        }
        return out;
    }
}
