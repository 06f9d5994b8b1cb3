package dev.pare.compress.stack;

/**
 * Deep Compression's relative index: the positions of the non-zero codes of a flattened weight,
 * stored as the number of zeros skipped before each one, in k bits.
 *
 * <p>Walking the weight in order, each <em>entry</em> says "skip s zeros, then here is code c":
 * the position advances by s + 1. With k bits a skip is at most 2^k − 1; a longer run of
 * zeros is crossed by <em>filler</em> entries, which skip the most they can and store the code 0
 * (an explicit zero). So a gap of g zeros costs ⌊g / 2^k⌋ fillers. Trailing zeros after the
 * last non-zero cost nothing: the weight's size is known.
 * <pre>
 *   codes   0 0 5 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 −3        (k = 4: skips up to 15)
 *   entries (skip 2, code 5) (skip 15, code 0: filler) (skip 2, code −3)
 * </pre>
 * An entry costs k + b bits (b = bits per code). Small k means many fillers; large k wastes bits
 * on every entry; {@link #bestIndexBits} tries every k from 1 to 8 and keeps the cheapest. At
 * 90% sparsity with the zeros at random (mean gap 9) the best is k = 5: about 1.04 entries per
 * non-zero, 13 bits each at 8-bit codes, against 8 + 10 = 18 bits per non-zero for a bitmap
 * (1 bit per weight). Pruned weights have longer gaps (whole input pixels go), so more fillers.
 */
public final class RelativeIndex {
    private RelativeIndex() {}

    /**
     * The encoded positions: {@code skips[i]} zeros, then {@code codes[i]}, for {@code entries}
     * entries (non-zeros plus fillers).
     */
    public record Encoded(int indexBits, int entries, int[] skips, byte[] codes) {}

    /** How many entries (non-zeros plus fillers) {@code codes[0..n)} takes with {@code indexBits}-bit skips. */
    public static long entries(byte[] codes, int n, int indexBits) {
        checkIndexBits(indexBits);
        long span = 1L << indexBits; // a filler crosses span − 1 zeros and is itself a zero
        long entries = 0;
        long gap = 0;
        for (int i = 0; i < n; i++) {
            if (codes[i] == 0) {
                gap++;
            } else {
                entries += 1 + gap / span;
                gap = 0;
            }
        }
        return entries;
    }

    /** The index width in [1, 8] that makes the entries of {@code codes} smallest at {@code codeBits} bits a code. */
    public static int bestIndexBits(byte[] codes, int n, int codeBits) {
        int best = 1;
        long bestBits = Long.MAX_VALUE;
        for (int k = 1; k <= 8; k++) {
            long bits = entries(codes, n, k) * (k + codeBits);
            if (bits < bestBits) {
                bestBits = bits;
                best = k;
            }
        }
        return best;
    }

    /** Encodes the non-zero positions and codes of {@code codes[0..n)} with {@code indexBits}-bit skips. */
    public static Encoded encode(byte[] codes, int n, int indexBits) {
        long count = entries(codes, n, indexBits);
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("RelativeIndex.encode: " + count + " entries do not fit one array");
        }
        int maxSkip = (1 << indexBits) - 1;
        int[] skips = new int[(int) count];
        byte[] values = new byte[(int) count];
        int e = 0;
        int gap = 0;
        for (int i = 0; i < n; i++) {
            if (codes[i] == 0) {
                gap++;
                continue;
            }
            while (gap > maxSkip) {
                skips[e] = maxSkip; // a filler: skip the most, store an explicit zero
                values[e++] = 0;
                gap -= maxSkip + 1;
            }
            skips[e] = gap;
            values[e++] = codes[i];
            gap = 0;
        }
        return new Encoded(indexBits, (int) count, skips, values);
    }

    /**
     * The dense codes of a weight of {@code n} entries from its skips and codes.
     *
     * @throws IllegalArgumentException if the arrays differ in length or the entries run past {@code n}
     */
    public static byte[] decode(int[] skips, byte[] values, int n) {
        if (skips.length != values.length) {
            throw new IllegalArgumentException("RelativeIndex.decode: " + skips.length + " skips but " + values.length
                    + " codes");
        }
        if (n < 0) {
            throw new IllegalArgumentException("RelativeIndex.decode: weight size " + n + " must be >= 0");
        }
        byte[] out = new byte[n];
        long position = -1;
        for (int e = 0; e < skips.length; e++) {
            if (skips[e] < 0) {
                throw new IllegalArgumentException("RelativeIndex.decode: entry " + e + " skips " + skips[e] + " zeros");
            }
            position += skips[e] + 1L;
            if (position >= n) {
                throw new IllegalArgumentException("RelativeIndex.decode: entry " + e + " lands at position " + position
                        + ", past the " + n + " weights");
            }
            out[(int) position] = values[e];
        }
        return out;
    }

    private static void checkIndexBits(int k) {
        if (k < 1 || k > 8) {
            throw new IllegalArgumentException("RelativeIndex: index width " + k + " must be in [1, 8]");
        }
    }
}
