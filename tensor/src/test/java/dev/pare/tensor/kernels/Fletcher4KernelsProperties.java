package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Fletcher-4's vector kernels against their scalar twins over awkward word counts, byte offsets
 * and starting states, the twins against the closed form computed in exact arithmetic, and both
 * against sums printed by numpy (the few lines in docs/nn.md). Sums are compared exactly.
 */
class Fletcher4KernelsProperties {
    /** Word counts: {@link KernelSizes#SIZES} and a few around 1, 2 and 4 vectors at 512 bits (16 words). */
    static final int[] WORDS = {0, 1, 7, 8, 9, 13, 15, 16, 17, 31, 32, 33, 63, 64, 65, 207, 1023, 4097};

    private static ByteBuffer randomBytes(Random r, int bytes, boolean direct) {
        ByteBuffer b = (direct ? ByteBuffer.allocateDirect(bytes) : ByteBuffer.allocate(bytes)).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < bytes; i++) {
            b.put(i, (byte) r.nextInt());
        }
        return b;
    }

    private static long[] randomState(Random r) {
        return r.nextBoolean() ? new long[4] : new long[] {r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong()};
    }

    private static String where(String kernel, int words, int from, long[] expected, long[] actual) {
        return kernel + " words=" + words + " from byte " + from + ": scalar twin " + java.util.Arrays.toString(expected)
                + ", vector kernel " + java.util.Arrays.toString(actual) + " (species " + Fletcher4Kernels.LONG + ")";
    }

    @Property(tries = 60)
    void updateAddsTheSameSumsAsItsScalarTwin(@ForAll("words") int words, @ForAll @IntRange(min = 0, max = 9) int from,
                                              @ForAll long seed) {
        Random r = new Random(seed);
        ByteBuffer src = randomBytes(r, from + 4 * words + 5, r.nextBoolean());
        long[] want = randomState(r);
        long[] got = want.clone();
        Fletcher4Kernels.updateScalar(want, src, from, words);
        Fletcher4Kernels.update(got, src, from, words);
        assertArrayEquals(want, got, where("update", words, from, want, got));
    }

    @Property(tries = 60)
    void copyFloatsCopiesEveryBitAndAddsTheSameSums(@ForAll("words") int n, @ForAll @IntRange(min = 0, max = 9) int from,
                                                    @ForAll @IntRange(min = 0, max = 3) int dOff, @ForAll long seed) {
        Random r = new Random(seed);
        ByteBuffer src = randomBytes(r, from + 4 * n + 3, r.nextBoolean()); // random bits: NaN payloads too
        long[] want = randomState(r);
        long[] got = want.clone();
        float[] dstWant = new float[dOff + n + 2];
        float[] dstGot = new float[dOff + n + 2];
        Fletcher4Kernels.copyFloatsScalar(want, src, from, dstWant, dOff, n);
        Fletcher4Kernels.copyFloats(got, src, from, dstGot, dOff, n);
        assertArrayEquals(want, got, where("copyFloats", n, from, want, got));
        for (int i = 0; i < dstGot.length; i++) {
            assertEquals(Float.floatToRawIntBits(dstWant[i]), Float.floatToRawIntBits(dstGot[i]), "copyFloats n=" + n + " index " + i);
        }
    }

    @Property(tries = 60)
    void updateFloatsAddsTheSumsOfTheFloatsBitsAsItsScalarTwinAndAsTheFileBytes(
            @ForAll("words") int n, @ForAll @IntRange(min = 0, max = 3) int off, @ForAll long seed) {
        Random r = new Random(seed);
        float[] src = new float[off + n + 2];
        for (int i = 0; i < src.length; i++) {
            src[i] = Float.intBitsToFloat(r.nextInt()); // random bits: NaN payloads too
        }
        long[] want = randomState(r);
        long[] got = want.clone();
        long[] fromBytes = want.clone();
        Fletcher4Kernels.updateFloatsScalar(want, src, off, n);
        Fletcher4Kernels.updateFloats(got, src, off, n);
        assertArrayEquals(want, got, where("updateFloats", n, off, want, got));
        // The same floats as a file stores them: little-endian bytes, summed by the byte kernel's twin.
        ByteBuffer file = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            file.putInt(4 * i, Float.floatToRawIntBits(src[off + i]));
        }
        Fletcher4Kernels.updateScalar(fromBytes, file, 0, n);
        assertArrayEquals(fromBytes, got, where("updateFloats against the file's bytes", n, off, fromBytes, got));
    }

    /** The words are little-endian whatever the buffer's own order: a big-endian view of the same bytes gives the same sums. */
    @Property(tries = 40)
    void theBuffersByteOrderIsIgnored(@ForAll("words") int n, @ForAll @IntRange(min = 0, max = 9) int from,
                                      @ForAll @IntRange(min = 0, max = 3) int dOff, @ForAll long seed) {
        Random r = new Random(seed);
        ByteBuffer little = randomBytes(r, from + 4 * n + 3, r.nextBoolean());
        ByteBuffer big = little.duplicate().order(ByteOrder.BIG_ENDIAN);
        long[] start = randomState(r);
        long[] want = start.clone();
        long[] got = start.clone();
        Fletcher4Kernels.updateScalar(want, little, from, n);
        Fletcher4Kernels.update(got, big, from, n);
        assertArrayEquals(want, got, where("update, big-endian buffer", n, from, want, got));
        long[] gotC = start.clone();
        float[] dstWant = new float[dOff + n + 2];
        float[] dstGot = new float[dOff + n + 2];
        Fletcher4Kernels.copyFloatsScalar(start.clone(), little, from, dstWant, dOff, n);
        Fletcher4Kernels.copyFloats(gotC, big, from, dstGot, dOff, n);
        assertArrayEquals(want, gotC, where("copyFloats, big-endian buffer", n, from, want, gotC));
        for (int i = 0; i < dstGot.length; i++) {
            assertEquals(Float.floatToRawIntBits(dstWant[i]), Float.floatToRawIntBits(dstGot[i]), "copyFloats, big-endian buffer, n=" + n + " index " + i);
        }
    }

    @Property(tries = 40)
    void theScalarTwinIsTheClosedFormModulo2To64(@ForAll("words") int words, @ForAll long seed) {
        Random r = new Random(seed);
        ByteBuffer src = randomBytes(r, 4 * words, false);
        long[] got = new long[4];
        Fletcher4Kernels.updateScalar(got, src, 0, words);
        assertArrayEquals(closedForm(src, words), got, "words=" + words);
    }

    /** a = Σ w_i, b = Σ (n−i) w_i, c = Σ C(n−i+1, 2) w_i, d = Σ C(n−i+2, 3) w_i, in BigInteger, reduced mod 2^64. */
    private static long[] closedForm(ByteBuffer src, int n) {
        BigInteger[] s = {BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO};
        for (int i = 0; i < n; i++) {
            BigInteger w = BigInteger.valueOf(src.getInt(4 * i) & 0xFFFF_FFFFL);
            long k = n - i;
            s[0] = s[0].add(w);
            s[1] = s[1].add(w.multiply(BigInteger.valueOf(k)));
            s[2] = s[2].add(w.multiply(BigInteger.valueOf(k).multiply(BigInteger.valueOf(k + 1)).shiftRight(1)));
            s[3] = s[3].add(w.multiply(BigInteger.valueOf(k).multiply(BigInteger.valueOf(k + 1)).multiply(BigInteger.valueOf(k + 2))
                    .divide(BigInteger.valueOf(6))));
        }
        long[] out = new long[4];
        for (int j = 0; j < 4; j++) {
            out[j] = s[j].longValue(); // the low 64 bits: the value mod 2^64
        }
        return out;
    }

    @Property(tries = 40)
    void appendingTheSumsOfTwoPiecesGivesTheSumsOfTheWhole(@ForAll("words") int words, @ForAll long seed) {
        Random r = new Random(seed);
        ByteBuffer src = randomBytes(r, 4 * words, true);
        int cut = words == 0 ? 0 : r.nextInt(words + 1);
        long[] whole = new long[4];
        Fletcher4Kernels.update(whole, src, 0, words);
        long[] first = new long[4];
        Fletcher4Kernels.update(first, src, 0, cut);
        long[] second = new long[4];
        Fletcher4Kernels.update(second, src, 4 * cut, words - cut);
        Fletcher4Kernels.append(first, second[0], second[1], second[2], second[3], words - cut);
        assertArrayEquals(whole, first, "words=" + words + " cut at " + cut);
    }

    @Property(tries = 200)
    void theBinomialsAreExactModulo2To64(@ForAll long n) {
        long m = n & Long.MAX_VALUE >>> 1; // n ≥ 0, and n + 2 does not overflow
        BigInteger b = BigInteger.valueOf(m);
        BigInteger two = b.multiply(b.add(BigInteger.ONE)).shiftRight(1);
        BigInteger three = b.multiply(b.add(BigInteger.ONE)).multiply(b.add(BigInteger.TWO)).divide(BigInteger.valueOf(6));
        assertEquals(two.longValue(), Fletcher4Kernels.binomial2(m), "C(n+1, 2), n=" + m);
        assertEquals(three.longValue(), Fletcher4Kernels.binomial3(m), "C(n+2, 3), n=" + m);
    }

    /** Sums printed by numpy's cumsum in uint64 (see docs/nn.md), for the bytes (7i + 3) mod 256 and for all ones. */
    @Example
    void theSumsMatchNumpy() {
        ByteBuffer pattern = ByteBuffer.allocateDirect(1000).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 1000; i++) {
            pattern.put(i, (byte) (i * 7 + 3));
        }
        long[] s = new long[4];
        Fletcher4Kernels.update(s, pattern, 0, 250);
        assertArrayEquals(new long[] {0x7a37628d3aL, 0x3c2aa93b1ed9L, 0x13ae94bfd8c998L, 0x4d92c48b3b94921L}, s);

        ByteBuffer ones = ByteBuffer.allocate(400_000).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < ones.capacity(); i++) {
            ones.put(i, (byte) 0xFF);
        }
        long[] t = new long[4];
        Fletcher4Kernels.update(t, ones, 0, 100_000); // c and d wrap around 2^64
        assertArrayEquals(new long[] {0x1869ffffe7960L, 0x2a06b54ed5f94ab0L, 0x457c4749ba832120L, 0x64aeed85617d35d8L}, t);
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Integer> words() {
        return net.jqwik.api.Arbitraries.of(java.util.Arrays.stream(WORDS).boxed().toArray(Integer[]::new));
    }
}
