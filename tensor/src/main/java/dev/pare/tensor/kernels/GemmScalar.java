package dev.pare.tensor.kernels;

/**
 * The reference matrix multiply: three loops, no tricks. It is the oracle every fast GEMM is
 * tested against, and the first thing to read before {@link Gemm}.
 *
 * <p>Layout conventions (shared with {@link Gemm}): matrices are row-major inside a
 * {@code float[]} with an offset and a leading dimension, the distance between two rows.
 * {@code op(A)} is M×K: A itself when {@code transA} is false (A[i][p] at {@code a[ao + i·lda + p]}),
 * or the transpose of a stored K×M matrix when it is true (A[i][p] at {@code a[ao + p·lda + i]}).
 * Likewise {@code op(B)} is K×N. This is how the backward pass multiplies by Aᵀ without ever
 * materialising a transpose.
 */
public final class GemmScalar {
    private GemmScalar() {}

    /**
     * C = op(A)·op(B), or C += op(A)·op(B) when {@code accumulate}. Each element of C is summed
     * over p in increasing order, in float.
     */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k,
                            float[] a, int ao, int lda, float[] b, int bo, int ldb,
                            float[] c, int co, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float acc = 0f;
                for (int p = 0; p < k; p++) {
                    float aip = transA ? a[ao + p * lda + i] : a[ao + i * lda + p];
                    float bpj = transB ? b[bo + j * ldb + p] : b[bo + p * ldb + j];
                    acc += aip * bpj;
                }
                int idx = co + i * ldc + j;
                c[idx] = accumulate ? c[idx] + acc : acc;
            }
        }
    }
}
