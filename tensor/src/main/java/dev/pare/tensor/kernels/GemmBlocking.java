package dev.pare.tensor.kernels;

/**
 * The block sizes of the packed GEMM, derived from the vector width and the cache sizes of the
 * machine it runs on ({@link CpuCaches}), and why each one is what it is.
 *
 * <p>The packed GEMM ({@link Gemm}) walks C in nested levels of blocks, each sized so that
 * the data it re-reads most often stays close to the core:
 * <pre>
 *   register tile  MR × NR   accumulators of C          vector registers
 *   micro-panel    KC × NR   a sliver of packed B        L2, re-read by every micro-panel of A
 *   block          MC × KC   packed A                    L2, re-read for every micro-panel of B
 *   panel          KC × NC   packed B                    L3 (or memory)
 * </pre>
 * The register tile is fixed by the register file; the other three are computed once, from the
 * caches, by {@link #forCaches}. They only need to be right to within a factor of about two: a
 * block that is a little small is re-read a little more often, which is a slope, not a cliff.
 *
 * <p>The textbook choice (BLIS's analytical model) keeps the B micro-panel in L1 and therefore
 * caps KC at a few hundred. That model assumes a micro-kernel that prefetches the C tile it is
 * about to update. Java has no prefetch instruction: each time a tile of C is loaded, added to and
 * stored, a C that no longer fits in cache makes the core wait for memory, once per tile and per
 * K block. The only lever left is to update C less often, that is, to make KC deep. The micro-panel
 * then outgrows L1 and is read from L2, which costs nothing measurable: per step the kernel needs
 * two vectors of B for 2·MR fused multiply-adds, a small fraction of what L2 delivers per cycle,
 * and the reads are sequential, which the hardware prefetchers follow.
 *
 * <p>Results depend on KC (it decides where the K sum is cut and so how it rounds), hence on the
 * cache sizes: they are identical for any thread count on one machine, and may differ in the last
 * bits between machines, as they already do between vector widths.
 *
 * @param kc depth of one block of the K sum
 * @param mc rows of A packed at once, a multiple of {@link #MR}
 * @param nc columns of B packed at once, a multiple of {@link #NR}
 */
record GemmBlocking(int kc, int mc, int nc) {

    /** Float lanes in one vector of {@link VectorConfig#FLOAT}. */
    static final int LANES = VectorConfig.FLOAT_LANES;

    /**
     * Rows of the register tile: 8 with 16-lane vectors (AVX-512), 6 with narrower ones.
     *
     * <p>Each step of the K sum loads 2 vectors of B and broadcasts MR elements of A for 2·MR fused
     * multiply-adds, and the tile needs 2·MR accumulators + 2 vectors of B + 1 broadcast registers.
     * With AVX2's 16 registers, 6 rows (15 registers) is the most that fits; 12 independent FMA
     * chains also cover the FMA latency (4 cycles) times the two FMA units. AVX-512 has 32
     * registers, and 8 rows (19 registers) does 16 FMAs for 10 loads instead of 12 for 8, and
     * updates C (the tile's round trip through memory) a third less often per FMA. More rows would
     * fit too (OpenBLAS's AVX-512 SGEMM keeps 24 accumulators), at the price of a micro-kernel
     * large enough to approach C2's inlining budget (see {@link GemmMicroKernel}). Must match the
     * hand-unrolled rows of {@link GemmMicroKernel}.
     */
    static final int MR = VectorConfig.FLOAT_LANES >= 16 ? 8 : 6;

    /** Columns of the register tile: two vectors. Must match {@link GemmMicroKernel}. */
    static final int NR = 2 * LANES;

    /**
     * At or below this many multiply-adds (M·N·K) the packed path's fixed costs (zeroing, packing
     * two padded panels, an MR × 2-vector tile for a few outputs) outweigh its gain and
     * {@link GemmDirect} is used: the packed kernel wins from a few hundred multiply-adds on, so
     * the direct path is for the truly tiny only (and for matrix-vector products, which
     * {@link Gemm} sends there whatever their size).
     */
    static final long DIRECT_MAX_WORK = 256;

    /**
     * Below this many multiply-adds a product runs on one thread. Handing a piece to another core
     * means waking a parked pool thread through the operating system's scheduler (slower still in
     * a virtual machine), and the second thread also re-packs the operand that is not split.
     * Below 2²² multiply-adds the work saved is of the same order as that hand-off, so a split
     * cannot pay for itself, and two threads would be slower than one.
     */
    static final long PARALLEL_MIN_WORK = 1L << 22;

    /**
     * A matrix-vector product (one row or one column of C) runs on several threads from this many
     * multiply-adds on: 2¹⁷, a float matrix of 512 KiB. Such a product uses each matrix element
     * once, so its time is set by the bytes it reads rather than by its arithmetic, and 2²²
     * multiply-adds (the threshold above) would be 16 MB of floats, tens of microseconds on each
     * of two cores. Half of 512 KiB takes one core a few microseconds to read, more than handing
     * it to a worker that is still polling for work costs (a cache-line transfer); and when the
     * worker is asleep the caller takes its half back rather than wait ({@code WorkerPool}), so a
     * split costs little even then. The int8 kernels ({@link Int8Gemv}, {@link Int8WeightGemv})
     * split at the same count: they read a quarter of the bytes, but their integer arithmetic costs
     * them more instructions per weight than a float multiply-add, so that with 256-bit vectors one of their
     * multiply-adds takes about as long as a float one read from cache. Each output is still one
     * thread's whole sum, so the bits do not depend on the thread count.
     */
    static final long GEMV_PARALLEL_MIN_WORK = 1L << 17;

    /**
     * From this many multiply-adds on (1024³ / 2), work is handed out in small items taken
     * dynamically rather than one piece per thread: on a shared machine a thread may lose its core
     * for a while, and with one piece per thread everyone then waits for it. Float products then
     * share each packed block of B between the threads ({@link GemmSharedB}); the other operand
     * kinds (int8 weights, convolution patches) cut C into {@link #PIECES_PER_THREAD} pieces per
     * thread, each of which packs the operand that is not split again, a small amount of extra
     * work, which is why smaller products keep one piece per thread.
     */
    static final long DYNAMIC_MIN_WORK = 1L << 29;

    /** Pieces per thread for products of at least {@link #DYNAMIC_MIN_WORK}. */
    static final int PIECES_PER_THREAD = 4;

    /** KC never exceeds this: past it the C update is a negligible part of a tile's work. */
    static final int KC_MAX = 1024;

    /** NC never exceeds this: a wider panel only saves re-packing A, already a small cost then. */
    static final int NC_MAX_COLUMNS = 4096;

    /**
     * MC never exceeds this many rows: a taller block re-reads each micro-panel of B a little less
     * often, which stops mattering long before a very large L2 is filled, while its buffer (one per
     * thread) keeps growing. A multiple of every MR.
     */
    static final int MC_MAX_ROWS = 600;

    /** The blocking for this machine: {@link #forCaches} of {@link CpuCaches#DETECTED}. */
    static final GemmBlocking DEFAULT = forCaches(CpuCaches.DETECTED);

    GemmBlocking {
        if (kc < 1 || mc < MR || mc % MR != 0 || nc < NR || nc % NR != 0) {
            throw new IllegalArgumentException("GemmBlocking: kc=" + kc + " must be ≥ 1, mc=" + mc
                    + " a positive multiple of MR=" + MR + ", nc=" + nc + " a positive multiple of NR=" + NR);
        }
    }

    /**
     * The blocking for a core with the given caches:
     * <ul>
     *   <li>KC: the B micro-panel (KC × NR floats) takes an eighth of L2, within [128, {@link #KC_MAX}].
     *       It is re-read by each of the MC / MR micro-panels of A in turn, so it must stay in L2
     *       beside the A block; an eighth leaves room for that block and for the lines of C.</li>
     *   <li>MC: the A block (MC × KC floats) takes a quarter of L2, rounded down to whole
     *       micro-panels, within [2·MR, {@link #MC_MAX_ROWS}]. It is re-read once per micro-panel of B. Caches are not
     *       fully associative and the C rows being updated pass through L2 as well, so filling it
     *       to the brim would evict the block before it is reused.</li>
     *   <li>NC: the B panel (KC × NC floats) takes a quarter of L3, within [8·NR,
     *       {@link #NC_MAX_COLUMNS}]. L3 is shared with the other cores, and with the second
     *       thread's own panel.</li>
     * </ul>
     */
    static GemmBlocking forCaches(CpuCaches caches) {
        long l2 = Math.max(caches.l2(), 64 << 10);
        long l3 = Math.max(caches.l3(), l2);
        int kc = (int) clamp(l2 / 8 / (NR * (long) Float.BYTES), 128, KC_MAX);
        int mc = (int) clamp(l2 / 4 / ((long) kc * Float.BYTES) / MR, 2, MC_MAX_ROWS / MR) * MR;
        int nc = (int) clamp(l3 / 4 / ((long) kc * Float.BYTES) / NR, 8, NC_MAX_COLUMNS / NR) * NR;
        return new GemmBlocking(kc, mc, nc);
    }

    private static long clamp(long x, long lo, long hi) {
        return Math.max(lo, Math.min(hi, x));
    }

    /**
     * The common depth of the K blocks: K is cut into ceil(K / KC) blocks of equal depth (to
     * within one), so that K = 300 with KC = 256 makes two blocks of 150 rather than 256 + 44.
     * Depends on K and KC only, never on the thread count: the block boundaries decide the rounding.
     */
    int kBlock(int k) {
        int blocks = Math.max(1, (k + kc - 1) / kc);
        return (k + blocks - 1) / blocks;
    }

    /**
     * Like {@link #kBlock} for the rows of A: equal blocks, each a multiple of MR, for K blocks of
     * depth {@code kb}. MC is sized for a block of full depth KC; a shallower K (the products of a
     * small network often have K of a few hundred) leaves room in L2 for proportionally more rows,
     * at the same bytes, so that each micro-panel of B̃ is reused by that many more micro-panels of
     * Ã before the next is read. Which rows share a block changes nothing in the sums, so this
     * does not affect the result.
     */
    int mBlock(int m, int kb) {
        long scaled = (long) mc * kc / Math.max(1, kb) / MR * MR;
        int rowsPerBlock = (int) Math.max(mc, Math.min(MC_MAX_ROWS, scaled));
        int blocks = Math.max(1, (m + rowsPerBlock - 1) / rowsPerBlock);
        int rows = (m + blocks - 1) / blocks;
        return (rows + MR - 1) / MR * MR;
    }

    /** E.g. {@code "KC 1024, MC 64, NC 4096"} (16 lanes, L2 1 MiB). */
    String describe() {
        return "KC " + kc + ", MC " + mc + ", NC " + nc;
    }
}
