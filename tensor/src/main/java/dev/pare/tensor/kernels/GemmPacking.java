package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.GemmBlocking.LANES;
import static dev.pare.tensor.kernels.GemmBlocking.MR;
import static dev.pare.tensor.kernels.GemmBlocking.NR;
import static dev.pare.tensor.kernels.Int8Species.BYTE;
import static dev.pare.tensor.kernels.Int8Species.FLOAT_FOR_BYTE;
import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import java.util.Arrays;
import java.util.function.IntPredicate;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * Copies blocks of op(A) and op(B) into the order in which {@link GemmMicroKernel} reads them.
 *
 * <p>Packed A is a sequence of micro-panels of MR rows, in one of two layouts. Step p of the
 * micro-kernel broadcasts the MR elements of column p, so what matters is only that they sit at
 * fixed distances from one index; each layout is chosen so that its operand is packed by plain
 * copies ({@link #rowChunks}). When op(A) is Aᵀ, a column of op(A) is a contiguous run of the
 * stored A, and the panel holds the MR elements of a column side by side ("columns"): step p
 * reads {@code ap[p·MR .. p·MR + MR)}.
 * <pre>
 *   op(A) block (rows i, cols p)        columns: panel 0           panel 1
 *   a00 a01 a02 ...                     a00 a10 .. a50 | a01 a11 .. a51 | ...   a60 a70 .. a(11)0 | ...
 *   a10 a11 a12 ...                     └── p = 0 ───┘ └── p = 1 ───┘
 * </pre>
 * When op(A) is A itself, its rows are contiguous, and the panel is cut into chunks of
 * {@link #A_CHUNK} columns, each holding the MR row pieces one after the other ("row chunks"):
 * step p reads {@code ap[c·MR·A_CHUNK + r·A_CHUNK + q]} for row r, with c = p / A_CHUNK and
 * q = p mod A_CHUNK. A row piece is one cache line, copied as whole vectors.
 * <pre>
 *   row chunks, panel 0:   a00 a01 .. a0(15) | a10 .. a1(15) | ... | a70 .. a7(15) | a0(16) a0(17) ..
 *                          └─ row 0, p 0..15 ┘                                     └─ chunk 1 ...
 * </pre>
 * Packed B is a sequence of micro-panels of NR columns; inside one, the NR elements of a row are
 * adjacent, so step p reads {@code bp[p·NR .. p·NR + NR)} with two vector loads.
 *
 * <p>Packing is where transposes disappear: whether an operand is transposed only changes which
 * loop reads contiguously, and the micro-kernel never sees the difference. It is also where edges
 * disappear: rows of A beyond M and columns of B beyond N are packed as zeros, so every
 * micro-panel is whole; the products in the padding land in parts of the tile that are never
 * stored to C.
 *
 * <p>Transposing is the expensive part of packing: element by element, each float costs a load,
 * a store and the address arithmetic of a strided walk, and at network sizes each packed float
 * is used by only a few hundred multiply-adds. A has a layout for each of its forms, so it is
 * never transposed. B has one layout, and its transposes (the weight of a Linear layer,
 * {@code x·Wᵀ}) go through blocks held in vector registers ({@link #transposeBlock},
 * {@link #eightRows}). The layouts and values are those of the element-by-element loops, which
 * remain for the edges and are the twins the tests compare against.
 *
 * <p>Copying a packed A panel's runs (MR floats) as whole vectors writes LANES − MR floats
 * too many each time. Columns are written in increasing order, so the extra floats are
 * overwritten by the next columns; after a panel's last column they fall on the first floats of
 * the next panel, written later, or on {@link #A_SLACK} floats that buffers for packed A keep at
 * their end.
 */
final class GemmPacking {
    private GemmPacking() {}

    /**
     * Columns of one chunk of a row-chunked A panel ({@link #rowChunks}): one 64-byte cache line
     * of floats, and a whole number of vectors at every width.
     */
    static final int A_CHUNK = 16;

    /**
     * Whether op(A) is packed in row chunks (A stored row by row, op(A) = A) rather than in
     * columns (op(A) = Aᵀ, whose columns are contiguous in memory). Each layout is the one that
     * its operand fills with plain copies, so that packing A never transposes; the micro-kernel
     * has a variant for each ({@link GemmMicroKernel#tile}).
     */
    static boolean rowChunks(boolean transA) {
        return !transA;
    }

    /**
     * Floats of one packed A micro-panel of depth kc: MR·kc in columns, MR·kc rounded up to whole
     * chunks in row chunks (the last chunk's rows are padded to {@link #A_CHUNK} floats).
     */
    static int aPanelSize(boolean rowChunks, int kc) {
        return MR * (rowChunks ? (kc + A_CHUNK - 1) / A_CHUNK * A_CHUNK : kc);
    }

    /** Floats of a packed A block of {@code rows} rows and depth kc: whole panels of {@link #aPanelSize}. */
    static int aBlockSize(boolean rowChunks, int rows, int kc) {
        return (rows + MR - 1) / MR * aPanelSize(rowChunks, kc);
    }

    /**
     * Packs rows [i0, i0 + mc) and columns [p0, p0 + kc) of op(A) into {@code dst}, as
     * ceil(mc / MR) micro-panels of {@link #aPanelSize} floats each, zero-padded to whole panels,
     * in row chunks when {@link #rowChunks}{@code (transA)}, else in columns (see the class comment).
     */
    static void packA(boolean transA, float[] a, int ao, int lda,
                      int i0, int mc, int p0, int kc, float[] dst) {
        int panels = (mc + MR - 1) / MR;
        int size = aPanelSize(rowChunks(transA), kc);
        for (int t = 0; t < panels; t++) {
            int base = t * size;
            int rows = Math.min(MR, mc - t * MR);
            int i = i0 + t * MR;
            if (transA) {
                // op(A)[i][p] = a[ao + p·lda + i]: a column of packed A is a contiguous run of a.
                if (rows == MR && REGISTER_BLOCKS) {
                    copyWholeRuns(a, ao + p0 * lda + i, lda, kc, dst, base);
                } else {
                    copyRuns(a, ao + p0 * lda + i, lda, rows, kc, dst, base, MR);
                }
            } else {
                // op(A)[i][p] = a[ao + i·lda + p]: each row of the panel is a contiguous run of a.
                packRowChunks(a, ao + i * lda + p0, lda, rows, kc, dst, base);
            }
        }
    }

    /**
     * One row-chunked panel: for chunk c (columns [c·A_CHUNK, (c + 1)·A_CHUNK) of the panel) and
     * row r, dst[d + c·MR·A_CHUNK + r·A_CHUNK + q] = src[s + r·ld + c·A_CHUNK + q]; zeros for
     * rows ≥ len and for the columns of the last chunk beyond depth. Whole chunks are vector
     * copies, one cache line each.
     */
    private static void packRowChunks(float[] src, int s, int ld, int len, int depth, float[] dst, int d) {
        int whole = depth / A_CHUNK * A_CHUNK;
        int rest = depth - whole;
        int chunks = (depth + A_CHUNK - 1) / A_CHUNK;
        for (int r = 0; r < MR; r++, s += ld) {
            int to = d + r * A_CHUNK;
            if (r >= len) {
                for (int c = 0; c < chunks; c++, to += MR * A_CHUNK) {
                    Arrays.fill(dst, to, to + A_CHUNK, 0f);
                }
                continue;
            }
            int from = s;
            for (int c = 0; c < whole; c += A_CHUNK, from += A_CHUNK, to += MR * A_CHUNK) {
                for (int q = 0; q < A_CHUNK; q += LANES) {
                    FloatVector.fromArray(FLOAT, src, from + q).intoArray(dst, to + q);
                }
            }
            if (rest > 0) {
                for (int q = 0; q < rest; q++) {
                    dst[to + q] = src[from + q];
                }
                Arrays.fill(dst, to + rest, to + A_CHUNK, 0f);
            }
        }
    }

    /**
     * Packs rows [p0, p0 + kc) and columns [j0, j0 + nc) of op(B) into {@code dst}, as
     * ceil(nc / NR) micro-panels of kc · NR floats each, zero-padded to whole panels.
     */
    static void packB(boolean transB, float[] b, int bo, int ldb,
                      int p0, int kc, int j0, int nc, float[] dst) {
        packB(transB, b, bo, ldb, p0, kc, j0, nc, dst, 0);
    }

    /** {@link #packB} into {@code dst} from {@code dstOffset} on (a {@link GemmPackedB} holds many blocks). */
    static void packB(boolean transB, float[] b, int bo, int ldb,
                      int p0, int kc, int j0, int nc, float[] dst, int dstOffset) {
        int panels = (nc + NR - 1) / NR;
        if (transB) {
            for (int u = 0; u < panels; u++) {
                // op(B)[p][j] = b[bo + j·ldb + p]: rows of the stored B become columns of the panel.
                int j = j0 + u * NR;
                packTransposed(b, bo + j * ldb + p0, ldb, Math.min(NR, nc - u * NR), kc, dst, dstOffset + u * NR * kc, NR);
            }
            return;
        }
        // op(B)[p][j] = b[bo + p·ldb + j]: a row of a micro-panel is a contiguous run of b.
        int whole = nc / NR;
        copyWholePanels(b, bo + p0 * ldb + j0, ldb, kc, whole, dst, dstOffset);
        if (whole < panels) {
            copyRuns(b, bo + p0 * ldb + j0 + whole * NR, ldb, nc - whole * NR, kc, dst, dstOffset + whole * NR * kc, NR);
        }
    }

    /** Rows of B copied together into every micro-panel before the next rows (see {@link #copyWholePanels}). */
    private static final int ROW_BLOCK = 8;

    /**
     * {@code panels} whole micro-panels of an untransposed B: dst[d + u·NR·kc + p·NR + j] =
     * src[s + p·ld + u·NR + j] for u &lt; panels, p &lt; kc, j &lt; NR.
     *
     * <p>The copy walks B {@link #ROW_BLOCK} rows at a time across all the panels, rather than one
     * panel at a time down all the rows: a panel is a short piece (NR floats) of each of kc rows,
     * so a panel at a time strides through the whole of B for every panel, touching a new row
     * (and often a new page) at every step. Row blocks read each row of B from left to right, and
     * write each panel {@code ROW_BLOCK} rows at a time, contiguous runs of ROW_BLOCK · NR floats.
     * (One row across all the panels is worse: its writes, NR·kc floats apart, are often a
     * multiple of 4 KiB apart and evict one another from L1.)
     */
    private static void copyWholePanels(float[] src, int s, int ld, int kc, int panels, float[] dst, int d) {
        int p = 0;
        for (; p + ROW_BLOCK <= kc; p += ROW_BLOCK) {
            int from = s + p * ld;
            int to = d + p * NR;
            for (int u = 0; u < panels; u++, from += NR, to += NR * kc) {
                for (int r = 0; r < ROW_BLOCK; r++) {
                    FloatVector.fromArray(FLOAT, src, from + r * ld).intoArray(dst, to + r * NR);
                    FloatVector.fromArray(FLOAT, src, from + r * ld + LANES).intoArray(dst, to + r * NR + LANES);
                }
            }
        }
        for (; p < kc; p++) {
            int from = s + p * ld;
            int to = d + p * NR;
            for (int u = 0; u < panels; u++, from += NR, to += NR * kc) {
                FloatVector.fromArray(FLOAT, src, from).intoArray(dst, to);
                FloatVector.fromArray(FLOAT, src, from + LANES).intoArray(dst, to + LANES);
            }
        }
    }

    /**
     * {@link #packB} for op(B) = Ŵᵀ, where W is int8 (n rows of k codes, row j at
     * {@code w[wo + j·ldw]}) with one scale per row: B̃ holds {@code scales[j]·w[j, p]} for rows
     * [p0, p0 + kc) and columns [j0, j0 + nc) of op(B). This is the only place where the
     * int8-weight GEMM differs from the fp32 one: the bytes become floats in the copy that packing
     * makes anyway, so no float copy of W ever exists beyond the packed panel, and every packed
     * value is bit for bit what {@link QuantizeKernels#dequantizeRows} would give.
     */
    static void packBInt8Transposed(byte[] w, int wo, int ldw, float[] scales,
                                    int p0, int kc, int j0, int nc, float[] dst) {
        int panels = (nc + NR - 1) / NR;
        for (int u = 0; u < panels; u++) {
            int cols = Math.min(NR, nc - u * NR);
            int j = j0 + u * NR;
            int d = u * NR * kc;
            for (int r = 0; r < cols; r++) {
                dequantizeIntoColumn(w, wo + (j + r) * ldw + p0, kc, scales[j + r], dst, d + r);
            }
            for (int r = cols; r < NR; r++) {
                for (int q = 0; q < kc; q++) {
                    dst[d + q * NR + r] = 0f;
                }
            }
        }
    }

    /**
     * Column r of a packed B micro-panel from row r of W: dst[d + q·NR] = scale·src[s + q] for
     * q &lt; depth. Read along the row, 16 bytes (one {@link Int8Species#BYTE} vector) at a time,
     * widened and scaled as a vector, written with a stride of NR floats.
     *
     * <p>With AVX-512 the strided write is one scatter instruction per vector, and the packing
     * then costs about what the fp32 one does; a scalar byte-by-byte transpose is slower, because
     * it pays a conversion per element (docs/int8-kernels.md measures both). Without AVX-512 the
     * JDK has no scatter intrinsic and would emulate it lane by lane, so the scalar loop is used
     * instead ({@link #SCATTER}).
     */
    private static void dequantizeIntoColumn(byte[] src, int s, int depth, float scale, float[] dst, int d) {
        int q = 0;
        if (SCATTER) {
            int lanes = FLOAT_FOR_BYTE.length();
            int bound = FLOAT_FOR_BYTE.loopBound(depth);
            for (; q < bound; q += lanes) {
                // byte → float is exact, so this is (float) code · scale, one rounding, as in
                // QuantizeKernels.dequantize.
                ((FloatVector) ByteVector.fromArray(BYTE, src, s + q).convertShape(VectorOperators.B2F, FLOAT_FOR_BYTE, 0))
                        .mul(scale).intoArray(dst, d + q * NR, COLUMN_STRIDE, 0);
            }
        }
        for (; q < depth; q++) {
            dst[d + q * NR] = src[s + q] * scale;
        }
    }

    /**
     * {@link #packB} for op(B) = the patch matrix of a zero-padded image ({@link ConvGemm}): rows
     * [p0, p0 + kc) (kernel taps) and columns [j0, j0 + nc) (output pixels of the batch).
     *
     * <p>The NR columns of a micro-panel are cut once into segments along which the source
     * address grows by a fixed step ({@link ConvGemm.PaddedImage#segments}); a kernel tap only
     * shifts every address by the same amount. So a panel row is one or a few strided copies, and
     * a whole row of unit step is two vector copies. The padding is real zeros in the image, so
     * no copy tests a bound.
     */
    static void packPatchColumns(ConvGemm.PaddedImage img, int p0, int kc, int j0, int nc, float[] dst) {
        float[] x = img.data();
        int taps = img.kh() * img.kw();
        int[] seg = new int[4 * (NR + 1)];
        int panels = (nc + NR - 1) / NR;
        for (int u = 0; u < panels; u++) {
            int base = u * NR * kc;
            int cols = Math.min(NR, nc - u * NR);
            int segments = img.segments(j0 + u * NR, cols, seg);
            boolean whole = segments == 1 && cols == NR && seg[3] == 1;
            int c = p0 / taps;
            int i = p0 % taps / img.kw();
            int j = p0 % img.kw();
            for (int p = 0; p < kc; p++) {
                int d = base + p * NR;
                int shift = img.tapOffset(c, i, j);
                if (whole) {
                    int src = seg[2] + shift;
                    FloatVector.fromArray(FLOAT, x, src).intoArray(dst, d);
                    FloatVector.fromArray(FLOAT, x, src + LANES).intoArray(dst, d + LANES);
                } else {
                    for (int t = 0; t < segments; t++) {
                        int dc = d + seg[4 * t];
                        int len = seg[4 * t + 1];
                        int src = seg[4 * t + 2] + shift;
                        int step = seg[4 * t + 3];
                        for (int r = 0; r < len; r++, src += step) {
                            dst[dc + r] = x[src];
                        }
                    }
                    for (int r = cols; r < NR; r++) {
                        dst[d + r] = 0f;
                    }
                }
                if (++j == img.kw()) {
                    j = 0;
                    if (++i == img.kh()) {
                        i = 0;
                        c++;
                    }
                }
            }
        }
    }

    /**
     * {@link #packB} for op(B) = the transposed patch matrix of a zero-padded image, for a
     * convolution's weight gradient ({@link ConvGemm#weightGradient}): rows [p0, p0 + kc) are
     * output pixels (product columns of {@link ConvGemm.PaddedImage}), columns [j0, j0 + nc) are
     * kernel taps.
     *
     * <p>A row of a micro-panel is NR taps of one pixel, at fixed distances from the pixel's first
     * tap ({@link ConvGemm.PaddedImage#tapOffset}): one gather with a constant index vector per
     * panel, moved along the image pixel by pixel. Where gathers are emulated (narrow vector
     * units), the same reads are done one by one.
     */
    static void packPatchRows(ConvGemm.PaddedImage img, int p0, int kc, int j0, int nc, float[] dst) {
        float[] x = img.data();
        int taps = img.kh() * img.kw();
        int[] seg = new int[4 * (kc + 1)];
        int segments = img.segments(p0, kc, seg);
        int[] idx = new int[NR];
        int panels = (nc + NR - 1) / NR;
        for (int u = 0; u < panels; u++) {
            int base = u * NR * kc;
            int cols = Math.min(NR, nc - u * NR);
            for (int t = 0; t < NR; t++) {
                int tap = j0 + u * NR + t;
                idx[t] = t < cols ? img.tapOffset(tap / taps, tap % taps / img.kw(), tap % img.kw()) : 0;
            }
            for (int sg = 0; sg < segments; sg++) {
                int d = base + seg[4 * sg] * NR;
                int len = seg[4 * sg + 1];
                int src = seg[4 * sg + 2];
                int step = seg[4 * sg + 3];
                if (GATHER && cols == NR) {
                    for (int r = 0; r < len; r++, src += step, d += NR) {
                        FloatVector.fromArray(FLOAT, x, src, idx, 0).intoArray(dst, d);
                        FloatVector.fromArray(FLOAT, x, src, idx, LANES).intoArray(dst, d + LANES);
                    }
                } else {
                    for (int r = 0; r < len; r++, src += step, d += NR) {
                        for (int t = 0; t < cols; t++) {
                            dst[d + t] = x[src + idx[t]];
                        }
                        for (int t = cols; t < NR; t++) {
                            dst[d + t] = 0f;
                        }
                    }
                }
            }
        }
    }

    /** Floats a buffer for packed A keeps beyond its panels, for the overlong writes. */
    static final int A_SLACK = Math.max(0, LANES - MR);

    /**
     * Whether the register blocks are used: they need vectors of 8 or 16 lanes. With 4 lanes the
     * element-by-element loops are used instead.
     *
     * <p>The blocks use the kernels' own species on purpose. Mixing two vector sizes in one
     * program lets the JDK's shared Vector API code see two vector classes at one call site; C2
     * then stops keeping those vectors in registers, they become heap objects, and every kernel
     * that shares that code, the micro-kernel included, slows down several times.
     */
    static final boolean REGISTER_BLOCKS = LANES == 8 || LANES == 16;

    /**
     * The steps of the transpose of 8 rows. Step h exchanges, between rows r and r + h (r with
     * bit h clear), the lanes of row r whose index has bit h set with the lanes of row r + h whose
     * index has it clear. {@code SWAP_h} moves lane i to lane i ^ h; {@code UPPER_h} marks the
     * lanes with bit h set. Steps 1 and 2 serve {@link #transposeBlock}, 1, 2 and 4
     * {@link #eightRows}.
     */
    private static final VectorShuffle<Float> SWAP_1 = swap(1);
    private static final VectorShuffle<Float> SWAP_2 = swap(2);
    private static final VectorShuffle<Float> SWAP_4 = swap(4);
    private static final VectorMask<Float> UPPER_1 = upper(1);
    private static final VectorMask<Float> UPPER_2 = upper(2);
    private static final VectorMask<Float> UPPER_4 = upper(4);

    private static VectorShuffle<Float> swap(int h) {
        return VectorShuffle.fromOp(FLOAT, i -> (i ^ h) % LANES);
    }

    private static VectorMask<Float> upper(int h) {
        return lanes(i -> (i & h) != 0);
    }

    /** The mask of the lanes whose index passes {@code test}. */
    private static VectorMask<Float> lanes(IntPredicate test) {
        boolean[] bits = new boolean[LANES];
        for (int i = 0; i < LANES; i++) {
            bits[i] = test.test(i);
        }
        return VectorMask.fromArray(FLOAT, bits, 0);
    }

    /**
     * dst[d + q·width + r] = src[s + r·ld + q] for r &lt; len, q &lt; depth, and 0 for
     * len ≤ r &lt; width, as {@link #transposeScalar}: blocks of LANES × LANES floats through
     * registers, the element-by-element loop at the edges. With 16 lanes a block is
     * {@link #transposeBlock}; with 8 lanes a strip of blocks is
     * {@link #eightRows}, whose three rounds of permutes are then the whole transpose. (The
     * shifted loads do not pay with 8 lanes: there they save only a third of the permutes, and
     * the blocks ran slower.)
     */
    static void packTransposed(float[] src, int s, int ld, int len, int depth,
                               float[] dst, int d, int width) {
        transpose(src, s, ld, len, depth, dst, d, width, width);
    }

    /**
     * dst[d + q·ldd + r] = src[s + r·ld + q] for r &lt; rows, q &lt; cols, and nothing else
     * written: {@link #packTransposed} without the padding, for a destination that is a view of
     * a larger matrix (C, when {@link Gemm} computes a product as its transpose).
     */
    static void transpose(float[] src, int s, int ld, int rows, int cols, float[] dst, int d, int ldd) {
        transpose(src, s, ld, rows, cols, dst, d, rows, ldd);
    }

    /** {@link #packTransposed}, each destination row written up to {@code pad} (≤ width) floats. */
    private static void transpose(float[] src, int s, int ld, int len, int depth,
                                  float[] dst, int d, int pad, int width) {
        if (!REGISTER_BLOCKS || len < LANES || depth < LANES) {
            transposeScalar(src, s, ld, len, depth, dst, d, pad, width);
            return;
        }
        int lenBlocks = len / LANES * LANES;
        int depthBlocks = depth / LANES * LANES;
        for (int r = 0; r < lenBlocks; r += LANES) {
            if (LANES == 8) {
                eightRows(src, s + r * ld, ld, depthBlocks, dst, d + r, width);
            } else {
                for (int q = 0; q < depthBlocks; q += LANES) {
                    transposeBlock(src, s + r * ld + q, ld, dst, d + q * width + r, width);
                }
            }
            transposeScalar(src, s + r * ld + depthBlocks, ld, LANES, depth - depthBlocks,
                    dst, d + depthBlocks * width + r, LANES, width);
        }
        transposeScalar(src, s + lenBlocks * ld, ld, len - lenBlocks, depth, dst, d + lenBlocks, pad - lenBlocks, width);
    }

    /** {@code QUARTER_c} marks lanes 4c..4c+3, the lanes {@link #quarters} takes from its load c. */
    private static final VectorMask<Float> QUARTER_1 = quarter(1);
    private static final VectorMask<Float> QUARTER_2 = quarter(2);
    private static final VectorMask<Float> QUARTER_3 = quarter(3);

    private static VectorMask<Float> quarter(int c) {
        return lanes(i -> i >> 2 == c);
    }

    /**
     * One 16 × 16 block (16-lane vectors only): dst[d + q·width + r] = src[s + r·ld + q] for
     * r, q &lt; 16.
     *
     * <p>A transpose moves the float at row r, lane q to row q, lane r: it exchanges the bits of
     * the row index with the bits of the lane index, and the exchanges of different bits can be
     * made in any order. The exchanges of bits 0 and 1 are done in registers, among the 4 rows
     * that differ only in those bits (a permute and a blend per row and bit, as in
     * {@link #eightRows}). The exchanges of the higher bits are done by the loads themselves:
     * {@link #quarters} reads each group of 4 lanes from another row, at a column shifted so that
     * the lanes land where the exchange would have put them. Loads at odd offsets are cheap;
     * JDK 17 checks the shuffle of every {@code rearrange}, so trading half the permutes for loads
     * pays, and it pays on later JDKs too, because each source float is read into its final
     * quarter directly instead of passing through two more rounds.
     *
     * <p>A group's four rows are all computed before any is stored. JDK 17's check of a
     * shuffle compares it with a zero vector that lives in a float array, and C2 must reload that
     * vector after every store into a float array (it might be the same array), so a store
     * between two rearranges by the same shuffle repeats the whole check; with the stores last,
     * each shuffle is checked once per group. (Two groups before any store keep too many vectors
     * live at once and ran slower.)
     *
     * <p>The shifted loads read past the block's 16 columns: up to 12 floats to the left of a row
     * 4c further down (the end of the row above it, when the block starts a row) and up to 12 to
     * the right of rows 0..3. Those floats are blended away, and they all lie between the block's
     * first float and its last (src[s] and src[s + 15·ld + 15]), so a block that is inside src
     * is read inside src; no bound beyond the block's own is needed.
     */
    private static void transposeBlock(float[] src, int s, int ld, float[] dst, int d, int width) {
        for (int g = 0; g < 4; g++) {
            int from = s + 4 * g;
            FloatVector a0 = quarters(src, from, ld);
            FloatVector a1 = quarters(src, from + ld, ld);
            FloatVector a2 = quarters(src, from + 2 * ld, ld);
            FloatVector a3 = quarters(src, from + 3 * ld, ld);
            FloatVector b0 = a0.blend(a1.rearrange(SWAP_1), UPPER_1);
            FloatVector b1 = a0.rearrange(SWAP_1).blend(a1, UPPER_1);
            FloatVector b2 = a2.blend(a3.rearrange(SWAP_1), UPPER_1);
            FloatVector b3 = a2.rearrange(SWAP_1).blend(a3, UPPER_1);
            FloatVector c0 = b0.blend(b2.rearrange(SWAP_2), UPPER_2);
            FloatVector c1 = b1.blend(b3.rearrange(SWAP_2), UPPER_2);
            FloatVector c2 = b0.rearrange(SWAP_2).blend(b2, UPPER_2);
            FloatVector c3 = b1.rearrange(SWAP_2).blend(b3, UPPER_2);
            int to = d + 4 * g * width;
            c0.intoArray(dst, to);
            c1.intoArray(dst, to + width);
            c2.intoArray(dst, to + 2 * width);
            c3.intoArray(dst, to + 3 * width);
        }
    }

    /**
     * Lane L of the result is src[s + (4c)·ld + (L − 4c)] with c = L / 4: lanes 4c..4c+3 come
     * from the row 4c further down, read 4c floats to the left, so they hold that row's first
     * four columns. Called at column 4g of row t of a block, the result is row 4g + t of the
     * block with bits 2 and 3 of row and lane exchanged.
     */
    private static FloatVector quarters(float[] src, int s, int ld) {
        return FloatVector.fromArray(FLOAT, src, s)
                .blend(FloatVector.fromArray(FLOAT, src, s + 4 * ld - 4), QUARTER_1)
                .blend(FloatVector.fromArray(FLOAT, src, s + 8 * ld - 8), QUARTER_2)
                .blend(FloatVector.fromArray(FLOAT, src, s + 12 * ld - 12), QUARTER_3);
    }

    /**
     * A strip of 8 rows and {@code depth} columns (8-lane vectors only, depth a multiple of 8):
     * dst[d + q·width + r] = src[s + r·ld + q] for r &lt; 8 and q &lt; depth, one 8 × 8 block at
     * a time. A block's rows are exchanged in three steps (rows 1 apart, then 2, then 4; each a
     * permute and a blend per row), after which register r is column r of the block, written
     * whole at dst[d + (q + r)·width].
     *
     * <p>The loop over the blocks is inside this method, not around a method per block. A method
     * per 8 × 8 block was too large for C2 to inline into its caller ("hot method too big" under
     * {@code -XX:+PrintInlining}), and compiled on its own it allocated: under JMH's
     * {@code -prof gc} the MLP's dY·Wᵀ at 256 bits allocated hundreds of kilobytes per product
     * with it, so some of its vectors were heap objects (the trap {@link GemmMicroKernel}
     * describes), and the transpose cost several times what it does as one loop, which allocates
     * nothing. In the loop, every load index is also the loop counter plus a constant of the
     * strip, so C2 checks the loop's whole range once before it runs.
     */
    private static void eightRows(float[] src, int s, int ld, int depth, float[] dst, int d, int width) {
        for (int q = 0; q < depth; q += 8) {
            int f = s + q;
            int to = d + q * width;
            FloatVector a0 = FloatVector.fromArray(FLOAT, src, f);
            FloatVector a1 = FloatVector.fromArray(FLOAT, src, f + ld);
            FloatVector a2 = FloatVector.fromArray(FLOAT, src, f + 2 * ld);
            FloatVector a3 = FloatVector.fromArray(FLOAT, src, f + 3 * ld);
            FloatVector a4 = FloatVector.fromArray(FLOAT, src, f + 4 * ld);
            FloatVector a5 = FloatVector.fromArray(FLOAT, src, f + 5 * ld);
            FloatVector a6 = FloatVector.fromArray(FLOAT, src, f + 6 * ld);
            FloatVector a7 = FloatVector.fromArray(FLOAT, src, f + 7 * ld);
            FloatVector b0 = a0.blend(a1.rearrange(SWAP_1), UPPER_1);
            FloatVector b1 = a0.rearrange(SWAP_1).blend(a1, UPPER_1);
            FloatVector b2 = a2.blend(a3.rearrange(SWAP_1), UPPER_1);
            FloatVector b3 = a2.rearrange(SWAP_1).blend(a3, UPPER_1);
            FloatVector b4 = a4.blend(a5.rearrange(SWAP_1), UPPER_1);
            FloatVector b5 = a4.rearrange(SWAP_1).blend(a5, UPPER_1);
            FloatVector b6 = a6.blend(a7.rearrange(SWAP_1), UPPER_1);
            FloatVector b7 = a6.rearrange(SWAP_1).blend(a7, UPPER_1);
            FloatVector c0 = b0.blend(b2.rearrange(SWAP_2), UPPER_2);
            FloatVector c2 = b0.rearrange(SWAP_2).blend(b2, UPPER_2);
            FloatVector c1 = b1.blend(b3.rearrange(SWAP_2), UPPER_2);
            FloatVector c3 = b1.rearrange(SWAP_2).blend(b3, UPPER_2);
            FloatVector c4 = b4.blend(b6.rearrange(SWAP_2), UPPER_2);
            FloatVector c6 = b4.rearrange(SWAP_2).blend(b6, UPPER_2);
            FloatVector c5 = b5.blend(b7.rearrange(SWAP_2), UPPER_2);
            FloatVector c7 = b5.rearrange(SWAP_2).blend(b7, UPPER_2);
            // All eight results before the first store: see transposeBlock on why stores between
            // rearranges by one shuffle make JDK 17 check it again.
            FloatVector e0 = c0.blend(c4.rearrange(SWAP_4), UPPER_4);
            FloatVector e1 = c1.blend(c5.rearrange(SWAP_4), UPPER_4);
            FloatVector e2 = c2.blend(c6.rearrange(SWAP_4), UPPER_4);
            FloatVector e3 = c3.blend(c7.rearrange(SWAP_4), UPPER_4);
            FloatVector e4 = c0.rearrange(SWAP_4).blend(c4, UPPER_4);
            FloatVector e5 = c1.rearrange(SWAP_4).blend(c5, UPPER_4);
            FloatVector e6 = c2.rearrange(SWAP_4).blend(c6, UPPER_4);
            FloatVector e7 = c3.rearrange(SWAP_4).blend(c7, UPPER_4);
            e0.intoArray(dst, to);
            e1.intoArray(dst, to + width);
            e2.intoArray(dst, to + 2 * width);
            e3.intoArray(dst, to + 3 * width);
            e4.intoArray(dst, to + 4 * width);
            e5.intoArray(dst, to + 5 * width);
            e6.intoArray(dst, to + 6 * width);
            e7.intoArray(dst, to + 7 * width);
        }
    }

    /**
     * {@link #copyRuns} of a whole A micro-panel (runs of MR floats, width MR), each run copied as
     * LANES floats (see the class comment). The last runs, whose LANES floats would read past the
     * end of src, are copied float by float.
     */
    private static void copyWholeRuns(float[] src, int s, int ld, int depth, float[] dst, int d) {
        int q = 0;
        for (; q < depth && s + LANES <= src.length; q++, s += ld, d += MR) {
            FloatVector.fromArray(FLOAT, src, s).intoArray(dst, d);
        }
        copyRuns(src, s, ld, MR, depth - q, dst, d, MR);
    }

    /**
     * Whether vector gathers are real instructions here (AVX2 and up, detected by the widest
     * vector). Elsewhere the Vector API would emulate them lane by lane, slower than plain reads.
     */
    private static final boolean GATHER = FloatVector.SPECIES_MAX.vectorBitSize() >= 256;

    /** Whether vector scatters are real instructions here: AVX-512, detected by its vector width. */
    private static final boolean SCATTER = FloatVector.SPECIES_MAX.vectorBitSize() >= 512;

    /** The scatter's lane offsets: lane t goes t rows of the micro-panel further, t·NR floats. */
    private static final int[] COLUMN_STRIDE = new int[FLOAT_FOR_BYTE.length()];

    static {
        for (int t = 0; t < COLUMN_STRIDE.length; t++) {
            COLUMN_STRIDE[t] = t * NR;
        }
    }

    /**
     * dst[d + q·width + r] = src[s + q·ld + r] for q &lt; depth, r &lt; len, and 0 for
     * len ≤ r &lt; width: depth runs of len floats, each padded to width.
     */
    private static void copyRuns(float[] src, int s, int ld, int len, int depth,
                                 float[] dst, int d, int width) {
        // A first vector's worth as one vector: the right edge of B in a product with a few dozen
        // columns (a 7 × 7 feature map's 49) is packed for every K row.
        int first = len >= LANES ? LANES : 0;
        for (int q = 0; q < depth; q++, s += ld, d += width) {
            if (first > 0) {
                FloatVector.fromArray(FLOAT, src, s).intoArray(dst, d);
            }
            for (int r = first; r < len; r++) {
                dst[d + r] = src[s + r];
            }
            for (int r = len; r < width; r++) {
                dst[d + r] = 0f;
            }
        }
    }

    /**
     * dst[d + q·width + r] = src[s + r·ld + q] for r &lt; len, q &lt; depth, and 0 for
     * len ≤ r &lt; pad: a len × depth block of src, transposed, its rows padded with zeros to pad
     * floats, each written width floats after the previous one. The element-by-element twin of
     * {@link #packTransposed} (with pad = width), and its edges.
     *
     * <p>Works on 8 columns of src at a time: each source row gives 8 consecutive reads, and the
     * 8 destination rows being written (8 cache lines) stay hot while all len source rows pass.
     * Done one q at a time, the writes would sweep the whole destination once per source row.
     */
    static void transposeScalar(float[] src, int s, int ld, int len, int depth,
                                float[] dst, int d, int pad, int width) {
        int q = 0;
        for (; q + 8 <= depth; q += 8) {
            for (int r = 0; r < len; r++) {
                int si = s + r * ld + q;
                int di = d + q * width + r;
                dst[di] = src[si];
                dst[di + width] = src[si + 1];
                dst[di + 2 * width] = src[si + 2];
                dst[di + 3 * width] = src[si + 3];
                dst[di + 4 * width] = src[si + 4];
                dst[di + 5 * width] = src[si + 5];
                dst[di + 6 * width] = src[si + 6];
                dst[di + 7 * width] = src[si + 7];
            }
        }
        for (; q < depth; q++) {
            for (int r = 0; r < len; r++) {
                dst[d + q * width + r] = src[s + r * ld + q];
            }
        }
        for (int r = len; r < pad; r++) {
            for (q = 0; q < depth; q++) {
                dst[d + q * width + r] = 0f;
            }
        }
    }

    /** {@link #transposeScalar} padded to the whole width: the twin of {@link #packTransposed}. */
    static void transposeScalar(float[] src, int s, int ld, int len, int depth, float[] dst, int d, int width) {
        transposeScalar(src, s, ld, len, depth, dst, d, width, width);
    }
}
