package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fletcher-4, the default checksum of ZFS, over little-endian 32-bit words, each kernel with its
 * scalar twin. {@link #update} sums bytes from a buffer; {@link #copyFloats} also copies the
 * words into a {@code float[]} and sums them while they are in cache, so that a checkpoint's
 * floats are verified as they are decoded; {@link #updateFloats} sums floats already in an array,
 * so that a second thread can verify what the loader has filled.
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
    /**
     * Vectors per block that is copied, then summed while in L1: 8 KiB at 512 bits, long enough
     * that loading and storing the lane sums around each block costs little, and small enough
     * for any L1.
     */
    private static final int BLOCK_VECTORS = 128;
    private static final ThreadLocal<long[]> BLOCK = ThreadLocal.withInitial(() -> new long[BLOCK_VECTORS * LONG.length()]);
    private static final long LOW_WORD = 0xFFFF_FFFFL;

    /**
     * The eight lane sums of a kernel, {a0, b0, c0, d0, a1, b1, c1, d1}, K longs each (see
     * {@link #combine}): a kernel loads them, runs its loop and stores them back, and the lanes
     * are weighted into the block's sums by scalar code afterwards. Vector code here is kept to
     * that loop, in a method with nothing else in it, because of how C2 compiles the Vector
     * API: a vector stays in a register only while C2 can see every operation on it. A vector
     * passed to a method that is not inlined, or live across such a call (a ByteBuffer read
     * whose receiver has seen several buffer classes, a ThreadLocal lookup), or in a method
     * grown past C2's inlining budget (a long tail of vector arithmetic, inlined buffer code)
     * becomes an object on the heap, a new one per iteration, many times slower; and which of
     * these happens depends on the order in which the JVM happened to compile things.
     */
    private static final ThreadLocal<long[]> LANES = ThreadLocal.withInitial(() -> new long[8 * LONG.length()]);

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

    /** Scalar twin of {@link #updateFloats}. */
    public static void updateFloatsScalar(long[] state, float[] src, int off, int n) {
        for (int i = 0; i < n; i++) {
            updateWord(state, Float.floatToRawIntBits(src[off + i]));
        }
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
        int vectors = words / WORDS_PER_VECTOR;
        if (vectors > 0) {
            // The words pass through a small array that stays in L1, copied in by the JDK's bulk
            // get while no vector is live (see LANES). The Vector API's own ByteBuffer loads are
            // gone from JDK 19 on, and C2 does not always inline them on 17. Block, lanes and
            // views are the thread's own: a loader calls this once per 64 KiB on the same direct
            // buffer, and allocates nothing (see Views).
            long[] lanes = freshLanes();
            long[] block = BLOCK.get();
            Views views = VIEWS.get();
            LongBuffer longs = views.longs(src, from, vectors * LONG.length());
            int at = views.index;
            for (int v = 0; v < vectors; v += BLOCK_VECTORS) {
                int count = Math.min(vectors - v, BLOCK_VECTORS);
                // A memory copy, byte-swapped if need be.
                longs.get(at + v * LONG.length(), block, 0, count * LONG.length());
                sumBlock(lanes, block, count);
            }
            combine(state, lanes, vectors);
        }
        int done = vectors * WORDS_PER_VECTOR;
        tail(state, src, from + 4 * done, words - done);
    }

    /**
     * The loop of every kernel: the {@code vectors} vectors of {@code block} added to the lane
     * sums in {@code lanes}, which are loaded first and stored back at the end. Each long holds
     * two words, the earlier in the low half. {@code a0 … d0} sum whole longs
     * (low + 2^32·high, modulo 2^64) and {@code a1 … d1} the high halves, shifted down, which
     * zero-extends them ({@link #combine} takes the low halves' sums apart). The words come in
     * as longs, not as the bits of floats reinterpreted: JDK 17's C2 left this loop's vectors
     * on the heap when it began with that reinterpretation.
     */
    private static void sumBlock(long[] lanes, long[] block, int vectors) {
        int k = LONG.length();
        LongVector a0 = LongVector.fromArray(LONG, lanes, 0), b0 = LongVector.fromArray(LONG, lanes, k);
        LongVector c0 = LongVector.fromArray(LONG, lanes, 2 * k), d0 = LongVector.fromArray(LONG, lanes, 3 * k);
        LongVector a1 = LongVector.fromArray(LONG, lanes, 4 * k), b1 = LongVector.fromArray(LONG, lanes, 5 * k);
        LongVector c1 = LongVector.fromArray(LONG, lanes, 6 * k), d1 = LongVector.fromArray(LONG, lanes, 7 * k);
        for (int v = 0; v < vectors; v++) {
            LongVector x = LongVector.fromArray(LONG, block, v * k);
            a0 = a0.add(x);
            b0 = b0.add(a0);
            c0 = c0.add(b0);
            d0 = d0.add(c0);
            a1 = a1.add(x.lanewise(VectorOperators.LSHR, 32));
            b1 = b1.add(a1);
            c1 = c1.add(b1);
            d1 = d1.add(c1);
        }
        a0.intoArray(lanes, 0);
        b0.intoArray(lanes, k);
        c0.intoArray(lanes, 2 * k);
        d0.intoArray(lanes, 3 * k);
        a1.intoArray(lanes, 4 * k);
        b1.intoArray(lanes, 5 * k);
        c1.intoArray(lanes, 6 * k);
        d1.intoArray(lanes, 7 * k);
    }

    /**
     * Appends to {@code state} the sums of {@code vectors} whole vectors whose lane sums are in
     * {@code lanes} (see {@link #sumBlock}): for long lane k, {@code lanes[s·K + k]} (s = 0…3:
     * a, b, c, d) sum whole longs, low + 2^32·high, and {@code lanes[(4 + s)·K + k]} the high
     * halves. Taking 2^32 times the high halves' sums away leaves the low halves' sums, exactly
     * (the sums are linear); the logical lanes j = 2k (low half) and 2k + 1 (high half) are then
     * weighted as in the class comment. Scalar, once per call: it costs nothing that shows.
     */
    static void combine(long[] state, long[] lanes, int vectors) {
        int k = LONG.length();
        long l1 = WORDS_PER_VECTOR, l2 = l1 * l1, l3 = l2 * l1;
        long sa = 0, sb = 0, sc = 0, sd = 0;
        for (int j = 0; j < 2 * k; j++) {
            int at = j >> 1;
            long a = lanes[4 * k + at], b = lanes[5 * k + at], c = lanes[6 * k + at], d = lanes[7 * k + at];
            if ((j & 1) == 0) {
                a = lanes[at] - (a << 32);
                b = lanes[k + at] - (b << 32);
                c = lanes[2 * k + at] - (c << 32);
                d = lanes[3 * k + at] - (d << 32);
            }
            sa += a;
            sb += l1 * b + laneWeight(1, 0, l1, j) * a;
            sc += l2 * c + laneWeight(2, 1, l1, j) * b + laneWeight(2, 0, l1, j) * a;
            sd += l3 * d + laneWeight(3, 2, l1, j) * c + laneWeight(3, 1, l1, j) * b + laneWeight(3, 0, l1, j) * a;
        }
        append(state, sa, sb, sc, sd, (long) vectors * WORDS_PER_VECTOR);
    }

    /** The thread's lane sums, zeroed. */
    private static long[] freshLanes() {
        long[] lanes = LANES.get();
        Arrays.fill(lanes, 0);
        return lanes;
    }

    /**
     * {@code dst[dOff + i]} = the float whose bits are word i at byte {@code from} of {@code src}
     * (little-endian; the buffer's position and order are ignored), for i in [0, n), and those n
     * words added to {@code state}. The copy is the JDK's bulk get (a memory copy); the sums then
     * read the chunk again while it is in cache.
     */
    public static void copyFloats(long[] state, ByteBuffer src, int from, float[] dst, int dOff, int n) {
        if (n > 0) {
            Views views = VIEWS.get();
            FloatBuffer floats = views.floats(src, from, n);
            floats.get(views.index, dst, dOff, n);
        }
        update(state, src, from, n);
    }

    /**
     * Adds to {@code state} the words whose bits are the floats {@code src[off … off + n)}: the
     * sums of the same floats read from a little-endian file, which is what lets a second thread
     * verify a checkpoint from the arrays the loader has filled. The floats reach the vector loop
     * as longs through a small direct buffer (two memory copies of a block that stays in L1),
     * not by reinterpreting float vectors, for the reason given at {@link #sumBlock}.
     */
    public static void updateFloats(long[] state, float[] src, int off, int n) {
        java.util.Objects.checkFromIndexSize(off, n, src.length);
        int vectors = n / WORDS_PER_VECTOR;
        if (vectors > 0) {
            long[] lanes = freshLanes();
            long[] block = BLOCK.get();
            FloatScratch scratch = FLOAT_SCRATCH.get();
            for (int v = 0; v < vectors; v += BLOCK_VECTORS) {
                int count = Math.min(vectors - v, BLOCK_VECTORS);
                scratch.floats.put(0, src, off + v * WORDS_PER_VECTOR, count * WORDS_PER_VECTOR);
                scratch.longs.get(0, block, 0, count * LONG.length());
                sumBlock(lanes, block, count);
            }
            combine(state, lanes, vectors);
        }
        for (int i = vectors * WORDS_PER_VECTOR; i < n; i++) {
            updateWord(state, Float.floatToRawIntBits(src[off + i]));
        }
    }

    /** A direct little-endian buffer of one block, seen as floats (written) and longs (read), per thread. */
    private static final class FloatScratch {
        final FloatBuffer floats;
        final LongBuffer longs;

        FloatScratch() {
            ByteBuffer b = ByteBuffer.allocateDirect(BLOCK_VECTORS * LONG.length() * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            floats = b.asFloatBuffer();
            longs = b.asLongBuffer();
        }
    }

    private static final ThreadLocal<FloatScratch> FLOAT_SCRATCH = ThreadLocal.withInitial(FloatScratch::new);

    /**
     * Little-endian long and float views of a buffer, whatever its own order and position, for
     * the JDK's bulk copies. A loader passes the same direct buffer, one 64 KiB chunk after
     * another, so the views of the last direct buffer are kept (one set per thread), and a chunk
     * allocates nothing; any other buffer gets views of its own (a few small objects per call).
     * Heap buffers are not kept: the views would keep their arrays, which may be large, alive.
     */
    private static final class Views {
        private ByteBuffer source;
        private LongBuffer longs;
        private FloatBuffer floats;
        /** Where the last view asked for starts: the element index of byte {@code from}. */
        int index;

        /** A view of at least {@code count} longs from byte {@code from} of {@code src}, at {@link #index}. */
        LongBuffer longs(ByteBuffer src, int from, int count) {
            if (keep(src) && from % Long.BYTES == 0 && from / Long.BYTES + count <= longs.capacity()) {
                index = from / Long.BYTES;
                return longs;
            }
            index = 0;
            return littleEndian(src, from).asLongBuffer();
        }

        /** A view of at least {@code count} floats from byte {@code from} of {@code src}, at {@link #index}. */
        FloatBuffer floats(ByteBuffer src, int from, int count) {
            if (keep(src) && from % Float.BYTES == 0 && from / Float.BYTES + count <= floats.capacity()) {
                index = from / Float.BYTES;
                return floats;
            }
            index = 0;
            return littleEndian(src, from).asFloatBuffer();
        }

        /** Whether {@code src} is (now) the kept buffer. */
        private boolean keep(ByteBuffer src) {
            if (src == source) {
                return true;
            }
            if (!src.isDirect()) {
                return false;
            }
            ByteBuffer whole = src.duplicate().clear().order(ByteOrder.LITTLE_ENDIAN);
            source = src;
            longs = whole.asLongBuffer();
            floats = whole.asFloatBuffer();
            return true;
        }

        private static ByteBuffer littleEndian(ByteBuffer src, int from) {
            return src.duplicate().position(from).slice().order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    private static final ThreadLocal<Views> VIEWS = ThreadLocal.withInitial(Views::new);

    /** The words after the last whole vector, one at a time, in either byte order of {@code src}. */
    private static void tail(long[] state, ByteBuffer src, int from, int words) {
        boolean swap = src.order() != ByteOrder.LITTLE_ENDIAN;
        for (int i = 0; i < words; i++) {
            int w = src.getInt(from + 4 * i);
            updateWord(state, swap ? Integer.reverseBytes(w) : w);
        }
    }
}
