package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fletcher-4, the default checksum of ZFS, over little-endian 32-bit words, each kernel with its
 * scalar twin; one of them also copies the words into a {@code float[]} as it sums them, so that
 * a checkpoint's floats are verified in the same pass that decodes them.
 *
 * <h2>The checksum</h2>
 * Four running sums modulo 2^64 over the words w<sub>0</sub> … w<sub>n−1</sub> (unsigned):
 * <pre>
 *   for each word w:  a += w;  b += a;  c += b;  d += c
 *
 *   so that, in closed form,   a = Σ w_i          b = Σ (n−i) w_i
 *                              c = Σ C(n−i+1, 2) w_i     d = Σ C(n−i+2, 3) w_i
 * </pre>
 * {@code a} sees only the words' sum; {@code b}, {@code c} and {@code d} weight each word by a
 * polynomial of its distance from the end, which is what makes the sum notice moved words. The
 * state is the four sums, in a {@code long[4]} {a, b, c, d}; a fresh state is all zeros.
 *
 * <h2>Why lanes, and how they are put back together</h2>
 * The loop above is a chain: each word's {@code b} needs the {@code a} just made. The vector
 * kernels run L independent chains instead, as ZFS's AVX-512 code does: logical lane j sums the
 * words j, j+L, j+2L, … with its own (a<sub>j</sub>, b<sub>j</sub>, c<sub>j</sub>,
 * d<sub>j</sub>). A block of m vectors (n = L·m words) then has the sums of the one chain, because
 * word j + L·k sits s = L·(m−k) − j words from the end, and the weights 1, s, C(s+1, 2),
 * C(s+2, 3), written as polynomials in r = m − k, are fixed combinations of the lane's weights
 * 1, r, C(r+1, 2), C(r+2, 3) (see {@link #laneWeight}):
 * <pre>
 *   A = Σ_j a_j
 *   B = Σ_j  L·b_j − j·a_j
 *   C = Σ_j  L²·c_j − L(L+2j−1)/2 · b_j + C(j, 2)·a_j
 *   D = Σ_j  L³·d_j − L²(L+j−1) · c_j + L(L² + 3Lj − 3L + 3j² − 6j + 2)/6 · b_j − C(j, 3)·a_j
 * </pre>
 * ZFS's {@code fletcher_4_avx512f_fini} has these numbers for its L = 8 lanes. The block's sums are
 * then appended to the running state ({@link #append}), and words that do not fill a vector go
 * through the scalar loop. The result is the one chain's, whatever L, so the checksum does not
 * depend on the vector width, nor on how a caller cuts the words into calls.
 *
 * <p>Each 64-bit lane of a {@link LongVector} holds two words: the low half is word 2k, the high
 * half word 2k+1, so a vector of K longs is L = 2K logical lanes. The kernels do not split the
 * halves apart: one set of sums adds the whole longs (low + 2^32·high, modulo 2^64), another
 * the high halves alone (a shift, which zero-extends them), and the low halves' sums are the
 * difference, computed once at the end. That is one operation fewer per vector than a mask and
 * a shift, in a loop of nine.
 */
public final class Fletcher4Kernels {
    private Fletcher4Kernels() {}

    /** Longs as wide as the float species, so {@code pare.vector.bits} narrows this kernel too. */
    static final VectorSpecies<Long> LONG = VectorSpecies.of(long.class, VectorShape.forBitSize(FLOAT.vectorBitSize()));
    /** Words per vector, L: two per long lane. */
    static final int WORDS_PER_VECTOR = 2 * LONG.length();
    /** Vectors per block that is copied, then summed while in L1: 2 KiB at 512 bits. */
    private static final int BLOCK_VECTORS = 32;
    /**
     * Whether this JDK's Vector API loads vectors straight from a ByteBuffer (JDK 17 and 18; 19
     * replaced those loads with MemorySegment ones, which {@code --release 17} code cannot name).
     * With them, one load serves the store and the sums; without, the words pass through a small
     * block in L1. The branch on this constant is folded away, and the missing method is never
     * linked on a JDK that lacks it.
     */
    static final boolean BYTE_BUFFER_LOADS = Boolean.getBoolean("pare.fletcher4.bufferLoads") && hasByteBufferLoads();
    // Off unless asked for: in a fresh `mvn verify` C2 sometimes left the fused loop's vectors as
    // heap objects (SafeTensorsChecksumTest saw megabytes allocated per read), a defect not yet
    // understood; the block path never did.
    private static final int BYTES_PER_VECTOR = 4 * WORDS_PER_VECTOR;
    private static final ThreadLocal<long[]> BLOCK = ThreadLocal.withInitial(() -> new long[BLOCK_VECTORS * LONG.length()]);
    private static final long LOW_WORD = 0xFFFF_FFFFL;

    /*
     * The lane weights of the class comment as vectors, per long lane k: the low halves are
     * logical lanes j = 2k, the high halves j = 2k + 1. The names say which block sum takes which
     * lane sum (B_A: the weight of a_j in B). The weights of b in B, c in C and d in D are
     * L, L², L³ for every lane. They are constants, so that the kernels combine their lanes
     * without passing a vector to another method: a vector that leaves the method of its loop
     * makes C2 keep every accumulator as an object on the heap, a new one per iteration.
     */
    private static final LongVector B_A_LOW = weightVector(1, 0, 0), B_A_HIGH = weightVector(1, 0, 1);
    private static final LongVector C_A_LOW = weightVector(2, 0, 0), C_A_HIGH = weightVector(2, 0, 1);
    private static final LongVector C_B_LOW = weightVector(2, 1, 0), C_B_HIGH = weightVector(2, 1, 1);
    private static final LongVector D_A_LOW = weightVector(3, 0, 0), D_A_HIGH = weightVector(3, 0, 1);
    private static final LongVector D_B_LOW = weightVector(3, 1, 0), D_B_HIGH = weightVector(3, 1, 1);
    private static final LongVector D_C_LOW = weightVector(3, 2, 0), D_C_HIGH = weightVector(3, 2, 1);
    private static final long L1 = WORDS_PER_VECTOR;
    private static final long L2 = L1 * L1;
    private static final long L3 = L2 * L1;

    private static LongVector weightVector(int sum, int coef, int half) {
        long[] w = new long[LONG.length()];
        for (int k = 0; k < w.length; k++) {
            w[k] = laneWeight(sum, coef, WORDS_PER_VECTOR, 2 * k + half);
        }
        return LongVector.fromArray(LONG, w, 0);
    }

    /**
     * The weight of logical lane j's sum number {@code coef} in the block's sum number
     * {@code sum} (0 = a, 1 = b, 2 = c, 3 = d), for L lanes: the formulas of the class comment.
     * The divisions are exact (the numerators are products of consecutive integers), and the
     * numbers small, so they are computed exactly before any wrap-around.
     */
    static long laneWeight(int sum, int coef, long lanes, long j) {
        long l = lanes;
        switch (sum * 4 + coef) {
            case 0:  return 1;                                                         // A ← a
            case 4:  return -j;                                                        // B ← a
            case 5:  return l;                                                         // B ← b
            case 8:  return j * (j - 1) / 2;                                           // C ← a
            case 9:  return -l * (l + 2 * j - 1) / 2;                                  // C ← b
            case 10: return l * l;                                                     // C ← c
            case 12: return -(j * (j - 1) * (j - 2) / 6);                              // D ← a
            case 13: return l * (l * l + 3 * l * j - 3 * l + 3 * j * j - 6 * j + 2) / 6; // D ← b
            case 14: return -l * l * (l + j - 1);                                      // D ← c
            case 15: return l * l * l;                                                 // D ← d
            default: return 0;                                                         // a sum never sees a later one
        }
    }

    // ------------------------------------------------------------------ the state

    /**
     * {@code state} followed by a block of {@code words} words whose own sums (from a fresh
     * state) are {@code a, b, c, d}, written into {@code state}. Appending zeros leaves
     * {@code a} alone and adds it to {@code b} at each word, and so on; the block's own sums are
     * added on top (the sums are linear in the words):
     * <pre>
     *   a' = a0 + a
     *   b' = b0 + N·a0 + b
     *   c' = c0 + N·b0 + C(N+1, 2)·a0 + c
     *   d' = d0 + N·c0 + C(N+1, 2)·b0 + C(N+2, 3)·a0 + d
     * </pre>
     * This is what lets the sums of separately checksummed pieces be combined, in order.
     *
     * @param words N, the block's length in words, at least 0
     */
    public static void append(long[] state, long a, long b, long c, long d, long words) {
        long n = words;
        long n2 = binomial2(n);
        long n3 = binomial3(n);
        long a0 = state[0], b0 = state[1], c0 = state[2], d0 = state[3];
        state[0] = a0 + a;
        state[1] = b0 + n * a0 + b;
        state[2] = c0 + n * b0 + n2 * a0 + c;
        state[3] = d0 + n * c0 + n2 * b0 + n3 * a0 + d;
    }

    /** C(n+1, 2) = n(n+1)/2 modulo 2^64: the even factor is halved first, so nothing is lost to the wrap. */
    static long binomial2(long n) {
        return (n & 1) == 0 ? (n / 2) * (n + 1) : n * ((n + 1) / 2);
    }

    /**
     * C(n+2, 3) = n(n+1)(n+2)/6 modulo 2^64: one of the three factors is a multiple of 3 and is
     * divided by it, then an even one is halved (a multiple of 6 divided by 3 is still even).
     */
    static long binomial3(long n) {
        long x = n, y = n + 1, z = n + 2;
        if (x % 3 == 0) {
            x /= 3;
        } else if (y % 3 == 0) {
            y /= 3;
        } else {
            z /= 3;
        }
        if ((x & 1) == 0) {
            x /= 2;
        } else if ((y & 1) == 0) {
            y /= 2;
        } else {
            z /= 2;
        }
        return x * y * z;
    }

    // ------------------------------------------------------------------ scalar twins

    /**
     * Scalar twin of {@link #update}: adds the {@code words} little-endian words at byte
     * {@code from} of {@code src} (its position is ignored) to {@code state}.
     */
    public static void updateScalar(long[] state, ByteBuffer src, int from, int words) {
        checkOrder(src);
        long a = state[0], b = state[1], c = state[2], d = state[3];
        for (int i = 0; i < words; i++) {
            a += src.getInt(from + 4 * i) & LOW_WORD;
            b += a;
            c += b;
            d += c;
        }
        state[0] = a;
        state[1] = b;
        state[2] = c;
        state[3] = d;
    }

    /** Scalar twin of {@link #copyFloats}. */
    public static void copyFloatsScalar(long[] state, ByteBuffer src, int from, float[] dst, int dOff, int n) {
        checkOrder(src);
        for (int i = 0; i < n; i++) {
            dst[dOff + i] = Float.intBitsToFloat(src.getInt(from + 4 * i));
        }
        updateScalar(state, src, from, n);
    }

    /** Adds one word, {@code w} (its low 32 bits), to {@code state}. */
    public static void updateWord(long[] state, int w) {
        state[0] += w & LOW_WORD;
        state[1] += state[0];
        state[2] += state[1];
        state[3] += state[2];
    }

    private static void checkOrder(ByteBuffer src) {
        if (src.order() != ByteOrder.LITTLE_ENDIAN) {
            throw new IllegalArgumentException("Fletcher4Kernels: the words are little-endian, so the buffer must be too");
        }
    }

    // ------------------------------------------------------------------ vector kernels

    /**
     * Adds the {@code words} little-endian words at byte {@code from} of {@code src} (its
     * position and byte order are ignored) to {@code state}: the same sums as
     * {@link #updateScalar}.
     */
    public static void update(long[] state, ByteBuffer src, int from, int words) {
        if (BYTE_BUFFER_LOADS) {
            updateByteBufferLoads(state, src, from, words);
        } else {
            updateViaBlock(state, src, from, words);
        }
    }

    private static void updateByteBufferLoads(long[] state, ByteBuffer src, int from, int words) {
        int vectors = words / WORDS_PER_VECTOR;
        LongVector a0 = LongVector.zero(LONG), b0 = a0, c0 = a0, d0 = a0; // low halves: even lanes
        LongVector a1 = a0, b1 = a0, c1 = a0, d1 = a0;                     // high halves: odd lanes
        for (int v = 0; v < vectors; v++) {
            LongVector x = LongVector.fromByteBuffer(LONG, src, from + v * BYTES_PER_VECTOR, ByteOrder.LITTLE_ENDIAN);
            a0 = a0.add(x); // both words at once: low + 2^32·high, see below
            b0 = b0.add(a0);
            c0 = c0.add(b0);
            d0 = d0.add(c0);
            a1 = a1.add(x.lanewise(VectorOperators.LSHR, 32));
            b1 = b1.add(a1);
            c1 = c1.add(b1);
            d1 = d1.add(c1);
        }
        if (vectors > 0) { // the lanes combined into the block's sums, written out here (see B_A_LOW)
            // a0 … d0 summed whole longs, low + 2^32·high, modulo 2^64; taking 2^32 times the
            // high halves' sums away leaves the low halves' sums, exactly (the sums are linear).
            a0 = a0.sub(a1.lanewise(VectorOperators.LSHL, 32));
            b0 = b0.sub(b1.lanewise(VectorOperators.LSHL, 32));
            c0 = c0.sub(c1.lanewise(VectorOperators.LSHL, 32));
            d0 = d0.sub(d1.lanewise(VectorOperators.LSHL, 32));
            append(state,
                    a0.add(a1).reduceLanes(VectorOperators.ADD),
                    b0.mul(L1).add(a0.mul(B_A_LOW)).add(b1.mul(L1)).add(a1.mul(B_A_HIGH)).reduceLanes(VectorOperators.ADD),
                    c0.mul(L2).add(b0.mul(C_B_LOW)).add(a0.mul(C_A_LOW))
                            .add(c1.mul(L2)).add(b1.mul(C_B_HIGH)).add(a1.mul(C_A_HIGH)).reduceLanes(VectorOperators.ADD),
                    d0.mul(L3).add(c0.mul(D_C_LOW)).add(b0.mul(D_B_LOW)).add(a0.mul(D_A_LOW))
                            .add(d1.mul(L3)).add(c1.mul(D_C_HIGH)).add(b1.mul(D_B_HIGH)).add(a1.mul(D_A_HIGH))
                            .reduceLanes(VectorOperators.ADD),
                    (long) vectors * WORDS_PER_VECTOR);
        }
        int done = vectors * WORDS_PER_VECTOR;
        tail(state, src, from + 4 * done, words - done);
    }

    static void updateViaBlock(long[] state, ByteBuffer src, int from, int words) {
        int vectors = words / WORDS_PER_VECTOR;
        LongVector a0 = LongVector.zero(LONG), b0 = a0, c0 = a0, d0 = a0; // low halves: even lanes
        LongVector a1 = a0, b1 = a0, c1 = a0, d1 = a0;                     // high halves: odd lanes
        // JDK 19 removed the Vector API's ByteBuffer loads (MemorySegment loads replaced them) and
        // Pare runs on 17 and later: the words pass through a small long[] that stays in L1.
        // The block is the thread's own and the longs are read by index, so a call allocates
        // nothing: a loader calls this once per 64 KiB chunk.
        long[] block = vectors == 0 ? null : BLOCK.get();
        boolean swap = src.order() != ByteOrder.LITTLE_ENDIAN;
        for (int v = 0; v < vectors; v++) {
            int inBlock = v % BLOCK_VECTORS;
            if (inBlock == 0) {
                int longs = Math.min(vectors - v, BLOCK_VECTORS) * LONG.length();
                int at = from + v * 4 * WORDS_PER_VECTOR;
                for (int i = 0; i < longs; i++) {
                    long x = src.getLong(at + 8 * i);
                    block[i] = swap ? Long.reverseBytes(x) : x;
                }
            }
            LongVector x = LongVector.fromArray(LONG, block, inBlock * LONG.length());
            a0 = a0.add(x); // both words at once: low + 2^32·high, see below
            b0 = b0.add(a0);
            c0 = c0.add(b0);
            d0 = d0.add(c0);
            a1 = a1.add(x.lanewise(VectorOperators.LSHR, 32));
            b1 = b1.add(a1);
            c1 = c1.add(b1);
            d1 = d1.add(c1);
        }
        if (vectors > 0) { // the lanes combined into the block's sums, written out here (see B_A_LOW)
            // a0 … d0 summed whole longs, low + 2^32·high, modulo 2^64; taking 2^32 times the
            // high halves' sums away leaves the low halves' sums, exactly (the sums are linear).
            a0 = a0.sub(a1.lanewise(VectorOperators.LSHL, 32));
            b0 = b0.sub(b1.lanewise(VectorOperators.LSHL, 32));
            c0 = c0.sub(c1.lanewise(VectorOperators.LSHL, 32));
            d0 = d0.sub(d1.lanewise(VectorOperators.LSHL, 32));
            append(state,
                    a0.add(a1).reduceLanes(VectorOperators.ADD),
                    b0.mul(L1).add(a0.mul(B_A_LOW)).add(b1.mul(L1)).add(a1.mul(B_A_HIGH)).reduceLanes(VectorOperators.ADD),
                    c0.mul(L2).add(b0.mul(C_B_LOW)).add(a0.mul(C_A_LOW))
                            .add(c1.mul(L2)).add(b1.mul(C_B_HIGH)).add(a1.mul(C_A_HIGH)).reduceLanes(VectorOperators.ADD),
                    d0.mul(L3).add(c0.mul(D_C_LOW)).add(b0.mul(D_B_LOW)).add(a0.mul(D_A_LOW))
                            .add(d1.mul(L3)).add(c1.mul(D_C_HIGH)).add(b1.mul(D_B_HIGH)).add(a1.mul(D_A_HIGH))
                            .reduceLanes(VectorOperators.ADD),
                    (long) vectors * WORDS_PER_VECTOR);
        }
        int done = vectors * WORDS_PER_VECTOR;
        tail(state, src, from + 4 * done, words - done);
    }

    /**
     * {@code dst[dOff + i]} = the float whose bits are word i at byte {@code from} of {@code src}
     * (little-endian; the buffer's position and order are ignored), for i in [0, n), and those n
     * words added to {@code state}. One load of each vector serves both the store and the sums,
     * so in a loop bounded by memory the sums cost almost nothing.
     */
    public static void copyFloats(long[] state, ByteBuffer src, int from, float[] dst, int dOff, int n) {
        if (BYTE_BUFFER_LOADS) {
            copyFloatsByteBufferLoads(state, src, from, dst, dOff, n);
        } else {
            copyFloatsViaBlock(state, src, from, dst, dOff, n);
        }
    }

    private static void copyFloatsByteBufferLoads(long[] state, ByteBuffer src, int from, float[] dst, int dOff, int n) {
        int vectors = n / WORDS_PER_VECTOR;
        LongVector a0 = LongVector.zero(LONG), b0 = a0, c0 = a0, d0 = a0;
        LongVector a1 = a0, b1 = a0, c1 = a0, d1 = a0;
        for (int v = 0; v < vectors; v++) {
            LongVector x = LongVector.fromByteBuffer(LONG, src, from + v * BYTES_PER_VECTOR, ByteOrder.LITTLE_ENDIAN);
            x.reinterpretAsFloats().intoArray(dst, dOff + v * WORDS_PER_VECTOR);
            a0 = a0.add(x); // both words at once: low + 2^32·high, see below
            b0 = b0.add(a0);
            c0 = c0.add(b0);
            d0 = d0.add(c0);
            a1 = a1.add(x.lanewise(VectorOperators.LSHR, 32));
            b1 = b1.add(a1);
            c1 = c1.add(b1);
            d1 = d1.add(c1);
        }
        if (vectors > 0) { // the lanes combined into the block's sums, written out here (see B_A_LOW)
            // a0 … d0 summed whole longs, low + 2^32·high, modulo 2^64; taking 2^32 times the
            // high halves' sums away leaves the low halves' sums, exactly (the sums are linear).
            a0 = a0.sub(a1.lanewise(VectorOperators.LSHL, 32));
            b0 = b0.sub(b1.lanewise(VectorOperators.LSHL, 32));
            c0 = c0.sub(c1.lanewise(VectorOperators.LSHL, 32));
            d0 = d0.sub(d1.lanewise(VectorOperators.LSHL, 32));
            append(state,
                    a0.add(a1).reduceLanes(VectorOperators.ADD),
                    b0.mul(L1).add(a0.mul(B_A_LOW)).add(b1.mul(L1)).add(a1.mul(B_A_HIGH)).reduceLanes(VectorOperators.ADD),
                    c0.mul(L2).add(b0.mul(C_B_LOW)).add(a0.mul(C_A_LOW))
                            .add(c1.mul(L2)).add(b1.mul(C_B_HIGH)).add(a1.mul(C_A_HIGH)).reduceLanes(VectorOperators.ADD),
                    d0.mul(L3).add(c0.mul(D_C_LOW)).add(b0.mul(D_B_LOW)).add(a0.mul(D_A_LOW))
                            .add(d1.mul(L3)).add(c1.mul(D_C_HIGH)).add(b1.mul(D_B_HIGH)).add(a1.mul(D_A_HIGH))
                            .reduceLanes(VectorOperators.ADD),
                    (long) vectors * WORDS_PER_VECTOR);
        }
        boolean swap = src.order() != ByteOrder.LITTLE_ENDIAN;
        for (int i = vectors * WORDS_PER_VECTOR; i < n; i++) {
            int w = src.getInt(from + 4 * i);
            w = swap ? Integer.reverseBytes(w) : w;
            dst[dOff + i] = Float.intBitsToFloat(w);
            updateWord(state, w);
        }
    }

    static void copyFloatsViaBlock(long[] state, ByteBuffer src, int from, float[] dst, int dOff, int n) {
        // The copy is the JDK's bulk get (a memory copy); the sums then read the chunk again
        // while it is in cache, as longs, which need no reinterpretation of float vectors.
        if (n > 0) {
            littleEndian(src, from).asFloatBuffer().get(dst, dOff, n);
        }
        updateViaBlock(state, src, from, n);
    }

    private static boolean hasByteBufferLoads() {
        try {
            LongVector.class.getMethod("fromByteBuffer", VectorSpecies.class, ByteBuffer.class, int.class, ByteOrder.class);
            return true;
        } catch (NoSuchMethodException absent) {
            return false;
        }
    }

    /** {@code src} from byte {@code from} on, read little-endian whatever {@code src}'s own order and position. */
    private static ByteBuffer littleEndian(ByteBuffer src, int from) {
        return src.duplicate().position(from).slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The words after the last whole vector, one at a time, in either byte order of {@code src}. */
    private static void tail(long[] state, ByteBuffer src, int from, int words) {
        boolean swap = src.order() != ByteOrder.LITTLE_ENDIAN;
        for (int i = 0; i < words; i++) {
            int w = src.getInt(from + 4 * i);
            updateWord(state, swap ? Integer.reverseBytes(w) : w);
        }
    }
}
