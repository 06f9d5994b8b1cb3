package dev.pare.compress.prune;

import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.SparseMatrix;

/**
 * A {@link SparseLinear}'s weight W [rows = out, cols = in], seen only through the products the
 * layer needs, so that the layer is written once for every {@link SparseFormat}.
 *
 * <p>The kernels stay in {@code dev.pare.tensor.kernels}, next to the dense ones and their scalar
 * twins; each implementation here only routes a product to its format's kernel (as
 * {@code GemmOperands} does for the GEMM's packing):
 * <ul>
 *   <li>{@link CsrWeights}: one entry per kept weight ({@code CsrKernels});</li>
 *   <li>{@link BlockCsrWeights}: one entry per kept 1×B block ({@code BlockCsrKernels}).</li>
 * </ul>
 * Arrays are passed with an offset; X [n, cols] is "row-major" when sample i's features are
 * contiguous and "batch-minor" (Xᵀ [cols, n]) when feature j's n samples are.
 */
public sealed interface SparseWeights permits CsrWeights, BlockCsrWeights {

    /** The kernels' matrix (shared, not copied). */
    SparseMatrix matrix();

    SparseFormat format();

    /** Output features (rows of W). */
    default int rows() {
        return matrix().rows();
    }

    /** Input features (columns of W). */
    default int cols() {
        return matrix().cols();
    }

    /** The stored values, the kernels' own array (an update to it updates the matrix). */
    default float[] values() {
        return matrix().values();
    }

    /** The shape the values are a parameter of: CSR {@code [nnz]}, block {@code [blocks, B]}. */
    int[] valuesShape();

    /** y[yo, yo + rows) = W·x for one sample x at x[xo..]. */
    void timesVector(float[] x, int xo, float[] y, int yo);

    /** Y = X·Wᵀ + b for n row-major samples, Y [n, rows] row-major; {@code b} may be null. */
    void timesRowMajor(float[] x, int xo, int n, float[] b, int bo, float[] y, int yo);

    /** Yᵀ [rows, n] = W·Xᵀ for Xᵀ [cols, n] (batch-minor in, batch-minor out, no bias). */
    void timesBatchMinor(float[] xT, int xo, int n, float[] yT, int yo);

    /**
     * dL/dX = G·W for the output gradient G [n, rows], given twice: as Gᵀ [rows, n] at
     * {@code gT[gTo..]} (for n = 1, the vector g) and as {@code g} [n, rows] in whatever layout it
     * has; each format reads the one its kernel wants. Returned with shape {@code xShape},
     * batch-minor when {@code batchMinor} if the format's kernel produces that layout.
     */
    Tensor transposedTimes(Tensor g, float[] gT, int gTo, int n, boolean batchMinor, int[] xShape);

    /**
     * dL/dvalues into {@code dv} (laid out as {@link #values()}): for the stored entry (r, c),
     * Σ_i Gᵀ[r, i]·Xᵀ[c, i], from Gᵀ [rows, n] and Xᵀ [cols, n]. A stored position outside the
     * matrix (padding of a partial last block) gets 0.
     */
    void weightGrad(float[] gT, int gTo, float[] xT, int xTo, int n, float[] dv);

    /** Bytes of values, indices and row pointers. */
    default long totalBytes() {
        return matrix().totalBytes();
    }

    /** Fraction of the rows·cols weights not stored. */
    default double sparsity() {
        return matrix().sparsity();
    }

    /** W as a new dense row-major array [rows, cols], zeros where nothing is stored. */
    default float[] toDense() {
        return matrix().toDense();
    }
}
