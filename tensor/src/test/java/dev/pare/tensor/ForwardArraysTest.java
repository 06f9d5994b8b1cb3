package dev.pare.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/**
 * The inference pool ({@link ForwardArrays}): what it hands out again and what it never does.
 * The layers' side (a {@code Sequential} releasing what it alone holds) is tested in nn.
 */
class ForwardArraysTest {
    private static final int N = ArrayPool.MIN_LENGTH + 5;

    private static Tensor wrap(float[] a) {
        return Tensor.wrap(a, 0, a.length);
    }

    @Test
    void outsideAPassEveryArrayIsNewAndZeroed() {
        float[] a = ForwardArrays.take(N);
        ForwardArrays.release(wrap(a), Tensor.zeros(1));
        float[] b = ForwardArrays.take(N);
        assertNotSame(a, b);
        for (float v : b) {
            assertEquals(0f, v);
        }
    }

    @Test
    void aReleasedArrayIsHandedOutAgainInTheSamePassAndTheNext() {
        float[] a;
        try (ForwardArrays.Pass ignored = ForwardArrays.begin()) {
            a = ForwardArrays.take(N);
            ForwardArrays.release(wrap(a), Tensor.zeros(1));
            assertSame(a, ForwardArrays.take(N), "taken again within the pass");
            ForwardArrays.release(wrap(a), Tensor.zeros(1));
        }
        try (ForwardArrays.Pass ignored = ForwardArrays.begin()) {
            assertSame(a, ForwardArrays.take(N), "kept for the next pass");
        }
        try (ForwardArrays.Pass ignored = ForwardArrays.begin()) {
            assertEquals(0, ForwardArrays.freeArrays(), "not released in the last pass: nothing kept");
        }
    }

    @Test
    void anArraySharedWithTheNewOutputIsKept() {
        try (ForwardArrays.Pass ignored = ForwardArrays.begin()) {
            float[] a = ForwardArrays.take(N);
            Tensor t = wrap(a);
            ForwardArrays.release(t, t.view(1, N));   // a view: the same array
            assertEquals(0, ForwardArrays.freeArrays());
            assertNotSame(a, ForwardArrays.take(N));
        }
    }

    @Test
    void arraysNotIssuedInThisPassAreNeverRecycled() {
        float[] mine = new float[N];
        float[] earlier;
        try (ForwardArrays.Pass ignored = ForwardArrays.begin()) {
            earlier = ForwardArrays.take(N);   // the pass's output: handed to the caller, never released
        }
        try (ForwardArrays.Pass ignored = ForwardArrays.begin()) {
            ForwardArrays.release(wrap(mine), Tensor.zeros(1));
            ForwardArrays.release(wrap(earlier), Tensor.zeros(1));
            assertEquals(0, ForwardArrays.freeArrays());
            float[] fresh = ForwardArrays.take(N);
            assertNotSame(mine, fresh);
            assertNotSame(earlier, fresh);
        }
    }

    @Test
    void nestedPassesShareTheOutermostPool() {
        try (ForwardArrays.Pass outer = ForwardArrays.begin()) {
            float[] a;
            try (ForwardArrays.Pass inner = ForwardArrays.begin()) {
                a = ForwardArrays.take(N);
                ForwardArrays.release(wrap(a), Tensor.zeros(1));
            }
            assertSame(a, ForwardArrays.take(N), "freed by the inner pass, taken by the outer");
        }
    }

    @Test
    void poisonedTestRunsFillEveryArrayWithNaN() {
        try (ForwardArrays.Pass ignored = ForwardArrays.begin()) {
            float[] a = ForwardArrays.take(N);
            if (ArrayPool.POISON) {
                assertEquals(Float.NaN, a[0]);
                assertEquals(Float.NaN, a[N - 1]);
            } else {
                assertEquals(0f, a[0]);
            }
        }
    }
}
