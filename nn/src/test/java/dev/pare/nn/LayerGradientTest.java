package dev.pare.nn;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Every layer's backward pass against central finite differences ({@link GradCheck}), with
 * respect to its input and each of its parameters. Inputs to kinked functions (ReLU, max
 * pooling) are kept well away from the kinks, so that a step of ε never crosses one.
 */
class LayerGradientTest {

    /** Standard normal values pushed at least 0.1 away from 0 (ReLU's kink is at 0). */
    private static Tensor awayFromZero(Rng rng, int... shape) {
        float[] v = Tensor.randn(rng, shape).toArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.copySign(0.1f + Math.abs(v[i]), v[i]);
        }
        return Tensor.fromArray(v, shape);
    }

    /** Distinct values 0.1 apart in random order: no two elements of a pooling window tie. */
    private static Tensor distinct(Rng rng, int... shape) {
        int n = Tensor.zeros(shape).numel();
        int[] perm = rng.permutation(n);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = 0.1f * (perm[i] - n / 2f);
        }
        return Tensor.fromArray(v, shape);
    }

    @Test
    void linear() {
        Rng rng = new Rng(1);
        Linear fc = new Linear(5, 4, rng);
        Tensor x = Tensor.randn(rng, 3, 5).requiresGrad(true);
        GradCheck.assertGradientsMatch("Linear", in -> fc.forward(in[0]), x, fc.weight(), fc.bias());
    }

    @Test
    void linearOnThreeDimensionalInputWithoutBias() {
        Rng rng = new Rng(2);
        Linear fc = new Linear(4, 3, false, rng);
        Tensor x = Tensor.randn(rng, 2, 3, 4).requiresGrad(true);
        GradCheck.assertGradientsMatch("Linear 3-D", in -> fc.forward(in[0]), x, fc.weight());
    }

    @Test
    void conv2dDepthwise() {
        Rng rng = new Rng(3);
        Conv2d conv = new Conv2d(3, 3, 3, 1, 1, 1, 3, true, rng);
        Tensor x = Tensor.randn(rng, 2, 3, 5, 6).requiresGrad(true);
        GradCheck.assertGradientsMatch("Conv2d depthwise", in -> conv.forward(in[0]), x, conv.weight(), conv.bias());
    }

    @Test
    void maxPool2dOverlappingPaddedWindows() {
        Rng rng = new Rng(4);
        Tensor x = distinct(rng, 2, 2, 7, 6).requiresGrad(true);
        MaxPool2d pool = new MaxPool2d(3, 2, 1);
        GradCheck.assertGradientsMatch("MaxPool2d", in -> pool.forward(in[0]), x);
    }

    @Test
    void avgPool2dOverlappingPaddedWindows() {
        Rng rng = new Rng(5);
        Tensor x = Tensor.randn(rng, 2, 2, 7, 6).requiresGrad(true);
        AvgPool2d pool = new AvgPool2d(3, 2, 1);
        GradCheck.assertGradientsMatch("AvgPool2d", in -> pool.forward(in[0]), x);
    }

    @Test
    void globalAvgPool2dAndFlatten() {
        Rng rng = new Rng(6);
        Tensor x = Tensor.randn(rng, 2, 3, 4, 5).requiresGrad(true);
        Sequential s = new Sequential(new GlobalAvgPool2d(), new Flatten());
        GradCheck.assertGradientsMatch("GlobalAvgPool2d+Flatten", in -> s.forward(in[0]), x);
    }

    @Test
    void relu() {
        Tensor x = awayFromZero(new Rng(7), 4, 6).requiresGrad(true);
        ReLU relu = new ReLU();
        GradCheck.assertGradientsMatch("ReLU", in -> relu.forward(in[0]), x);
    }

    @Test
    void gelu() {
        Tensor x = Tensor.randn(new Rng(8), 4, 6).mul(2f).requiresGrad(true);
        GELU gelu = new GELU();
        GradCheck.assertGradientsMatch("GELU", in -> gelu.forward(in[0]), x);
    }

    @Test
    void dropoutInTraining() {
        Tensor x = Tensor.randn(new Rng(9), 5, 6).requiresGrad(true);
        // A fresh layer with the same seed per call: every evaluation draws the same mask.
        GradCheck.assertGradientsMatch("Dropout", in -> new Dropout(0.3, 77).forward(in[0]), x);
    }

    @Test
    void batchNorm2dInTraining() {
        Rng rng = new Rng(10);
        BatchNorm2d bn = new BatchNorm2d(3);
        Init.uniform(bn.weight(), 0.5, 1.5, rng);
        Init.uniform(bn.bias(), -0.5, 0.5, rng);
        Tensor x = Tensor.randn(rng, 3, 3, 4, 3).mul(2f).add(1f).requiresGrad(true);
        GradCheck.assertGradientsMatch("BatchNorm2d train", in -> bn.forward(in[0]), x, bn.weight(), bn.bias());
    }

    @Test
    void batchNorm2dInEvaluation() {
        Rng rng = new Rng(11);
        BatchNorm2d bn = new BatchNorm2d(3);
        bn.forward(Tensor.randn(rng, 8, 3, 4, 4).mul(3f));
        bn.eval();
        Init.uniform(bn.weight(), 0.5, 1.5, rng);
        Tensor x = Tensor.randn(rng, 2, 3, 3, 3).requiresGrad(true);
        GradCheck.assertGradientsMatch("BatchNorm2d eval", in -> bn.forward(in[0]), x, bn.weight(), bn.bias());
    }

    @Test
    void batchNorm1dOnFeaturesAndSequences() {
        Rng rng = new Rng(12);
        BatchNorm1d bn = new BatchNorm1d(4);
        Init.uniform(bn.weight(), 0.5, 1.5, rng);
        Tensor x2 = Tensor.randn(rng, 6, 4).requiresGrad(true);
        GradCheck.assertGradientsMatch("BatchNorm1d [N, C]", in -> bn.forward(in[0]), x2, bn.weight(), bn.bias());
        Tensor x3 = Tensor.randn(rng, 3, 4, 5).requiresGrad(true);
        GradCheck.assertGradientsMatch("BatchNorm1d [N, C, L]", in -> bn.forward(in[0]), x3, bn.weight(), bn.bias());
    }

    @Test
    void smallCnnEndToEnd() {
        Rng rng = new Rng(13);
        // Smooth pieces only (GELU, average pooling): a whole network has too many values to keep
        // them all away from ReLU's and max pooling's kinks.
        Sequential net = new Sequential(
                new Conv2d(2, 3, 3, 1, 1, rng),
                new BatchNorm2d(3),
                new GELU(),
                new AvgPool2d(2),
                new Conv2d(3, 3, 3, 1, 1, 1, 3, false, rng),
                new Flatten(),
                new Linear(3 * 3 * 3, 4, rng));
        Tensor x = Tensor.randn(rng, 2, 2, 6, 7).requiresGrad(true);
        Tensor[] inputs = new Tensor[1 + net.parameters().size()];
        inputs[0] = x;
        for (int i = 0; i < net.parameters().size(); i++) {
            inputs[i + 1] = net.parameters().get(i);
        }
        GradCheck.assertGradientsMatch("small CNN", in -> net.forward(in[0]), inputs);
    }
}
