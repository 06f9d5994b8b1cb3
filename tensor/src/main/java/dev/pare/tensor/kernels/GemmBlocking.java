package dev.pare.tensor.kernels;

/**
 * The block sizes of the packed GEMM, and why each one is what it is.
 *
 * <p>The packed GEMM ({@link Gemm}) walks C in nested levels of blocks, each sized so that
 * the data it re-reads most often stays in one level of the memory hierarchy:
 * <pre>
 *   register tile  MR × NR   accumulators of C          vector registers
 *   micro-panel    KC × NR   a sliver of packed B        L1 data cache
 *   block          MC × KC   packed A                    L2 cache
 *   panel          KC × NC   packed B                    L3 cache (or memory)
 * </pre>
 * The figures below were chosen for, and measured on, an AMD Zen 5 core (48 KiB L1d, 1 MiB L2,
 * 32 MiB shared L3, 32 AVX-512 registers); docs/matmul.md shows the measurements. They are
 * expressed in vector lengths so that other widths (8-lane AVX2, the 4-lane species the tests
 * force) get proportionate blocks, and they only need to be right to within a factor of about
 * two: a block that is a little small costs a few percent, not a cliff.
 */
final class GemmBlocking {
    private GemmBlocking() {}

    /** Float lanes in one vector of {@link VectorConfig#FLOAT}. */
    static final int LANES = VectorConfig.FLOAT_LANES;

    /**
     * Rows of the register tile. 6 rows × 2 vectors = 12 accumulators, plus 2 vectors of B and 1
     * broadcast of A: 15 registers, which fits the 16 of AVX2 and leaves the rest of AVX-512's 32
     * free. Twelve independent FMA chains also cover the FMA latency (4 cycles) times the two
     * FMA units. Must match the hand-unrolled rows of {@link GemmMicroKernel}.
     */
    static final int MR = 6;

    /** Columns of the register tile: two vectors. Must match {@link GemmMicroKernel}. */
    static final int NR = 2 * LANES;

    /**
     * Depth of one block of the K sum. The micro-kernel streams one KC × NR micro-panel of packed
     * B from L1 for every MR rows of A: with 16 lanes that is 256 · 32 · 4 B = 32 KiB, two thirds
     * of a 48 KiB L1, leaving room for the A micro-panel (6 KiB) streaming through. A deeper KC
     * amortises the load and store of the C tile over more FMAs, a shallower one fits smaller L1s.
     */
    static final int KC = 256;

    /**
     * Rows of A packed at once, a multiple of MR. MC × KC floats of packed A (240 · 256 · 4 B =
     * 240 KiB) stay in a 1 MiB L2 while every micro-panel of B sweeps over them, with room left
     * for the B panel streaming from L3.
     */
    static final int MC = 40 * MR;

    /**
     * Columns of B packed at once, a multiple of NR. A KC × NC panel of packed B (256 · 4096 ·
     * 4 B = 4 MiB) lives in the shared L3; a larger panel only saves re-packing A, which is cheap.
     * A panel narrow enough for L2 (16 · NR) was measured slower at 2048³ (133 against 145
     * GFLOP/s per CPU-second), because A is then re-packed for every panel.
     */
    static final int NC = 128 * NR;

    /**
     * At or below this many multiply-adds (M·N·K) the packed path's fixed costs (zeroing, packing
     * two padded panels, a 6×32 tile for a few outputs) outweigh its gain and {@link GemmDirect}
     * is used. Measured on one thread (CPU-time GFLOP/s, direct vs packed): 2×2×2 0.4 vs 0.2,
     * 4×4×4 1.5 vs 1.1, but 8×8×8 2.9 vs 4.3 and 16×4×16 1.8 vs 5.2: the packed kernel wins
     * from a few hundred multiply-adds on, so the direct path is for the truly tiny only (and for
     * matrix-vector products, which {@link Gemm} sends there whatever their size).
     */
    static final long DIRECT_MAX_WORK = 256;

    /**
     * Below this many multiply-adds a product runs on one thread: handing work to another core
     * costs some microseconds, the time of about this many multiply-adds.
     */
    static final long PARALLEL_MIN_WORK = 64L * 64 * 64;

    /**
     * From this many multiply-adds on (1024³ / 2), C is cut into {@link #PIECES_PER_THREAD}
     * pieces per thread instead of one, taken dynamically. On a shared machine a thread may lose
     * its core for a while; with one piece per thread everyone then waits for it. The price is
     * that each piece packs the operand that is not split again: for a 1024³ product in 8 pieces
     * that is about 3% more work, which is why smaller products keep one piece per thread.
     */
    static final long DYNAMIC_MIN_WORK = 1L << 29;

    /** Pieces per thread for products of at least {@link #DYNAMIC_MIN_WORK}. */
    static final int PIECES_PER_THREAD = 4;

    /**
     * The number of K blocks and their common depth: K is cut into ceil(K / KC) blocks of equal
     * depth (to within one), so that K = 300 makes two blocks of 150 rather than 256 + 44.
     * Depends on K only, never on the thread count: the block boundaries decide the rounding.
     */
    static int kBlock(int k) {
        int blocks = Math.max(1, (k + KC - 1) / KC);
        return (k + blocks - 1) / blocks;
    }

    /** Like {@link #kBlock} for the MC rows of A: equal blocks, each a multiple of MR. */
    static int mBlock(int m) {
        int blocks = Math.max(1, (m + MC - 1) / MC);
        int rows = (m + blocks - 1) / blocks;
        return (rows + MR - 1) / MR * MR;
    }
}
