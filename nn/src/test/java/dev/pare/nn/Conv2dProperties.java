package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Laws of {@link Conv2d} over randomly drawn geometries, with the direct loops of {@link Conv2dTest} as oracle. */
class Conv2dProperties {

    @Property(tries = 60)
    void convolutionEqualsTheDirectSumForAnyGeometry(
            @ForAll @IntRange(min = 1, max = 3) int groups,
            @ForAll @IntRange(min = 1, max = 2) int inPerGroup,
            @ForAll @IntRange(min = 1, max = 3) int outPerGroup,
            @ForAll @IntRange(min = 1, max = 4) int k,
            @ForAll @IntRange(min = 1, max = 3) int stride,
            @ForAll @IntRange(min = 0, max = 2) int padding,
            @ForAll @IntRange(min = 1, max = 3) int dilation,
            @ForAll @IntRange(min = 1, max = 9) int h,
            @ForAll @IntRange(min = 1, max = 9) int w,
            @ForAll boolean bias,
            @ForAll long seed) {
        int span = dilation * (k - 1) + 1;
        Assume.that(h + 2 * padding >= span && w + 2 * padding >= span);
        Conv2dTest.Config cfg = new Conv2dTest.Config(groups * inPerGroup, groups * outPerGroup, k, stride, padding,
                dilation, groups, bias, h, w);
        Rng rng = new Rng(seed);
        Conv2d conv = new Conv2d(cfg.c(), cfg.o(), k, stride, padding, dilation, groups, bias, rng);
        Tensor x = Tensor.randn(rng, 2, cfg.c(), h, w).requiresGrad(true);
        Tensor y = conv.forward(x);
        assertArrayEquals(new int[] {2, cfg.o(), cfg.oh(), cfg.ow()}, y.shape());
        float[] wv = conv.weight().toArray();
        float[] bv = bias ? conv.bias().toArray() : null;
        Conv2dTest.assertClose(cfg + " forward", Conv2dTest.directForward(cfg, 2, x.toArray(), wv, bv), y.toArray());
        Tensor g = Tensor.randn(rng, y.shape());
        y.backward(g);
        double[][] expected = Conv2dTest.directBackward(cfg, 2, x.toArray(), wv, g.toArray());
        Conv2dTest.assertClose(cfg + " dx", expected[0], x.grad().toArray());
        Conv2dTest.assertClose(cfg + " dW", expected[1], conv.weight().grad().toArray());
    }

    @Property(tries = 30)
    void stateDictRoundTripGivesIdenticalOutputs(@ForAll long seedA, @ForAll long seedB) {
        Sequential a = new Sequential(new Conv2d(2, 3, 3, 1, 1, new Rng(seedA)), new BatchNorm2d(3), new ReLU());
        Sequential b = new Sequential(new Conv2d(2, 3, 3, 1, 1, new Rng(seedB)), new BatchNorm2d(3), new ReLU());
        a.forward(Tensor.randn(new Rng(seedA ^ seedB), 3, 2, 4, 4));
        b.loadStateDict(a.stateDict(), true);
        a.eval();
        b.eval();
        Tensor x = Tensor.randn(new Rng(seedB), 2, 2, 5, 5);
        assertArrayEquals(a.forward(x).toArray(), b.forward(x).toArray());
    }
}
