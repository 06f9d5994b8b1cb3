package dev.pare.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Gradient arrays recycled within a backward pass ({@link BackwardArrays}) change no gradient:
 * random graphs of ops whose backward functions take their arrays from the pool, mixed with views
 * and with ops that pass one gradient to two inputs, give bit for bit the leaf gradients of the
 * same graphs built from ops that allocate new arrays. And the pool does recycle: a chain of such
 * ops reuses arrays within a pass and from one pass to the next.
 */
class BackwardArraysProperties {
    /** Length of the test tensors: above the pool's minimum, so that every array is pooled. */
    private static final int N = BackwardArrays.MIN_LENGTH + 37;

    /** Arrays handed out by {@link #scaled} during the current test (identity set). */
    private final Set<float[]> handedOut = Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * y = c·x, whose backward writes c·g into an array from the pool (or a new one when
     * {@code pooled} is false), every element written, as the contract asks, after filling it
     * with NaN.
     */
    private Tensor scaled(Tensor x, float c, boolean pooled) {
        Tensor y = x.mul(c).detach();
        return Tensor.recordOp("scaled", y, g -> {
            int n = Shape.numel(g.shape());
            float[] d = pooled ? Tensor.backwardArray(n) : new float[n];
            if (pooled) {
                handedOut.add(d);
            }
            Tensor gc = g.contiguous();
            float[] gd = gc.storage();
            // A recycled array holds old values; NaN makes any array still in use that the pool
            // wrongly handed out (g itself, or a gradient waiting for another op) show.
            java.util.Arrays.fill(d, Float.NaN);
            for (int i = 0; i < n; i++) {
                d[i] = c * gd[gc.offset() + i];
            }
            return new Tensor[] {Tensor.wrap(d, 0, g.shape())};
        }, x);
    }

    /** The leaf gradients of one random graph over two leaves, with pooled or plain arrays. */
    private float[][] gradients(long seed, int ops, boolean pooled) {
        Rng rng = new Rng(seed);
        Tensor a = Tensor.randn(rng, N).requiresGrad(true);
        Tensor b = Tensor.randn(rng, N).requiresGrad(true);
        List<Tensor> made = new ArrayList<>(List.of(a, b));
        Rng pick = new Rng(seed ^ 0x5DEECE66DL);
        for (int i = 0; i < ops; i++) {
            Tensor u = made.get(pick.nextInt(made.size()));
            Tensor v = made.get(pick.nextInt(made.size()));
            Tensor next = switch (pick.nextInt(5)) {
                case 0, 1 -> scaled(u, 0.5f + pick.nextInt(4), pooled);
                // add hands the same gradient tensor to both inputs (or twice to one)
                case 2 -> u.add(v);
                // a view: its backward returns a view of the gradient's array
                case 3 -> u.reshape(1, N).reshape(N);
                default -> u.mul(v.detach());
            };
            made.add(next);
        }
        // The loss reads only the last two tensors made, so that most gradients reach the adds and
        // reshapes above as the recycled arrays themselves, not as sums in new arrays.
        Tensor w = Tensor.randn(new Rng(seed + 1), N);
        Tensor loss = made.get(made.size() - 1).mul(w).sum();
        if (made.size() > 3) {
            loss = loss.add(made.get(made.size() - 2).sum());
        }
        loss.backward();
        return new float[][] {
            a.grad() == null ? new float[N] : a.grad().toArray(),
            b.grad() == null ? new float[N] : b.grad().toArray()
        };
    }

    @Property(tries = 60)
    void recycledArraysGiveTheGradientsOfFreshOnes(@ForAll long seed, @ForAll @IntRange(min = 1, max = 14) int ops) {
        float[][] plain = gradients(seed, ops, false);
        float[][] pooled = gradients(seed, ops, true);
        assertArrayEquals(plain[0], pooled[0], 0f, "dL/da");
        assertArrayEquals(plain[1], pooled[1], 0f, "dL/db");
        // And again, now that the pool holds the first pass's arrays.
        float[][] again = gradients(seed, ops, true);
        assertArrayEquals(plain[0], again[0], 0f, "dL/da, second pass");
        assertArrayEquals(plain[1], again[1], 0f, "dL/db, second pass");
    }

    @Example
    void aChainReusesArraysWithinAPassAndAcrossPasses() {
        Tensor x = Tensor.randn(new Rng(3), N).requiresGrad(true);
        List<float[]> firstPass = new ArrayList<>();
        for (int pass = 0; pass < 2; pass++) {
            handedOut.clear();
            Tensor y = x;
            for (int i = 0; i < 6; i++) {
                y = scaled(y, 2f, true);
            }
            y.sum().backward();
            // Six gradients of the same length, each free once the op below it has used it: two
            // arrays take turns.
            assertEquals(2, handedOut.size(), "distinct arrays in pass " + pass);
            if (pass == 0) {
                firstPass.addAll(handedOut);
            } else {
                Set<float[]> before = Collections.newSetFromMap(new IdentityHashMap<>());
                before.addAll(firstPass);
                assertTrue(handedOut.stream().anyMatch(before::contains), "the second pass reuses the first's arrays");
            }
        }
        for (float v : x.grad().toArray()) {
            assertEquals(2 * 64f, v, 0f, "six doublings, accumulated over two passes");
        }
    }

    @Example
    void outsideABackwardPassTheArrayIsNewAndZeroed() {
        float[] a = Tensor.backwardArray(N);
        float[] b = Tensor.backwardArray(N);
        assertEquals(N, a.length);
        assertTrue(a != b, "two new arrays");
        for (float v : a) {
            assertEquals(0f, v);
        }
    }

    @Example
    void aGradientPassedToTwoInputsIsNotRecycledBeforeBothHaveUsedIt() {
        // s = u + v hands the same gradient tensor (from the pool) to u and to v; u's op runs
        // first and must not free it while v still waits for it.
        Tensor a = Tensor.randn(new Rng(5), N).requiresGrad(true);
        Tensor u = scaled(a, 3f, true);
        Tensor v = scaled(a, 5f, true);
        Tensor s = scaled(u.add(v), 2f, true);
        Tensor r = scaled(s, 7f, true);
        r.sum().backward();
        float[] g = a.grad().toArray();
        for (int i = 0; i < N; i++) {
            assertEquals(7f * 2f * (3f + 5f), g[i], 0f, "dL/da at " + i);
        }
    }
    @Example
    void aViewOfARecycledGradientKeepsItsArrayUntilItIsUsed() {
        // reshape's backward returns a view of the recycled array it receives; the op below must
        // get the values, not an array handed out again in between.
        Tensor a = Tensor.randn(new Rng(6), N).requiresGrad(true);
        Tensor r = scaled(scaled(a, 3f, true).reshape(1, N).reshape(N), 5f, true);
        scaled(r, 7f, true).sum().backward();
        for (float v : a.grad().toArray()) {
            assertEquals(3f * 5f * 7f, v, 0f);
        }
    }

    @Example
    void gradientsSummedAtAJoinGoBackToThePool() {
        // Residual blocks y + f(y): at each join the two gradients of y are summed into a new
        // array, and the recycled one is dead. Every array handed out must be free again when the
        // pass ends, none kept alive until then.
        Tensor x = Tensor.randn(new Rng(7), N).requiresGrad(true);
        Tensor y = x;
        for (int i = 0; i < 6; i++) {
            y = y.add(scaled(y, 0.5f, true));
        }
        handedOut.clear();
        y.sum().backward();
        assertTrue(handedOut.size() > 0);
        assertEquals(handedOut.size(), BackwardArrays.freeArrays(), "arrays free after the pass");
        float expected = (float) Math.pow(1.5, 6);
        for (float v : x.grad().toArray()) {
            assertEquals(expected, v, 1e-5f * expected);
        }
    }
}
