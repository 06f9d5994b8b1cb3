package dev.pare.compress.search.latency;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pare.compress.search.Architecture;
import dev.pare.compress.search.LatencyUnit;
import dev.pare.nn.Module;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProbeArchitecturesTest {

    @Test
    void theSampleIsTheSameForTheSameSeedAndMixesMlpsAndConvolutionStacks() {
        List<String> a = ProbeArchitectures.sample(0, 20).stream().map(Architecture::encode).toList();
        assertEquals(a, ProbeArchitectures.sample(0, 20).stream().map(Architecture::encode).toList());
        assertEquals(7, a.stream().filter(e -> e.startsWith("mlp:")).count());
        assertEquals(13, a.stream().filter(e -> e.startsWith("cnn:")).count());
    }

    @Test
    void parameterCountsMatchTheBuiltModelsAndAHandCountedMlp() {
        var mlp = new ProbeArchitectures.Mlp(new int[] {256});
        assertEquals(784 * 256 + 256 + 256 * 10 + 10, mlp.parameters());
        assertEquals(784 * 256 + 256 * 10, mlp.multiplyAdds());
        for (Architecture a : ProbeArchitectures.sample(3, 12)) {
            assertEquals(a.build(new Rng(0)).numParameters(), a.parameters(), a.encode());
        }
    }

    @Test
    void aSeparableBlocksMultiplyAddsAreCountedByHand() {
        // 16 → 32 channels on 28×28, 5×5 depthwise at stride 2 (padding 2): 14×14 outputs.
        var u = new ProbeArchitectures.ConvUnit(true, 16, 32, 28, 5, 2);
        assertEquals(14L * 14 * 16 * 25 + 14L * 14 * 16 * 32, u.multiplyAdds());
        assertEquals("sep:c16-32:h28:k5:s2", u.signature());
    }

    @Test
    void theUnitsChainShapeToShapeAndTogetherComputeTheModel() {
        for (Architecture a : ProbeArchitectures.sample(5, 6)) {
            Rng rng = new Rng(11);
            Module model = a.build(rng).eval();
            Rng again = new Rng(11);
            Tensor x = Tensor.randn(new Rng(2), prepend(2, a.inputShape()));
            Tensor y = x;
            for (LatencyUnit u : a.latencyUnits()) {
                assertArrayEquals(prepend(2, u.inputShape()), y.shape(), a.encode() + " at " + u.signature());
                y = u.build(again).eval().forward(y);
            }
            // Built from the same seed unit by unit, the units are the model's layers: same output.
            assertArrayEquals(model.forward(x).toArray(), y.toArray(), 0f, a.encode());
            assertArrayEquals(new int[] {2, 10}, y.shape());
        }
    }

    private static int[] prepend(int b, int[] shape) {
        int[] s = new int[shape.length + 1];
        s[0] = b;
        System.arraycopy(shape, 0, s, 1, shape.length);
        return s;
    }

    @Test
    void encodingsNameEveryChoice() {
        var conv = new ProbeArchitectures.ConvStack(8,
                List.of(new ProbeArchitectures.Block(false, 16, 3, 2), new ProbeArchitectures.Block(true, 32, 5, 1)));
        assertEquals("cnn:stem8-conv16k3s2-sep32k5s1", conv.encode());
        assertEquals("[conv:c1-8:h28:k3:s1, conv:c8-16:h28:k3:s2, sep:c16-32:h14:k5:s1, head:c32:h14:n10]",
                Arrays.toString(conv.latencyUnits().stream().map(LatencyUnit::signature).toArray()));
    }

    @Test
    void theMobileNetTwinIsTheSamplesMobileNetCountedByHand() {
        Architecture m = ProbeArchitectures.mobileNet();
        assertEquals("cnn:stem16-sep32k3s2-sep64k3s2-sep128k3s1", m.encode());
        // stem 28²·16·9; then per separable block: out²·(in·9 + in·out); head 128·10.
        long macs = 28L * 28 * 16 * 9 + 14L * 14 * (16 * 9 + 16 * 32) + 7L * 7 * (32 * 9 + 32 * 64)
                + 7L * 7 * (64 * 9 + 64 * 128) + 128 * 10;
        assertEquals(786_848, macs);
        assertEquals(macs, m.multiplyAdds());
        // Weights, BatchNorm's γ and β, the classifier's bias (the samples' model adds a stem bias of 16).
        long params = (9 * 16 + 2 * 16) + (16 * 9 + 2 * 16 + 16 * 32 + 2 * 32) + (32 * 9 + 2 * 32 + 32 * 64 + 2 * 64)
                + (64 * 9 + 2 * 64 + 64 * 128 + 2 * 128) + (128 * 10 + 10);
        assertEquals(params, m.parameters());
        assertEquals(params, m.build(new Rng(0)).numParameters());
    }
}
