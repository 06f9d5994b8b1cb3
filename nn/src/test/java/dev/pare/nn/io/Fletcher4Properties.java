package dev.pare.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The fletcher-4 of a byte stream does not depend on how the bytes are cut into pieces (a write's
 * buffers, a read's chunks), a partial last word is padded with zero bytes, and the text form
 * reads back and refuses anything else.
 */
class Fletcher4Properties {
    /** The definition, one word at a time: the oracle. */
    private static long[] byDefinition(byte[] data) {
        long a = 0, b = 0, c = 0, d = 0;
        for (int i = 0; i < data.length; i += 4) {
            long w = 0;
            for (int k = 0; k < 4 && i + k < data.length; k++) {
                w |= (data[i + k] & 0xFFL) << (8 * k);
            }
            a += w;
            b += a;
            c += b;
            d += c;
        }
        return new long[] {a, b, c, d};
    }

    @Property(tries = 100)
    void theSumDoesNotDependOnWhereTheStreamIsCut(@ForAll @IntRange(min = 0, max = 3000) int length, @ForAll long seed) {
        Random r = new Random(seed);
        byte[] data = new byte[length];
        r.nextBytes(data);
        Fletcher4 f = new Fletcher4();
        for (int at = 0; at < length; ) {
            int n = Math.min(length - at, r.nextInt(4) == 0 ? r.nextInt(5) : r.nextInt(700));
            ByteBuffer piece = ByteBuffer.wrap(data, at, n).slice().order(r.nextBoolean() ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
            f.update(piece);
            assertEquals(0, piece.remaining(), "update consumes its buffer");
            at += n;
        }
        assertArrayEquals(byDefinition(data), f.finish(), "length " + length);
        assertArrayEquals(new long[4], f.finish(), "finish starts the stream again");
    }

    @Example
    void aShortTailIsOneWordPaddedWithZeroBytes() {
        Fletcher4 f = new Fletcher4();
        f.update(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6}));
        // Words 0x04030201 and 0x00000605: a = w0 + w1, b = 2·w0 + w1, c = 3·w0 + w1, d = 4·w0 + w1.
        long w0 = 0x04030201L, w1 = 0x0605L;
        assertArrayEquals(new long[] {w0 + w1, 2 * w0 + w1, 3 * w0 + w1, 4 * w0 + w1}, f.finish());
    }

    @Property(tries = 50)
    void theTextFormReadsBack(@ForAll long a, @ForAll long b, @ForAll long c, @ForAll long d) {
        long[] s = {a, b, c, d};
        String text = Fletcher4.hex(s);
        assertEquals(67, text.length(), text);
        assertArrayEquals(s, Fletcher4.parse(text));
        assertArrayEquals(s, Fletcher4.parse(text.toUpperCase(java.util.Locale.ROOT)));
    }

    @Example
    void anythingElseIsNotAChecksum() {
        String good = Fletcher4.hex(new long[] {1, 2, 3, 4});
        for (String bad : new String[] {"", good.substring(1), good + "0", good.replace(':', ' '), good.replace('0', 'g'),
                "+" + good.substring(1), good.substring(0, 16) + ":-" + good.substring(18)}) {
            assertNull(Fletcher4.parse(bad), bad);
        }
    }
}
