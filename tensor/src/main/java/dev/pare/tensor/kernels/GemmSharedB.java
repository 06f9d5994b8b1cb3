package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.GemmBlocking.NR;

import dev.pare.tensor.parallel.Parallel;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How the threads of a large {@link Gemm} share one packed B̃ instead of each packing its own.
 *
 * <p>The other schedule of {@link Gemm} splits C into pieces of columns (or rows), and each piece
 * runs the whole blocked loop, packing the operand it does not split all over again: two threads
 * each pack all of A (or of B). At 1024³ and beyond that repeated packing, plus each thread
 * streaming its own B̃ through the shared L3, is what kept two threads well short of twice one.
 * Here every K block of B̃ is packed once, by all threads together, and then all threads compute
 * with it, each packing only its own rows of A, as BLIS and OpenBLAS do:
 * <pre>
 *   for jc in N by NC, pc in K by KC:
 *     pack phase:     the micro-panels of B̃, a few at a time, taken by whichever thread is free
 *     wait until every micro-panel is packed
 *     compute phase:  row blocks of C (MC rows): pack that Ã, multiply by all of B̃, taken likewise
 *     wait until every row block is done (the next pack phase overwrites B̃)
 * </pre>
 *
 * <p>Items are taken from one counter, and a thread never takes an item of the next phase: it
 * claims an item only while the counter is below the phase's end. A thread that loses its core
 * for a while (on a shared machine) simply takes fewer items; a thread that arrives late, or
 * never (a loop run on the calling thread alone when the workers are busy), leaves its items to
 * the others, so the waits cannot deadlock: every item below a phase's end has been claimed by a
 * running thread, which finishes it without waiting.
 *
 * <p>The result is the same, bit for bit, as on one thread: the K blocks are those of the
 * blocking, each element of C is computed by the same operations in the same order, and which
 * thread packs a micro-panel or computes a row block changes nothing in its values.
 */
final class GemmSharedB {
    private final GemmOperands.Floats operands;
    private final int m;
    private final int n;
    private final int k;
    private final int kb;
    private final int mb;
    private final int rowTiles;
    private final int rowBlocks;
    private final int nb;
    private final int panelsPerItem;
    private final float[] bp;
    private final float[] c;
    private final int co;
    private final int ldc;
    private final boolean accumulate;
    private final GemmEpilogue last;
    private final AtomicInteger claimed = new AtomicInteger();
    private final AtomicInteger done = new AtomicInteger();
    private volatile boolean failed;

    private GemmSharedB(GemmOperands.Floats operands, GemmBlocking blocking, int m, int n, int k, float[] bp,
                        float[] c, int co, int ldc, boolean accumulate, GemmEpilogue last, int threads) {
        this.operands = operands;
        this.m = m;
        this.n = n;
        this.k = k;
        this.kb = blocking.kBlock(k);
        // Row blocks of at most the blocking's MC, but small enough that there are a few per thread:
        // the compute phase is shared out only as finely as its items. Their number is a multiple
        // of the thread count and they are equal to within one tile, so that threads taking them
        // in turn finish together: blocks of MC rows and one short remainder (1024 rows as 17
        // blocks of 60 and one of 4) would leave one thread a whole block more to do than the
        // other. (Which rows share a block changes no value.)
        int few = (m + 4 * threads - 1) / (4 * threads);
        int most = Math.max(GemmBlocking.MR, Math.min(blocking.mBlock(m, kb), (few + GemmBlocking.MR - 1) / GemmBlocking.MR * GemmBlocking.MR));
        this.rowTiles = (m + GemmBlocking.MR - 1) / GemmBlocking.MR;
        this.rowBlocks = rowBlocks(rowTiles, most / GemmBlocking.MR, threads);
        this.mb = (rowTiles + rowBlocks - 1) / rowBlocks * GemmBlocking.MR;
        this.nb = blocking.nc();
        // A few pack items per thread, so that the packing is shared out evenly too.
        int panels = (Math.min(nb, n) + NR - 1) / NR;
        this.panelsPerItem = Math.max(1, panels / (4 * threads));
        this.bp = bp;
        this.c = c;
        this.co = co;
        this.ldc = ldc;
        this.accumulate = accumulate;
        this.last = last;
    }

    /** C[m × n] at c[co] (+)= op(A)·op(B), then {@code last} if not null, on all of Parallel's threads. */
    static void run(GemmOperands.Floats operands, GemmBlocking blocking, int m, int n, int k,
                    float[] c, int co, int ldc, boolean accumulate, GemmEpilogue last) {
        int threads = Parallel.threads();
        int kb = blocking.kBlock(k);
        float[] bp = Gemm.workspace().sharedB(Math.min(blocking.nc(), (n + NR - 1) / NR * NR) * kb);
        GemmSharedB s = new GemmSharedB(operands, blocking, m, n, k, bp, c, co, ldc, accumulate, last, threads);
        Parallel.forRange(threads, 1, (lo, hi) -> s.work());
    }

    /** What each thread runs: every phase in order, taking items until the phase has none left. */
    private void work() {
        Gemm.Workspace ws = Gemm.workspace();
        boolean rowChunks = operands.aRowChunks();
        float[] ap = ws.packedA(GemmPacking.aBlockSize(rowChunks, mb, kb));
        int base = 0;
        try {
            for (int jc = 0; jc < n; jc += nb) {
                int nc = Math.min(nb, n - jc);
                int panels = (nc + NR - 1) / NR;
                int packItems = (panels + panelsPerItem - 1) / panelsPerItem;
                for (int pc = 0; pc < k; pc += kb) {
                    int kc = Math.min(kb, k - pc);
                    int end = base + packItems;
                    for (int i = claim(end); i >= 0; i = claim(end)) {
                        int u0 = (i - base) * panelsPerItem;
                        int u1 = Math.min(panels, u0 + panelsPerItem);
                        int cols = Math.min(nc - u0 * NR, (u1 - u0) * NR);
                        // Micro-panel u of this B̃ lies at u·NR·kc: pack a run of them in place.
                        GemmPacking.packB(operands.transB(), operands.b(), operands.bo(), operands.ldb(),
                                pc, kc, jc + u0 * NR, cols, bp, u0 * NR * kc);
                        done.incrementAndGet();
                    }
                    if (!awaitAll(end)) {
                        return;
                    }
                    base = end;
                    boolean add = accumulate || pc > 0;
                    GemmEpilogue finish = pc + kc == k ? last : null;
                    end = base + rowBlocks;
                    for (int i = claim(end); i >= 0; i = claim(end)) {
                        int ic = firstTile(i - base, rowTiles, rowBlocks) * GemmBlocking.MR;
                        int mc = Math.min(m, firstTile(i - base + 1, rowTiles, rowBlocks) * GemmBlocking.MR) - ic;
                        operands.packA(ic, mc, pc, kc, ap);
                        Gemm.macroKernel(mc, nc, kc, rowChunks, ap, bp, 0, ws.tile, c, co + ic * ldc + jc, ldc, add, finish, jc);
                        done.incrementAndGet();
                    }
                    if (!awaitAll(end)) {
                        return;
                    }
                    base = end;
                }
            }
        } catch (RuntimeException | Error e) {
            // The others must not wait for an item that will never be done.
            failed = true;
            throw e;
        }
    }

    /**
     * How many row blocks a compute phase has for {@code tiles} row tiles, blocks of at most
     * {@code most} tiles: the fewest that keep to that size, rounded up to a multiple of the
     * thread count (but never more than one per tile).
     */
    static int rowBlocks(int tiles, int most, int threads) {
        int blocks = (tiles + most - 1) / most;
        return Math.min(tiles, (blocks + threads - 1) / threads * threads);
    }

    /** The first row tile of block {@code b} of {@code blocks}: block b covers [b·T/B, (b+1)·T/B). */
    static int firstTile(int b, int tiles, int blocks) {
        return (int) ((long) b * tiles / blocks);
    }

    /** The next item below {@code end}, or −1 when the phase has none left. */
    private int claim(int end) {
        while (true) {
            int i = claimed.get();
            if (i >= end) {
                return -1;
            }
            if (claimed.compareAndSet(i, i + 1)) {
                return i;
            }
        }
    }

    /** Waits until every item below {@code end} is done; false if another thread failed. */
    private boolean awaitAll(int end) {
        while (done.get() < end) {
            if (failed) {
                return false;
            }
            Thread.onSpinWait();
        }
        return true;
    }
}
