package dev.pare.tensor;

import java.lang.ref.SoftReference;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Arrays for the gradients a backward pass hands from op to op, recycled: a gradient that the
 * engine has passed to its consumer, and that nothing else holds, gives its array to the next op
 * that asks for one of the same length ({@link Tensor#backwardArray}).
 *
 * <h2>Why</h2>
 * A training step of a CNN allocates each layer's input gradient afresh, megabytes each, and
 * drops it as soon as the layer below has used it. A new Java array is zeroed by the thread
 * that allocates it and lands in memory no cache has seen; at two threads that zeroing is work the
 * second thread cannot share. A recycled array was written a moment ago, is likely still in the
 * cache, and is not zeroed, because an op asks for one only when it writes every element.
 * (PyTorch gets the same from its allocator, which hands freed blocks out again.)
 *
 * <h2>Why it is safe</h2>
 * Only arrays issued here are recycled, and only by {@link Autograd#backward}, which alone sees
 * every gradient: a gradient's array goes back once its consumer's backward function has
 * returned and the engine has filed what it returned, unless a gradient still waiting to be
 * consumed shares that array (an {@code add} passes the same tensor to both inputs, a
 * {@code reshape} passes a view). No one else can hold a gradient: a leaf's {@code .grad} is a
 * copy, backward functions return new tensors or views of their argument, and nothing outside
 * the engine ever sees the gradient of a non-leaf.
 *
 * <h2>Lifetime</h2>
 * Per thread. Arrays freed in one pass are kept for the next pass on the thread (the next
 * training step asks for the same lengths); those the next pass does not take are dropped at its
 * end, so the pool never holds more than one pass's gradients, and it holds them softly: the
 * garbage collector may take them back when memory runs short. A backward pass started inside
 * another one on the same thread (from a backward function) neither takes nor frees; one on a
 * {@code Parallel} worker uses that thread's own pool. Small arrays are not pooled: a
 * thread allocates them from its own buffer faster than a lookup.
 */
final class BackwardArrays {
    private BackwardArrays() {}

    /** Arrays shorter than this are allocated as usual. */
    static final int MIN_LENGTH = 1 << 12;

    /**
     * With {@code -Dpare.backwardArrays.poison=true} (the test suites set it) every array handed
     * out during a backward pass is filled with NaN first, new or recycled, so that an op which
     * asks for one and then leaves some elements unwritten shows NaN in its gradient in every
     * test, not only when an array happens to be recycled; and arrays of every length are
     * pooled, so that the small tensors of the tests are recycled too.
     */
    static final boolean POISON = Boolean.getBoolean("pare.backwardArrays.poison");

    private static final ThreadLocal<Pool> POOL = ThreadLocal.withInitial(Pool::new);

    private static final class Pool {
        int depth;
        int pass;
        /** Arrays handed out during the current pass and not yet returned. */
        final Map<float[], Boolean> issued = new IdentityHashMap<>();
        /** Free arrays by length, each with the pass that freed it. */
        final Map<Integer, ArrayDeque<Free>> free = new HashMap<>();
    }

    private record Free(SoftReference<float[]> array, int pass) {}

    /** Called by the engine as a pass starts; only the outermost pass on a thread uses the pool. */
    static void begin() {
        Pool p = POOL.get();
        p.depth++;
        if (p.depth == 1) {
            p.pass++;
        }
    }

    /** Called by the engine as a pass ends (also when it throws). */
    static void end() {
        Pool p = POOL.get();
        p.depth--;
        if (p.depth > 0) {
            return;
        }
        p.issued.clear();
        // Keep only what this pass freed: anything older was not wanted by this pass.
        for (Iterator<ArrayDeque<Free>> it = p.free.values().iterator(); it.hasNext(); ) {
            ArrayDeque<Free> q = it.next();
            q.removeIf(f -> f.pass() != p.pass || f.array().get() == null);
            if (q.isEmpty()) {
                it.remove();
            }
        }
    }

    /** The arrays this thread's pool holds free (not yet collected): for the tests. */
    static int freeArrays() {
        int count = 0;
        for (ArrayDeque<Free> q : POOL.get().free.values()) {
            for (Free f : q) {
                if (f.array().get() != null) {
                    count++;
                }
            }
        }
        return count;
    }

    /** An array of {@code length} floats, recycled with old contents when possible, else new. */
    static float[] take(int length) {
        Pool p = POOL.get();
        if (p.depth != 1 || length < MIN_LENGTH && !POISON) {   // poisoned, every length is pooled
            return new float[length];
        }
        ArrayDeque<Free> q = p.free.get(length);
        float[] a = null;
        while (a == null && q != null && !q.isEmpty()) {
            a = q.pollLast().array().get();
        }
        if (a == null) {
            a = new float[length];
        }
        if (POISON) {
            Arrays.fill(a, Float.NaN);
        }
        p.issued.put(a, Boolean.TRUE);
        return a;
    }

    /**
     * Frees {@code used}'s array if this pool issued it and no gradient still waiting to be
     * consumed ({@code pending}) shares it. The engine calls it for a gradient once its consumer
     * has returned and the results have been filed as pending (so an input's gradient that is
     * {@code used} itself, or a view of it, keeps the array), and for each result it dropped
     * instead (its input needs no gradient, or it was summed into a new tensor).
     */
    static void release(Tensor used, Iterable<Tensor> pending) {
        Pool p = POOL.get();
        if (p.depth != 1) {
            return;
        }
        float[] a = used.data;
        if (!p.issued.containsKey(a)) {
            return;
        }
        for (Tensor t : pending) {
            if (t.data == a) {
                return;
            }
        }
        p.issued.remove(a);
        p.free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).addLast(new Free(new SoftReference<>(a), p.pass));
    }
}
