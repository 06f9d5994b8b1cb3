package dev.pare.nn.io;

import dev.pare.tensor.kernels.Fletcher4Kernels;
import java.nio.ByteBuffer;

/**
 * The fletcher-4 checksum of a tensor's bytes as Pare stores it under
 * {@link SafeTensors#FLETCHER4_KEY}: ZFS's default checksum, over the bytes read as
 * little-endian unsigned 32-bit words, the last word padded with zero bytes if the length is not
 * a multiple of 4 (the tensor's length is in the header, so the padding is never ambiguous).
 * <pre>
 *   for each word w:  a += w;  b += a;  c += b;  d += c      (all modulo 2^64)
 * </pre>
 * Written as {@code a:b:c:d}, each sum as 16 hex digits, as ZFS's {@code zdb} prints it.
 * {@link Fletcher4Kernels} has the arithmetic and its vector kernels; this class adds the stream
 * (bytes in pieces of any length) and the text form. numpy checks a tensor's bytes {@code data}
 * in four lines:
 * <pre>
 *   w = np.frombuffer(data + bytes(-len(data) % 4), "&lt;u4").astype(np.uint64)
 *   s = []
 *   for _ in range(4):                               # a, b, c, d: running sums of running sums
 *       w = np.cumsum(w, dtype=np.uint64); s.append(int(w[-1]) if len(w) else 0)
 * </pre>
 */
final class Fletcher4 {
    private final long[] state = new long[4];
    /** Bytes of a word not yet complete, little-endian, and how many there are (0 to 3). */
    private int partial;
    private int partialBytes;

    /** Adds {@code src}'s remaining bytes, consuming them; a word may be split across calls. */
    void update(ByteBuffer src) {
        while (partialBytes > 0 && partialBytes < 4 && src.hasRemaining()) {
            partial |= (src.get() & 0xFF) << (8 * partialBytes++);
        }
        if (partialBytes == 4) {
            Fletcher4Kernels.updateWord(state, partial);
            partial = 0;
            partialBytes = 0;
        }
        int words = src.remaining() / 4;
        Fletcher4Kernels.update(state, src, src.position(), words);
        src.position(src.position() + 4 * words);
        while (src.hasRemaining()) {
            partial |= (src.get() & 0xFF) << (8 * partialBytes++);
        }
    }

    /** The sums so far, with a partial last word padded with zero bytes; the stream starts again empty. */
    long[] finish() {
        if (partialBytes > 0) {
            Fletcher4Kernels.updateWord(state, partial);
        }
        long[] out = state.clone();
        java.util.Arrays.fill(state, 0);
        partial = 0;
        partialBytes = 0;
        return out;
    }

    /**
     * Adds the last {@code bytes % 4} bytes of a tensor, at {@code from} in {@code src}, as one
     * word padded with zero bytes: for a reader that sums whole words itself.
     */
    static void addPaddedTail(long[] state, ByteBuffer src, int from, int bytes) {
        int w = 0;
        for (int i = 0; i < bytes; i++) {
            w |= (src.get(from + i) & 0xFF) << (8 * i);
        }
        Fletcher4Kernels.updateWord(state, w);
    }

    /** {@code a:b:c:d}, 16 hex digits each. */
    static String hex(long[] s) {
        return String.format("%016x:%016x:%016x:%016x", s[0], s[1], s[2], s[3]);
    }

    /**
     * The four sums of {@code text} ({@link #hex}'s form), or null if it is not exactly that:
     * 4 groups of 16 lower- or upper-case hex digits separated by colons.
     */
    static long[] parse(String text) {
        if (text.length() != 4 * 16 + 3) {
            return null;
        }
        long[] s = new long[4];
        for (int k = 0; k < 4; k++) {
            int at = 17 * k;
            if (k > 0 && text.charAt(at - 1) != ':') {
                return null;
            }
            long v = 0;
            for (int i = at; i < at + 16; i++) {
                int digit = Character.digit(text.charAt(i), 16);
                if (digit < 0) {
                    return null;
                }
                v = v << 4 | digit;
            }
            s[k] = v;
        }
        return s;
    }
}
