package dev.pare.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** View round-trips, storage sharing, and the element each view reads. */
class ViewProperties {

    @Provide
    Arbitrary<int[]> shapes() {
        return Arbitraries.integers().between(1, 5).array(int[].class).ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<TestTensors.Layout> layouts() {
        return Arbitraries.of(TestTensors.Layout.class);
    }

    @Property
    void transposingTwiceGivesBackTheSameElements(@ForAll("shapes") int[] shape,
                                                  @ForAll("layouts") TestTensors.Layout layout, @ForAll long seed) {
        Tensor x = TestTensors.make(shape, layout, new Rng(seed));
        int last = shape.length - 1;
        Tensor back = x.transpose(0, last).transpose(last, 0);
        assertArrayEquals(x.shape(), back.shape());
        assertArrayEquals(x.toArray(), back.toArray(), 0f);
        assertSame(x.storage(), back.storage(), "a transpose is a view, not a copy");
    }

    @Property
    void permuteThenInversePermuteIsTheIdentity(@ForAll("shapes") int[] shape, @ForAll long seed) {
        Rng rng = new Rng(seed);
        Tensor x = Tensor.randn(rng, shape);
        int[] perm = rng.permutation(shape.length);
        int[] inverse = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            inverse[perm[i]] = i;
        }
        Tensor p = x.permute(perm);
        for (int i = 0; i < perm.length; i++) {
            assertEquals(shape[perm[i]], p.size(i));
        }
        TestTensors.forEachIndex(p.shape(), idx -> {
            int[] orig = new int[idx.length];
            for (int i = 0; i < idx.length; i++) {
                orig[perm[i]] = idx[i];
            }
            if (p.get(idx) != x.get(orig)) {
                fail("permute " + TestTensors.str(perm) + " at " + TestTensors.str(idx));
            }
        });
        assertArrayEquals(x.toArray(), p.permute(inverse).toArray(), 0f);
    }

    @Property
    void reshapeKeepsRowMajorOrderAndViewsWhenItCan(@ForAll("shapes") int[] shape,
                                                   @ForAll("layouts") TestTensors.Layout layout, @ForAll long seed) {
        Tensor x = TestTensors.make(shape, layout, new Rng(seed));
        Tensor flat = x.reshape(-1);
        assertArrayEquals(x.toArray(), flat.toArray(), 0f);
        Tensor back = flat.reshape(shape);
        assertArrayEquals(x.toArray(), back.toArray(), 0f);
        if (x.isContiguous()) {
            assertSame(x.storage(), flat.storage(), "reshape of a contiguous tensor is a view");
        }
    }

    @Test
    void viewOfATransposeIsRefusedWithTheLayoutNamed() {
        Tensor x = Tensor.arange(6).reshape(2, 3).t();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> x.view(6));
        assertTrue(e.getMessage().contains("view") && e.getMessage().contains("[3, 2]")
                && e.getMessage().contains("reshape"), e.getMessage());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, x.reshape(6).toArray(), 0f);
    }

    @Test
    void viewsShareStorageSoWritesAreVisible() {
        Tensor x = Tensor.zeros(3, 4);
        x.narrow(1, 1, 2).select(0, 2).fill(7f);
        x.t().select(0, 0).fill(1f);
        assertArrayEquals(new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1, 7, 7, 0}, x.toArray(), 0f);
    }

    @Test
    void sliceWithStepAndNegativeBoundsFollowsPython() {
        Tensor x = Tensor.arange(10);
        assertArrayEquals(new float[] {1, 4, 7}, x.slice(0, 1, 9, 3).toArray(), 0f);
        assertArrayEquals(new float[] {7, 8}, x.slice(0, -3, -1).toArray(), 0f);
        assertArrayEquals(new float[] {}, x.slice(0, 5, 2).toArray(), 0f);
        assertArrayEquals(new float[] {8, 9}, x.slice(0, 8, 100).toArray(), 0f);
    }

    @Test
    void expandUsesStrideZeroAndContiguousCopiesIt() {
        Tensor x = Tensor.fromArray(new float[] {1, 2, 3}, 3, 1);
        Tensor e = x.expand(2, 3, 4);
        assertArrayEquals(new int[] {0, 1, 0}, e.strides());
        assertFalse(e.isContiguous());
        Tensor c = e.contiguous();
        assertTrue(c.isContiguous());
        assertEquals(3f, c.get(1, 2, 3));
        assertEquals(24, c.toArray().length);
    }

    @Test
    void squeezeAndUnsqueezeAreInverse() {
        Tensor x = Tensor.arange(6).reshape(2, 1, 3);
        assertArrayEquals(new int[] {2, 3}, x.squeeze().shape());
        assertArrayEquals(new int[] {2, 1, 3}, x.squeeze(1).unsqueeze(1).shape());
        assertArrayEquals(new int[] {2, 1, 3}, x.squeeze(0).shape(), "squeeze of a non-1 dim is a no-op");
        assertArrayEquals(new int[] {2, 1, 3, 1}, x.unsqueeze(-1).shape());
        assertArrayEquals(new int[] {2, 3}, x.flatten(0, 1).shape());
    }

    @Test
    void catAndStackPlaceEachInputInOrder() {
        Tensor a = Tensor.arange(4).reshape(2, 2);
        Tensor b = Tensor.arange(4, 6, 1).reshape(2, 1);
        assertArrayEquals(new float[] {0, 1, 4, 2, 3, 5}, Tensor.cat(1, a, b).toArray(), 0f);
        assertArrayEquals(new int[] {2, 2, 2}, Tensor.stack(0, a, a).shape());
        assertThrows(IllegalArgumentException.class, () -> Tensor.cat(0, a, b));
    }

    @Test
    void sliceWithAHugeStepKeepsJustTheFirstElement() {
        assertArrayEquals(new int[] {1}, Tensor.arange(2).slice(0, 0, 2, Integer.MAX_VALUE).shape());
        assertArrayEquals(new float[] {0}, Tensor.arange(5).slice(0, 0, 5, Integer.MAX_VALUE - 1).toArray(), 0f);
    }

    @Test
    void emptyViewsReadAsEmptyWhereverTheyStart() {
        assertArrayEquals(new float[0], Tensor.zeros(3, 0).select(0, 2).toArray(), 0f);
        assertArrayEquals(new float[0], Tensor.zeros(3, 0).narrow(0, 1, 1).contiguous().toArray(), 0f);
        assertEquals("tensor([], shape=[0])", Tensor.zeros(3, 0).select(0, 2).toString());
    }

    @Test
    void copyFromAnOverlappingViewOfTheSameStorageCopiesTheOldValues() {
        Tensor x = Tensor.arange(6).reshape(3, 2);
        x.narrow(0, 1, 2).select(1, 0).copyFrom(x.narrow(0, 0, 2).select(1, 0));
        assertArrayEquals(new float[] {0, 1, 0, 3, 2, 5}, x.toArray(), 0f);
    }
}
