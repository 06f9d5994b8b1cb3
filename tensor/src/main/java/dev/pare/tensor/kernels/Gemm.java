package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.GemmBlocking.LANES;
import static dev.pare.tensor.kernels.GemmBlocking.MR;
import static dev.pare.tensor.kernels.GemmBlocking.NR;
import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import dev.pare.tensor.parallel.Parallel;
import java.util.concurrent.atomic.AtomicInteger;
import jdk.incubator.vector.FloatVector;

/**
 * Single-precision general matrix multiply, C (+)= op(A)·op(B), on the Vector API, in the style
 * of GotoBLAS and BLIS. The layout conventions are those of {@link GemmScalar}, its scalar twin
 * and test oracle; docs/matmul.md walks from that triple loop to this kernel, with measurements.
 *
 * <p>The loops, outermost first ({@link GemmBlocking} explains each size and how it follows from
 * the machine's caches):
 * <pre>
 *   for jc in N by NC:                       a panel of columns of C
 *     for pc in K by KC:                     one block of the K sum
 *       pack op(B)[pc.., jc..] → B̃ (KC×NC)   {@link GemmPacking#packB}, lives in L3
 *       for ic in M by MC:
 *         pack op(A)[ic.., pc..] → Ã (MC×KC) {@link GemmPacking#packA}, lives in L2
 *         for jr in NC by NR:                B̃ micro-panel (KC×NR) stays in L2 ...
 *           for ir in MC by MR:              ... while the Ã micro-panels stream past it
 *             C[ic+ir.., jc+jr..] (+)= Ã micro-panel · B̃ micro-panel   {@link GemmMicroKernel}
 * </pre>
 * Small products and matrix-vector products skip all of this and take {@link GemmDirect}. On one
 * thread, a product whose B is transposed and whose C has few rows (a layer's dY·Wᵀ) may instead
 * run these loops on its transpose, which moves fewer floats through transposes
 * ({@link #transposedFormPays}); the result is the same bits.
 * The loops reach the operands only through the two packing calls ({@link GemmOperands}), which
 * is how {@link Int8WeightGemm} multiplies by int8 weights with this same code.
 *
 * <p>Threads: the columns (or, for tall C, the rows) of C are split into contiguous pieces of
 * whole tiles, one per thread of {@link Parallel}; each thread packs what it needs into its own
 * buffers. Large products instead pack each block of B once, all threads together, and then share
 * it ({@link GemmSharedB}); a B packed beforehand ({@link GemmPackedB}) is shared likewise. Finishing
 * touches (a bias, a ReLU) are applied as C is written ({@link GemmEpilogue}). The K sum is never
 * split, and its blocking depends on K and the machine's caches only, so every element of C is
 * computed by the same operations in the same order whatever the thread count: the result is
 * bit-for-bit the same on 1 thread or 64.
 */
public final class Gemm {
    private Gemm() {}

    /** Per-thread packing buffers, kept between calls so that a multiply allocates nothing. */
    private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

    /**
     * C = op(A)·op(B) (or C += op(A)·op(B) when {@code accumulate}), with op(A) M×K and op(B) K×N.
     * See {@link GemmScalar} for the meaning of the offsets, leading dimensions and flags. A
     * leading dimension of 0 is allowed for an operand with one row (a broadcast row). C must
     * not overlap A or B: it may be written before they are fully read.
     *
     * @throws IllegalArgumentException if a size or leading dimension is negative, or an operand
     *     does not fit in its array
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int ao, int lda, float[] b, int bo, int ldb,
                            float[] c, int co, int ldc, boolean accumulate) {
        gemm(transA, transB, m, n, k, a, ao, lda, b, bo, ldb, c, co, ldc, accumulate, GemmEpilogue.NONE);
    }

    /**
     * {@link #gemm(boolean, boolean, int, int, int, float[], int, int, float[], int, int, float[], int, int, boolean)}
     * followed by {@code epilogue} on every element of C: {@code C = act(op(A)·op(B) (+ C) + bias)},
     * in one pass over C (see {@link GemmEpilogue} for why, and for the exact values).
     *
     * @throws IllegalArgumentException as the plain form, or if the bias does not cover N columns
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int ao, int lda, float[] b, int bo, int ldb,
                            float[] c, int co, int ldc, boolean accumulate, GemmEpilogue epilogue) {
        checkArguments(transA, transB, m, n, k, a, ao, lda, b, bo, ldb, c, co, ldc);
        epilogue.check(n);
        long work = (long) m * n * k;
        if (work > 0 && (work <= GemmBlocking.DIRECT_MAX_WORK || m == 1 || n == 1)) {
            // The direct path finishes each block of C, then the epilogue goes over it while it is
            // still in cache.
            boolean split = m == 1 || n == 1 ? parallelMatrixVector(work) : parallel(work);
            if (!split) {
                GemmDirect.block(transA, transB, 0, m, 0, n, k, a, ao, lda, b, bo, ldb, c, co, ldc, accumulate);
                finish(epilogue, c, co, ldc, 0, m, 0, n);
            } else if (m == 1) {
                Parallel.forRange(n, NR, (lo, hi) -> {
                    GemmDirect.block(transA, transB, 0, 1, lo, hi, k, a, ao, lda, b, bo, ldb, c, co, ldc, accumulate);
                    finish(epilogue, c, co, ldc, 0, 1, lo, hi);
                });
            } else {
                Parallel.forRange(m, 1, (lo, hi) -> {
                    GemmDirect.block(transA, transB, lo, hi, 0, n, k, a, ao, lda, b, bo, ldb, c, co, ldc, accumulate);
                    finish(epilogue, c, co, ldc, lo, hi, 0, n);
                });
            }
            return;
        }
        packedProduct(m, n, k, new GemmOperands.Floats(transA, transB, a, ao, lda, b, bo, ldb),
                c, co, ldc, accumulate, GemmBlocking.DEFAULT, epilogue);
    }

    /**
     * C = act(op(A)·B̃ (+ C) + bias), with B̃ packed beforehand ({@link GemmPackedB}): the same
     * product, and the same bits, as {@link #gemm} with the B it was packed from (which must not
     * have changed since), without packing B again. N and K are the pack's.
     *
     * @throws IllegalArgumentException if a size or leading dimension is negative, an operand
     *     does not fit in its array, or the bias does not cover N columns
     */
    public static void gemm(boolean transA, int m, float[] a, int ao, int lda, GemmPackedB b,
                            float[] c, int co, int ldc, boolean accumulate, GemmEpilogue epilogue) {
        int n = b.n();
        int k = b.k();
        if (m < 0) {
            throw new IllegalArgumentException("gemm: negative size m=" + m + " (packed B: k=" + k + " n=" + n + ")");
        }
        checkOperand("A", a, ao, lda, transA ? k : m, transA ? m : k);
        checkOperand("C", c, co, ldc, m, n);
        if (m > 1 && ldc < n) {
            throw new IllegalArgumentException("gemm: ldc=" + ldc + " is less than n=" + n + " with m=" + m + " rows");
        }
        epilogue.check(n);
        long work = (long) m * n * k;
        if (work > 0 && (work <= GemmBlocking.DIRECT_MAX_WORK || m == 1 || n == 1)) {
            b.gemmDirect(transA, m, a, ao, lda, c, co, ldc, accumulate, epilogue);
            return;
        }
        packedProduct(m, n, k, new GemmOperands.Prepacked(transA, a, ao, lda, b), c, co, ldc, accumulate,
                GemmBlocking.DEFAULT, epilogue);
    }

    private static void finish(GemmEpilogue epilogue, float[] c, int co, int ldc, int i0, int i1, int j0, int j1) {
        if (!epilogue.isNone()) {
            epilogue.applyTo(c, co, ldc, i0, i1, j0, j1);
        }
    }

    /**
     * C[m × n] at c[co] (+)= the product of {@code operands}, on the packed path whatever the
     * sizes, split over threads. Arguments are checked by the caller. {@link Int8WeightGemm}
     * enters here with int8 weights; only the packing differs from {@link #gemm}.
     */
    static void packedProduct(int m, int n, int k, GemmOperands operands,
                              float[] c, int co, int ldc, boolean accumulate) {
        packedProduct(m, n, k, operands, c, co, ldc, accumulate, GemmBlocking.DEFAULT);
    }

    /**
     * {@link #packedProduct} with the given block sizes instead of this machine's. Tests use small
     * blocks so that every edge (several K blocks, row blocks and column panels) is reached with
     * small, fast products, whatever the caches of the machine running them.
     */
    static void packedProduct(int m, int n, int k, GemmOperands operands,
                              float[] c, int co, int ldc, boolean accumulate, GemmBlocking blocking) {
        packedProduct(m, n, k, operands, c, co, ldc, accumulate, blocking, GemmEpilogue.NONE);
    }

    /** {@link #packedProduct} with an epilogue, applied as each tile of C receives its last K block. */
    static void packedProduct(int m, int n, int k, GemmOperands operands, float[] c, int co, int ldc,
                              boolean accumulate, GemmBlocking blocking, GemmEpilogue epilogue) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) {
                    java.util.Arrays.fill(c, co + i * ldc, co + i * ldc + n, 0f);
                }
            }
            finish(epilogue, c, co, ldc, 0, m, 0, n);
            return;
        }
        GemmEpilogue last = epilogue.isNone() ? null : epilogue;
        long work = (long) m * n * k;
        int tilesM = (m + MR - 1) / MR;
        int tilesN = (n + NR - 1) / NR;
        if (!parallel(work)) {
            if (operands instanceof GemmOperands.Floats f && transposedFormPays(f, m, n, k, accumulate, last, blocking)) {
                packed(f.transposed(), blocking, 0, n, 0, m, k, c, co, ldc, false, null, true);
            } else {
                packed(operands, blocking, 0, m, 0, n, k, c, co, ldc, accumulate, last, false);
            }
            return;
        }
        // Splitting the columns of C makes every piece pack all of A (M·K floats); splitting the
        // rows makes every piece pack all of B (K·N). Packing is a real share of the work at
        // network sizes (it transposes), so duplicate the smaller operand: columns when N ≥ M.
        // Compare elements, not tiles: a tile is MR (6 or 8) rows but 2·LANES columns, and counting tiles
        // would split the rows of a 128 × 256 product and pack its 256-row weight twice. The
        // other side wins only if the chosen one has fewer tiles than threads and the other more.
        // (With NR ≥ MR, a C with N < M always has more row tiles than column tiles.)
        int threads = Parallel.threads();
        if (work >= GemmBlocking.DYNAMIC_MIN_WORK && operands instanceof GemmOperands.Floats f && tilesM >= 2 * threads) {
            // Large products: pack each block of B once, shared by all threads (GemmSharedB). Its
            // threads share out rows of C, so a C of only a few row tiles keeps the split below.
            GemmSharedB.run(f, blocking, m, n, k, c, co, ldc, accumulate, last);
            return;
        }
        boolean wide = n >= m ? tilesN >= threads || tilesN >= tilesM : tilesM < threads && tilesN > tilesM;
        if (operands instanceof GemmOperands.Prepacked) {
            // B is packed already and shared: splitting the rows duplicates nothing.
            wide = tilesM < threads && tilesN > tilesM;
        }
        int tiles = wide ? tilesN : tilesM;
        int pieces = Math.min(tiles, work >= GemmBlocking.DYNAMIC_MIN_WORK ? GemmBlocking.PIECES_PER_THREAD * threads : threads);
        // Threads take pieces from a shared counter, so that a thread slowed down by another
        // process on its core does not hold the others up. Who computes a piece changes nothing
        // in the result: each element is computed the same way wherever it is.
        AtomicInteger next = new AtomicInteger();
        boolean split = wide;
        Parallel.forRange(Math.min(threads, pieces), 1, (lo, hi) -> {
            for (int piece = next.getAndIncrement(); piece < pieces; piece = next.getAndIncrement()) {
                int from = (int) ((long) tiles * piece / pieces);
                int to = (int) ((long) tiles * (piece + 1) / pieces);
                if (split) {
                    packed(operands, blocking, 0, m, from * NR, Math.min(n, to * NR), k, c, co, ldc, accumulate, last, false);
                } else {
                    packed(operands, blocking, from * MR, Math.min(m, to * MR), 0, n, k, c, co, ldc, accumulate, last, false);
                }
            }
        });
    }

    /**
     * Whether an m × n product C = op(A)·op(B) keeps more of the micro-kernel's lanes busy when
     * computed as its transpose, Cᵀ = op(B)ᵀ·op(A)ᵀ (n × m): the kernel fills tiles of MR rows by
     * NR = 2·LANES columns, so a C a few columns narrower than NR wastes most of each tile, and
     * its transpose may fill them. True when the transpose's tiles, padded to whole tiles, cover
     * strictly fewer elements; never for both (m, n) and (n, m).
     *
     * <p>The two forms give the same bits: each element of C is the same products, summed in the
     * same order, in either (where the K sum is cut into blocks depends on K and this machine's
     * blocking, not on which operand is which). So a caller whose C is small, a weight gradient
     * say, may compute Cᵀ into a scratch array and transpose it.
     *
     * @throws IllegalArgumentException if m or n is negative
     */
    public static boolean transposeFillsTilesBetter(int m, int n) {
        if (m < 0 || n < 0) {
            throw new IllegalArgumentException("transposeFillsTilesBetter: negative size " + m + " × " + n);
        }
        return padded(n, MR) * padded(m, NR) < padded(m, MR) * padded(n, NR);
    }

    /**
     * Whether a product on one thread with a transposed B, C = op(A)·Bᵀ, costs less computed as
     * its transpose, Cᵀ = B·op(A)ᵀ, each column panel of Cᵀ then transposed into C while it is
     * still in L1 ({@link #macroKernelTransposed}). The gradient of a Linear layer's input,
     * dY·Wᵀ with a batch smaller than the layer, is the case in point.
     *
     * <p>Directly, packing Bᵀ transposes all N·K floats of B, and a register transpose costs
     * several instructions per float (docs/matmul.md, the section on packing). As its transpose,
     * the product packs B by plain copies, and transposes op(A)ᵀ instead (M·K floats, none when
     * A is stored transposed) and then C (M·N): fewer floats whenever M is small next to N and K.
     * Only when the form fills the tiles as well (see {@link #transposeFillsTilesBetter}), C is
     * not accumulated into, K is one block (so each tile of Cᵀ is final when the micro-kernel
     * has made it) and there is no epilogue.
     *
     * <p>The two forms give the same bits: each element is the same products (a·b = b·a exactly)
     * summed in the same order, so the choice, which depends on the thread count, never shows in
     * the result.
     */
    static boolean transposedFormPays(GemmOperands.Floats f, int m, int n, int k, boolean accumulate,
                                      GemmEpilogue last, GemmBlocking blocking) {
        if (!f.transB() || accumulate || last != null || blocking.kBlock(k) < k) {
            return false;
        }
        long direct = (long) n * k;
        long transposed = (f.transA() ? 0 : (long) m * k) + (long) m * n;
        return transposed < direct && padded(n, MR) * padded(m, NR) <= padded(m, MR) * padded(n, NR);
    }

    private static long padded(int size, int tile) {
        return (long) (size + tile - 1) / tile * tile;
    }

    private static boolean parallel(long work) {
        return work >= GemmBlocking.PARALLEL_MIN_WORK && Parallel.threads() > 1;
    }

    /** Whether a matrix-vector product of {@code work} multiply-adds is split over threads. */
    static boolean parallelMatrixVector(long work) {
        return work >= GemmBlocking.GEMV_PARALLEL_MIN_WORK && Parallel.threads() > 1;
    }

    /**
     * The blocked loops of the class comment, over rows [i0, i1) and columns [j0, j1) of C; or,
     * when {@code transposedC}, of the product C' = Cᵀ that the operands define, each element
     * C'[i][j] stored at c[co + j·ldc + i] ({@link #transposedFormPays} decides when).
     */
    private static void packed(GemmOperands operands, GemmBlocking blocking, int i0, int i1, int j0, int j1,
                               int k, float[] c, int co, int ldc, boolean accumulate, GemmEpilogue last,
                               boolean transposedC) {
        // A prepacked B brings its own K blocks (the same as blocking's when it was packed with it).
        GemmPackedB pre = operands instanceof GemmOperands.Prepacked p ? p.b() : null;
        int kb = pre != null ? pre.kBlock() : blocking.kBlock(k);
        int mb = blocking.mBlock(i1 - i0, kb);
        int nb = blocking.nc();
        Workspace ws = WORKSPACE.get();
        boolean rowChunks = operands.aRowChunks();
        float[] ap = ws.packedA(GemmPacking.aBlockSize(rowChunks, mb, kb));
        float[] bp = pre != null ? pre.data() : ws.packedB(Math.min(nb, roundUp(j1 - j0, NR)) * kb);
        for (int jc = j0; jc < j1; jc += nb) {
            int nc = Math.min(nb, j1 - jc);
            for (int pc = 0; pc < k; pc += kb) {
                int kc = Math.min(kb, k - pc);
                int bOff = 0;
                if (pre != null) {
                    bOff = pre.offset(pc, jc);
                } else {
                    operands.packB(pc, kc, jc, nc, bp);
                }
                // The first K block stores into C (which may hold anything, even NaN) unless
                // the caller accumulates; later blocks add to it. The last one also applies the
                // epilogue, if any.
                boolean add = accumulate || pc > 0;
                GemmEpilogue finish = pc + kc == k ? last : null;
                for (int ic = i0; ic < i1; ic += mb) {
                    int mc = Math.min(mb, i1 - ic);
                    operands.packA(ic, mc, pc, kc, ap);
                    if (transposedC) {
                        macroKernelTransposed(mc, nc, kc, rowChunks, ap, bp, bOff, ws, c, co + jc * ldc + ic, ldc);
                    } else {
                        macroKernel(mc, nc, kc, rowChunks, ap, bp, bOff, ws.tile, c, co + ic * ldc + jc, ldc, add, finish, jc);
                    }
                }
            }
        }
    }

    /**
     * All MR×NR tiles of one packed block: C[mc × nc] at c[ci] (+)= Ã · B̃, B̃ from bp[bOff]; when
     * {@code finish} is not null, each tile is then finished by it (its column j0 being column
     * {@code j0} of the whole C, where the bias is read).
     */
    static void macroKernel(int mc, int nc, int kc, boolean rowChunks, float[] ap, float[] bp, int bOff, float[] tile,
                                    float[] c, int ci, int ldc, boolean add, GemmEpilogue finish, int j0) {
        int panel = GemmPacking.aPanelSize(rowChunks, kc);
        for (int jr = 0; jr < nc; jr += NR) {
            int bi = bOff + jr * kc;
            int cols = Math.min(NR, nc - jr);
            for (int ir = 0, ai = 0; ir < mc; ir += MR, ai += panel) {
                if (rowChunks) {
                    GemmMicroKernel.tileRowChunks(kc, ap, ai, bp, bi, tile);
                } else {
                    GemmMicroKernel.tile(kc, ap, ai, bp, bi, tile);
                }
                int rows = Math.min(MR, mc - ir);
                int ct = ci + ir * ldc + jr;
                if (finish != null) {
                    // Kept out of the plain paths below, so that they stay as small as they were.
                    finishTile(tile, rows, cols, c, ct, ldc, add, finish, j0 + jr);
                } else if (cols < NR) {
                    edgeTile(tile, rows, cols, c, ct, ldc, add);
                } else if (add) {
                    addTile(tile, rows, c, ct, ldc);
                } else {
                    storeTile(tile, rows, c, ct, ldc);
                }
            }
        }
    }

    /**
     * {@link #macroKernel} for a product computed as its transpose: the mc × nc block of C' is
     * stored transposed, C'[r][q] at c[ci + q·ldc + r]. Each column panel of C' (NR columns) is
     * made in a small buffer, mc × NR floats that stay in L1, and transposed from there into C,
     * so the transpose reads nothing from memory. Its tiles are stored, never added: the caller
     * computes K in one block.
     */
    private static void macroKernelTransposed(int mc, int nc, int kc, boolean rowChunks, float[] ap, float[] bp,
                                              int bOff, Workspace ws, float[] c, int ci, int ldc) {
        float[] panel = ws.transposedPanel(mc * NR);
        for (int jr = 0; jr < nc; jr += NR) {
            int cols = Math.min(NR, nc - jr);
            macroKernel(mc, cols, kc, rowChunks, ap, bp, bOff + jr * kc, ws.tile, panel, 0, NR, false, null, 0);
            GemmPacking.transpose(panel, 0, NR, mc, cols, c, ci + jr * ldc, ldc);
        }
    }

    /** C[rows × NR] at c[ci] += the top rows of the tile. */
    private static void addTile(float[] tile, int rows, float[] c, int ci, int ldc) {
        for (int r = 0; r < rows; r++) {
            int cr = ci + r * ldc;
            FloatVector.fromArray(FLOAT, c, cr).add(FloatVector.fromArray(FLOAT, tile, r * NR))
                    .intoArray(c, cr);
            FloatVector.fromArray(FLOAT, c, cr + LANES).add(FloatVector.fromArray(FLOAT, tile, r * NR + LANES))
                    .intoArray(c, cr + LANES);
        }
    }

    /** C[rows × NR] at c[ci] = the top rows of the tile. */
    private static void storeTile(float[] tile, int rows, float[] c, int ci, int ldc) {
        // Two vector copies per row rather than System.arraycopy: for 2·LANES floats the call's
        // set-up costs more than the copy.
        for (int r = 0; r < rows; r++) {
            int cr = ci + r * ldc;
            FloatVector.fromArray(FLOAT, tile, r * NR).intoArray(c, cr);
            FloatVector.fromArray(FLOAT, tile, r * NR + LANES).intoArray(c, cr + LANES);
        }
    }

    /**
     * C[rows × cols] at c[ci] = epilogue(C (+) the tile), for the tile whose first column is column
     * j of C: the product's last K block, then the bias and activation, in one pass.
     */
    private static void finishTile(float[] tile, int rows, int cols, float[] c, int ci, int ldc, boolean add,
                                   GemmEpilogue e, int j) {
        if (cols < NR) {
            for (int r = 0; r < rows; r++) {
                for (int q = 0; q < cols; q++) {
                    int idx = ci + r * ldc + q;
                    c[idx] = e.apply(add ? c[idx] + tile[r * NR + q] : tile[r * NR + q], j + q);
                }
            }
            return;
        }
        for (int r = 0; r < rows; r++) {
            int cr = ci + r * ldc;
            FloatVector v0 = FloatVector.fromArray(FLOAT, tile, r * NR);
            FloatVector v1 = FloatVector.fromArray(FLOAT, tile, r * NR + LANES);
            if (add) {
                v0 = FloatVector.fromArray(FLOAT, c, cr).add(v0);
                v1 = FloatVector.fromArray(FLOAT, c, cr + LANES).add(v1);
            }
            e.apply(v0, j).intoArray(c, cr);
            e.apply(v1, j + LANES).intoArray(c, cr + LANES);
        }
    }

    /**
     * C[rows × cols] at c[ci] (+)= the top-left corner of the tile, at C's right edge. A first
     * vector's worth of columns, when the edge has that many, goes as one vector: products with
     * a few dozen columns (a 7 × 7 feature map's 49) have an edge tile in every row block.
     */
    private static void edgeTile(float[] tile, int rows, int cols, float[] c, int ci, int ldc, boolean add) {
        int first = cols >= LANES ? LANES : 0;
        for (int r = 0; r < rows; r++) {
            int cr = ci + r * ldc;
            if (first > 0) {
                FloatVector v = FloatVector.fromArray(FLOAT, tile, r * NR);
                (add ? FloatVector.fromArray(FLOAT, c, cr).add(v) : v).intoArray(c, cr);
            }
            for (int j = first; j < cols; j++) {
                c[cr + j] = add ? c[cr + j] + tile[r * NR + j] : tile[r * NR + j];
            }
        }
    }

    private static int roundUp(int x, int multiple) {
        return (x + multiple - 1) / multiple * multiple;
    }

    private static void checkArguments(boolean transA, boolean transB, int m, int n, int k,
                                       float[] a, int ao, int lda, float[] b, int bo, int ldb,
                                       float[] c, int co, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: negative size m=" + m + " n=" + n + " k=" + k);
        }
        checkOperand("A", a, ao, lda, transA ? k : m, transA ? m : k);
        checkOperand("B", b, bo, ldb, transB ? n : k, transB ? k : n);
        checkOperand("C", c, co, ldc, m, n);
        if (m > 1 && ldc < n) {
            // Rows of C would overlap, and threads writing different rows would race.
            throw new IllegalArgumentException("gemm: ldc=" + ldc + " is less than n=" + n + " with m=" + m + " rows");
        }
    }

    /** A stored rows × cols matrix at x[off + r·ld + col] must lie inside x. */
    static void checkOperand(String name, float[] x, int off, int ld, int rows, int cols) {
        if (ld < 0) {
            throw new IllegalArgumentException("gemm: negative leading dimension " + ld + " for " + name);
        }
        if (rows == 0 || cols == 0) {
            return;
        }
        long last = off + (long) (rows - 1) * ld + cols - 1;
        if (x == null || off < 0 || last >= x.length) {
            throw new IllegalArgumentException("gemm: " + name + " (" + rows + "×" + cols + " stored, offset " + off
                    + ", leading dimension " + ld + ") does not fit in an array of length "
                    + (x == null ? "null" : String.valueOf(x.length)));
        }
    }

    /** This thread's packing buffers. */
    static Workspace workspace() {
        return WORKSPACE.get();
    }

    /** One thread's packing buffers; they grow to the largest block seen and are then reused. */
    static final class Workspace {
        private float[] a = new float[0];
        private float[] b = new float[0];
        private float[] shared = new float[0];
        private float[] panel = new float[0];
        /** The micro-kernel's MR×NR result, before it is added to C. */
        final float[] tile = new float[MR * NR];

        float[] packedA(int size) {
            if (a.length < size + GemmPacking.A_SLACK) {
                a = new float[size + GemmPacking.A_SLACK];
            }
            return a;
        }

        /** A column panel of a product computed as its transpose ({@link #macroKernelTransposed}). */
        float[] transposedPanel(int size) {
            if (panel.length < size) {
                panel = new float[size];
            }
            return panel;
        }

        float[] packedB(int size) {
            if (b.length < size) {
                b = new float[size];
            }
            return b;
        }

        /**
         * The B̃ that all threads of a {@link GemmSharedB} product pack and read: owned by the
         * calling thread, lent to the workers for the duration of one product.
         */
        float[] sharedB(int size) {
            if (shared.length < size) {
                shared = new float[size];
            }
            return shared;
        }
    }
}
