package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pare.tensor.parallel.Parallel;
import java.util.Arrays;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The fast {@link Gemm} against its scalar twin {@link GemmScalar}, over awkward shapes, all four
 * transpose forms, accumulation, offsets and padded leading dimensions.
 *
 * <p>Tolerance: both results are float sums of K products, each with a rounding error of at most
 * about K·u·Σ|a·b| (u = 2⁻²⁴, the unit roundoff), so they may differ by twice that. The bound is
 * computed per element from the operands, which makes it scale with K and with the magnitudes.
 */
class GemmProperties {

    /** Sizes that are not multiples of any vector or tile width, and some that are, plus block edges. */
    @Provide
    Arbitrary<Integer> awkward() {
        return Arbitraries.of(1, 2, 3, 5, 6, 7, 8, 9, 13, 16, 17, 31, 32, 33, 37, 63, 64, 65, 97, 127, 128, 129, 257);
    }

    @Property(tries = 120, edgeCases = EdgeCasesMode.MIXIN)
    void matchesScalarTwinForEveryTransposeForm(@ForAll("awkward") int m, @ForAll("awkward") int n,
                                                @ForAll("awkward") int k, @ForAll boolean transA,
                                                @ForAll boolean transB, @ForAll boolean accumulate,
                                                @ForAll @IntRange(max = 3) int pad, @ForAll long seed) {
        Case c = new Case(transA, transB, m, n, k, pad, accumulate, seed);
        c.check();
    }

    @Property(tries = 30)
    void matchesScalarTwinForTallSkinnyAndShortWide(@ForAll @IntRange(min = 1, max = 9) int small,
                                                    @ForAll @IntRange(min = 200, max = 1100) int large,
                                                    @ForAll @IntRange(min = 1, max = 300) int k,
                                                    @ForAll boolean tall, @ForAll boolean transA,
                                                    @ForAll boolean transB, @ForAll long seed) {
        int m = tall ? large : small;
        int n = tall ? small : large;
        new Case(transA, transB, m, n, k, 1, false, seed).check();
    }

    @Property(tries = 12)
    void matchesScalarTwinWhenKSpansSeveralBlocks(@ForAll @IntRange(min = 1, max = 400) int beyond,
                                                  @ForAll("awkward") int m, @ForAll boolean transA,
                                                  @ForAll boolean transB, @ForAll boolean accumulate,
                                                  @ForAll long seed) {
        // This machine's KC, whatever its caches made it: K just past one block, up to a few hundred more.
        int k = GemmBlocking.DEFAULT.kc() + beyond;
        assertTrue(GemmBlocking.DEFAULT.kBlock(k) < k, "K=" + k + " must span several KC blocks");
        new Case(transA, transB, m, 67, k, 0, accumulate, seed).check();
    }

    /**
     * Blocks far smaller than any real machine's, so that small products cross every block edge at
     * once: several K blocks (uneven by one), several row blocks, several column panels, and
     * partial tiles in each. This is how the loops are checked independently of the caches of the
     * machine that runs the tests.
     */
    @Property(tries = 80, edgeCases = EdgeCasesMode.MIXIN)
    void matchesScalarTwinWithTinyBlocksAtEveryEdge(@ForAll("awkward") int m, @ForAll("awkward") int n,
                                                    @ForAll @IntRange(min = 1, max = 90) int k,
                                                    @ForAll @IntRange(min = 1, max = 40) int kc,
                                                    @ForAll @IntRange(min = 1, max = 3) int mcPanels,
                                                    @ForAll @IntRange(min = 1, max = 3) int ncPanels,
                                                    @ForAll boolean transA, @ForAll boolean transB,
                                                    @ForAll boolean accumulate, @ForAll long seed) {
        GemmBlocking tiny = new GemmBlocking(kc, mcPanels * GemmBlocking.MR, ncPanels * GemmBlocking.NR);
        new Case(transA, transB, m, n, k, 1, accumulate, seed).withBlocking(tiny).check();
    }

    @Property(tries = 20)
    void givesTheSameBitsForAnyThreadCountWithTinyBlocks(@ForAll("awkward") int m, @ForAll("awkward") int n,
                                                         @ForAll @IntRange(min = 1, max = 90) int k,
                                                         @ForAll @IntRange(min = 1, max = 40) int kc,
                                                         @ForAll boolean accumulate, @ForAll long seed) {
        assertSameBitsOnOneTwoAndThreeThreads(new Case(false, true, m, n, k, 1, accumulate, seed)
                .withBlocking(new GemmBlocking(kc, GemmBlocking.MR, GemmBlocking.NR)));
    }

    /** The product of {@code c} on 2 and on 3 threads equals, bit for bit, its product on 1. */
    private static void assertSameBitsOnOneTwoAndThreeThreads(Case c) {
        int before = Parallel.threads();
        try {
            Parallel.setThreads(1);
            float[] reference = c.runFast();
            for (int t : new int[] {2, 3}) {
                Parallel.setThreads(t);
                assertArrayEquals(reference, c.runFast(), c + ": bits differ between 1 and " + t + " threads");
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Property(tries = 40)
    void givesTheSameBitsForAnyThreadCount(@ForAll("awkward") int m, @ForAll("awkward") int n,
                                           @ForAll @IntRange(min = 1, max = 600) int k,
                                           @ForAll boolean transA, @ForAll boolean transB,
                                           @ForAll boolean accumulate, @ForAll long seed) {
        Case c = new Case(transA, transB, m, n, k, 1, accumulate, seed);
        int before = Parallel.threads();
        try {
            float[] reference = null;
            for (int t : new int[] {1, 2, 3, 5}) {
                Parallel.setThreads(t);
                float[] out = c.runFast();
                if (reference == null) {
                    reference = out;
                } else {
                    assertArrayEquals(reference, out, () -> c + ": " + "bits differ between 1 thread and more");
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    @Example
    void givesTheSameBitsForAnyThreadCountWhenCutIntoManyPieces() {
        // Large enough (M·N·K ≥ DYNAMIC_MIN_WORK) for threads to take pieces from a shared counter.
        int m = 1024;
        int n = 520;
        int k = 1030;
        assertTrue((long) m * n * k >= GemmBlocking.DYNAMIC_MIN_WORK);
        for (boolean tall : new boolean[] {true, false}) {
            int rows = tall ? m : n;
            int cols = tall ? n : m;
            Case c = new Case(false, true, rows, cols, k, 0, false, 13);
            int before = Parallel.threads();
            try {
                Parallel.setThreads(1);
                float[] reference = c.runFast();
                for (int t : new int[] {2, 3}) {
                    Parallel.setThreads(t);
                    assertArrayEquals(reference, c.runFast(), c + ": bits differ between 1 and " + t + " threads");
                }
                // Spot-check against the definition (the full scalar product would take seconds).
                SplittableRandom pick = new SplittableRandom(14);
                for (int s = 0; s < 300; s++) {
                    int i = pick.nextInt(rows);
                    int j = pick.nextInt(cols);
                    double exact = 0;
                    double abs = 0;
                    for (int p = 0; p < k; p++) {
                        double prod = (double) c.a[i * c.lda + p] * c.b[j * c.ldb + p];
                        exact += prod;
                        abs += Math.abs(prod);
                    }
                    float got = reference[i * c.ldc + j];
                    assertTrue(Math.abs(got - exact) <= (k + 2) * Math.ulp(1f) * abs,
                            c + ": element " + i + "," + j + " is " + got + ", exact " + exact);
                }
            } finally {
                Parallel.setThreads(before);
            }
        }
    }

    /**
     * Products large enough to be split (at least {@code PARALLEL_MIN_WORK} multiply-adds), one
     * for each way {@link Gemm} chooses the side to split: columns of a wide C, rows of a tall C,
     * and rows of a C that is wider than tall but has fewer column tiles than threads.
     */
    @Example
    void givesTheSameBitsForAnyThreadCountOnEverySplit() {
        int[][] shapes = {
            {100, 400, 120},    // N ≥ M, enough column tiles: split the columns
            {300, 257, 100},    // N < M: split the rows
            {30, 31, 5000},     // N ≥ M, but one column tile: split the rows
        };
        for (int[] s : shapes) {
            assertTrue((long) s[0] * s[1] * s[2] >= GemmBlocking.PARALLEL_MIN_WORK, "too small to split");
            Case c = new Case(false, false, s[0], s[1], s[2], 1, false, s[0] + s[1]);
            c.check();
            assertSameBitsOnOneTwoAndThreeThreads(c);
        }
    }

    /**
     * Matrix-vector products split over threads from a much smaller size than other products
     * (they read 4 bytes per multiply-add): from {@code GEMV_PARALLEL_MIN_WORK} multiply-adds on.
     * Just above it, in each of the four layouts and both orientations, they still equal the
     * scalar twin and give the same bits on 1, 2 and 3 threads.
     */
    @Example
    void matrixVectorProductsLargeEnoughToSplitGiveTheSameBitsOnAnyThreadCount() {
        int len = 1001;
        int k = (int) (GemmBlocking.GEMV_PARALLEL_MIN_WORK / len) + 3;
        assertTrue((long) len * k < GemmBlocking.PARALLEL_MIN_WORK, "would split as a matrix product anyway");
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                for (Case c : new Case[] {new Case(ta, tb, 1, len, k, 0, false, 21), new Case(ta, tb, len, 1, k, 0, true, 22)}) {
                    assertTrue((long) c.m * c.n * c.k >= GemmBlocking.GEMV_PARALLEL_MIN_WORK, "too small to split");
                    c.check();
                    assertSameBitsOnOneTwoAndThreeThreads(c);
                }
            }
        }
    }

    @Example
    void matchesScalarTwinAtTheMlpStepShapes() {
        // Forward x·W, and the two backward products dY·Wᵀ and Xᵀ·dY, at batch 128.
        new Case(false, false, 128, 256, 784, 0, false, 1).check();
        new Case(false, true, 128, 784, 256, 0, false, 2).check();
        new Case(true, false, 784, 256, 128, 0, true, 3).check();
    }

    /**
     * A product with a transposed B and few rows, the shape of a Linear layer's input gradient,
     * which one thread computes as its transpose ({@link Gemm#transposedFormPays}): it matches the
     * scalar twin, leaves C's padding alone, and has the bits of the direct form, which a B packed
     * beforehand always takes. Tiny blocks put every edge of the transposed panels in reach.
     */
    @Property(tries = 60, edgeCases = EdgeCasesMode.MIXIN)
    void aProductComputedAsItsTransposeHasTheDirectFormsBits(@ForAll @IntRange(min = 1, max = 2) int columnTiles,
                                                             @ForAll @IntRange(min = 100, max = 400) int n,
                                                             @ForAll @IntRange(min = 100, max = 200) int k,
                                                             @ForAll @IntRange(min = 1, max = 3) int mcPanels,
                                                             @ForAll boolean transA, @ForAll long seed) {
        // M a whole number of the transposed form's tile columns, or its tiles would be too empty.
        int m = columnTiles * GemmBlocking.NR;
        GemmBlocking blocks = new GemmBlocking(200, mcPanels * GemmBlocking.MR, 2 * GemmBlocking.NR);
        Case c = new Case(transA, true, m, n, k, 1, false, seed).withBlocking(blocks);
        Assume.that(Gemm.transposedFormPays(c.operands(), m, n, k, false, null, blocks));
        c.check();
        float[] direct = c.c0.clone();
        Gemm.packedProduct(m, n, k, new GemmOperands.Prepacked(transA, c.a, c.ao, c.lda,
                GemmPackedB.pack(true, k, n, c.b, c.bo, c.ldb, blocks)), direct, c.co, c.ldc, false, blocks);
        assertArrayEquals(direct, c.runFast(), c + ": the transposed form changed the bits");
    }

    @Example
    void takesTheTransposedFormOnlyWhereItTransposesFewerFloats() {
        GemmBlocking blocks = GemmBlocking.DEFAULT;
        // The MLP's dY·Wᵀ at batch 128 (784 → 256): 32 768 + 100 352 floats transposed instead of 200 704.
        assertTrue(Gemm.transposedFormPays(floats(false, true), 128, 784, 256, false, null, blocks));
        // A stored transposed as well: only C is transposed.
        assertTrue(Gemm.transposedFormPays(floats(true, true), 128, 784, 256, false, null, blocks));
        // No transposed B, or a square: nothing to gain.
        assertFalse(Gemm.transposedFormPays(floats(false, false), 128, 784, 256, false, null, blocks));
        assertFalse(Gemm.transposedFormPays(floats(false, true), 512, 512, 512, false, null, blocks));
        // A batch too small to fill the transposed form's tiles (4 rows against NR columns).
        assertFalse(Gemm.transposedFormPays(floats(false, true), 4, 784, 256, false, null, blocks));
        // Accumulating, an epilogue, or K in several blocks: a tile of Cᵀ is not final when made.
        assertFalse(Gemm.transposedFormPays(floats(false, true), 128, 784, 256, true, null, blocks));
        assertFalse(Gemm.transposedFormPays(floats(false, true), 128, 784, 256, false,
                new GemmEpilogue(null, 0, true), blocks));
        int k = blocks.kc() + 1;
        assertTrue(blocks.kBlock(k) < k);
        assertFalse(Gemm.transposedFormPays(floats(false, true), 128, 20 * k, k, false, null, blocks));
    }

    private static GemmOperands.Floats floats(boolean transA, boolean transB) {
        return new GemmOperands.Floats(transA, transB, new float[0], 0, 1, new float[0], 0, 1);
    }

    @Example
    void aTransposedFormProductOnOneThreadHasTheBitsOfTwoAndThree() {
        // Large enough to split over threads, which take the direct form.
        Case c = new Case(false, true, 64, 600, 200, 1, false, 9);
        assertTrue(Gemm.transposedFormPays(c.operands(), 64, 600, 200, false, null, GemmBlocking.DEFAULT));
        assertTrue(64L * 600 * 200 >= GemmBlocking.PARALLEL_MIN_WORK);
        c.check();
        assertSameBitsOnOneTwoAndThreeThreads(c);
    }

    @Example
    void matchesScalarTwinWhenNSpansSeveralColumnPanels() {
        new Case(false, false, 7, GemmBlocking.DEFAULT.nc() + 2 * GemmBlocking.NR + 3, 13, 0, false, 4).check();
        new Case(true, true, 9, GemmBlocking.DEFAULT.nc() + 1, 5, 2, true, 5).check();
    }

    @Example
    void matchesScalarTwinWhenMSpansSeveralRowBlocks() {
        // Shallow K makes row blocks taller (GemmBlocking.mBlock), up to MC_MAX_ROWS: go past that.
        new Case(false, false, 2 * GemmBlocking.MC_MAX_ROWS + 7, 40, 33, 0, false, 6).check();
        new Case(true, false, GemmBlocking.MC_MAX_ROWS + 1, 70, 300, 1, true, 7).check();
        int k = GemmBlocking.DEFAULT.kc();
        new Case(false, true, GemmBlocking.DEFAULT.mBlock(1000, k) + 5, 40, k, 2, false, 8).check();
    }

    @Example
    void matchesScalarTwinForMatrixVectorProducts() {
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                new Case(ta, tb, 1, 1000, 300, 0, false, 8).check();
                new Case(ta, tb, 1000, 1, 300, 0, true, 9).check();
                new Case(ta, tb, 1, 1, 1000, 0, false, 10).check();
            }
        }
    }

    @Example
    void readsABroadcastRowThroughLeadingDimensionZero() {
        int m = 70;
        int n = 45;
        int k = 50;
        SplittableRandom rnd = new SplittableRandom(11);
        float[] row = random(rnd, k);
        float[] b = random(rnd, k * n);
        float[] fast = new float[m * n];
        float[] slow = new float[m * n];
        Gemm.gemm(false, false, m, n, k, row, 0, 0, b, 0, n, fast, 0, n, false);
        float[] dense = new float[m * k];
        for (int i = 0; i < m; i++) {
            System.arraycopy(row, 0, dense, i * k, k);
        }
        GemmScalar.gemm(false, false, m, n, k, dense, 0, k, b, 0, n, slow, 0, n, false);
        assertClose(slow, fast, bound(false, false, m, n, k, dense, 0, k, b, 0, n, null, 0, n, m * n), "lda = 0");
    }

    @Example
    void storesIntoCWithoutReadingItUnlessAccumulating() {
        int m = 20;
        int n = 50;
        int k = 40;
        SplittableRandom rnd = new SplittableRandom(12);
        float[] a = random(rnd, m * k);
        float[] b = random(rnd, k * n);
        float[] c = new float[m * n];
        Arrays.fill(c, Float.NaN);
        Gemm.gemm(false, false, m, n, k, a, 0, k, b, 0, n, c, 0, n, false);
        for (float v : c) {
            assertFalse(Float.isNaN(v), "a NaN left in C was read although accumulate is false");
        }
    }

    @Example
    void emptyKSumGivesZerosOrLeavesCUnchanged() {
        float[] c = {1, 2, 3, 4, 5, 6};
        Gemm.gemm(false, false, 2, 3, 0, new float[0], 0, 0, new float[0], 0, 3, c, 0, 3, true);
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, c);
        Gemm.gemm(false, false, 2, 3, 0, new float[0], 0, 0, new float[0], 0, 3, c, 0, 3, false);
        assertArrayEquals(new float[6], c);
    }

    @Example
    void rejectsOperandsThatDoNotFitTheirArrays() {
        float[] a = new float[6];
        float[] b = new float[6];
        float[] c = new float[4];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(false, false, 2, 2, 4, a, 0, 4, b, 0, 2, c, 0, 2, false));
        assertTrue(e.getMessage().startsWith("gemm: A"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(false, false, 2, 2, 3, a, 0, 3, b, 0, 2, c, 1, 2, false));
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(false, false, -1, 2, 3, a, 0, 3, b, 0, 2, c, 0, 2, false));
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(false, false, 2, 2, 3, a, 0, 3, b, 0, -2, c, 0, 2, false));
        assertThrows(IllegalArgumentException.class,
                () -> Gemm.gemm(false, false, 2, 2, 3, a, 0, 3, b, 0, 2, c, 0, 1, false));
    }

    // ---------------------------------------------------------------------------------------------

    /** One product with its operands laid out in padded, offset arrays. */
    private static final class Case {
        final boolean transA;
        final boolean transB;
        final int m;
        final int n;
        final int k;
        final boolean accumulate;
        final float[] a;
        final float[] b;
        final float[] c0;
        final int ao;
        final int bo;
        final int co;
        final int lda;
        final int ldb;
        final int ldc;

        Case(boolean transA, boolean transB, int m, int n, int k, int pad, boolean accumulate, long seed) {
            this.transA = transA;
            this.transB = transB;
            this.m = m;
            this.n = n;
            this.k = k;
            this.accumulate = accumulate;
            SplittableRandom rnd = new SplittableRandom(seed);
            ao = pad;
            bo = 2 * pad;
            co = 3 * pad;
            lda = (transA ? m : k) + pad;
            ldb = (transB ? k : n) + pad;
            ldc = n + pad;
            a = random(rnd, ao + (transA ? k : m) * lda + pad);
            b = random(rnd, bo + (transB ? n : k) * ldb + pad);
            c0 = random(rnd, co + m * ldc + pad);
        }

        /** Null: {@link Gemm#gemm} as users call it. Otherwise its packed path with these blocks. */
        GemmBlocking blocking;

        Case withBlocking(GemmBlocking b) {
            blocking = b;
            return this;
        }

        GemmOperands.Floats operands() {
            return new GemmOperands.Floats(transA, transB, a, ao, lda, b, bo, ldb);
        }

        float[] runFast() {
            float[] c = c0.clone();
            if (blocking == null) {
                Gemm.gemm(transA, transB, m, n, k, a, ao, lda, b, bo, ldb, c, co, ldc, accumulate);
            } else {
                Gemm.packedProduct(m, n, k, new GemmOperands.Floats(transA, transB, a, ao, lda, b, bo, ldb),
                        c, co, ldc, accumulate, blocking);
            }
            return c;
        }

        void check() {
            float[] fast = runFast();
            float[] slow = c0.clone();
            GemmScalar.gemm(transA, transB, m, n, k, a, ao, lda, b, bo, ldb, slow, co, ldc, accumulate);
            float[] tol = bound(transA, transB, m, n, k, a, ao, lda, b, bo, ldb,
                    accumulate ? c0 : null, co, ldc, c0.length);
            // Outside the M×N window (padding, offsets) C must be untouched.
            for (int idx = 0; idx < fast.length; idx++) {
                int rel = idx - co;
                boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
                if (!inside && Float.floatToRawIntBits(fast[idx]) != Float.floatToRawIntBits(c0[idx])) {
                    fail(this + ": wrote outside C at array index " + idx);
                }
            }
            assertClose(slow, fast, tol, toString());
        }

        @Override
        public String toString() {
            return "gemm(transA=" + transA + ", transB=" + transB + ", m=" + m + ", n=" + n + ", k=" + k
                    + ", lda=" + lda + ", ldb=" + ldb + ", ldc=" + ldc + ", offsets " + ao + "/" + bo + "/" + co
                    + ", accumulate=" + accumulate + (blocking == null ? "" : ", " + blocking.describe()) + ")";
        }
    }

    /**
     * Per-element tolerance (zero outside the M×N window): 2·(K+2)·u·(Σp |A[i][p]·B[p][j]| + |C0[i][j]|),
     * plus the smallest normal float so that an exact zero compares.
     */
    private static float[] bound(boolean transA, boolean transB, int m, int n, int k,
                                 float[] a, int ao, int lda, float[] b, int bo, int ldb,
                                 float[] c0, int co, int ldc, int size) {
        float[] tol = new float[size];
        double u = Math.ulp(1f) / 2;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    float aip = transA ? a[ao + p * lda + i] : a[ao + i * lda + p];
                    float bpj = transB ? b[bo + j * ldb + p] : b[bo + p * ldb + j];
                    s += Math.abs((double) aip * bpj);
                }
                int idx = co + i * ldc + j;
                if (c0 != null) {
                    s += Math.abs(c0[idx]);
                }
                tol[idx] = (float) (2 * (k + 2) * u * s) + Float.MIN_NORMAL;
            }
        }
        return tol;
    }

    private static void assertClose(float[] expected, float[] actual, float[] tol, String what) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            float diff = Math.abs(expected[i] - actual[i]);
            if (!(diff <= tol[i]) && !(expected[i] == actual[i])) {
                fail(what + ": at array index " + i + " scalar twin gives " + expected[i] + ", Gemm gives "
                        + actual[i] + " (difference " + diff + ", tolerance " + tol[i] + ")");
            }
        }
    }

    /**
     * The law {@link Gemm#transposeFillsTilesBetter} relies on: A·Bᵀ and the transpose of B·Aᵀ
     * are the same bits (each element the same products in the same order), for awkward sizes,
     * K across blocks, and 1 and 2 threads.
     */
    @Property(tries = 60)
    void aProductAndItsTransposedProductHaveTheSameBits(@ForAll("awkward") int m, @ForAll("awkward") int n,
                                                        @ForAll @IntRange(min = 1, max = 2600) int k,
                                                        @ForAll @IntRange(min = 1, max = 2) int threads,
                                                        @ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] a = random(rnd, m * k);
        float[] b = random(rnd, n * k);
        float[] c = new float[m * n];
        float[] ct = new float[n * m];
        int before = Parallel.threads();
        try {
            Parallel.setThreads(threads);
            Gemm.gemm(false, true, m, n, k, a, 0, k, b, 0, k, c, 0, n, false);
            Gemm.gemm(false, true, n, m, k, b, 0, k, a, 0, k, ct, 0, m, false);
        } finally {
            Parallel.setThreads(before);
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                assertEquals(Float.floatToRawIntBits(c[i * n + j]), Float.floatToRawIntBits(ct[j * m + i]),
                        "C[" + i + "][" + j + "] of " + m + "×" + k + " · (" + n + "×" + k + ")ᵀ");
            }
        }
    }

    @Property(tries = 200)
    void theTransposeIsNeverPreferredBothWaysNorForASquare(@ForAll @IntRange(max = 300) int m,
                                                          @ForAll @IntRange(max = 300) int n) {
        assertFalse(Gemm.transposeFillsTilesBetter(m, n) && Gemm.transposeFillsTilesBetter(n, m), m + " × " + n);
        assertFalse(Gemm.transposeFillsTilesBetter(m, m), m + " × " + m);
    }

    @Example
    void aCFarNarrowerThanATileIsPreferredTransposed() {
        // One column uses 1 of a tile's 2·LANES columns; as a row it uses 1 of MR rows, and MR < 2·LANES.
        assertTrue(Gemm.transposeFillsTilesBetter(64, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Gemm.transposeFillsTilesBetter(-1, 4));
        assertTrue(e.getMessage().contains("transposeFillsTilesBetter") && e.getMessage().contains("-1"), e.getMessage());
    }

    private static float[] random(SplittableRandom rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }
}
