package dev.pare.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** NumPy's broadcasting rules, as laws over random shapes. */
class BroadcastProperties {

    @Provide
    Arbitrary<int[]> shapes() {
        return Arbitraries.integers().between(1, 4).array(int[].class).ofMinSize(0).ofMaxSize(4);
    }

    @Property
    void broadcastingIsSymmetric(@ForAll("shapes") int[] a, @ForAll("shapes") int[] b) {
        int[] ab;
        try {
            ab = Shape.broadcast("test", a, b);
        } catch (IllegalArgumentException e) {
            assertThrows(IllegalArgumentException.class, () -> Shape.broadcast("test", b, a));
            return;
        }
        assertArrayEquals(ab, Shape.broadcast("test", b, a));
    }

    @Property
    void resultHasTheLargerRankAndEachDimIsTheNonOneSize(@ForAll("shapes") int[] a, @ForAll("shapes") int[] b) {
        int[] out;
        try {
            out = Shape.broadcast("test", a, b);
        } catch (IllegalArgumentException e) {
            return;
        }
        assertEquals(Math.max(a.length, b.length), out.length);
        for (int i = 1; i <= out.length; i++) {
            int da = i <= a.length ? a[a.length - i] : 1;
            int db = i <= b.length ? b[b.length - i] : 1;
            assertTrue(da == db || da == 1 || db == 1);
            assertEquals(Math.max(da, db), out[out.length - i]);
        }
    }

    @Property
    void aShapeBroadcastWithItselfOrWithOnesIsUnchanged(@ForAll("shapes") int[] a) {
        assertArrayEquals(a, Shape.broadcast("test", a, a));
        int[] ones = new int[a.length];
        java.util.Arrays.fill(ones, 1);
        assertArrayEquals(a, Shape.broadcast("test", a, ones));
        assertArrayEquals(a, Shape.broadcast("test", a, new int[0]));
    }

    @Test
    void incompatibleShapesAreRejectedWithBothShapesNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(2, 3).add(Tensor.zeros(4)));
        assertTrue(e.getMessage().contains("add") && e.getMessage().contains("[2, 3]") && e.getMessage().contains("[4]"),
                e.getMessage());
    }
}
