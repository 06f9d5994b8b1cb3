package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Layers against golden values computed by PyTorch 1.13
 * ({@code src/test/resources/fixtures/make_layer_fixtures.py}, output in {@code layers.txt}).
 * The weights come from the fixture, not from Pare's initialisation, so the numbers must agree to
 * float rounding.
 */
class LayerFixtureTest {
    private static final Fixtures F = Fixtures.load("/fixtures/layers.txt");

    @Test
    void linearForwardAndGradientsMatchPyTorch() {
        Linear fc = new Linear(5, 4, new Rng(0));
        F.copyInto("linear.weight", fc.weight());
        F.copyInto("linear.bias", fc.bias());
        Tensor x = F.get("linear.x").copy().requiresGrad(true);
        Tensor y = fc.forward(x);
        F.assertMatches("linear.y", y);
        y.backward(F.get("linear.g"));
        F.assertMatches("linear.dx", x.grad());
        F.assertMatches("linear.dweight", fc.weight().grad());
        F.assertMatches("linear.dbias", fc.bias().grad());
    }

    @Test
    void conv2dPaddedMatchesPyTorch() {
        checkConv("conv_a", new Conv2d(3, 4, 3, 1, 1, 1, 1, true, new Rng(0)));
    }

    @Test
    void conv2dStridedDilatedGroupedMatchesPyTorch() {
        checkConv("conv_b", new Conv2d(4, 6, 3, 2, 2, 2, 2, true, new Rng(0)));
    }

    @Test
    void conv2dDepthwiseWithoutBiasMatchesPyTorch() {
        checkConv("conv_c", new Conv2d(3, 3, 3, 1, 1, 1, 3, false, new Rng(0)));
    }

    private static void checkConv(String tag, Conv2d conv) {
        F.copyInto(tag + ".weight", conv.weight());
        if (conv.bias() != null) {
            F.copyInto(tag + ".bias", conv.bias());
        }
        Tensor x = F.get(tag + ".x").copy().requiresGrad(true);
        Tensor y = conv.forward(x);
        F.assertMatches(tag + ".y", y);
        y.backward(F.get(tag + ".g"));
        F.assertMatches(tag + ".dx", x.grad());
        F.assertMatches(tag + ".dweight", conv.weight().grad(), 1e-4, 1e-4);
        if (conv.bias() != null) {
            F.assertMatches(tag + ".dbias", conv.bias().grad(), 1e-4, 1e-4);
        }
    }

    @Test
    @SuppressWarnings("try") // the scope is used only for closing
    void batchNorm2dTrainingStepsRunningStatsAndEvalMatchPyTorch() {
        BatchNorm2d bn = new BatchNorm2d(3);
        F.copyInto("bn2d.weight", bn.weight());
        F.copyInto("bn2d.bias", bn.bias());

        Tensor x1 = F.get("bn2d.x1").copy().requiresGrad(true);
        Tensor y1 = bn.forward(x1);
        F.assertMatches("bn2d.y1", y1);
        y1.backward(F.get("bn2d.g1"));
        F.assertMatches("bn2d.dx1", x1.grad(), 1e-4, 1e-4);
        F.assertMatches("bn2d.dweight1", bn.weight().grad(), 1e-4, 1e-4);
        F.assertMatches("bn2d.dbias1", bn.bias().grad(), 1e-4, 1e-4);
        F.assertMatches("bn2d.running_mean1", bn.runningMean());
        F.assertMatches("bn2d.running_var1", bn.runningVar());
        F.assertMatches("bn2d.num_batches_tracked1", bn.stateDict().get("num_batches_tracked"), 0, 0);

        try (GradMode.Scope ignored = Tensor.noGrad()) {
            F.assertMatches("bn2d.y2", bn.forward(F.get("bn2d.x2")));
        }
        F.assertMatches("bn2d.running_mean2", bn.runningMean());
        F.assertMatches("bn2d.running_var2", bn.runningVar());
        assertEquals(2, bn.numBatchesTracked());

        bn.eval();
        F.assertMatches("bn2d.y3_eval", bn.forward(F.get("bn2d.x3")));
        assertEquals(2, bn.numBatchesTracked(), "evaluation must not touch the running statistics");
    }

    @Test
    void batchNorm1dTrainingAndEvalMatchPyTorch() {
        BatchNorm1d bn = new BatchNorm1d(4);
        Tensor x = F.get("bn1d.x");
        F.assertMatches("bn1d.y", bn.forward(x));
        F.assertMatches("bn1d.running_mean", bn.runningMean());
        F.assertMatches("bn1d.running_var", bn.runningVar());
        bn.eval();
        F.assertMatches("bn1d.y_eval", bn.forward(x));
    }

    @Test
    void poolingMatchesPyTorch() {
        Tensor x = F.get("maxpool.x").copy().requiresGrad(true);
        Tensor y = new MaxPool2d(3, 2, 1).forward(x);
        F.assertMatches("maxpool.y", y, 0, 0);
        y.backward(F.get("maxpool.g"));
        F.assertMatches("maxpool.dx", x.grad());

        x.setGrad(null);
        Tensor a = new AvgPool2d(3, 2, 1).forward(x);
        F.assertMatches("avgpool.y", a);
        a.backward(F.get("maxpool.g"));
        F.assertMatches("avgpool.dx", x.grad());
    }

    @Test
    void geluMatchesPyTorch() {
        F.assertMatches("gelu.y", new GELU().forward(F.get("gelu.x")), 1e-6, 1e-5);
    }
}
