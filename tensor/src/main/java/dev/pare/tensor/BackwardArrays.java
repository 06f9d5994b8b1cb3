package dev.pare.tensor;

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
 * Per thread, in an {@link ArrayPool}: arrays freed in one pass are kept for the next pass on the
 * thread (the next training step asks for the same lengths); those the next pass does not take
 * are dropped at its end, and all are held softly. A backward pass started inside
 * another one on the same thread (from a backward function) neither takes nor frees; one on a
 * {@code Parallel} worker uses that thread's own pool. Small arrays are not pooled: a
 * thread allocates them from its own buffer faster than a lookup.
 */
final class BackwardArrays {
    private BackwardArrays() {}

    /** Arrays shorter than this are allocated as usual. */
    static final int MIN_LENGTH = ArrayPool.MIN_LENGTH;

    /** Whether handed-out arrays are filled with NaN first (see {@link ArrayPool#POISON}). */
    static final boolean POISON = ArrayPool.POISON;

    private static final ThreadLocal<ArrayPool> POOL = ThreadLocal.withInitial(() -> new ArrayPool(true));

    /** Called by the engine as a pass starts; only the outermost pass on a thread uses the pool. */
    static void begin() {
        POOL.get().begin();
    }

    /** Called by the engine as a pass ends (also when it throws). */
    static void end() {
        POOL.get().end();
    }

    /** The arrays this thread's pool holds free (not yet collected): for the tests. */
    static int freeArrays() {
        return POOL.get().freeArrays();
    }

    /** An array of {@code length} floats, recycled with old contents when possible, else new. */
    static float[] take(int length) {
        return POOL.get().take(length);
    }

    /**
     * Frees {@code used}'s array if this pool issued it and no gradient still waiting to be
     * consumed ({@code pending}) shares it. The engine calls it for a gradient once its consumer
     * has returned and the results have been filed as pending (so an input's gradient that is
     * {@code used} itself, or a view of it, keeps the array), and for each result it dropped
     * instead (its input needs no gradient, or it was summed into a new tensor).
     */
    static void release(Tensor used, Iterable<Tensor> pending) {
        POOL.get().release(used, pending);
    }
}
