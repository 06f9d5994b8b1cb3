package dev.pare.compress.stack;

/**
 * Storing small signed integers in fewer than 8 bits, and a set of positions as one bit each.
 *
 * <p><b>Packed codes.</b> A b-bit code (2 ≤ b ≤ 8) holds the symmetric range
 * [−(2^(b−1) − 1), 2^(b−1) − 1]: [−127, 127] at 8 bits, [−7, 7] at 4. Code i occupies bits
 * [i·b, (i+1)·b) of the byte stream, least significant bit first, in two's complement, so
 * n codes take ⌈n·b / 8⌉ bytes. Unpacking sign-extends each field back to a byte.
 *
 * <p><b>Bitmaps.</b> Bit i (byte i/8, bit i mod 8) says whether position i of a flattened
 * tensor holds a stored value: n positions take ⌈n / 8⌉ bytes whatever the sparsity.
 *
 * <p>Both are plain loops: they run once per save or load, never in a forward pass.
 */
public final class BitPacking {
    private BitPacking() {}

    /** The largest code a b-bit symmetric field holds: 2^(b−1) − 1 (127 at 8 bits, 7 at 4). */
    public static int maxCode(int bits) {
        checkBits(bits);
        return (1 << (bits - 1)) - 1;
    }

    /** Bytes that {@code n} codes of {@code bits} bits take: ⌈n·bits / 8⌉. */
    public static int packedBytes(long n, int bits) {
        checkBits(bits);
        long bytes = (n * bits + 7) / 8;
        if (n < 0 || bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("BitPacking: " + n + " codes of " + bits + " bits do not fit one array");
        }
        return (int) bytes;
    }

    /**
     * Packs {@code codes[0..n)} into {@code bits} bits each.
     *
     * @throws IllegalArgumentException if a code is outside ±{@link #maxCode}(bits), naming it
     */
    public static byte[] pack(byte[] codes, int n, int bits) {
        checkCount("pack", n, codes.length);
        int max = maxCode(bits);
        byte[] out = new byte[packedBytes(n, bits)];
        int fieldMask = (1 << bits) - 1;
        for (int i = 0; i < n; i++) {
            int c = codes[i];
            if (c > max || c < -max) {
                throw new IllegalArgumentException("BitPacking.pack: code " + c + " at index " + i + " does not fit "
                        + bits + " bits (range ±" + max + ")");
            }
            writeField(out, (long) i * bits, bits, c & fieldMask);
        }
        return out;
    }

    /**
     * The inverse of {@link #pack}: {@code n} codes of {@code bits} bits, sign-extended.
     *
     * @throws IllegalArgumentException if {@code packed} is not exactly ⌈n·bits/8⌉ bytes
     */
    public static byte[] unpack(byte[] packed, int n, int bits) {
        int expected = packedBytes(n, bits);
        if (packed.length != expected) {
            throw new IllegalArgumentException("BitPacking.unpack: " + n + " codes of " + bits + " bits need "
                    + expected + " bytes, got " + packed.length);
        }
        byte[] out = new byte[n];
        int signBit = 1 << (bits - 1);
        for (int i = 0; i < n; i++) {
            int v = readField(packed, (long) i * bits, bits);
            if (v == signBit) {
                // −2^(b−1) has a field but is outside the symmetric range pack() writes: corrupt.
                throw new IllegalArgumentException("BitPacking.unpack: code " + -signBit + " at index " + i
                        + " is outside the symmetric " + bits + "-bit range ±" + (signBit - 1));
            }
            // Two's complement sign extension: a field with its top bit set is negative.
            out[i] = (byte) ((v & signBit) != 0 ? v - (1 << bits) : v);
        }
        return out;
    }

    /**
     * Packs unsigned fields: {@code values[0..n)}, each in [0, 2^bits), in {@code bits} bits
     * each (1 ≤ bits ≤ 8), least significant bit first. Used for the skips of a {@link RelativeIndex}.
     */
    public static byte[] packUnsigned(int[] values, int n, int bits) {
        checkCount("packUnsigned", n, values.length);
        if (bits < 1 || bits > 8) {
            throw new IllegalArgumentException("BitPacking.packUnsigned: bit width " + bits + " must be in [1, 8]");
        }
        byte[] out = new byte[(int) (((long) n * bits + 7) / 8)];
        for (int i = 0; i < n; i++) {
            int v = values[i];
            if (v < 0 || v >= 1 << bits) {
                throw new IllegalArgumentException("BitPacking.packUnsigned: value " + v + " at index " + i
                        + " does not fit " + bits + " unsigned bits");
            }
            writeField(out, (long) i * bits, bits, v);
        }
        return out;
    }

    /** The inverse of {@link #packUnsigned}. */
    public static int[] unpackUnsigned(byte[] packed, int n, int bits) {
        if (bits < 1 || bits > 8) {
            throw new IllegalArgumentException("BitPacking.unpackUnsigned: bit width " + bits + " must be in [1, 8]");
        }
        long expected = ((long) n * bits + 7) / 8;
        if (n < 0 || packed.length != expected) {
            throw new IllegalArgumentException("BitPacking.unpackUnsigned: " + n + " fields of " + bits + " bits need "
                    + expected + " bytes, got " + packed.length);
        }
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = readField(packed, (long) i * bits, bits);
        }
        return out;
    }

    /** The bitmap of the non-zero entries of {@code codes[0..n)}, and their count in {@code count[0]}. */
    public static byte[] nonZeroBitmap(byte[] codes, int n, int[] count) {
        checkCount("nonZeroBitmap", n, codes.length);
        byte[] map = new byte[(n + 7) / 8];
        int nnz = 0;
        for (int i = 0; i < n; i++) {
            if (codes[i] != 0) {
                map[i >>> 3] |= (byte) (1 << (i & 7));
                nnz++;
            }
        }
        count[0] = nnz;
        return map;
    }

    /** The number of set bits among the first {@code n} positions of {@code bitmap}. */
    public static int countSet(byte[] bitmap, int n) {
        checkBitmap(bitmap, n);
        int count = 0;
        for (int i = 0; i < n; i++) {
            count += (bitmap[i >>> 3] >>> (i & 7)) & 1;
        }
        return count;
    }

    /** The non-zero codes of {@code codes[0..n)}, in order (the values a bitmap's set bits point to). */
    public static byte[] gatherNonZeros(byte[] codes, int n, int nonZeros) {
        checkCount("gatherNonZeros", n, codes.length);
        byte[] out = new byte[Math.max(0, nonZeros)];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (codes[i] != 0) {
                if (k == out.length) {
                    throw new IllegalArgumentException("BitPacking.gatherNonZeros: more than " + nonZeros
                            + " non-zero codes among the first " + n);
                }
                out[k++] = codes[i];
            }
        }
        if (k != out.length) {
            throw new IllegalArgumentException("BitPacking.gatherNonZeros: " + k + " non-zero codes among the first "
                    + n + ", not " + nonZeros);
        }
        return out;
    }

    /**
     * Scatters {@code values} back to the set positions of {@code bitmap}: the dense array of
     * {@code n} codes, zero elsewhere.
     *
     * @throws IllegalArgumentException if the bitmap's size or its number of set bits does not match
     */
    public static byte[] scatter(byte[] bitmap, int n, byte[] values) {
        int set = countSet(bitmap, n);
        if (set != values.length) {
            throw new IllegalArgumentException("BitPacking.scatter: the bitmap marks " + set + " of " + n
                    + " positions but " + values.length + " values are stored");
        }
        byte[] out = new byte[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (((bitmap[i >>> 3] >>> (i & 7)) & 1) != 0) {
                out[i] = values[k++];
            }
        }
        return out;
    }

    /** Writes the low {@code bits} bits of {@code field} at bit {@code bit} of {@code out}, LSB first. */
    private static void writeField(byte[] out, long bit, int bits, int field) {
        // A field may straddle two bytes: its low part goes in this byte, the rest in the next.
        int byteIndex = (int) (bit >>> 3);
        int shift = (int) (bit & 7);
        out[byteIndex] |= (byte) (field << shift);
        if (shift + bits > 8) {
            out[byteIndex + 1] |= (byte) (field >>> (8 - shift));
        }
    }

    /** The {@code bits}-bit field at bit {@code bit} of {@code in}, unsigned. */
    private static int readField(byte[] in, long bit, int bits) {
        int byteIndex = (int) (bit >>> 3);
        int shift = (int) (bit & 7);
        int v = (in[byteIndex] & 0xFF) >>> shift;
        if (shift + bits > 8) {
            v |= (in[byteIndex + 1] & 0xFF) << (8 - shift);
        }
        return v & ((1 << bits) - 1);
    }

    private static void checkCount(String op, int n, int length) {
        if (n < 0 || n > length) {
            throw new IllegalArgumentException("BitPacking." + op + ": count " + n + " must be in [0, " + length
                    + "], the length of the array");
        }
    }

    private static void checkBitmap(byte[] bitmap, int n) {
        if (n < 0 || bitmap.length != (n + 7) / 8) {
            throw new IllegalArgumentException("BitPacking: a bitmap of " + n + " positions has " + (n + 7) / 8
                    + " bytes, got " + bitmap.length);
        }
    }

    private static void checkBits(int bits) {
        if (bits < 2 || bits > 8) {
            throw new IllegalArgumentException("BitPacking: bit width " + bits + " must be in [2, 8]");
        }
    }
}
