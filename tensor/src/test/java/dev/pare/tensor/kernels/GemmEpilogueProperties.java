package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.parallel.Parallel;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The two ways {@link Gemm} saves passes for a linear layer, each against the plain product it
 * replaces: the epilogue ({@link GemmEpilogue}: bias and ReLU applied as C is written) against the
 * plain product followed by the bias and ReLU in scalar loops; and a B packed once
 * ({@link GemmPackedB}) against packing it on every call. Both must give the same bits, not merely
 * close values: a layer's output must not depend on which path computed it.
 */
class GemmEpilogueProperties {

    @Provide
    Arbitrary<Integer> awkward() {
        return Arbitraries.of(1, 2, 3, 5, 6, 7, 8, 9, 13, 16, 17, 31, 32, 33, 37, 63, 64, 65, 97, 129, 257);
    }

    @Property(tries = 80, edgeCases = EdgeCasesMode.MIXIN)
    void epilogueGivesTheBitsOfTheProductThenBiasThenRelu(@ForAll("awkward") int m, @ForAll("awkward") int n,
                                                          @ForAll("awkward") int k, @ForAll boolean transA,
                                                          @ForAll boolean transB, @ForAll boolean accumulate,
                                                          @ForAll boolean withBias, @ForAll boolean relu,
                                                          @ForAll long seed) {
        Case c = new Case(transA, transB, m, n, k, accumulate, seed);
        GemmEpilogue e = new GemmEpilogue(withBias ? c.bias : null, 1, relu);
        float[] fused = c.c0.clone();
        Gemm.gemm(transA, transB, m, n, k, c.a, 1, c.lda, c.b, 2, c.ldb, fused, 3, c.ldc, accumulate, e);
        assertArrayEquals(c.plainThen(withBias, relu), fused, () -> c + ", bias " + withBias + ", relu " + relu);
    }

    /** Tiny blocks: the epilogue must be applied once, on the last K block, whatever the edges. */
    @Property(tries = 60, edgeCases = EdgeCasesMode.MIXIN)
    void epilogueIsAppliedOnceAfterTheLastKBlock(@ForAll("awkward") int m, @ForAll("awkward") int n,
                                                 @ForAll @IntRange(min = 1, max = 90) int k,
                                                 @ForAll @IntRange(min = 1, max = 40) int kc,
                                                 @ForAll boolean transA, @ForAll boolean transB,
                                                 @ForAll boolean accumulate, @ForAll boolean relu,
                                                 @ForAll long seed) {
        Case c = new Case(transA, transB, m, n, k, accumulate, seed);
        GemmBlocking tiny = new GemmBlocking(kc, GemmBlocking.MR, GemmBlocking.NR);
        float[] plain = c.c0.clone();
        Gemm.packedProduct(m, n, k, c.floats(), plain, 3, c.ldc, accumulate, tiny);
        c.finishScalar(plain, true, relu);
        float[] fused = c.c0.clone();
        Gemm.packedProduct(m, n, k, c.floats(), fused, 3, c.ldc, accumulate, tiny,
                new GemmEpilogue(c.bias, 1, relu));
        assertArrayEquals(plain, fused, () -> c + ", KC " + kc + ", relu " + relu);
    }

    @Property(tries = 60, edgeCases = EdgeCasesMode.MIXIN)
    void prepackedBGivesTheBitsOfPackingEachCall(@ForAll("awkward") int m, @ForAll("awkward") int n,
                                                 @ForAll("awkward") int k, @ForAll boolean transA,
                                                 @ForAll boolean transB, @ForAll boolean accumulate,
                                                 @ForAll boolean relu, @ForAll long seed) {
        Case c = new Case(transA, transB, m, n, k, accumulate, seed);
        GemmEpilogue e = new GemmEpilogue(c.bias, 1, relu);
        float[] plain = c.c0.clone();
        Gemm.gemm(transA, transB, m, n, k, c.a, 1, c.lda, c.b, 2, c.ldb, plain, 3, c.ldc, accumulate, e);
        GemmPackedB packed = GemmPackedB.pack(transB, k, n, c.b, 2, c.ldb);
        float[] fast = c.c0.clone();
        Gemm.gemm(transA, m, c.a, 1, c.lda, packed, fast, 3, c.ldc, accumulate, e);
        assertArrayEquals(plain, fast, c::toString);
    }

    /** Several K blocks and column panels in one pack, read in place from every piece of a split. */
    @Property(tries = 40, edgeCases = EdgeCasesMode.MIXIN)
    void prepackedBGivesTheSameBitsWithTinyBlocksOnAnyThreadCount(
            @ForAll("awkward") int m, @ForAll("awkward") int n, @ForAll @IntRange(min = 1, max = 90) int k,
            @ForAll @IntRange(min = 1, max = 40) int kc, @ForAll @IntRange(min = 1, max = 3) int ncPanels,
            @ForAll boolean transA, @ForAll boolean transB, @ForAll long seed) {
        Case c = new Case(transA, transB, m, n, k, false, seed);
        GemmBlocking tiny = new GemmBlocking(kc, GemmBlocking.MR, ncPanels * GemmBlocking.NR);
        GemmEpilogue e = new GemmEpilogue(c.bias, 1, true);
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            float[] plain = c.c0.clone();
            Gemm.packedProduct(m, n, k, c.floats(), plain, 3, c.ldc, false, tiny, e);
            GemmPackedB packed = GemmPackedB.pack(transB, k, n, c.b, 2, c.ldb, tiny);
            for (int t : new int[] {1, 2, 3}) {
                Parallel.setThreads(t);
                float[] fast = c.c0.clone();
                Gemm.packedProduct(m, n, k, new GemmOperands.Prepacked(transA, c.a, 1, c.lda, packed),
                        fast, 3, c.ldc, false, tiny, e);
                assertArrayEquals(plain, fast, () -> c + ", KC " + kc + ", on " + Parallel.threads() + " threads");
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Example
    void prepackedBCopiesTheSamePanelsThatPackingMakes() {
        Case c = new Case(false, true, 7, 70, 45, false, 3);
        GemmBlocking tiny = new GemmBlocking(20, GemmBlocking.MR, GemmBlocking.NR);
        GemmPackedB packed = GemmPackedB.pack(true, 45, 70, c.b, 2, c.ldb, tiny);
        GemmOperands.Prepacked pre = new GemmOperands.Prepacked(false, c.a, 1, c.lda, packed);
        int kb = tiny.kBlock(45);
        for (int pc = 0; pc < 45; pc += kb) {
            int kc = Math.min(kb, 45 - pc);
            float[] expected = new float[(70 + GemmBlocking.NR - 1) / GemmBlocking.NR * GemmBlocking.NR * kc];
            float[] actual = new float[expected.length];
            c.floats().packB(pc, kc, 0, 70, expected);
            pre.packB(pc, kc, 0, 70, actual);
            assertArrayEquals(expected, actual, "K block at row " + pc);
        }
        assertThrows(IllegalArgumentException.class, () -> pre.packB(1, kb, 0, 70, new float[4096]));
    }

    @Example
    void reluKeepsNaNVisibleAsTheReluOpDoes() {
        // Column 0 of A is {NaN, -2, 3, 0, ...}: row i of C is that value times row 0 of B (all 1),
        // on the direct path (16×16×1) and on the packed path (17×17×1).
        for (int size : new int[] {16, 17}) {
            float[] a = new float[size];
            a[0] = Float.NaN;
            a[1] = -2f;
            a[2] = 3f;
            float[] b = new float[size];
            java.util.Arrays.fill(b, 1f);
            float[] bias = new float[size];
            bias[1] = 0.5f;
            float[] plain = new float[size * size];
            Gemm.gemm(false, false, size, size, 1, a, 0, 1, b, 0, size, plain, 0, size, false);
            float[] fused = new float[size * size];
            Gemm.gemm(false, false, size, size, 1, a, 0, 1, b, 0, size, fused, 0, size, false,
                    new GemmEpilogue(bias, 0, true));
            for (int i = 0; i < plain.length; i++) {
                float expected = Unary.RELU.apply(plain[i] + bias[i % size], 0f, 0f);
                assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(fused[i]),
                        size + "×" + size + " at " + i + ": relu(" + plain[i] + " + " + bias[i % size] + ")");
            }
            assertTrue(Float.isNaN(fused[0]), "NaN must stay NaN");
        }
    }

    @Example
    void rejectsABiasShorterThanN() {
        float[] a = new float[12];
        float[] b = new float[12];
        float[] c = new float[9];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gemm.gemm(false, false,
                3, 3, 4, a, 0, 4, b, 0, 3, c, 0, 3, false, new GemmEpilogue(new float[3], 1, false)));
        assertTrue(e.getMessage().contains("bias of length 3 at offset 1 does not cover n=3"), e.getMessage());
        GemmPackedB packed = GemmPackedB.pack(false, 4, 3, b, 0, 3);
        e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(false, 4, a, 0, 4, packed, c, 0, 3, false, GemmEpilogue.NONE));
        assertTrue(e.getMessage().contains("A (4×4 stored"), e.getMessage());
    }

    /** Operands at offsets 1 (A), 2 (B), 3 (C), with padded leading dimensions; a bias at offset 1. */
    private static final class Case {
        final boolean transA;
        final boolean transB;
        final boolean accumulate;
        final int m;
        final int n;
        final int k;
        final int lda;
        final int ldb;
        final int ldc;
        final float[] a;
        final float[] b;
        final float[] c0;
        final float[] bias;

        Case(boolean transA, boolean transB, int m, int n, int k, boolean accumulate, long seed) {
            this.transA = transA;
            this.transB = transB;
            this.m = m;
            this.n = n;
            this.k = k;
            this.accumulate = accumulate;
            SplittableRandom rnd = new SplittableRandom(seed);
            lda = (transA ? m : k) + 1;
            ldb = (transB ? k : n) + 2;
            ldc = n + 1;
            a = random(rnd, 1 + (transA ? k : m) * lda);
            b = random(rnd, 2 + (transB ? n : k) * ldb);
            c0 = random(rnd, 3 + m * ldc);
            bias = random(rnd, 1 + n);
        }

        GemmOperands.Floats floats() {
            return new GemmOperands.Floats(transA, transB, a, 1, lda, b, 2, ldb);
        }

        /** The plain product, then the bias and ReLU as separate scalar passes. */
        float[] plainThen(boolean withBias, boolean relu) {
            float[] c = c0.clone();
            Gemm.gemm(transA, transB, m, n, k, a, 1, lda, b, 2, ldb, c, 3, ldc, accumulate);
            finishScalar(c, withBias, relu);
            return c;
        }

        void finishScalar(float[] c, boolean withBias, boolean relu) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    int idx = 3 + i * ldc + j;
                    float v = withBias ? c[idx] + bias[1 + j] : c[idx];
                    c[idx] = relu ? Unary.RELU.apply(v, 0f, 0f) : v;
                }
            }
        }

        @Override
        public String toString() {
            return "gemm(transA=" + transA + ", transB=" + transB + ", m=" + m + ", n=" + n + ", k=" + k
                    + ", accumulate=" + accumulate + ")";
        }
    }

    private static float[] random(SplittableRandom rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }
}
