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

    /**
     * The last name component of the buffers PyTorch keeps as int64 but Pare as a float tensor
     * (BatchNorm's batch counter). Saving them as I64 keeps a checkpoint loadable by PyTorch's
     * {@code load_state_dict} byte for byte as PyTorch itself would write it.
     */
    public static final java.util.Set<String> INT64_BUFFERS = java.util.Set.of("num_batches_tracked");

    /**
     * A checkpoint of F32 entries sharing the tensors of {@code stateDict}, in its order; entries
     * named like {@link #INT64_BUFFERS} become I64.
     */
    public static Checkpoint of(Map<String, Tensor> stateDict) {
        return of(stateDict, DType.F32);
    }

    /**
     * As {@link #of(Map)}, with the float tensors stored as {@code floatType} (F32, F16, BF16 or
     * F64); entries named like {@link #INT64_BUFFERS} become I64 whatever the float type.
     *
     * @throws IllegalArgumentException if such a counter holds a value that is not an integer
     */
    public static Checkpoint of(Map<String, Tensor> stateDict, DType floatType) {
        Checkpoint c = new Checkpoint();
        for (Map.Entry<String, Tensor> e : stateDict.entrySet()) {
            if (e.getValue() == null) {
                throw new IllegalArgumentException("Checkpoint.of: tensor \"" + e.getKey() + "\" is null");
            }
            String last = e.getKey().substring(e.getKey().lastIndexOf('.') + 1);
            if (INT64_BUFFERS.contains(last)) {
                c.put(e.getKey(), toInt64(e.getKey(), e.getValue()));
            } else {
                c.put(e.getKey(), TensorEntry.of(e.getValue(), floatType));
            }
        }
        return c;
    }

    private static TensorEntry toInt64(String name, Tensor t) {
        float[] v = t.contiguous().toArray();
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            if (v[i] != Math.rint(v[i]) || Float.isInfinite(v[i])) {
                throw new IllegalArgumentException("Checkpoint.of: \"" + name + "\" is saved as I64 (PyTorch's type for it)"
                        + " but holds " + v[i] + " at index " + i + ", not an integer");
            }
            out[i] = (long) v[i];
        }
        return TensorEntry.ofLongs(out, t.shape());
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
     * The entries as a state dict, in order. Float entries are shared; I64, U8 and BOOL entries
     * (PyTorch's counters and masks) are converted to floats exactly, an I64 beyond ±2^24 being
     * refused. I8, I16 and I32 entries are refused: an int8 weight turned into floats here would
     * silently lose its scale, so that is left to the code that knows it.
     *
     * @throws IllegalStateException naming the entry that cannot become a float tensor
     */
    public Map<String, Tensor> toStateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, TensorEntry> e : entries.entrySet()) {
            TensorEntry entry = e.getValue();
            switch (entry.dtype()) {
                case I8:
                case I16:
                case I32:
                    throw new IllegalStateException("Checkpoint.toStateDict: entry \"" + e.getKey() + "\" is "
                            + entry + ", not a float; read it with entries() and TensorEntry.bytes()/shorts()/ints()");
                case F64:
                case F32:
                case F16:
                case BF16:
                    out.put(e.getKey(), entry.tensor());
                    break;
                default:
                    try {
                        out.put(e.getKey(), entry.toFloatTensor("entry \"" + e.getKey() + "\""));
                    } catch (IllegalArgumentException ex) {
                        throw new IllegalStateException("Checkpoint.toStateDict: " + ex.getMessage(), ex);
                    }
            }
        }
        return out;
    }
}
