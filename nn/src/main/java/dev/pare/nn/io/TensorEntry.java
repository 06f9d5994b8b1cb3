package dev.pare.nn.io;

import dev.pare.tensor.Shape;
import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * One named array of a {@link Checkpoint}: a dtype, a shape and the values.
 *
 * <p>A float tensor is kept as a {@link Tensor}, whatever its dtype on disk (F32, or F16, BF16
 * and F64 when {@linkplain #of(Tensor, DType) asked for}); integer arrays are kept as plain
 * {@code byte[]} (I8, U8, BOOL), {@code short[]} (I16), {@code int[]} (I32) and {@code long[]}
 * (I64), because Pare's tensors are float32 only and a quantized weight or a counter must not
 * pass through floats on its way to disk. The factories do <em>not</em> copy:
 * the entry reads the array (or tensor storage) when the checkpoint is written, so change it
 * only after the save returns.
 */
public final class TensorEntry {
    private final DType dtype;
    private final int[] shape;
    private final Tensor floats;
    private final byte[] bytes;
    private final short[] shorts;
    private final int[] ints;
    private final long[] longs;

    /** 2^24: every integer of magnitude up to this is exact in a float, the next one (2^24 + 1) is not. */
    static final long FLOAT_EXACT_INTEGER_LIMIT = 1L << 24;

    private TensorEntry(DType dtype, int[] shape, Tensor floats, byte[] bytes, short[] shorts, int[] ints) {
        this(dtype, shape, floats, bytes, shorts, ints, null);
    }

    private TensorEntry(DType dtype, int[] shape, Tensor floats, byte[] bytes, short[] shorts, int[] ints, long[] longs) {
        this.dtype = dtype;
        this.shape = shape;
        this.floats = floats;
        this.bytes = bytes;
        this.shorts = shorts;
        this.ints = ints;
        this.longs = longs;
    }

    /**
     * An F32 entry holding {@code tensor}'s values. A contiguous tensor is shared, a strided view
     * is copied into row-major order once; the gradient and graph are dropped.
     */
    public static TensorEntry of(Tensor tensor) {
        // detach() first, so the copy that contiguous() may make records no graph.
        Tensor t = tensor.detach().contiguous();
        return new TensorEntry(DType.F32, t.shape(), t, null, null, null);
    }

    /**
     * A float entry stored on disk as {@code dtype}: F32, or F16 / BF16 to halve the file (each
     * value rounded to nearest, ties to even, when written), or F64 (exact widening). In memory
     * it is {@code tensor}, as for {@link #of(Tensor)}.
     */
    public static TensorEntry of(Tensor tensor, DType dtype) {
        if (!dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("TensorEntry.of(tensor, " + dtype + "): a tensor is stored as a floating-point"
                    + " dtype (F64, F32, F16, BF16); integer entries come from ofBytes, ofShorts, ofInts or ofLongs");
        }
        Tensor t = tensor.detach().contiguous();
        return new TensorEntry(dtype, t.shape(), t, null, null, null);
    }

    /** An I64 entry: {@code values} in row-major order, viewed as {@code shape}. */
    public static TensorEntry ofLongs(long[] values, int... shape) {
        int[] s = checkedShape("ofLongs", values.length, shape);
        return new TensorEntry(DType.I64, s, null, null, null, null, values);
    }

    /**
     * A one-byte entry of {@code dtype} I8, U8 (bytes read as 0..255) or BOOL (each byte 0 or 1):
     * {@code values} in row-major order, viewed as {@code shape}.
     */
    public static TensorEntry ofBytes(DType dtype, byte[] values, int... shape) {
        if (dtype != DType.I8 && dtype != DType.U8 && dtype != DType.BOOL) {
            throw new IllegalArgumentException("TensorEntry.ofBytes(" + dtype + ", ...): bytes hold I8, U8 or BOOL only");
        }
        int[] s = checkedShape("ofBytes", values.length, shape);
        if (dtype == DType.BOOL) {
            for (int i = 0; i < values.length; i++) {
                if (values[i] != 0 && values[i] != 1) {
                    throw new IllegalArgumentException("TensorEntry.ofBytes(BOOL, ...): byte " + i + " is " + values[i]
                            + "; a BOOL is 0 or 1");
                }
            }
        }
        return new TensorEntry(dtype, s, null, values, null, null);
    }

    /** An I8 entry: {@code values} in row-major order, viewed as {@code shape}. */
    public static TensorEntry ofBytes(byte[] values, int... shape) {
        int[] s = checkedShape("ofBytes", values.length, shape);
        return new TensorEntry(DType.I8, s, null, values, null, null);
    }

    /** An I32 entry: {@code values} in row-major order, viewed as {@code shape}. */
    public static TensorEntry ofInts(int[] values, int... shape) {
        int[] s = checkedShape("ofInts", values.length, shape);
        return new TensorEntry(DType.I32, s, null, null, null, values);
    }

    /** An I16 entry: {@code values} in row-major order, viewed as {@code shape}. */
    public static TensorEntry ofShorts(short[] values, int... shape) {
        int[] s = checkedShape("ofShorts", values.length, shape);
        return new TensorEntry(DType.I16, s, null, null, values, null);
    }

    private static int[] checkedShape(String op, int length, int[] shape) {
        int[] s = Shape.checked("TensorEntry." + op, shape);
        if (Shape.numel(s) != length) {
            throw new IllegalArgumentException("TensorEntry." + op + ": " + length + " values do not fill shape "
                    + Shape.str(s) + " (" + Shape.numel(s) + " elements)");
        }
        return s;
    }

    /** The element type. */
    public DType dtype() {
        return dtype;
    }

    /** The shape (a copy). */
    public int[] shape() {
        return shape.clone();
    }

    /** Number of elements, Π shape. */
    public int numel() {
        return Shape.numel(shape);
    }

    /** Size of the values on disk: numel × bytes per element. */
    public long byteLength() {
        return (long) numel() * dtype.byteSize();
    }

    /** The values of a floating-point entry (F32, F16, BF16, F64) as a tensor (shared, not copied). */
    public Tensor tensor() {
        if (!dtype.isFloatingPoint()) {
            requireType(DType.F32, "tensor()");
        }
        return floats;
    }

    /** The raw bytes of an I8, U8 or BOOL entry in row-major order (shared, not copied). */
    public byte[] bytes() {
        if (dtype != DType.U8 && dtype != DType.BOOL) {
            requireType(DType.I8, "bytes()");
        }
        return bytes;
    }

    /** The I64 values in row-major order (shared, not copied). */
    public long[] longs() {
        requireType(DType.I64, "longs()");
        return longs;
    }

    /** The I16 values in row-major order (shared, not copied). */
    public short[] shorts() {
        requireType(DType.I16, "shorts()");
        return shorts;
    }

    /** The I32 values in row-major order (shared, not copied). */
    public int[] ints() {
        requireType(DType.I32, "ints()");
        return ints;
    }

    /**
     * The values of any dtype converted to a new float tensor. Integers up to 2^24 in magnitude
     * are exact; for I64, whose values may exceed that, a larger value is refused rather than
     * rounded (see {@link #toFloatTensor(String)}).
     */
    public Tensor toFloatTensor() {
        return toFloatTensor("this entry");
    }

    /**
     * As {@link #toFloatTensor()}; {@code name} (e.g. the file and tensor) starts the message
     * if an I64 value is too large for a float to hold exactly.
     *
     * @throws IllegalArgumentException naming {@code name}, the index and the value
     */
    public Tensor toFloatTensor(String name) {
        switch (dtype) {
            case F64:
            case F32:
            case F16:
            case BF16:
                return Tensor.fromArray(floats.toArray(), shape);
            case I8:
            case BOOL: {
                float[] out = new float[bytes.length];
                for (int i = 0; i < out.length; i++) {
                    out[i] = bytes[i];
                }
                return Tensor.fromArray(out, shape);
            }
            case U8: {
                float[] out = new float[bytes.length];
                for (int i = 0; i < out.length; i++) {
                    out[i] = bytes[i] & 0xFF;
                }
                return Tensor.fromArray(out, shape);
            }
            case I64: {
                float[] out = new float[longs.length];
                for (int i = 0; i < out.length; i++) {
                    long v = longs[i];
                    if (v > FLOAT_EXACT_INTEGER_LIMIT || v < -FLOAT_EXACT_INTEGER_LIMIT) {
                        throw new IllegalArgumentException(name + ": I64 value " + v + " at index " + i
                                + " is beyond ±2^24 = " + FLOAT_EXACT_INTEGER_LIMIT
                                + ", so a float32 tensor cannot hold it exactly; read it with SafeTensors.read() and longs()");
                    }
                    out[i] = v;
                }
                return Tensor.fromArray(out, shape);
            }
            case I16: {
                float[] out = new float[shorts.length];
                for (int i = 0; i < out.length; i++) {
                    out[i] = shorts[i];
                }
                return Tensor.fromArray(out, shape);
            }
            case I32: {
                float[] out = new float[ints.length];
                for (int i = 0; i < out.length; i++) {
                    out[i] = ints[i];
                }
                return Tensor.fromArray(out, shape);
            }
            default:
                throw new AssertionError(dtype);
        }
    }

    private void requireType(DType wanted, String accessor) {
        if (dtype != wanted) {
            throw new IllegalStateException("TensorEntry." + accessor + ": this entry holds " + dtype + " values of shape "
                    + Shape.str(shape) + ", not " + wanted + "; use " + accessorFor(dtype) + " or toFloatTensor()");
        }
    }

    private static String accessorFor(DType t) {
        switch (t) {
            case F64:
            case F32:
            case F16:
            case BF16: return "tensor()";
            case I8:
            case U8:
            case BOOL: return "bytes()";
            case I64: return "longs()";
            case I16: return "shorts()";
            case I32: return "ints()";
            default: throw new AssertionError(t);
        }
    }

    /** Same dtype, shape and bit-identical values (so NaN equals NaN and −0 differs from +0). */
    public boolean sameContent(TensorEntry other) {
        if (dtype != other.dtype || !Arrays.equals(shape, other.shape)) {
            return false;
        }
        switch (dtype) {
            case F64:
            case F32:
            case F16:
            case BF16: {
                float[] a = floats.toArray();
                float[] b = other.floats.toArray();
                for (int i = 0; i < a.length; i++) {
                    if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                        return false;
                    }
                }
                return true;
            }
            case I8:
            case U8:
            case BOOL: return Arrays.equals(bytes, other.bytes);
            case I64: return Arrays.equals(longs, other.longs);
            case I16: return Arrays.equals(shorts, other.shorts);
            case I32: return Arrays.equals(ints, other.ints);
            default: throw new AssertionError(dtype);
        }
    }

    @Override
    public String toString() {
        return dtype + Shape.str(shape);
    }
}
