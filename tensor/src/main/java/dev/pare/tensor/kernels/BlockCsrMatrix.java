package dev.pare.tensor.kernels;

/**
 * A sparse matrix in block-CSR form with 1×B blocks (B = 8 or 16): runs of B consecutive
 * entries of a row, starting at a column that is a multiple of B, kept or dropped together. The
 * data holder that {@link BlockCsrKernels} multiply with.
 *
 * <pre>
 *   dense W [2, 32], B = 8: each row is 4 aligned blocks, columns 0-7, 8-15, 16-23, 24-31
 *   row 0: [ 0 0 0 0 0 0 0 0 | a0 .. a7 | 0 .. 0 | b0 .. b7 ]     blocks 1 and 3 kept
 *   row 1: [ c0 .. c7        | 0  ..  0 | 0 .. 0 | 0  ..  0 ]     block 0 kept
 *
 *   blockPtr    [0, 2, 3]                 row r owns blocks blockPtr[r] .. blockPtr[r+1]-1
 *   blockStart  [8, 24, 0]                first column of each block
 *   values      [a0..a7, b0..b7, c0..c7]  B values per block, packed
 * </pre>
 *
 * <p>Why blocks: the B weights of a block sit next to each other, and so do the B activations
 * they multiply. One vector load of each and one fused multiply-add handle the whole block, with
 * one index per B weights instead of one per weight, and no gather.
 *
 * <p>When {@code cols} is not a multiple of B, the last block of a row is partial: it still
 * stores B values, the ones past the last column are zero and are never read against an
 * activation. A kept block may contain zeros of its own (a weight that happened to be zero);
 * they are stored, because the block is the unit.
 *
 * <p>Block starts are stored as 4-byte {@code int}s: with B ≥ 8 an index costs at most 4 bytes
 * per 32 bytes of values (1/8, or 1/16 with B = 16), so 2-byte indices would save only about 3 to
 * 6% and need a second copy of every kernel.
 *
 * <p>Invariants, checked by the constructor: B is 8 or 16; {@code blockPtr} has {@code rows + 1}
 * entries, starts at 0, never decreases and ends at the block count; block starts are multiples
 * of B in {@code [0, cols)}, strictly increasing within a row; {@code values} holds B per block.
 * Arrays are shared, not copied.
 */
public final class BlockCsrMatrix implements SparseMatrix {
    private final int rows;
    private final int cols;
    private final int blockWidth;
    private final int[] blockPtr;
    private final int[] blockStart;
    private final float[] values;

    /**
     * A block-CSR matrix from its arrays.
     *
     * @throws IllegalArgumentException if any invariant of the class fails
     */
    public BlockCsrMatrix(int rows, int cols, int blockWidth, int[] blockPtr, int[] blockStart, float[] values) {
        String shape = "BlockCsrMatrix [" + rows + ", " + cols + "] 1x" + blockWidth;
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("BlockCsrMatrix: negative shape [" + rows + ", " + cols + "]");
        }
        checkBlockWidth("BlockCsrMatrix", blockWidth);
        if (blockPtr == null || blockStart == null || values == null) {
            throw new IllegalArgumentException(shape + ": blockPtr, blockStart and values must not be null");
        }
        if (blockPtr.length != rows + 1) {
            throw new IllegalArgumentException(shape + ": blockPtr has " + blockPtr.length
                    + " entries, expected rows + 1 = " + (rows + 1));
        }
        int blocks = blockStart.length;
        if ((long) blocks * blockWidth != values.length) {
            throw new IllegalArgumentException(shape + ": " + blocks + " blocks need " + (long) blocks * blockWidth
                    + " values, got " + values.length);
        }
        if (blockPtr[0] != 0 || blockPtr[rows] != blocks) {
            throw new IllegalArgumentException(shape + ": blockPtr must run from 0 to the block count "
                    + blocks + ", got " + blockPtr[0] + " .. " + blockPtr[rows]);
        }
        // Pointers first, in their own pass, so that every block index below is inside the arrays.
        for (int r = 0; r < rows; r++) {
            if (blockPtr[r + 1] < blockPtr[r]) {
                throw new IllegalArgumentException(shape + ": blockPtr decreases at row " + r + ": "
                        + blockPtr[r] + " then " + blockPtr[r + 1]);
            }
        }
        for (int r = 0; r < rows; r++) {
            int previous = -1;
            for (int b = blockPtr[r]; b < blockPtr[r + 1]; b++) {
                int s = blockStart[b];
                if (s < 0 || s >= cols || s % blockWidth != 0) {
                    throw new IllegalArgumentException(shape + ": block " + b + " (row " + r + ") starts at column "
                            + s + ", not a multiple of " + blockWidth + " in [0, " + cols + ")");
                }
                if (s <= previous) {
                    throw new IllegalArgumentException(shape + ": row " + r + " has a block at column " + s
                            + " after one at " + previous + "; blocks must strictly increase within a row");
                }
                previous = s;
            }
        }
        this.rows = rows;
        this.cols = cols;
        this.blockWidth = blockWidth;
        this.blockPtr = blockPtr;
        this.blockStart = blockStart;
        this.values = values;
    }

    private static void checkBlockWidth(String op, int blockWidth) {
        if (blockWidth != 8 && blockWidth != 16) {
            throw new IllegalArgumentException(op + ": block width must be 8 or 16, got " + blockWidth);
        }
    }

    /**
     * The block-CSR form of the row-major matrix {@code dense[offset + r·cols + c]}: every aligned
     * 1×B block holding at least one entry {@code != 0f} is kept whole (see
     * {@link CsrMatrix#fromDense} for the threshold-free rule); all-zero blocks are dropped.
     *
     * @throws IllegalArgumentException on a negative shape, a block width other than 8 or 16,
     *         or an array too short
     */
    public static BlockCsrMatrix fromDense(float[] dense, int offset, int rows, int cols, int blockWidth) {
        checkBlockWidth("BlockCsrMatrix.fromDense", blockWidth);
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("BlockCsrMatrix.fromDense: negative shape [" + rows + ", " + cols + "]");
        }
        if (dense == null || offset < 0 || (long) offset + (long) rows * cols > dense.length) {
            throw new IllegalArgumentException("BlockCsrMatrix.fromDense: [" + rows + ", " + cols + "] at offset "
                    + offset + " does not fit in an array of " + (dense == null ? "null" : dense.length));
        }
        int[] blockPtr = new int[rows + 1];
        int blocks = 0;
        for (int r = 0; r < rows; r++) {
            for (int s = 0; s < cols; s += blockWidth) {
                if (anyNonZero(dense, offset + r * cols + s, Math.min(blockWidth, cols - s))) {
                    blocks++;
                }
            }
            blockPtr[r + 1] = blocks;
        }
        int[] starts = new int[blocks];
        float[] values = new float[Math.multiplyExact(blocks, blockWidth)];
        int b = 0;
        for (int r = 0; r < rows; r++) {
            for (int s = 0; s < cols; s += blockWidth) {
                int base = offset + r * cols + s;
                int width = Math.min(blockWidth, cols - s);
                if (anyNonZero(dense, base, width)) {
                    starts[b] = s;
                    System.arraycopy(dense, base, values, b * blockWidth, width);
                    b++;
                }
            }
        }
        return new BlockCsrMatrix(rows, cols, blockWidth, blockPtr, starts, values);
    }

    private static boolean anyNonZero(float[] a, int from, int n) {
        for (int i = 0; i < n; i++) {
            if (a[from + i] != 0f) {
                return true;
            }
        }
        return false;
    }

    /** The dense row-major [rows, cols] matrix, zeros outside the kept blocks. */
    public float[] toDense() {
        float[] dense = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) {
            for (int b = blockPtr[r]; b < blockPtr[r + 1]; b++) {
                int s = blockStart[b];
                System.arraycopy(values, b * blockWidth, dense, r * cols + s, Math.min(blockWidth, cols - s));
            }
        }
        return dense;
    }

    /** Number of rows (output features of a layer). */
    public int rows() {
        return rows;
    }

    /** Number of columns (input features of a layer). */
    public int cols() {
        return cols;
    }

    /** B, the number of consecutive weights in a block: 8 or 16. */
    public int blockWidth() {
        return blockWidth;
    }

    /** Number of kept blocks. */
    public int blocks() {
        return blockStart.length;
    }

    /** Block pointers: row r owns blocks {@code blockPtr[r] .. blockPtr[r+1]-1}. Live array. */
    public int[] blockPtr() {
        return blockPtr;
    }

    /** First column of each block, a multiple of B. Live array. */
    public int[] blockStart() {
        return blockStart;
    }

    /** B values per block, packed block after block. Live array. */
    public float[] values() {
        return values;
    }

    /** Fraction of the rows·cols entries outside kept blocks (0 for an empty matrix). */
    public double sparsity() {
        long total = (long) rows * cols;
        if (total == 0) {
            return 0.0;
        }
        long kept = 0;
        for (int b = 0; b < blockStart.length; b++) {
            kept += Math.min(blockWidth, cols - blockStart[b]);
        }
        return 1.0 - (double) kept / total;
    }

    /** Bytes of the stored values: 4·B per block (padding of partial blocks included). */
    public long valueBytes() {
        return 4L * values.length;
    }

    /** Bytes of the block starts: 4 per block. */
    public long indexBytes() {
        return 4L * blockStart.length;
    }

    /** Bytes of the block pointers: 4 per row, plus one. */
    public long rowPtrBytes() {
        return 4L * blockPtr.length;
    }

    /** Bytes of the whole layout: values + indices + block pointers (headers and shape not counted). */
    public long totalBytes() {
        return valueBytes() + indexBytes() + rowPtrBytes();
    }

    /** Bytes the same matrix takes dense in fp32: 4·rows·cols. */
    public long denseBytes() {
        return 4L * rows * cols;
    }

    @Override
    public String toString() {
        return "BlockCsrMatrix[" + rows + ", " + cols + "] 1x" + blockWidth + ", " + blockStart.length
                + " blocks, " + totalBytes() + " bytes";
    }
}
