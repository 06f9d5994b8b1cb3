package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

/**
 * Per-thread buffers that the row-major sparse products ({@link RowMajorBatch}) and the vector
 * transpose ({@link SparseLayout}) reuse from call to call, so that a forward pass allocates its
 * output and nothing else.
 *
 * <p>Why per thread: the buffers are written during a call, and two threads running layers at
 * the same time (or {@link dev.pare.tensor.parallel.Parallel}'s workers running row tiles of one
 * layer) must not share them. A buffer only grows, to the largest size asked for on that thread:
 * at most {@code cols · 64} floats for the transposed activations (1 MiB for 4096 inputs) and
 * {@code 16 · 64} for an output tile. The memory stays with the thread until it ends.
 *
 * <p>Trap: a buffer handed out by one method is overwritten by the next request on the same
 * thread. Callers take each buffer once per operation and never call back into code that could
 * take it again.
 */
final class SparseScratch {
    private static final ThreadLocal<SparseScratch> LOCAL = ThreadLocal.withInitial(SparseScratch::new);

    /** Gather index map: lane j reads element j·stride (one entry per vector lane). */
    private final int[] map = new int[FLOAT.length()];
    private float[] activations = new float[0];
    private float[] tile = new float[0];

    private SparseScratch() {}

    /** This thread's buffers. */
    static SparseScratch get() {
        return LOCAL.get();
    }

    /** The gather map {0, stride, 2·stride, …}, one entry per lane. */
    int[] strideMap(int stride) {
        for (int j = 0; j < map.length; j++) {
            map[j] = j * stride;
        }
        return map;
    }

    /** At least {@code n} floats for the batch-minor copy of the activations. */
    float[] activations(int n) {
        if (activations.length < n) {
            activations = new float[n];
        }
        return activations;
    }

    /** At least {@code n} floats for one tile of output rows. */
    float[] tile(int n) {
        if (tile.length < n) {
            tile = new float[n];
        }
        return tile;
    }
}
