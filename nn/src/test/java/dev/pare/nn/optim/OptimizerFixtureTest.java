package dev.pare.nn.optim;

import dev.pare.nn.loss.Check;
import dev.pare.nn.loss.Fixtures;
import dev.pare.tensor.Tensor;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each optimizer, from the same initial parameters and the same five gradients as PyTorch 1.13,
 * reaches the same parameters after every step (make_loss_optim_fixtures.py).
 */
class OptimizerFixtureTest {
    private static final int STEPS = 5;

    static Stream<Arguments> configs() {
        return Stream.of(
                Arguments.of("sgd.plain", (Function<List<Tensor>, Optimizer>) ps -> new SGD(ps, 0.1)),
                Arguments.of("sgd.momentum", (Function<List<Tensor>, Optimizer>) ps -> new SGD(ps, 0.1, 0.9)),
                Arguments.of("sgd.dampening",
                        (Function<List<Tensor>, Optimizer>) ps -> new SGD(ps, 0.05, 0.9, 0.3, false, 0.01)),
                Arguments.of("sgd.nesterov",
                        (Function<List<Tensor>, Optimizer>) ps -> new SGD(ps, 0.05, 0.8, 0, true, 0.05)),
                Arguments.of("adam.default", (Function<List<Tensor>, Optimizer>) ps -> new Adam(ps, 1e-2)),
                Arguments.of("adam.wd",
                        (Function<List<Tensor>, Optimizer>) ps -> new Adam(ps, 3e-2, 0.8, 0.99, 1e-6, 0.1)),
                Arguments.of("adamw.default", (Function<List<Tensor>, Optimizer>) ps -> new AdamW(ps, 1e-3)),
                Arguments.of("adamw.wd",
                        (Function<List<Tensor>, Optimizer>) ps -> new AdamW(ps, 3e-2, 0.85, 0.995, 1e-7, 0.2)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void matchesPyTorchAfterEveryStep(String name, Function<List<Tensor>, Optimizer> make) {
        Tensor a = Tensor.fromArray(Fixtures.floats("optim.p0.a"), 3, 4).requiresGrad(true);
        Tensor b = Tensor.fromArray(Fixtures.floats("optim.p0.b"), 5).requiresGrad(true);
        Optimizer opt = make.apply(List.of(a, b));
        for (int k = 0; k < STEPS; k++) {
            a.setGrad(Tensor.fromArray(Fixtures.floats("optim.grad" + k + ".a"), 3, 4));
            b.setGrad(Tensor.fromArray(Fixtures.floats("optim.grad" + k + ".b"), 5));
            opt.step();
            String key = "optim." + name + ".step" + (k + 1);
            // 1e-6 relative, plus an absolute floor of a few float ulps at 1 for values that pass near 0.
            Check.assertClose(key + ".a", Fixtures.floats(key + ".a"), a.toArray(), 1e-6, 3e-7);
            Check.assertClose(key + ".b", Fixtures.floats(key + ".b"), b.toArray(), 1e-6, 3e-7);
        }
    }
}
