package dev.pare.nn.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.io.TensorEntry;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An optimizer restored from its {@code stateDict()} (through a file) makes exactly the steps the
 * original would have made: the oracle is the original optimizer itself, carried on.
 */
class OptimizerStateDictTest {
    @TempDir
    Path dir;

    /** Two parameters; the second gets no gradient for the first steps, so its state starts late. */
    private static List<Tensor> params(long seed) {
        Rng r = new Rng(seed);
        return List.of(Tensor.randn(r, 3, 4).requiresGrad(true), Tensor.randn(r, 5).requiresGrad(true));
    }

    private static void step(Optimizer opt, int k) {
        List<Tensor> ps = opt.parameters();
        opt.zeroGrad();
        Rng r = new Rng(100 + k);
        ps.get(0).setGrad(Tensor.randn(r, 3, 4));
        if (k >= 2) {
            ps.get(1).setGrad(Tensor.randn(r, 5));
        }
        opt.step();
    }

    private void resumedEqualsUninterrupted(Function<List<Tensor>, Optimizer> make) throws IOException {
        List<Tensor> pa = params(1);
        Optimizer a = make.apply(pa);
        for (int k = 0; k < 2; k++) {
            step(a, k);
        }
        a.setLearningRate(a.learningRate() * 0.5); // a schedule's change must travel too
        Path file = dir.resolve("opt.safetensors");
        SafeTensors.write(file, a.stateDict());
        List<Tensor> pb = List.of(Tensor.fromArray(pa.get(0).toArray(), 3, 4).requiresGrad(true),
                Tensor.fromArray(pa.get(1).toArray(), 5).requiresGrad(true));
        Optimizer b = make.apply(pb);
        b.loadStateDict(SafeTensors.read(file));
        assertEquals(a.steps(), b.steps());
        assertEquals(a.learningRate(), b.learningRate());
        for (int k = 2; k < 6; k++) {
            step(a, k);
            step(b, k);
        }
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(pa.get(i).toArray(), pb.get(i).toArray(), "parameter " + i + " after resuming");
        }
    }

    @Test
    void sgdWithNesterovMomentumContinuesBitForBit() throws IOException {
        resumedEqualsUninterrupted(p -> new SGD(p, 0.1, 0.9, 0, true, 1e-3));
    }

    @Test
    void adamContinuesBitForBit() throws IOException {
        resumedEqualsUninterrupted(p -> new Adam(p, 0.01, 0.8, 0.99, 1e-8, 1e-3));
    }

    @Test
    void adamWContinuesBitForBit() throws IOException {
        resumedEqualsUninterrupted(p -> new AdamW(p, 0.01));
    }

    @Test
    void stateNamesFollowPyTorch() {
        SGD sgd = new SGD(params(2), 0.1, 0.9);
        step(sgd, 0);
        assertEquals(List.of("steps", "state.0.momentum_buffer"), List.copyOf(sgd.stateDict().entries().keySet()));
        Adam adam = new Adam(params(2), 0.1);
        step(adam, 0);
        assertEquals(List.of("steps", "state.0.exp_avg", "state.0.exp_avg_sq", "state.0.step"),
                List.copyOf(adam.stateDict().entries().keySet()));
    }

    @Test
    void aStateOfAnotherOptimizerTypeIsRefusedByName() {
        Checkpoint adam = new Adam(params(3), 0.1).stateDict();
        var e = assertThrows(IllegalArgumentException.class, () -> new AdamW(params(3), 0.1).loadStateDict(adam));
        assertTrue(e.getMessage().contains("saved by Adam, not AdamW"), e.getMessage());
    }

    @Test
    void otherHyperParametersAreRefused() {
        Checkpoint s = new SGD(params(3), 0.1, 0.9).stateDict();
        var e = assertThrows(IllegalArgumentException.class, () -> new SGD(params(3), 0.1, 0.5).loadStateDict(s));
        assertTrue(e.getMessage().contains("momentum=0.9") && e.getMessage().contains("momentum=0.5"), e.getMessage());
    }

    @Test
    void otherParameterShapesAreRefused() {
        Checkpoint s = new SGD(params(3), 0.1, 0.9).stateDict();
        List<Tensor> other = List.of(Tensor.zeros(4, 3).requiresGrad(true), Tensor.zeros(5).requiresGrad(true));
        var e = assertThrows(IllegalArgumentException.class, () -> new SGD(other, 0.1, 0.9).loadStateDict(s));
        assertTrue(e.getMessage().contains("[3, 4] [5]") && e.getMessage().contains("[4, 3] [5]"), e.getMessage());
    }

    @Test
    void aMisshapenBufferIsRefusedAndNothingChanges() {
        SGD a = new SGD(params(4), 0.1, 0.9);
        step(a, 0);
        Checkpoint s = a.stateDict();
        s.put("state.0.momentum_buffer", Tensor.zeros(12));
        SGD b = new SGD(params(4), 0.1, 0.9);
        var e = assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(s));
        assertTrue(e.getMessage().contains("state.0.momentum_buffer") && e.getMessage().contains("[3, 4]"), e.getMessage());
        assertEquals(0, b.steps());
        assertEquals(0.1, b.learningRate());
    }

    @Test
    void anUnknownOrMissingEntryIsNamed() {
        Checkpoint s = new Adam(params(5), 0.1).stateDict();
        s.put("state.7.exp_avg", TensorEntry.ofLongs(new long[] {1}, 1));
        var unknown = assertThrows(IllegalArgumentException.class, () -> new Adam(params(5), 0.1).loadStateDict(s));
        assertTrue(unknown.getMessage().contains("unknown entry \"state.7.exp_avg\""), unknown.getMessage());

        Checkpoint noSteps = new Checkpoint();
        new Adam(params(5), 0.1).stateDict().metadata().forEach(noSteps::putMetadata);
        var missing = assertThrows(IllegalArgumentException.class, () -> new Adam(params(5), 0.1).loadStateDict(noSteps));
        assertTrue(missing.getMessage().contains("\"steps\" is missing"), missing.getMessage());
    }
}
