package dev.pare.nn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.zip.CRC32C;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The CRC32C of a concatenation, combined from its parts' CRC32Cs, is what
 * {@code java.util.zip.CRC32C} computes over the whole: the law {@link ChunkReader} relies on to
 * checksum a tensor's chunks on two threads in any order.
 */
class Crc32cCombineProperties {
    private static long crc(byte[] b, int from, int to) {
        CRC32C c = new CRC32C();
        c.update(b, from, to - from);
        return c.getValue();
    }

    @Property(tries = 300)
    void combiningThePartsGivesTheCrcOfTheWhole(@ForAll @Size(max = 300) byte[] bytes, @ForAll @IntRange(max = 300) int cut) {
        int at = Math.min(cut, bytes.length); // empty first or second parts included
        long whole = crc(bytes, 0, bytes.length);
        long combined = Crc32cCombine.combine(crc(bytes, 0, at), crc(bytes, at, bytes.length), bytes.length - at);
        assertEquals(whole, combined, "cut at " + at + " of " + bytes.length);
    }

    @Property(tries = 30)
    void chunksOfAnyLengthFoldInOrderToTheCrcOfTheWhole(@ForAll("seeds") long seed,
                                                        @ForAll @IntRange(min = 1, max = 70_000) int chunk) {
        byte[] bytes = new byte[200_001];
        new java.util.Random(seed).nextBytes(bytes);
        long sum = crc(bytes, 0, Math.min(chunk, bytes.length));
        for (int from = chunk; from < bytes.length; from += chunk) {
            int to = Math.min(bytes.length, from + chunk);
            sum = Crc32cCombine.combine(sum, crc(bytes, from, to), to - from);
        }
        assertEquals(crc(bytes, 0, bytes.length), sum, "chunks of " + chunk);
    }

    @net.jqwik.api.Provide
    net.jqwik.api.Arbitrary<Long> seeds() {
        return net.jqwik.api.Arbitraries.longs();
    }

    @Example
    void shiftingPastNothingLeavesACrcAsItIs() {
        assertEquals(0x12345678L, Crc32cCombine.combine(0x12345678L, 0, 0));
    }

    @Example
    void aLengthBeyondTwoGigabytesUsesTheWholeTable() {
        // x^(8n) for n = 2^40 + 3 must equal x^(8·2^40) · x^(8·3): the powers add.
        int big = Crc32cCombine.xPow8n(1L << 40);
        int small = Crc32cCombine.xPow8n(3);
        assertEquals(Crc32cCombine.multiply(big, small), Crc32cCombine.xPow8n((1L << 40) + 3));
    }
}
