package dev.pare.tensor;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Every kind of bad input gets an IllegalArgumentException whose message names the operation and
 * the offending shapes or values; none surfaces as an ArrayIndexOutOfBoundsException.
 */
class BadInputExamples {

    private static void rejects(Executable call, String... mustMention) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String s : mustMention) {
            assertTrue(e.getMessage().contains(s), "message '" + e.getMessage() + "' should mention '" + s + "'");
        }
    }

    @Test
    void shapesAndSizes() {
        rejects(() -> Tensor.zeros(2, -1), "zeros", "negative");
        rejects(() -> Tensor.zeros(1 << 16, 1 << 16), "2^31");
        rejects(() -> Tensor.fromArray(new float[5], 2, 3), "fromArray", "5", "[2, 3]");
        rejects(() -> Tensor.wrap(new float[5], 2, 2, 2), "wrap", "offset 2");
        rejects(() -> Tensor.arange(0, 1, 0), "arange", "step");
    }

    @Test
    void dimensions() {
        Tensor x = Tensor.zeros(2, 3);
        rejects(() -> x.sum(2, false), "sum", "dimension 2", "rank 2");
        rejects(() -> x.softmax(-3), "softmax", "-3");
        rejects(() -> x.transpose(0, 5), "transpose", "5");
        rejects(() -> x.permute(0, 0), "permute", "not a permutation");
        rejects(() -> x.permute(0), "permute", "[2, 3]");
        rejects(() -> x.sum(new int[] {1, -1}, false), "sum", "twice");
    }

    @Test
    void viewsAndRanges() {
        Tensor x = Tensor.zeros(2, 3);
        rejects(() -> x.reshape(4, 2), "reshape", "[2, 3]", "[4, 2]");
        rejects(() -> x.view(-1, -1), "view", "-1");
        rejects(() -> x.narrow(1, 2, 2), "narrow", "start 2", "length 2", "size 3");
        rejects(() -> x.select(0, 2), "select", "index 2");
        rejects(() -> x.expand(3, 3), "expand", "[2, 3]", "[3, 3]");
        rejects(() -> x.slice(0, 0, 2, 0), "slice", "step");
        rejects(() -> x.t().view(6), "view", "reshape");
    }

    @Test
    void operations() {
        rejects(() -> Tensor.zeros(2, 3).mul(Tensor.zeros(3, 2)), "mul", "[2, 3]", "[3, 2]");
        rejects(() -> Tensor.zeros(2, 3).matmul(Tensor.zeros(2, 3)), "matmul", "inner dimensions 3 and 2");
        rejects(() -> Tensor.zeros(2, 3, 4).matmul(Tensor.zeros(5, 4, 2)), "matmul", "batch", "[2]", "[5]");
        rejects(() -> Tensor.scalar(1).matmul(Tensor.zeros(2)), "matmul", "at least 1 dimension");
        rejects(() -> Tensor.zeros(3).clamp(1f, 0f), "clamp", "min=1.0", "max=0.0");
        rejects(() -> Tensor.zeros(2, 3).gather(1, Tensor.fromArray(new float[] {3, 0}, 2, 1)), "gather", "3.0");
        rejects(() -> Tensor.zeros(2, 3).gather(1, Tensor.fromArray(new float[] {0.5f, 0}, 2, 1)), "gather", "0.5");
        rejects(() -> Tensor.zeros(2, 3).indexSelect(0, 0, 2), "indexSelect", "index 2");
        rejects(() -> Tensor.zeros(0, 3).max(0, false), "max", "empty");
        rejects(() -> Tensor.zeros(2).expand(2, 2).addInPlace(Tensor.ones(2)), "addInPlace", "expanded");
        rejects(() -> Tensor.zeros(2, 2).copyFrom(Tensor.zeros(3)), "copyFrom", "[3]", "[2, 2]");
    }

    @Test
    void sizesBeyondWhatIndicesOrIntsCanHold() {
        rejects(() -> new Rng(1).permutation(-1), "permutation", "-1");
        Tensor huge = Tensor.zeros(1).expand(2_000_000_000);
        rejects(() -> Tensor.cat(0, huge, huge), "cat", "4000000000");
        // Indices live in float tensors, exact only up to 2^24: a longer dimension is refused.
        Tensor long24 = Tensor.zeros((1 << 24) + 3);
        rejects(() -> long24.argmax(), "argmax", "2^24");
        rejects(() -> long24.max(), "2^24");
    }
}
