package dev.pare.nn.io;

import dev.pare.tensor.Shape;
import java.util.Arrays;
import java.util.Map;

/**
 * The checks a loader runs on a checkpoint's entries and metadata before it uses them: each one
 * either returns what was asked for or throws a {@link CheckpointContentException} naming the
 * file, the tensor and the rule. Loaders of formats built on safetensors (sparse, quantized,
 * packed) call these first, so that an index or size read from the file is trusted only once it
 * fits the model.
 */
public final class EntryChecks {
    private EntryChecks() {}

    /** A floating-point dtype (F32, F16, BF16, F64): every float tensor of a model reads from these. */
    public static final DType[] FLOATS = {DType.F32, DType.F16, DType.BF16, DType.F64};

    /**
     * The entry {@code name}, which must exist, have one of the {@code dtypes} and the shape
     * {@code shape} exactly.
     */
    public static TensorEntry require(Map<String, TensorEntry> entries, String source, String name, DType[] dtypes,
                                      int... shape) {
        TensorEntry e = requireDType(entries, source, name, dtypes);
        if (!Arrays.equals(e.shape(), shape)) {
            throw new CheckpointContentException(source, name, "must have shape " + Shape.str(shape) + ", has "
                    + Shape.str(e.shape()));
        }
        return e;
    }

    /** The entry {@code name}, which must exist and have one of the {@code dtypes}; any shape. */
    public static TensorEntry requireDType(Map<String, TensorEntry> entries, String source, String name, DType[] dtypes) {
        TensorEntry e = entries.get(name);
        if (e == null) {
            throw new CheckpointContentException(source, name, "is missing, and the model needs it");
        }
        checkDType(e, source, name, dtypes);
        return e;
    }

    /** Refuses {@code e} unless its dtype is one of {@code dtypes}. */
    public static void checkDType(TensorEntry e, String source, String name, DType[] dtypes) {
        for (DType d : dtypes) {
            if (e.dtype() == d) {
                return;
            }
        }
        throw new CheckpointContentException(source, name, "is " + e + ", must be "
                + (dtypes.length == 1 ? dtypes[0].toString() : "one of " + Arrays.toString(dtypes)));
    }

    /**
     * The metadata value {@code key} read as {@code rank} positive int sizes separated by commas
     * ({@code "10,784"}). A missing value, an empty or non-numeric part, a size beyond
     * {@code Integer.MAX_VALUE}, zero or a negative size are refused.
     */
    public static int[] parseDims(Map<String, String> metadata, String source, String key, int rank) {
        String value = metadata.get(key);
        if (value == null) {
            throw new CheckpointContentException(source, key, "metadata is missing");
        }
        // split with limit -1 keeps trailing empty parts, so "10," is refused rather than read as "10".
        String[] parts = value.split(",", -1);
        if (parts.length != rank) {
            throw new CheckpointContentException(source, key, "metadata is \"" + value + "\", must be " + rank
                    + " sizes separated by commas");
        }
        int[] dims = new int[rank];
        for (int i = 0; i < rank; i++) {
            long d;
            try {
                d = Long.parseLong(parts[i].trim());
            } catch (NumberFormatException ex) {
                d = -1;
            }
            if (d <= 0 || d > Integer.MAX_VALUE) {
                throw new CheckpointContentException(source, key, "metadata is \"" + value + "\": part " + i + " (\""
                        + parts[i] + "\") is not a size in [1, " + Integer.MAX_VALUE + "]");
            }
            dims[i] = (int) d;
        }
        return dims;
    }
}
