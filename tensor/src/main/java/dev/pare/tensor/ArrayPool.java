package dev.pare.tensor;

import java.lang.ref.SoftReference;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * One thread's pool of float arrays recycled within a pass and from one pass to the next: the
 * mechanism shared by {@link BackwardArrays} (gradients in a backward pass) and
 * {@link ForwardArrays} (layer outputs in an inference pass), which each say when an array may
 * be given back.
 *
 * <p>An array handed out during a pass is <em>issued</em>; it returns to the pool only through
 * {@link #release}, and only if it was issued in the current pass and nothing still pending
 * shares it. Arrays freed in one pass are kept for the next (a training step or an inference
 * batch asks for the same lengths again); those the next pass does not take are dropped at its
 * end, so the pool never holds more than one pass's arrays, and it holds them softly: the
 * garbage collector may take them back when memory runs short.
 */
final class ArrayPool {
    /** Arrays shorter than this are allocated as usual (a thread allocates them from its own buffer faster than a lookup). */
    static final int MIN_LENGTH = 1 << 12;

    /**
     * With {@code -Dpare.backwardArrays.poison=true} (the test suites set it) every array handed
     * out during a pass is filled with NaN first, new or recycled, so that an op which asks for
     * one and then leaves some elements unwritten shows NaN in every test, not only when an
     * array happens to be recycled; and arrays of every length are pooled, so that the small
     * tensors of the tests are recycled too.
     */
    static final boolean POISON = Boolean.getBoolean("pare.backwardArrays.poison");

    private final boolean outermostOnly;
    private int depth;
    private int pass;
    /** Arrays handed out during the current pass and not yet returned. */
    private final Map<float[], Boolean> issued = new IdentityHashMap<>();
    /** Free arrays by length, each with the pass that freed it. */
    private final Map<Integer, ArrayDeque<Free>> free = new HashMap<>();

    private record Free(SoftReference<float[]> array, int pass) {}

    /**
     * @param outermostOnly whether only the outermost of nested passes uses the pool (a backward
     *     pass started from a backward function must not take the arrays of the one around it);
     *     otherwise nested passes share the outermost one's pool (inner {@code Sequential}s)
     */
    ArrayPool(boolean outermostOnly) {
        this.outermostOnly = outermostOnly;
    }

    void begin() {
        depth++;
        if (depth == 1) {
            pass++;
        }
    }

    void end() {
        depth--;
        if (depth > 0) {
            return;
        }
        issued.clear();
        // Keep only what this pass freed: anything older was not wanted by this pass.
        for (Iterator<ArrayDeque<Free>> it = free.values().iterator(); it.hasNext(); ) {
            ArrayDeque<Free> q = it.next();
            q.removeIf(f -> f.pass() != pass || f.array().get() == null);
            if (q.isEmpty()) {
                it.remove();
            }
        }
    }

    private boolean active() {
        return outermostOnly ? depth == 1 : depth > 0;
    }

    /** The arrays this pool holds free (not yet collected): for the tests. */
    int freeArrays() {
        int count = 0;
        for (ArrayDeque<Free> q : free.values()) {
            for (Free f : q) {
                if (f.array().get() != null) {
                    count++;
                }
            }
        }
        return count;
    }

    /** An array of {@code length} floats, recycled with old contents when possible, else new. */
    float[] take(int length) {
        if (!active() || length < MIN_LENGTH && !POISON) {   // poisoned, every length is pooled
            return new float[length];
        }
        ArrayDeque<Free> q = free.get(length);
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
        issued.put(a, Boolean.TRUE);
        return a;
    }

    /** Frees {@code used}'s array if this pool issued it in the current pass and no tensor of {@code pending} shares it. */
    void release(Tensor used, Iterable<Tensor> pending) {
        if (!active()) {
            return;
        }
        float[] a = used.data;
        if (!issued.containsKey(a)) {
            return;
        }
        for (Tensor t : pending) {
            if (t.data == a) {
                return;
            }
        }
        issued.remove(a);
        free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).addLast(new Free(new SoftReference<>(a), pass));
    }
}
