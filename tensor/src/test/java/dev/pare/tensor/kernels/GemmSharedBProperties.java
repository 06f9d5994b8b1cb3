package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.parallel.Parallel;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The schedule in which threads share one packed B̃ ({@link GemmSharedB}) against the plain blocked
 * loops on one thread, with blocks small enough that small products have several K blocks,
 * column panels, pack items and row blocks, so that every phase boundary is crossed: the same
 * bits on 1, 2 and 3 threads (1 is also the case of a loop run on the calling thread alone).
 */
class GemmSharedBProperties {

    @Provide
    Arbitrary<Integer> awkward() {
        return Arbitraries.of(1, 2, 5, 6, 7, 13, 17, 31, 32, 33, 63, 65, 97, 129, 200);
    }

    @Property(tries = 40, edgeCases = EdgeCasesMode.MIXIN)
    void sharedPackingGivesTheBitsOfOneThread(@ForAll("awkward") int m, @ForAll("awkward") int n,
                                              @ForAll @IntRange(min = 1, max = 90) int k,
                                              @ForAll @IntRange(min = 1, max = 40) int kc,
                                              @ForAll @IntRange(min = 1, max = 3) int mcPanels,
                                              @ForAll @IntRange(min = 1, max = 3) int ncPanels,
                                              @ForAll boolean transA, @ForAll boolean transB,
                                              @ForAll boolean accumulate, @ForAll boolean relu,
                                              @ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int lda = (transA ? m : k) + 1;
        int ldb = (transB ? k : n) + 1;
        int ldc = n + 2;
        float[] a = random(rnd, (transA ? k : m) * lda);
        float[] b = random(rnd, (transB ? n : k) * ldb);
        float[] c0 = random(rnd, m * ldc);
        float[] bias = random(rnd, n);
        GemmOperands.Floats operands = new GemmOperands.Floats(transA, transB, a, 0, lda, b, 0, ldb);
        GemmBlocking tiny = new GemmBlocking(kc, mcPanels * GemmBlocking.MR, ncPanels * GemmBlocking.NR);
        GemmEpilogue epilogue = new GemmEpilogue(bias, 0, relu);
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            float[] expected = c0.clone();
            Gemm.packedProduct(m, n, k, operands, expected, 0, ldc, accumulate, tiny, epilogue);
            for (int t : new int[] {1, 2, 3}) {
                Parallel.setThreads(t);
                float[] shared = c0.clone();
                GemmSharedB.run(operands, tiny, m, n, k, shared, 0, ldc, accumulate, epilogue);
                String what = "m=" + m + " n=" + n + " k=" + k + " " + tiny.describe() + " transA=" + transA
                        + " transB=" + transB + " accumulate=" + accumulate + " on " + t + " threads";
                assertArrayEquals(expected, shared, what);
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Property(tries = 300)
    void rowBlocksAreEqualToWithinOneTileAndShareOutEvenly(@ForAll @IntRange(min = 1, max = 5000) int tiles,
                                                           @ForAll @IntRange(min = 1, max = 200) int most,
                                                           @ForAll @IntRange(min = 1, max = 8) int threads) {
        int blocks = GemmSharedB.rowBlocks(tiles, most, threads);
        String what = tiles + " tiles, blocks of at most " + most + ", " + threads + " threads: " + blocks + " blocks";
        assertTrue(blocks >= 1 && blocks <= tiles, what);
        assertTrue(blocks % threads == 0 || blocks == tiles, what + ": not a multiple of the threads");
        assertEquals(0, GemmSharedB.firstTile(0, tiles, blocks), what);
        assertEquals(tiles, GemmSharedB.firstTile(blocks, tiles, blocks), what);
        int smallest = Integer.MAX_VALUE;
        int largest = 0;
        for (int b = 0; b < blocks; b++) {
            int size = GemmSharedB.firstTile(b + 1, tiles, blocks) - GemmSharedB.firstTile(b, tiles, blocks);
            smallest = Math.min(smallest, size);
            largest = Math.max(largest, size);
        }
        assertTrue(smallest >= 1 && largest - smallest <= 1, what + ": sizes " + smallest + ".." + largest);
        assertTrue(largest <= most, what + ": a block of " + largest + " tiles");
    }

    private static float[] random(SplittableRandom rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }
}
