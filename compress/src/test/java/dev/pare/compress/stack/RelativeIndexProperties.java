package dev.pare.compress.stack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class RelativeIndexProperties {

    @Property
    void encodeThenDecodeGivesBackTheCodes(@ForAll @IntRange(min = 0, max = 500) int n,
                                           @ForAll @IntRange(min = 0, max = 100) int zeroPercent,
                                           @ForAll @IntRange(min = 1, max = 8) int indexBits, @ForAll @LongRange long seed) {
        byte[] c = BitPackingProperties.codes(seed, n, 8, zeroPercent);
        RelativeIndex.Encoded e = RelativeIndex.encode(c, n, indexBits);
        assertEquals(RelativeIndex.entries(c, n, indexBits), e.entries());
        for (int s : e.skips()) {
            assertTrue(s >= 0 && s < 1 << indexBits, "skip " + s);
        }
        assertArrayEquals(c, RelativeIndex.decode(e.skips(), e.codes(), n));
    }

    @Property
    void theChosenIndexWidthIsNoWorseThanAnyOther(@ForAll @IntRange(min = 1, max = 500) int n,
                                                  @ForAll @IntRange(min = 0, max = 100) int zeroPercent,
                                                  @ForAll @IntRange(min = 2, max = 8) int codeBits, @ForAll @LongRange long seed) {
        byte[] c = BitPackingProperties.codes(seed, n, codeBits, zeroPercent);
        int best = RelativeIndex.bestIndexBits(c, n, codeBits);
        long bestBits = RelativeIndex.entries(c, n, best) * (best + codeBits);
        for (int k = 1; k <= 8; k++) {
            assertTrue(bestBits <= RelativeIndex.entries(c, n, k) * (k + codeBits), "k = " + k + " beats " + best);
        }
    }

    @Example
    void aLongRunOfZerosIsCrossedByFillers() {
        byte[] c = new byte[22];
        c[2] = 5;
        c[21] = -3;
        // With 4-bit skips: (skip 2, 5), then 18 zeros: a filler (skip 15, 0) crosses 16, then (skip 2, −3).
        RelativeIndex.Encoded e = RelativeIndex.encode(c, 22, 4);
        assertArrayEquals(new int[] {2, 15, 2}, e.skips());
        assertArrayEquals(new byte[] {5, 0, -3}, e.codes());
    }

    @Example
    void entriesRunningPastTheWeightAreRefused() {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> RelativeIndex.decode(new int[] {3, 3}, new byte[] {1, 1}, 6));
        assertTrue(ex.getMessage().contains("entry 1 lands at position 7, past the 6 weights"), ex.getMessage());
    }
}
