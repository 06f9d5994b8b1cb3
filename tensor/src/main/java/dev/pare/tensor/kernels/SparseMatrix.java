package dev.pare.tensor.kernels;

/**
 * What the sparse layouts answer alike: their size, their stored values and what they cost.
 * {@link CsrMatrix} (one index per stored entry) and {@link BlockCsrMatrix} (one index per 1×B
 * block) implement it; their products are not here, because each layout has kernels of its own
 * ({@link CsrKernels}, {@link BlockCsrKernels}).
 */
public interface SparseMatrix {
    /** Rows of the dense matrix this one stands for. */
    int rows();

    /** Columns of the dense matrix this one stands for. */
    int cols();

    /** The stored values, the live array (see the implementations for its layout). */
    float[] values();

    /** Fraction of the rows·cols entries that are not stored. */
    double sparsity();

    /** Bytes of values, indices and row pointers. */
    long totalBytes();

    /** The dense row-major [rows, cols] matrix, zeros where nothing is stored. */
    float[] toDense();
}
