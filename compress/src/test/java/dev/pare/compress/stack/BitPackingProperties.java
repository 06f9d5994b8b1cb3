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

class BitPackingProperties {

    /** Random codes in the symmetric b-bit range, about {@code zeroPercent}% of them zero. */
    static byte[] codes(long seed, int n, int bits, int zeroPercent) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        int max = BitPacking.maxCode(bits);
        byte[] c = new byte[n];
        for (int i = 0; i < n; i++) {
            c[i] = r.nextInt(100) < zeroPercent ? 0 : (byte) (r.nextInt(2 * max + 1) - max);
        }
        return c;
    }

    @Property
    void packThenUnpackGivesBackEveryCode(@ForAll @IntRange(min = 0, max = 300) int n,
                                          @ForAll @IntRange(min = 2, max = 8) int bits,
                                          @ForAll @LongRange long seed) {
        byte[] c = codes(seed, n, bits, 30);
        byte[] packed = BitPacking.pack(c, n, bits);
        assertEquals((n * bits + 7) / 8, packed.length);
        assertArrayEquals(c, BitPacking.unpack(packed, n, bits));
    }

    @Property
    void unsignedFieldsRoundTrip(@ForAll @IntRange(min = 0, max = 300) int n,
                                 @ForAll @IntRange(min = 1, max = 8) int bits, @ForAll @LongRange long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextInt(1 << bits);
        }
        assertArrayEquals(v, BitPacking.unpackUnsigned(BitPacking.packUnsigned(v, n, bits), n, bits));
    }

    @Property
    void bitmapScatterRebuildsTheCodes(@ForAll @IntRange(min = 0, max = 300) int n,
                                       @ForAll @IntRange(min = 0, max = 100) int zeroPercent, @ForAll @LongRange long seed) {
        byte[] c = codes(seed, n, 8, zeroPercent);
        int[] count = new int[1];
        byte[] map = BitPacking.nonZeroBitmap(c, n, count);
        assertEquals(BitPacking.countSet(map, n), count[0]);
        assertArrayEquals(c, BitPacking.scatter(map, n, BitPacking.gatherNonZeros(c, n, count[0])));
    }

    @Example
    void fourBitCodesSitTwoToAByteLowNibbleFirst() {
        byte[] packed = BitPacking.pack(new byte[] {1, -1, 7, -7}, 4, 4);
        // 1 = 0001, −1 = 1111, 7 = 0111, −7 = 1001 (two's complement in 4 bits)
        assertArrayEquals(new byte[] {(byte) 0xF1, (byte) 0x97}, packed);
        assertEquals(7, BitPacking.maxCode(4));
        assertEquals(127, BitPacking.maxCode(8));
    }

    @Example
    void aCodeTooWideForTheBitWidthIsRefusedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BitPacking.pack(new byte[] {3, -8}, 2, 4));
        assertTrue(e.getMessage().contains("code -8 at index 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BitPacking.pack(new byte[1], 1, 9));
        assertTrue(e.getMessage().contains("bit width 9"), e.getMessage());
    }

    @Example
    void truncatedInputsAreRefusedWithTheSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BitPacking.unpack(new byte[2], 5, 4));
        assertTrue(e.getMessage().contains("need 3 bytes, got 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> BitPacking.scatter(new byte[] {0b101}, 3, new byte[] {1}));
        assertTrue(e.getMessage().contains("marks 2 of 3 positions but 1 values"), e.getMessage());
    }
}
