package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * What {@link Gemm} does to each element of C as it writes the product's last K block:
 * {@code C[i][j] = act(C[i][j] + bias[j])}, where act is ReLU or nothing. This is a linear layer's
 * {@code y = relu(x·Wᵀ + b)} in one pass over C instead of three.
 *
 * <p>Why here: after the last K block, each MR×NR tile of C is still in registers or in L1 (it
 * was just computed). Adding the bias and clamping it there costs a few vector operations per
 * tile; done afterwards as separate tensor operations, each is a pass over all of C through the
 * caches, and each allocates a new output. For a batch of 256 through an MLP that is a
 * noticeable share of the forward pass.
 *
 * <p>The values are exactly those of the separate passes: the product is finished first (the
 * last block's partial sum is added to C), then the bias is added in float, then ReLU is applied
 * as {@link Unary#RELU} does ({@code x < 0 ? 0 : x}, so NaN and −0 pass through unchanged).
 *
 * @param bias     one value per column of C, at {@code bias[biasOffset + j]}; or null for none
 * @param biasOffset where column 0's bias is
 * @param relu     whether to clamp negative results to 0
 */
public record GemmEpilogue(float[] bias, int biasOffset, boolean relu) {

    /** Nothing: C holds the product as it is. */
    public static final GemmEpilogue NONE = new GemmEpilogue(null, 0, false);

    public GemmEpilogue {
        if (bias != null && biasOffset < 0) {
            throw new IllegalArgumentException("GemmEpilogue: negative bias offset " + biasOffset);
        }
    }

    /** Whether this epilogue changes anything. */
    boolean isNone() {
        return bias == null && !relu;
    }

    /** Checks that the bias covers n columns. */
    void check(int n) {
        if (bias != null && n > 0 && (long) biasOffset + n > bias.length) {
            throw new IllegalArgumentException("gemm: bias of length " + bias.length + " at offset " + biasOffset
                    + " does not cover n=" + n + " columns");
        }
    }

    /** One vector of finished C values for columns [j, j + LANES). */
    FloatVector apply(FloatVector v, int j) {
        if (bias != null) {
            v = v.add(FloatVector.fromArray(FLOAT, bias, biasOffset + j));
        }
        return relu ? v.blend(0f, v.compare(VectorOperators.LT, 0f)) : v;
    }

    /** One finished C value for column j. */
    float apply(float v, int j) {
        if (bias != null) {
            v += bias[biasOffset + j];
        }
        return relu && v < 0f ? 0f : v;
    }

    /** Applies the epilogue in place to rows [i0, i1) and columns [j0, j1) of C: for paths that finish C first. */
    void applyTo(float[] c, int co, int ldc, int i0, int i1, int j0, int j1) {
        int lanes = FLOAT.length();
        for (int i = i0; i < i1; i++) {
            int row = co + i * ldc;
            int j = j0;
            for (; j + lanes <= j1; j += lanes) {
                apply(FloatVector.fromArray(FLOAT, c, row + j), j).intoArray(c, row + j);
            }
            for (; j < j1; j++) {
                c[row + j] = apply(c[row + j], j);
            }
        }
    }
}
