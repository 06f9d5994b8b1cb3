package dev.pare.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Saving and restoring an {@link Rng}'s state: the restored generator continues the same stream. */
class RngStateProperties {
    @Property(tries = 50)
    void aRestoredGeneratorDrawsWhatTheOriginalDrawsNext(@ForAll long seed, @ForAll @IntRange(max = 40) int drawnBefore,
                                                         @ForAll boolean oddGaussians) {
        Rng a = new Rng(seed);
        for (int i = 0; i < drawnBefore; i++) {
            a.nextInt();
        }
        if (oddGaussians) {
            a.nextGaussian(); // leaves the second sample of the pair waiting: part of the state
        }
        long[] state = a.saveState();
        Rng b = new Rng(seed ^ 0x5DEECE66DL); // a different stream, overwritten by the state
        b.restoreState(state);
        for (int i = 0; i < 20; i++) {
            assertEquals(Double.doubleToRawLongBits(a.nextGaussian()), Double.doubleToRawLongBits(b.nextGaussian()),
                    "Gaussian " + i);
            assertEquals(a.nextInt(), b.nextInt(), "int " + i);
        }
        assertArrayEquals(a.saveState(), b.saveState());
    }

    @Example
    void savingTheStateDoesNotAdvanceTheGenerator() {
        Rng a = new Rng(7);
        Rng b = new Rng(7);
        a.saveState();
        assertEquals(b.nextLong(), a.nextLong());
    }

    @Example
    void aStateThatNoGeneratorReachesIsRefused() {
        Rng r = new Rng(1);
        var zero = assertThrows(IllegalArgumentException.class, () -> r.restoreState(new long[] {0, 0, 0}));
        assertTrue(zero.getMessage().contains("all zero"), zero.getMessage());
        var shortState = assertThrows(IllegalArgumentException.class, () -> r.restoreState(new long[] {1, 2}));
        assertTrue(shortState.getMessage().contains("2 values"), shortState.getMessage());
    }
}
