package dev.pare.tensor;

import java.util.List;

/**
 * Arrays for the outputs a chain of layers hands from one to the next during inference,
 * recycled: an output that the next layer has consumed, and that nothing else can hold, gives
 * its array to a later layer that asks for one of the same length ({@link #take}).
 *
 * <h2>Why</h2>
 * A CNN's forward pass at batch 256 allocates tens of megabytes of layer outputs and drops each
 * as soon as the next layer has read it. A new Java array is zeroed by the thread that allocates
 * it, while the other threads wait, and lands in memory no cache has seen. A recycled array was
 * written a moment ago and is not zeroed, because an op asks for one only when it writes every
 * element. (PyTorch gets the same from its allocator, which hands freed blocks out again as soon
 * as their reference count drops to zero; Java keeps no reference counts, so the chain says when.)
 *
 * <h2>Who says when, and why it is safe</h2>
 * Only a container that alone sees an intermediate output may release it: {@code Sequential}
 * under {@code noGrad}, which opens a pass ({@link #begin}) and, once child i + 1 has returned,
 * releases child i's output ({@link #release}) if children i and i + 1 are both layers known to
 * keep no reference to their input or output after returning, and if the new output does not
 * share the array (a {@code Flatten} returns a view, an evaluation {@code Dropout} its input). A
 * user's module may keep what it was given or what it returns, so an array it has seen is never
 * released. The chain's own input
 * and its final output are never released, so a caller's tensors are never recycled; nor is
 * anything when a graph is recorded, because then the outputs live as long as the graph. Only
 * arrays issued during the current pass are recycled.
 *
 * <h2>Lifetime</h2>
 * Per thread, in an {@link ArrayPool}: nested passes (a {@code Sequential} inside another) share
 * the outermost one's pool; arrays freed in one pass are kept for the next inference on the
 * thread, those it does not take are dropped at its end, and all are held softly. Ops running on
 * {@code Parallel} workers do not take arrays: outputs are allocated by the calling thread.
 */
public final class ForwardArrays {
    private ForwardArrays() {}

    private static final ThreadLocal<ArrayPool> POOL = ThreadLocal.withInitial(() -> new ArrayPool(false));

    /** An open inference pass; closing it ends the pass. */
    public static final class Pass implements AutoCloseable {
        private boolean closed;

        private Pass() {}

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                POOL.get().end();
            }
        }
    }

    /** Starts a pass on this thread (nested passes share the outermost one's arrays). */
    public static Pass begin() {
        POOL.get().begin();
        return new Pass();
    }

    /**
     * An array of {@code length} floats for an op's output, which the op must fill entirely:
     * recycled, with old contents, during a pass; new (zeroed) otherwise.
     */
    public static float[] take(int length) {
        return POOL.get().take(length);
    }

    /**
     * Gives {@code consumed}'s array back to the pool if it was issued in the current pass and
     * {@code produced} does not share it. The caller guarantees that nothing else holds
     * {@code consumed} or any other tensor on its array.
     */
    public static void release(Tensor consumed, Tensor produced) {
        POOL.get().release(consumed, List.of(produced));
    }

    /** The arrays this thread's pool holds free (not yet collected): for the tests. */
    static int freeArrays() {
        return POOL.get().freeArrays();
    }
}
