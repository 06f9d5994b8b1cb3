package dev.pare.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Shape arithmetic is exact (issue 16): a product of sizes or a stride that would wrap around is
 * refused by the op that computed it, named in the message, instead of wrapping to 0 or to a
 * negative number that fails (or succeeds) somewhere else.
 */
class ShapeOverflowExamples {

    private static void rejects(Executable call, String... mustMention) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String s : mustMention) {
            assertTrue(e.getMessage().contains(s), "message '" + e.getMessage() + "' should mention '" + s + "'");
        }
    }

    @Test
    void reshapingAnEmptyTensorToTwoToTheSixtyFourElementsIsRefused() {
        // 65536⁴ = 2^64, which a long product wraps to 0, the element count of the empty tensor.
        rejects(() -> Tensor.zeros(0).reshape(65536, 65536, 65536, 65536), "reshape", "[65536, 65536, 65536, 65536]");
    }

    @Test
    void reshapingAnEmptyTensorToAShapeWhoseStridesOverflowIsRefused() {
        rejects(() -> Tensor.zeros(0).reshape(0, 46341, 46341), "reshape", "2^31");
    }

    @Test
    void expandingBeyondTwoToTheThirtyOneElementsIsRefused() {
        rejects(() -> Tensor.ones(1).expand(3, 2147483647), "expand", "[3, 2147483647]");
    }

    @Test
    void anEmptyShapeWhoseMergedSizeWouldOverflowIsRefusedWhereItIsMadeNotAtFlatten() {
        // Before: zeros accepted [0, 46341, 46341] and flatten(1, 2) wrapped 46341² to a negative size.
        rejects(() -> Tensor.zeros(0, 46341, 46341), "zeros", "2^31");
        rejects(() -> Tensor.zeros(46341, 46341, 0), "zeros", "2^31");
    }

    @Test
    void emptyTensorsWithinTheLimitStillWork() {
        Tensor z = Tensor.zeros(0, 1000, 1000);
        assertEquals(0, z.numel());
        assertArrayEquals(new int[] {0, 1_000_000}, z.flatten(1, 2).shape());
        assertArrayEquals(new int[] {1000, 0, 1000}, Tensor.zeros(0).reshape(1000, 0, 1000).shape());
    }

    @Test
    void aHugeSliceStepKeepsAValidStrideAndTheProductStaysRight() {
        // A transposed [4, 3] has strides [1, 3]; a step of 2^30 along dim 1 keeps one column,
        // whose stride 3·2^30 used to wrap negative and reach gemm as a negative leading dimension.
        Tensor a = Tensor.arange(12).reshape(4, 3).t();
        Tensor col = a.slice(1, 0, 4, 1 << 30);
        assertArrayEquals(new int[] {3, 1}, col.shape());
        Tensor product = Tensor.ones(2, 3).matmul(col);
        assertArrayEquals(new float[] {0 + 1 + 2, 0 + 1 + 2}, product.toArray());
        assertArrayEquals(new float[] {0, 1, 2}, col.contiguous().toArray());
    }
}
