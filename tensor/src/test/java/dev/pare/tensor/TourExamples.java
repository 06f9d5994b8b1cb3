package dev.pare.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/**
 * The code of docs/tensors.md, kept here so that it compiles and runs with the tests. If you
 * change an example, change the chapter too.
 */
class TourExamples {

    @Test
    void stridesMakeATransposeFree() {
        Tensor a = Tensor.arange(6).reshape(2, 3);     // [[0, 1, 2], [3, 4, 5]]
        assertArrayEquals(new int[] {3, 1}, a.strides());
        Tensor t = a.t();                               // shape [3, 2]
        assertArrayEquals(new int[] {1, 3}, t.strides());
        assertSame(a.storage(), t.storage());           // same floats, new strides
        assertEquals(5f, t.get(2, 1));                  // offset 0 + 2·1 + 1·3 = 5
    }

    @Test
    void broadcastingStretchesSizeOneDims() {
        Tensor x = Tensor.arange(6).reshape(2, 3);     // [2, 3]
        Tensor bias = Tensor.fromArray(10, 20, 30);     // [3]  → read as [1, 3] → [2, 3]
        Tensor y = x.add(bias);
        assertArrayEquals(new float[] {10, 21, 32, 13, 24, 35}, y.toArray(), 0f);
        Tensor column = Tensor.fromArray(new float[] {100, 200}, 2, 1); // [2, 1] → [2, 3]
        assertArrayEquals(new float[] {100, 101, 102, 203, 204, 205}, x.add(column).toArray(), 0f);
    }

    @Test
    void autogradComputesTheGradientOfALinearLayer() {
        Rng rng = new Rng(0);
        Tensor x = Tensor.randn(rng, 4, 3);                          // a batch of 4 inputs
        Tensor w = Tensor.randn(rng, 2, 3).requiresGrad(true);       // weight [out, in]
        Tensor b = Tensor.zeros(2).requiresGrad(true);               // bias [out]
        Tensor loss = x.matmul(w.t()).add(b).relu().sum();
        loss.backward();
        assertArrayEquals(new int[] {2, 3}, w.grad().shape());       // dL/dw has w's shape
        assertArrayEquals(new int[] {2}, b.grad().shape());          // summed over the batch
        try (var scope = Tensor.noGrad()) {                          // an SGD step
            w.addInPlace(w.grad(), -0.1f);
            b.addInPlace(b.grad(), -0.1f);
        }
    }
}
