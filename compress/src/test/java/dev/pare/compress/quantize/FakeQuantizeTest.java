package dev.pare.compress.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.pare.nn.Linear;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.nn.optim.SGD;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import org.junit.jupiter.api.Test;

class FakeQuantizeTest {

    @Test
    void forwardRoundsToTheGridAndBackwardPassesStraightThroughInsideTheRange() {
        // scale 0.5, zero point 0, codes [−4, 3]: the range is [−2, 1.5].
        Tensor x = Tensor.fromArray(new float[] {0.3f, 0.75f, -2.3f, 1.8f, 1.0f}, 5).requiresGrad(true);
        Tensor y = FakeQuantize.apply(x, new float[] {0.5f}, new int[] {0}, 5, -4, 3);
        // 0.3/0.5 = 0.6 → 1; 0.75/0.5 = 1.5 → 2 (ties to even); −2.3/0.5 → −5 saturates to −4 (−2);
        // 1.8/0.5 → 4 saturates to 3 (1.5). (−2.2 would round to −4, inside: it would keep its gradient.)
        assertArrayEquals(new float[] {0.5f, 1.0f, -2f, 1.5f, 1.0f}, y.toArray());
        y.mul(Tensor.fromArray(new float[] {1, 2, 3, 4, 5}, 5)).sum().backward();
        // d/dx of Σ c·y: c inside the range, 0 where x saturated.
        assertArrayEquals(new float[] {1, 2, 0, 0, 5}, x.grad().toArray());
    }

    @Test
    void perChannelWeightFakeQuantizationUsesEachRowsScale() {
        Tensor w = Tensor.fromArray(new float[] {1.27f, 0.4f, 0.254f, -0.1f}, 2, 2);
        float[] y = FakeQuantize.weight(w, Granularity.PER_CHANNEL).toArray();
        assertEquals(1.27f, y[0], 1e-6f);
        assertEquals(0.4f, y[1], 1e-6f);
        assertEquals(0.254f, y[2], 1e-6f);
        assertEquals(-0.1f, y[3], 0.254f / 127 / 2 + 1e-7f);
    }

    @Test
    void theModulePassesThroughUntilItHasSeenATrainingBatch() {
        FakeQuantize fq = new FakeQuantize();
        Tensor x = Tensor.fromArray(new float[] {0.1234f}, 1);
        fq.eval();
        assertSame(x, fq.forward(x));
        fq.train();
        fq.forward(Tensor.fromArray(new float[] {0f, 2.55f}, 2));
        fq.eval();
        assertEquals(0.12f, fq.forward(x).item(), 1e-6f);
    }

    @Test
    void qatConvertsToAStaticModelThatComputesWhatWasTrained() {
        Rng rng = new Rng(7);
        Sequential model = new Sequential(new Linear(12, 9, rng), new ReLU(), new Linear(9, 3, rng));
        Quantizer.prepareQat(model, Granularity.PER_CHANNEL);
        Tensor x = Tensor.randn(new Rng(8), 16, 12);
        model.train();
        SGD sgd = new SGD(model.parameters(), 0.1);
        for (int step = 0; step < 3; step++) {
            Tensor y = model.forward(x);
            Tensor loss = y.mul(y).mean();
            sgd.zeroGrad();
            loss.backward();
            sgd.step();
        }
        model.eval();
        float[] fake;
        try (var ignored = Tensor.noGrad()) {
            fake = model.forward(x).toArray();
            Quantizer.convertQat(model);
            assertEquals(QuantizedLinear.class, model.get(0).getClass());
            assertArrayEquals(fake, model.forward(x).toArray(), 1e-4f);
        }
    }
}
