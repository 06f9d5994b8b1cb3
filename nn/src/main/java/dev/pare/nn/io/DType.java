package dev.pare.nn.io;

import java.util.List;

/**
 * The element types Pare reads and writes, with their names in the safetensors header.
 *
 * <p>All are stored little-endian. In memory a {@link TensorEntry} keeps
 * <ul>
 *   <li>the <b>floating-point</b> types ({@code F64, F32, F16, BF16}) as a float32
 *       {@link dev.pare.tensor.Tensor}: F16 and BF16 widen exactly, F64 is rounded to the
 *       nearest float. The dtype records how the entry is stored on disk, so writing F16 or
 *       BF16 ships a model at half size, and a file read and written again keeps its bytes;</li>
 *   <li>the <b>integer</b> types exactly, in a Java array of the same width: {@code I8},
 *       {@code U8} and {@code BOOL} in a {@code byte[]} (U8 as raw bits, BOOL as 0 or 1),
 *       {@code I16} in a {@code short[]}, {@code I32} in an {@code int[]}, {@code I64} in a
 *       {@code long[]}. Pare uses I8 for quantized weights, I32 for zero points and row
 *       pointers, I16 for sparse column indices; I64 is PyTorch's type for counters such as
 *       BatchNorm's {@code num_batches_tracked}.</li>
 * </ul>
 * The format defines a few more types (see {@link #SPEC_NAMES}); Pare recognises them so it can
 * say "not supported" rather than "unknown".
 */
public enum DType {
    /** IEEE 754 binary64, rounded to the nearest float32 when read. */
    F64(8),
    /** IEEE 754 binary32. */
    F32(4),
    /** IEEE 754 binary16: 5 exponent bits, 10 mantissa bits, largest finite 65504. */
    F16(2),
    /** bfloat16: the top half of a binary32 (8 exponent bits, 7 mantissa bits). */
    BF16(2),
    /** Signed 64-bit integer, two's complement. */
    I64(8),
    /** Signed 32-bit integer, two's complement. */
    I32(4),
    /** Signed 16-bit integer, two's complement. */
    I16(2),
    /** Signed 8-bit integer, two's complement. */
    I8(1),
    /** Unsigned 8-bit integer. */
    U8(1),
    /** Boolean, one byte each: 0 is false, 1 is true (any other byte is refused when read). */
    BOOL(1);

    /** Every dtype name the safetensors specification defines, Pare's among them. */
    public static final List<String> SPEC_NAMES = List.of(
            "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16",
            "I32", "U32", "F32", "F64", "I64", "U64");

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** True for the types kept as a float32 tensor in memory: F64, F32, F16, BF16. */
    public boolean isFloatingPoint() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
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
