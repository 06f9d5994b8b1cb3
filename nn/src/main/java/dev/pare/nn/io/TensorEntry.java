package dev.pare.nn.io;

import dev.pare.tensor.Shape;
import dev.pare.tensor.Tensor;
import java.util.Arrays;

/**
 * One named array of a {@link Checkpoint}: a dtype, a shape and the values.
 *
 * <p>A float tensor is kept as a {@link Tensor}; int8, int16 and int32 arrays are kept as plain
 * {@code byte[]}, {@code short[]} and {@code int[]}, because Pare's tensors are float32 only and a quantized
 * weight must not pass through floats on its way to disk. The factories do <em>not</em> copy:
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

    private TensorEntry(DType dtype, int[] shape, Tensor floats, byte[] bytes, short[] shorts, int[] ints) {
        this.dtype = dtype;
        this.shape = shape;
        this.floats = floats;
        this.bytes = bytes;
        this.shorts = shorts;
        this.ints = ints;
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

    /** The F32 values as a tensor (shared, not copied). */
    public Tensor tensor() {
        requireType(DType.F32, "tensor()");
        return floats;
    }

    /** The I8 values in row-major order (shared, not copied). */
    public byte[] bytes() {
        requireType(DType.I8, "bytes()");
        return bytes;
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

    /** The values of any dtype converted to a new float tensor (integers exactly up to 2^24). */
    public Tensor toFloatTensor() {
        switch (dtype) {
            case F32:
                return Tensor.fromArray(floats.toArray(), shape);
            case I8: {
                float[] out = new float[bytes.length];
                for (int i = 0; i < out.length; i++) {
                    out[i] = bytes[i];
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
            case F32: return "tensor()";
            case I8: return "bytes()";
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
            case F32: {
                float[] a = floats.toArray();
                float[] b = other.floats.toArray();
                for (int i = 0; i < a.length; i++) {
                    if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
                        return false;
                    }
                }
                return true;
            }
            case I8: return Arrays.equals(bytes, other.bytes);
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
