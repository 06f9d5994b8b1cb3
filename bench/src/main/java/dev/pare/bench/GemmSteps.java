package dev.pare.bench;

import dev.pare.tensor.kernels.VectorConfig;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The steps from the textbook triple loop to Pare's packed GEMM, kept small so that
 * {@link GemmStepsBenchmark} can measure each one; docs/matmul.md tells the story. All compute
 * C = A·B for row-major n × n matrices (no transposes, no offsets), which is all a step needs to
 * show its idea. The final step is {@link dev.pare.tensor.kernels.Gemm} itself.
 */
final class GemmSteps {
    private GemmSteps() {}

    private static final VectorSpecies<Float> FLOAT = VectorConfig.FLOAT;
    private static final int LANES = FLOAT.length();

    /** Step 1, i-j-p: each C[i][j] is a dot product; the inner loop walks down a column of B. */
    static void naive(int n, float[] a, float[] b, float[] c) {
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                float acc = 0f;
                for (int p = 0; p < n; p++) {
                    acc += a[i * n + p] * b[p * n + j];   // b: stride n, a new cache line each step
                }
                c[i * n + j] = acc;
            }
        }
    }

    /** Step 2, i-p-j: the same sum, reordered so that the inner loop walks along rows of B and C. */
    static void ipjScalar(int n, float[] a, float[] b, float[] c) {
        java.util.Arrays.fill(c, 0f);
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < n; p++) {
                float aip = a[i * n + p];
                for (int j = 0; j < n; j++) {
                    c[i * n + j] += aip * b[p * n + j];
                }
            }
        }
    }

    /** Step 3, i-p-j with explicit vectors and fused multiply-adds (Pare's first GEMM). */
    static void ipjVector(int n, float[] a, float[] b, float[] c) {
        java.util.Arrays.fill(c, 0f);
        int bound = FLOAT.loopBound(n);
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < n; p++) {
                FloatVector aip = FloatVector.broadcast(FLOAT, a[i * n + p]);
                int j = 0;
                for (; j < bound; j += LANES) {
                    FloatVector cv = FloatVector.fromArray(FLOAT, c, i * n + j);
                    aip.fma(FloatVector.fromArray(FLOAT, b, p * n + j), cv).intoArray(c, i * n + j);
                }
                for (; j < n; j++) {
                    c[i * n + j] = Math.fma(a[i * n + p], b[p * n + j], c[i * n + j]);
                }
            }
        }
    }

    /**
     * Step 4, register tiling without packing: a 4 × (2 vectors) tile of C stays in registers for
     * the whole K sum, so each load of B feeds 4 FMAs and C is touched once. A and B are read where
     * they lie: A down 4 rows, B along one row per step, a stride of n floats apart.
     * Needs n to be a multiple of 4 and of 2 vectors.
     */
    static void tiled(int n, float[] a, float[] b, float[] c) {
        if (n % 4 != 0 || n % (2 * LANES) != 0) {
            throw new IllegalArgumentException("GemmSteps.tiled: n=" + n + " must be a multiple of 4 and " + 2 * LANES);
        }
        for (int i = 0; i < n; i += 4) {
            for (int j = 0; j < n; j += 2 * LANES) {
                tile4x2(n, a, i, b, j, c);
            }
        }
    }

    private static void tile4x2(int n, float[] a, int i, float[] b, int j, float[] c) {
        FloatVector c00 = FloatVector.zero(FLOAT);
        FloatVector c01 = FloatVector.zero(FLOAT);
        FloatVector c10 = FloatVector.zero(FLOAT);
        FloatVector c11 = FloatVector.zero(FLOAT);
        FloatVector c20 = FloatVector.zero(FLOAT);
        FloatVector c21 = FloatVector.zero(FLOAT);
        FloatVector c30 = FloatVector.zero(FLOAT);
        FloatVector c31 = FloatVector.zero(FLOAT);
        for (int p = 0; p < n; p++) {
            FloatVector b0 = FloatVector.fromArray(FLOAT, b, p * n + j);
            FloatVector b1 = FloatVector.fromArray(FLOAT, b, p * n + j + LANES);
            FloatVector x = FloatVector.broadcast(FLOAT, a[i * n + p]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(FLOAT, a[(i + 1) * n + p]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(FLOAT, a[(i + 2) * n + p]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(FLOAT, a[(i + 3) * n + p]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
        }
        c00.intoArray(c, i * n + j);
        c01.intoArray(c, i * n + j + LANES);
        c10.intoArray(c, (i + 1) * n + j);
        c11.intoArray(c, (i + 1) * n + j + LANES);
        c20.intoArray(c, (i + 2) * n + j);
        c21.intoArray(c, (i + 2) * n + j + LANES);
        c30.intoArray(c, (i + 3) * n + j);
        c31.intoArray(c, (i + 3) * n + j + LANES);
    }
}
