package dev.pare.nn.datasets;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The content of one IDX file: element type, dimensions and the elements exactly as stored
 * (big-endian, row-major).
 */
public final class IdxArray {
    private final IdxType type;
    private final int[] dims;
    private final byte[] data;

    IdxArray(IdxType type, int[] dims, byte[] data) {
        this.type = type;
        this.dims = dims;
        this.data = data;
    }

    /** The element type. */
    public IdxType type() {
        return type;
    }

    /** The dimensions, e.g. {@code [60000, 28, 28]} (a copy). */
    public int[] dims() {
        return dims.clone();
    }

    /** Number of elements, Π dims. */
    public int numel() {
        return data.length / type.byteSize();
    }

    /** The stored bytes (shared, not copied). For UNSIGNED_BYTE read each as {@code b & 0xFF}. */
    public byte[] data() {
        return data;
    }

    /** Every element as a float (unsigned bytes give 0 … 255). */
    public float[] toFloats() {
        int n = numel();
        float[] out = new float[n];
        ByteBuffer b = ByteBuffer.wrap(data); // big-endian, as IDX is
        for (int i = 0; i < n; i++) {
            switch (type) {
                case UNSIGNED_BYTE: out[i] = data[i] & 0xFF; break;
                case SIGNED_BYTE: out[i] = data[i]; break;
                case SHORT: out[i] = b.getShort(2 * i); break;
                case INT: out[i] = b.getInt(4 * i); break;
                case FLOAT: out[i] = b.getFloat(4 * i); break;
                case DOUBLE: out[i] = (float) b.getDouble(8 * i); break;
                default: throw new AssertionError(type);
            }
        }
        return out;
    }

    /** Every element as an int; only for the integer types. */
    public int[] toInts() {
        int n = numel();
        int[] out = new int[n];
        ByteBuffer b = ByteBuffer.wrap(data);
        for (int i = 0; i < n; i++) {
            switch (type) {
                case UNSIGNED_BYTE: out[i] = data[i] & 0xFF; break;
                case SIGNED_BYTE: out[i] = data[i]; break;
                case SHORT: out[i] = b.getShort(2 * i); break;
                case INT: out[i] = b.getInt(4 * i); break;
                default:
                    throw new IllegalStateException("IdxArray.toInts: elements are " + type + ", not an integer type");
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "IdxArray[" + type + " " + Arrays.toString(dims) + "]";
    }
}
