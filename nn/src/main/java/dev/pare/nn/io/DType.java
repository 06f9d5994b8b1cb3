package dev.pare.nn.io;

import java.util.List;

/**
 * The element types Pare reads and writes, with their names in the safetensors header.
 *
 * <p>All are stored little-endian. {@code F32} holds tensors; {@code I8} holds quantized weights
 * and {@code I32} holds integer side data (zero points, CSR row pointers); {@code I16} holds
 * the 2-byte column indices of sparse weights. The format defines more
 * types (see {@link #SPEC_NAMES}); Pare recognises them so it can say "not supported" rather
 * than "unknown".
 */
public enum DType {
    /** IEEE 754 binary32. */
    F32(4),
    /** Signed 8-bit integer, two's complement. */
    I8(1),
    /** Signed 16-bit integer, two's complement. */
    I16(2),
    /** Signed 32-bit integer, two's complement. */
    I32(4);

    /** Every dtype name the safetensors specification defines, Pare's four among them. */
    public static final List<String> SPEC_NAMES = List.of(
            "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16",
            "I32", "U32", "F32", "F64", "I64", "U64");

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** The dtype called {@code name} in a header, or null if Pare does not read it. */
    static DType fromHeaderName(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }
}
