package dev.pare.tensor.kernels;

import java.util.Arrays;

/**
 * A sparse matrix in compressed sparse row (CSR) form: only the non-zero entries are stored,
 * row after row. The data holder that {@link CsrKernels} multiply with.
 *
 * <pre>
 *   dense W [3, 6]                 rowPtr  [0, 2, 2, 5]      (row r owns entries rowPtr[r] .. rowPtr[r+1]-1)
 *   [ 0  a  0  0  b  0 ]           columns [1, 4,  0, 3, 5]
 *   [ 0  0  0  0  0  0 ]           values  [a, b,  c, d, e]
 *   [ c  0  0  d  0  e ]                            row 1 is empty: rowPtr[1] == rowPtr[2]
 * </pre>
 *
 * <p>Column indices are <em>narrow</em> when they can be: a {@code short[]} (2 bytes an entry)
 * when {@code cols ≤ 32768}, an {@code int[]} otherwise. At batch 1 a CSR product is limited by
 * the bytes it reads per non-zero (4 of value + the index), so 2-byte indices cut its memory
 * traffic by a third against 4-byte ones. Why {@code short} rather than the unsigned
 * {@code char} (which would reach 65,536 columns): a 16-bit signed index is a dtype (I16) that
 * every tool, PyTorch included, can read back from a file; layers wider than 32,768 inputs are
 * rare, and they still work, with 4-byte indices.
 *
 * <p>Invariants, checked by the constructors: {@code rowPtr} has {@code rows + 1} entries, starts
 * at 0, never decreases and ends at the number of stored entries; within a row, column indices
 * are strictly increasing (so there are no duplicates) and lie in {@code [0, cols)}. Stored values
 * may themselves be zero (a matrix built by hand may keep explicit zeros); {@link #fromDense}
 * never stores one.
 *
 * <p>The arrays are shared, not copied, both ways: a caller that changes them after construction
 * breaks the invariants, and the accessors hand out the live arrays so that kernels and file
 * writers read them without copying.
 */
public final class CsrMatrix implements SparseMatrix {
    /** Largest column count whose indices fit in a {@code short}: indices 0 .. 32767. */
    public static final int MAX_NARROW_COLS = Short.MAX_VALUE + 1;

    private final int rows;
    private final int cols;
    private final int[] rowPtr;
    private final short[] narrowColumns;
    private final int[] wideColumns;
    private final float[] values;

    /**
     * A CSR matrix with 2-byte column indices.
     *
     * @throws IllegalArgumentException if {@code cols > 32768} or any invariant of the class fails
     */
    public CsrMatrix(int rows, int cols, int[] rowPtr, short[] columns, float[] values) {
        this(rows, cols, rowPtr, requireNonNull(columns, "columns"), null, values);
        if (cols > MAX_NARROW_COLS) {
            throw new IllegalArgumentException("CsrMatrix: " + cols
                    + " columns do not fit 2-byte (short) indices, at most " + MAX_NARROW_COLS);
        }
    }

    /**
     * A CSR matrix with 4-byte column indices (any column count; {@link #fromDense} picks 2-byte
     * indices when they fit, this constructor keeps what it is given).
     *
     * @throws IllegalArgumentException if any invariant of the class fails
     */
    public CsrMatrix(int rows, int cols, int[] rowPtr, int[] columns, float[] values) {
        this(rows, cols, rowPtr, null, requireNonNull(columns, "columns"), values);
    }

    private CsrMatrix(int rows, int cols, int[] rowPtr, short[] narrow, int[] wide, float[] values) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("CsrMatrix: negative shape [" + rows + ", " + cols + "]");
        }
        requireNonNull(rowPtr, "rowPtr");
        requireNonNull(values, "values");
        if (rowPtr.length != rows + 1) {
            throw new IllegalArgumentException("CsrMatrix [" + rows + ", " + cols + "]: rowPtr has "
                    + rowPtr.length + " entries, expected rows + 1 = " + (rows + 1));
        }
        int nnz = values.length;
        int nIdx = narrow != null ? narrow.length : wide.length;
        if (nIdx != nnz) {
            throw new IllegalArgumentException("CsrMatrix [" + rows + ", " + cols + "]: " + nIdx
                    + " column indices but " + nnz + " values");
        }
        if (rowPtr[0] != 0) {
            throw new IllegalArgumentException("CsrMatrix: rowPtr[0] must be 0, got " + rowPtr[0]);
        }
        if (rowPtr[rows] != nnz) {
            throw new IllegalArgumentException("CsrMatrix [" + rows + ", " + cols + "]: rowPtr[" + rows
                    + "] = " + rowPtr[rows] + " but there are " + nnz + " values");
        }
        // Pointers first, in their own pass: once they rise from 0 to nnz, every index below is
        // inside the arrays, and a bad pointer is reported as such rather than as a bad column.
        for (int r = 0; r < rows; r++) {
            if (rowPtr[r + 1] < rowPtr[r]) {
                throw new IllegalArgumentException("CsrMatrix: rowPtr decreases at row " + r + ": "
                        + rowPtr[r] + " then " + rowPtr[r + 1]);
            }
        }
        for (int r = 0; r < rows; r++) {
            int previous = -1;
            for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
                int c = narrow != null ? narrow[k] : wide[k];
                if (c < 0 || c >= cols) {
                    throw new IllegalArgumentException("CsrMatrix [" + rows + ", " + cols + "]: entry " + k
                            + " (row " + r + ") has column " + c + ", outside [0, " + cols + ")");
                }
                if (c <= previous) {
                    throw new IllegalArgumentException("CsrMatrix: row " + r + " has column " + c
                            + " after column " + previous + "; columns must strictly increase within a row");
                }
                previous = c;
            }
        }
        this.rows = rows;
        this.cols = cols;
        this.rowPtr = rowPtr;
        this.narrowColumns = narrow;
        this.wideColumns = wide;
        this.values = values;
    }

    private static <T> T requireNonNull(T array, String name) {
        if (array == null) {
            throw new IllegalArgumentException("CsrMatrix: " + name + " is null");
        }
        return array;
    }

    /**
     * The CSR form of the row-major matrix {@code dense[offset + r·cols + c]}, storing exactly the
     * entries that are not zero.
     *
     * <p>The rule is threshold-free: an entry is stored when {@code v != 0f}. Pruning writes exact
     * zeros, so nothing small but kept is ever lost. {@code -0f} counts as zero (it equals
     * {@code 0f}); NaN is stored (it is not equal to anything), so a broken weight stays visible.
     * The one difference from the dense product: a skipped zero times an infinite or NaN
     * activation would have given NaN densely.
     *
     * @throws IllegalArgumentException if the shape is negative or {@code dense} is too short
     */
    public static CsrMatrix fromDense(float[] dense, int offset, int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("CsrMatrix.fromDense: negative shape [" + rows + ", " + cols + "]");
        }
        if (dense == null || offset < 0 || (long) offset + (long) rows * cols > dense.length) {
            throw new IllegalArgumentException("CsrMatrix.fromDense: [" + rows + ", " + cols + "] at offset "
                    + offset + " does not fit in an array of " + (dense == null ? "null" : dense.length));
        }
        int[] rowPtr = new int[rows + 1];
        int nnz = 0;
        for (int r = 0; r < rows; r++) {
            int base = offset + r * cols;
            for (int c = 0; c < cols; c++) {
                if (dense[base + c] != 0f) {
                    nnz++;
                }
            }
            rowPtr[r + 1] = nnz;
        }
        float[] values = new float[nnz];
        boolean narrow = cols <= MAX_NARROW_COLS;
        short[] narrowCols = narrow ? new short[nnz] : null;
        int[] wideCols = narrow ? null : new int[nnz];
        int k = 0;
        for (int r = 0; r < rows; r++) {
            int base = offset + r * cols;
            for (int c = 0; c < cols; c++) {
                float v = dense[base + c];
                if (v != 0f) {
                    values[k] = v;
                    if (narrow) {
                        narrowCols[k] = (short) c;
                    } else {
                        wideCols[k] = c;
                    }
                    k++;
                }
            }
        }
        return new CsrMatrix(rows, cols, rowPtr, narrowCols, wideCols, values);
    }

    /** The dense row-major [rows, cols] matrix, zeros where nothing is stored. */
    public float[] toDense() {
        float[] dense = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) {
            for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
                dense[r * cols + column(k)] = values[k];
            }
        }
        return dense;
    }

    /**
     * The CSR form of the transpose Wᵀ [cols, rows], the layout the backward pass multiplies with
     * (dL/dx = Wᵀ·dL/dy), built once by counting entries per column. Entries keep their order, so
     * within each row of Wᵀ the column indices (rows of W) increase.
     */
    public CsrMatrix transpose() {
        int nnz = values.length;
        int[] tPtr = new int[cols + 1];
        for (int k = 0; k < nnz; k++) {
            tPtr[column(k) + 1]++;
        }
        for (int c = 0; c < cols; c++) {
            tPtr[c + 1] += tPtr[c];
        }
        int[] next = Arrays.copyOf(tPtr, cols);
        boolean narrow = rows <= MAX_NARROW_COLS;
        short[] tNarrow = narrow ? new short[nnz] : null;
        int[] tWide = narrow ? null : new int[nnz];
        float[] tValues = new float[nnz];
        for (int r = 0; r < rows; r++) {
            for (int k = rowPtr[r]; k < rowPtr[r + 1]; k++) {
                int dst = next[column(k)]++;
                tValues[dst] = values[k];
                if (narrow) {
                    tNarrow[dst] = (short) r;
                } else {
                    tWide[dst] = r;
                }
            }
        }
        return new CsrMatrix(cols, rows, tPtr, tNarrow, tWide, tValues);
    }

    /** Number of rows (output features of a layer). */
    public int rows() {
        return rows;
    }

    /** Number of columns (input features of a layer). */
    public int cols() {
        return cols;
    }

    /** Number of stored entries. */
    public int nonZeros() {
        return values.length;
    }

    /** Fraction of the rows·cols entries that are not stored (0 for an empty matrix). */
    public double sparsity() {
        long total = (long) rows * cols;
        return total == 0 ? 0.0 : 1.0 - (double) values.length / total;
    }

    /** Row pointers: row r owns entries {@code rowPtr[r] .. rowPtr[r+1]-1}. Live array. */
    public int[] rowPtr() {
        return rowPtr;
    }

    /** The 2-byte column indices, or null when this matrix has 4-byte ones. Live array. */
    public short[] narrowColumns() {
        return narrowColumns;
    }

    /** The 4-byte column indices, or null when this matrix has 2-byte ones. Live array. */
    public int[] wideColumns() {
        return wideColumns;
    }

    /** True when the column indices are 2-byte {@code short}s. */
    public boolean hasNarrowColumns() {
        return narrowColumns != null;
    }

    /** The stored values, entry after entry. Live array. */
    public float[] values() {
        return values;
    }

    /** Column index of entry {@code k}, whichever width the indices have. For oracles and I/O, not hot loops. */
    public int column(int k) {
        return narrowColumns != null ? narrowColumns[k] : wideColumns[k];
    }

    /** Bytes of the stored values: 4 per entry. */
    public long valueBytes() {
        return 4L * values.length;
    }

    /** Bytes of the column indices: 2 or 4 per entry. */
    public long indexBytes() {
        return (narrowColumns != null ? 2L : 4L) * values.length;
    }

    /** Bytes of the row pointers: 4 per row, plus one. */
    public long rowPtrBytes() {
        return 4L * rowPtr.length;
    }

    /** Bytes of the whole layout: values + indices + row pointers (headers and shape not counted). */
    public long totalBytes() {
        return valueBytes() + indexBytes() + rowPtrBytes();
    }

    /** Bytes the same matrix takes dense in fp32: 4·rows·cols. */
    public long denseBytes() {
        return 4L * rows * cols;
    }

    @Override
    public String toString() {
        return "CsrMatrix[" + rows + ", " + cols + "], " + values.length + " non-zeros, "
                + (narrowColumns != null ? "2" : "4") + "-byte indices, " + totalBytes() + " bytes";
    }
}
