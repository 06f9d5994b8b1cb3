package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.parallel.Parallel;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * {@link GemmBatch} against one {@link Gemm#gemm} per sample, bit for bit: op(A) plain and
 * transposed, sizes from the direct path's tiny products to more than one block of K and of M
 * (so that A's blocks are packed again and later K blocks add), samples with gaps between them,
 * 1 and 2 threads; each sample's callback runs once, after its C is complete.
 */
class GemmBatchProperties {

    @Property(tries = 80)
    void batchEqualsOneGemmPerSampleBitForBit(@ForAll @IntRange(min = 0, max = 140) int m,
                                              @ForAll @IntRange(min = 0, max = 90) int n,
                                              @ForAll @IntRange(min = 0, max = 300) int k,
                                              @ForAll @IntRange(min = 1, max = 5) int batch,
                                              @ForAll boolean transA,
                                              @ForAll @IntRange(min = 0, max = 3) int gap,
                                              @ForAll @IntRange(min = 1, max = 2) int threads,
                                              @ForAll boolean smallBlocks,
                                              @ForAll @IntRange(min = 1, max = 40) int kc,
                                              @ForAll @IntRange(min = 1, max = 3) int mcPanels,
                                              @ForAll @IntRange(min = 1, max = 2) int ncPanels,
                                              @ForAll long seed) {
        // This machine's blocks, or small ones that split K, M and N into several blocks.
        GemmBlocking blocking = smallBlocks
                ? new GemmBlocking(kc, mcPanels * GemmBlocking.MR, ncPanels * GemmBlocking.NR) : GemmBlocking.DEFAULT;
        boolean direct = (long) m * n * k <= GemmBlocking.DIRECT_MAX_WORK || m == 1 || n == 1;
        SplittableRandom rng = new SplittableRandom(seed);
        int lda = (transA ? m : k) + gap;
        int ldb = n + gap;
        int ldc = n + gap;
        int bStride = k * ldb + gap;
        int cStride = m * ldc + gap;
        float[] a = gaussian(rng, 2 + (transA ? k : m) * lda);
        float[] b = gaussian(rng, 1 + batch * bStride);
        float[] c = gaussian(rng, 3 + batch * cStride);   // junk: the product stores, it does not add
        float[] expected = c.clone();
        for (int s = 0; s < batch; s++) {
            if (direct || !smallBlocks) {
                Gemm.gemm(transA, false, m, n, k, a, 2, lda, b, 1 + s * bStride, ldb, expected, 3 + s * cStride, ldc,
                        false);
            } else {
                Gemm.packedProduct(m, n, k, new GemmOperands.Floats(transA, false, a, 2, lda, b, 1 + s * bStride, ldb),
                        expected, 3 + s * cStride, ldc, false, blocking);
            }
        }
        AtomicIntegerArray calls = new AtomicIntegerArray(batch);
        int before = Parallel.threads();
        Parallel.setThreads(threads);
        try {
            GemmBatch.gemm(transA, m, n, k, a, 2, lda, batch, b, 1, bStride, ldb, c, 3, cStride, ldc, s -> {
                // The sample's C is complete when it is handed over: compare it now.
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        int at = 3 + s * cStride + i * ldc + j;
                        assertEquals(Float.floatToIntBits(expected[at]), Float.floatToIntBits(c[at]),
                                "sample " + s + " C[" + i + ", " + j + "] when its callback ran");
                    }
                }
                calls.incrementAndGet(s);
            }, blocking);
        } finally {
            Parallel.setThreads(before);
        }
        String what = "m=" + m + " n=" + n + " k=" + k + " batch=" + batch + " transA=" + transA + " threads="
                + threads + " (species " + VectorConfig.describe() + ")";
        for (int i = 0; i < c.length; i++) {
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(c[i]), what + ": float " + i);
        }
        for (int s = 0; s < batch; s++) {
            assertEquals(1, calls.get(s), what + ": callbacks of sample " + s);
        }
    }

    @Example
    void operandsThatDoNotFitAreRejectedWithTheSampleNamed() {
        float[] a = new float[6];
        float[] b = new float[3 * 4 * 2];
        float[] c = new float[2 * 4 * 2];
        // Three samples of B [3, 4] with a stride of 12 need 36 floats; the array has 24.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GemmBatch.gemm(false, 2, 4, 3, a, 0, 3, 3, b, 0, 12, 4, new float[24], 0, 8, 4, null));
        assertTrue(e.getMessage().contains("B[2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> GemmBatch.gemm(false, 2, 4, 3, a, 0, 3, 2, b, 0, 12, 4, c, 1, 8, 4, null));
        assertTrue(e.getMessage().contains("C[1]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> GemmBatch.gemm(false, 2, 4, 3, a, 0, 3, 2, b, 0, -1, 4, c, 0, 8, 4, null));
        assertTrue(e.getMessage().contains("bStride=-1"), e.getMessage());
    }

    private static float[] gaussian(SplittableRandom rng, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rng.nextDouble() * 2 - 1);
        }
        return x;
    }
}
