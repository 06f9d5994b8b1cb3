package dev.pare.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pare.tensor.parallel.Parallel;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** matmul against a triple loop over {@link Tensor#get}, for every shape rule and layout. */
class MatMulProperties {

    private static void checkAgainstLoops(Tensor a, Tensor b, Tensor c) {
        int m = a.size(-2);
        int k = a.size(-1);
        int n = b.size(-1);
        int[] batch = java.util.Arrays.copyOf(c.shape(), c.dim() - 2);
        TestTensors.forEachIndex(batch, bi -> {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    double mag = 0;
                    for (int p = 0; p < k; p++) {
                        float x = TestTensors.getBroadcast(a, concat(bi, i, p));
                        float y = TestTensors.getBroadcast(b, concat(bi, p, j));
                        acc += (double) x * y;
                        mag += Math.abs((double) x * y);
                    }
                    float got = c.get(concat(bi, i, j));
                    if (Math.abs(got - acc) > 1e-5 * mag + 1e-6) {
                        fail(TestTensors.str(a.shape()) + " @ " + TestTensors.str(b.shape()) + " at batch "
                                + TestTensors.str(bi) + " (" + i + ", " + j + "): expected " + acc + ", got " + got);
                    }
                }
            }
        });
    }

    private static int[] concat(int[] batch, int r, int c) {
        int[] idx = java.util.Arrays.copyOf(batch, batch.length + 2);
        idx[batch.length] = r;
        idx[batch.length + 1] = c;
        return idx;
    }

    @Property(tries = 60)
    void matrixProductsMatchTripleLoopsForEveryTransposeForm(@ForAll @IntRange(min = 1, max = 40) int m,
                                                              @ForAll @IntRange(min = 1, max = 40) int k,
                                                              @ForAll @IntRange(min = 1, max = 40) int n,
                                                              @ForAll long seed) {
        Rng rng = new Rng(seed);
        Tensor a = Tensor.randn(rng, m, k);
        Tensor b = Tensor.randn(rng, k, n);
        Tensor at = Tensor.randn(rng, k, m).t();
        Tensor bt = Tensor.randn(rng, n, k).t();
        checkAgainstLoops(a, b, a.matmul(b));
        checkAgainstLoops(at, b, at.matmul(b));
        checkAgainstLoops(a, bt, a.matmul(bt));
        checkAgainstLoops(at, bt, at.matmul(bt));
        Tensor sliced = Tensor.randn(rng, m, 2 * k + 1).slice(1, 1, 2 * k + 1, 2); // neither layout: copied
        checkAgainstLoops(sliced, b, sliced.matmul(b));
    }

    @Property(tries = 30)
    void batchDimsBroadcast(@ForAll @IntRange(min = 1, max = 9) int m, @ForAll @IntRange(min = 1, max = 9) int k,
                            @ForAll @IntRange(min = 1, max = 9) int n, @ForAll long seed) {
        Rng rng = new Rng(seed);
        Tensor a = Tensor.randn(rng, 3, 1, m, k);
        Tensor b = Tensor.randn(rng, 2, k, n);
        Tensor c = a.matmul(b);
        assertArrayEquals(new int[] {3, 2, m, n}, c.shape());
        checkAgainstLoops(a, b, c);
        Tensor shared = Tensor.randn(rng, k, n);
        checkAgainstLoops(a, shared, a.matmul(shared));
    }

    @Test
    void vectorsFollowNumpyRules() {
        Tensor v = Tensor.fromArray(1, 2, 3);
        Tensor mat = Tensor.arange(6).reshape(3, 2);
        assertArrayEquals(new float[] {14}, v.matmul(v).toArray(), 0f);
        assertArrayEquals(new int[] {}, v.matmul(v).shape());
        assertArrayEquals(new float[] {16, 22}, v.matmul(mat).toArray(), 0f);
        assertArrayEquals(new float[] {2, 3}, mat.t().matmul(Tensor.fromArray(0, 1, 0)).toArray(), 0f);
    }

    @Test
    void innerDimensionMismatchNamesBothShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(2, 3).matmul(Tensor.zeros(4, 5)));
        assertTrue(e.getMessage().startsWith("matmul: [2, 3] @ [4, 5]: inner dimensions 3 and 4 differ"), e.getMessage());
    }

    @Test
    void resultBitsDoNotDependOnTheThreadCount() {
        Rng rng = new Rng(7);
        Tensor a = Tensor.randn(rng, 300, 257);
        Tensor b = Tensor.randn(rng, 257, 129);
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            float[] one = a.matmul(b).toArray();
            float[] oneT = a.t().t().matmul(b.t().contiguous().t()).toArray();
            Parallel.setThreads(3);
            assertArrayEquals(one, a.matmul(b).toArray(), 0f, "1 vs 3 threads");
            assertArrayEquals(oneT, a.t().t().matmul(b.t().contiguous().t()).toArray(), 0f, "1 vs 3 threads, Bᵀ form");
        } finally {
            Parallel.setThreads(before);
        }
    }
    /**
     * Many small products (attention's heads) go to SmallProduct, split over threads by product:
     * each must come out with the bits of its scalar twin on row-major copies, whatever the thread
     * count, also when one operand is a strided head view and the other is broadcast over the
     * batch.
     */
    @Test
    void batchesOfSmallProductsGiveEachProductsBitsOnAnyThreadCount() {
        Rng rng = new Rng(11);
        Tensor x = Tensor.randn(rng, 6, 17, 64);
        Tensor a = x.view(6, 17, 4, 16).transpose(1, 2);          // [6, 4, 17, 16], rows 64 apart
        Tensor b = Tensor.randn(rng, 4, 17, 16).transpose(-1, -2);  // [4, 16, 17], broadcast over 6
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            float[] one = a.matmul(b).toArray();
            Parallel.setThreads(3);
            float[] three = a.matmul(b).toArray();
            assertArrayEquals(one, three, 0f, "1 vs 3 threads");
            for (int i = 0; i < 6; i++) {
                for (int h = 0; h < 4; h++) {
                    float[] ai = a.narrow(0, i, 1).narrow(1, h, 1).reshape(17, 16).toArray();
                    float[] bh = b.narrow(0, h, 1).reshape(16, 17).toArray();
                    float[] alone = new float[17 * 17];
                    dev.pare.tensor.kernels.SmallProduct.multiplyScalar(17, 17, 16, ai, 0, 16, 1, bh, 0, 17, 1,
                            alone, 0, 17);
                    float[] inBatch = java.util.Arrays.copyOfRange(three, (i * 4 + h) * 17 * 17, (i * 4 + h + 1) * 17 * 17);
                    assertArrayEquals(alone, inBatch, 0f, "product [" + i + ", " + h + "] of the batch vs its scalar twin");
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    /**
     * A [.., M, K] @ [K, N] product with a contiguous left operand is computed as one
     * [(..·M), K] @ [K, N] product: the same values and gradients as the batched form, and the
     * weight's gradient summed over every row.
     */
    @Test
    void sequencesTimesAMatrixFoldIntoOneProductWithTheSameGradients() {
        Rng rng = new Rng(5);
        Tensor x = Tensor.randn(rng, 3, 5, 7).requiresGrad(true);
        Tensor w = Tensor.randn(rng, 7, 4).requiresGrad(true);
        Tensor g = Tensor.randn(rng, 3, 5, 4);
        Tensor y = x.matmul(w);
        assertArrayEquals(new int[] {3, 5, 4}, y.shape());
        y.backward(g);
        float[] xs = x.toArray();
        float[] ws = w.toArray();
        float[] gs = g.toArray();
        float[] dx = new float[3 * 5 * 7];
        float[] dw = new float[7 * 4];
        for (int r = 0; r < 15; r++) {
            for (int j = 0; j < 4; j++) {
                double acc = 0;
                for (int p = 0; p < 7; p++) {
                    acc += (double) xs[r * 7 + p] * ws[p * 4 + j];
                    dx[r * 7 + p] += gs[r * 4 + j] * ws[p * 4 + j];
                    dw[p * 4 + j] += xs[r * 7 + p] * gs[r * 4 + j];
                }
                assertEquals(acc, y.toArray()[r * 4 + j], 1e-5, "y row " + r + " column " + j);
            }
        }
        assertArrayEquals(dx, x.grad().toArray(), 1e-5f, "dX");
        assertArrayEquals(dw, w.grad().toArray(), 1e-4f, "dW");
    }
}
