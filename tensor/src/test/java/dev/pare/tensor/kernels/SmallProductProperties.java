package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pare.tensor.Rng;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The small direct product against its scalar twin, over awkward sizes (around one vector of 8
 * or 16 lanes, around the four-row block) and every layout of A and B, at odd offsets and with
 * leading dimensions wider than the matrices. Both sum each element by fused multiply-adds in the
 * same order, so they must agree bit for bit.
 */
class SmallProductProperties {

    @Provide
    Arbitrary<Integer> dims() {
        return Arbitraries.of(1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33);
    }

    @Property(tries = 300)
    void equalsScalarTwinBitForBit(@ForAll("dims") int m, @ForAll("dims") int n, @ForAll("dims") int k,
                                   @ForAll boolean aColumnMajor, @ForAll boolean bColumnMajor,
                                   @ForAll long seed) {
        Rng rng = new Rng(seed);
        int pad = 3;
        // A [m, k]: row-major with rows lda apart, or column-major with columns lda apart.
        int lda = (aColumnMajor ? m : k) + pad;
        int ars = aColumnMajor ? 1 : lda;
        int acs = aColumnMajor ? lda : 1;
        float[] a = KernelSizes.values(rng, 0, 5 + lda * (aColumnMajor ? k : m), 2f);
        int ldb = (bColumnMajor ? k : n) + pad;
        int brs = bColumnMajor ? 1 : ldb;
        int bcs = bColumnMajor ? ldb : 1;
        float[] b = KernelSizes.values(rng, 0, 2 + ldb * (bColumnMajor ? n : k), 2f);
        int ldc = n + 1;
        float[] expected = new float[4 + ldc * m];
        float[] actual = new float[4 + ldc * m];
        SmallProduct.multiplyScalar(m, n, k, a, 5, ars, acs, b, 2, brs, bcs, expected, 4, ldc);
        SmallProduct.multiply(m, n, k, a, 5, ars, acs, b, 2, brs, bcs, actual, 4, ldc);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int at = 4 + i * ldc + j;
                assertEquals(Float.floatToIntBits(expected[at]), Float.floatToIntBits(actual[at]),
                        "SmallProduct m=" + m + " n=" + n + " k=" + k + (aColumnMajor ? " Aᵀ" : " A")
                                + (bColumnMajor ? " Bᵀ" : " B") + " C[" + i + ", " + j + "]: scalar twin "
                                + expected[at] + ", vector kernel " + actual[at] + " (species "
                                + VectorConfig.describe() + ")");
            }
        }
        // The padding of C between rows is not written.
        for (int i = 0; i < m; i++) {
            assertEquals(0f, actual[4 + i * ldc + n], "C padding after row " + i);
        }
    }
}
