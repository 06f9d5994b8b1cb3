package dev.pare.tensor.kernels;

/**
 * An int8 weight matrix W [rows, cols] laid out for {@link Int8Gemv}'s matrix-vector product:
 * four rows side by side in each int, every code offset by 128 so that it reads as an unsigned
 * byte.
 * <pre>
 *   quads[(r / 4)·cols + j]  =  u(r, j) | u(r+1, j) &lt;&lt; 8 | u(r+2, j) &lt;&lt; 16 | u(r+3, j) &lt;&lt; 24
 *   u(r, j) = w[r, j] + 128  ∈ [0, 255]        (a missing fifth..seventh row of the last
 *                                                quad reads as w = 0, that is u = 128)
 * </pre>
 * It holds exactly as many bytes as W, plus one int per row: the row sums Σj w[r, j], which
 * the product needs for its corrections ({@link Int8Gemv} explains the arithmetic).
 *
 * <p>Why a layout of its own: a vector of ints loaded from {@code quads} holds the weights of
 * four rows at L consecutive columns, so a mask and a shift take it apart into two vectors whose
 * lanes hold two weights each, 16 bits apart, and one 32-bit multiply by the activations then
 * computes two products per lane. Row-major bytes would first need a sign extension per weight,
 * an instruction that runs on a single port of the cores measured and limited the kernel that
 * read them.
 *
 * <p>Immutable once packed; safe to share between threads.
 */
public final class Int8GemvWeights {
    private final int rows;
    private final int cols;
    private final int[] quads;
    private final int[] rowSums;

    private Int8GemvWeights(int rows, int cols, int[] quads, int[] rowSums) {
        this.rows = rows;
        this.cols = cols;
        this.quads = quads;
        this.rowSums = rowSums;
    }

    /**
     * Packs the row-major int8 matrix {@code w[wo + r·cols + j]}, r &lt; rows, j &lt; cols. Any int8
     * value is allowed (−128 too). W itself is only read.
     *
     * @throws IllegalArgumentException if a size is negative, the matrix does not fit in
     *     {@code w}, or cols exceeds {@link Int8Gemv#MAX_K}
     */
    public static Int8GemvWeights pack(byte[] w, int wo, int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("Int8GemvWeights.pack: negative shape [" + rows + ", " + cols + "]");
        }
        if (cols > Int8Gemv.MAX_K) {
            throw new IllegalArgumentException("Int8GemvWeights.pack: " + cols + " columns exceed " + Int8Gemv.MAX_K
                    + ", beyond which an int32 sum of int8 products may overflow");
        }
        if ((long) rows * cols > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Int8GemvWeights.pack: [" + rows + ", " + cols
                    + "] has more than 2^31 elements");
        }
        QuantizeKernels.checkRun("Int8GemvWeights.pack", "w", w.length, wo, rows * cols);
        int[] quads = new int[(rows + 3) / 4 * cols];
        int[] sums = new int[rows];
        for (int r = 0; r < rows; r++) {
            int base = r / 4 * cols;
            int shift = 8 * (r % 4);
            int s = 0;
            for (int j = 0; j < cols; j++) {
                int v = w[wo + r * cols + j];
                s += v;
                quads[base + j] |= (v + 128) << shift;
            }
            sums[r] = s;
        }
        // The rows after the last one, in a partial quad, read as code 0.
        for (int r = rows; r % 4 != 0; r++) {
            int base = r / 4 * cols;
            for (int j = 0; j < cols; j++) {
                quads[base + j] |= 128 << (8 * (r % 4));
            }
        }
        return new Int8GemvWeights(rows, cols, quads, sums);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** The code w[r, j], read back from the packed layout. */
    public byte code(int r, int j) {
        if (r < 0 || r >= rows || j < 0 || j >= cols) {
            throw new IndexOutOfBoundsException("Int8GemvWeights.code(" + r + ", " + j + ") outside [" + rows + ", "
                    + cols + "]");
        }
        return (byte) (((quads[r / 4 * cols + j] >>> (8 * (r % 4))) & 0xFF) - 128);
    }

    /** Σj w[r, j]. */
    public int rowSum(int r) {
        if (r < 0 || r >= rows) {
            throw new IndexOutOfBoundsException("Int8GemvWeights.rowSum(" + r + ") outside [0, " + rows + ")");
        }
        return rowSums[r];
    }

    /** The packed ints, for {@link Int8Gemv}; not a copy. */
    int[] quads() {
        return quads;
    }

    int[] rowSums() {
        return rowSums;
    }

    /** E.g. {@code Int8GemvWeights[1024, 1024]}. */
    @Override
    public String toString() {
        return "Int8GemvWeights[" + rows + ", " + cols + "]";
    }
}
