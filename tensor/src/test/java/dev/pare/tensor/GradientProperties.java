package dev.pare.tensor;

import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Every differentiable op's backward agrees with central differences, on random shapes and
 * random layouts, including broadcast pairs of shapes.
 */
class GradientProperties {

    /** A shape of rank 1–3 with sizes 1–4, and a second shape that broadcasts against it. */
    record Pair(int[] a, int[] b, long seed) {}

    @Provide
    Arbitrary<Pair> broadcastPairs() {
        Arbitrary<int[]> shapes = Arbitraries.integers().between(1, 4).array(int[].class).ofMinSize(1).ofMaxSize(3);
        return Combinators.combine(shapes, Arbitraries.longs(), Arbitraries.integers().between(0, 7),
                Arbitraries.integers().between(0, 2)).as((a, seed, onesMask, drop) -> {
                    int keep = Math.max(1, a.length - Math.min(drop, a.length - 1));
                    int[] b = new int[keep];
                    for (int i = 0; i < keep; i++) {
                        int d = a.length - keep + i;
                        b[i] = (onesMask >> i & 1) == 1 ? 1 : a[d];
                    }
                    return (seed & 1) == 0 ? new Pair(a, b, seed) : new Pair(b, a, seed);
                });
    }

    @Provide
    Arbitrary<int[]> shapes() {
        return Arbitraries.integers().between(1, 4).array(int[].class).ofMinSize(1).ofMaxSize(3);
    }

    @Provide
    Arbitrary<TestTensors.Layout> layouts() {
        return Arbitraries.of(TestTensors.Layout.class);
    }

    /**
     * Values on the grid 0.2·k + offset (k in −10…10): with offset 0.1 none is within 0.1 of
     * 0, and a grid with offset 0.1 never comes within 0.1 of a grid with offset 0. Functions with
     * kinks (relu, abs, clamp, maximum) are checked on such values, so that the ±ε steps of the
     * central difference never cross a kink.
     */
    private static Tensor grid(Rng rng, int[] shape, float offset) {
        float[] v = new float[Shape.numel(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (rng.nextInt(21) - 10) * 0.2f + offset;
        }
        return Tensor.fromArray(v, shape);
    }

    @Property(tries = 40)
    void binaryOpsBackwardMatchesCentralDifferences(@ForAll("broadcastPairs") Pair p) {
        Rng rng = new Rng(p.seed());
        Tensor a = Tensor.randn(rng, p.a());
        Tensor b = Tensor.randn(rng, p.b());
        Tensor bPos = b.abs().add(0.5f);
        GradCheck.assertGradientsMatch("add", x -> x[0].add(x[1]), a, b);
        GradCheck.assertGradientsMatch("sub", x -> x[0].sub(x[1]), a, b);
        GradCheck.assertGradientsMatch("mul", x -> x[0].mul(x[1]), a, b);
        GradCheck.assertGradientsMatch("div", x -> x[0].div(x[1]), a, bPos);
        // maximum/minimum have a kink where a == b: the two grids never meet.
        Tensor ga = grid(rng, p.a(), 0.1f);
        Tensor gb = grid(rng, p.b(), 0f);
        GradCheck.assertGradientsMatch("maximum", x -> x[0].maximum(x[1]), ga, gb);
        GradCheck.assertGradientsMatch("minimum", x -> x[0].minimum(x[1]), ga, gb);
        GradCheck.assertGradientsMatch("where", x -> Tensor.where(a.gt(0f), x[0], x[1]), a, b);
    }

    @Property(tries = 30)
    void unaryOpsBackwardMatchesCentralDifferences(@ForAll("shapes") int[] shape,
                                                   @ForAll("layouts") TestTensors.Layout layout) {
        Rng rng = new Rng(shape.length * 31L + shape[0]);
        Tensor x = TestTensors.make(shape, layout, rng);
        Tensor pos = x.abs().add(0.3f);
        Tensor kinkFree = grid(rng, shape, 0.1f);
        check1("neg", Tensor::neg, x);
        check1("mul scalar", t -> t.mul(-2.5f), x);
        check1("add scalar", t -> t.add(1.5f), x);
        check1("exp", Tensor::exp, x);
        check1("log", Tensor::log, pos);
        check1("sqrt", Tensor::sqrt, pos);
        check1("square", Tensor::square, x);
        check1("pow 3", t -> t.pow(3f), x);
        check1("pow 1.5", t -> t.pow(1.5f), pos);
        check1("abs", Tensor::abs, kinkFree);
        check1("tanh", Tensor::tanh, x);
        check1("sigmoid", Tensor::sigmoid, x);
        check1("relu", Tensor::relu, kinkFree);
        check1("gelu", Tensor::gelu, x);
        check1("clamp", t -> t.clamp(-0.45f, 0.45f), kinkFree);
    }

    private static void check1(String name, Function<Tensor, Tensor> f, Tensor x) {
        GradCheck.assertGradientsMatch(name, a -> f.apply(a[0]), x);
    }

    @Property(tries = 30)
    void reductionsBackwardMatchCentralDifferences(@ForAll("shapes") int[] shape,
                                                   @ForAll("layouts") TestTensors.Layout layout) {
        Rng rng = new Rng(shape.length * 17L + shape[shape.length - 1]);
        Tensor x = TestTensors.make(shape, layout, rng);
        int last = shape.length - 1;
        check1("sum all", Tensor::sum, x);
        check1("sum dim 0", t -> t.sum(0, false), x);
        check1("sum last keepDim", t -> t.sum(last, true), x);
        check1("mean all", Tensor::mean, x);
        int[] dims = shape.length == 1 ? new int[] {0} : new int[] {0, last};
        check1("mean dims keepDim", t -> t.mean(dims, true), x);
        // Distinct values, so that the maximum is unique and the function smooth around it.
        Tensor distinct = Tensor.arange(Shape.numel(shape)).mul(0.37f).reshape(shape).add(x.mul(0.01f));
        check1("max dim", t -> t.max(last, false), distinct);
        check1("max all", Tensor::max, distinct);
        check1("softmax", t -> t.softmax(last), x);
        check1("softmax dim 0", t -> t.softmax(0), x);
        check1("logSoftmax", t -> t.logSoftmax(last), x);
    }

    @Property(tries = 30)
    void viewOpsBackwardMatchCentralDifferences(@ForAll("shapes") int[] shape,
                                                @ForAll("layouts") TestTensors.Layout layout) {
        Rng rng = new Rng(shape.length * 7L + shape[0] * 3L);
        Tensor x = TestTensors.make(shape, layout, rng);
        int last = shape.length - 1;
        check1("transpose", t -> t.transpose(0, last).mul(t.transpose(0, last)), x);
        check1("reshape", t -> t.reshape(-1).mul(Tensor.arange(t.numel())), x);
        check1("narrow", t -> t.narrow(last, 0, Math.max(1, shape[last] - 1)), x);
        check1("slice step 2", t -> t.slice(0, 0, shape[0], 2), x);
        check1("select", t -> t.select(0, shape[0] - 1), x);
        check1("unsqueeze+expand", t -> t.unsqueeze(0).expand(3, -1, -1, -1).mul(Tensor.arange(3).reshape(3, 1, 1, 1)
                .add(1f)), x.reshape(shape.length == 3 ? shape : new int[] {x.numel(), 1, 1}));
        check1("cat", t -> Tensor.cat(last, t, t.mul(2f)), x);
        check1("stack", t -> Tensor.stack(0, t, t.exp()), x);
        check1("contiguous", t -> t.contiguous().square(), x);
        if (shape.length > 1) {
            int[] perm = new int[shape.length];
            for (int i = 0; i < perm.length; i++) {
                perm[i] = perm.length - 1 - i;
            }
            check1("permute", t -> t.permute(perm).exp(), x);
        }
    }

    @Property(tries = 25)
    void matmulBackwardMatchesCentralDifferences(@ForAll("shapes") int[] dims, @ForAll long seed) {
        Rng rng = new Rng(seed);
        int m = dims[0];
        int k = dims.length > 1 ? dims[1] : 3;
        int n = dims.length > 2 ? dims[2] : 2;
        GradCheck.assertGradientsMatch("matmul 2-D", x -> x[0].matmul(x[1]), Tensor.randn(rng, m, k), Tensor.randn(rng, k, n));
        GradCheck.assertGradientsMatch("matmul Aᵀ", x -> x[0].t().matmul(x[1]), Tensor.randn(rng, k, m), Tensor.randn(rng, k, n));
        GradCheck.assertGradientsMatch("matmul Bᵀ", x -> x[0].matmul(x[1].t()), Tensor.randn(rng, m, k), Tensor.randn(rng, n, k));
        GradCheck.assertGradientsMatch("matmul batched broadcast", x -> x[0].matmul(x[1]),
                Tensor.randn(rng, 2, 1, m, k), Tensor.randn(rng, 3, k, n));
        // A batch of sequences through a Linear layer's Wᵀ: the column-major weight's gradient is
        // summed over the batch before it is transposed back.
        GradCheck.assertGradientsMatch("matmul batched by Wᵀ", x -> x[0].matmul(x[1].t()),
                Tensor.randn(rng, 2, m, k), Tensor.randn(rng, n, k));
        GradCheck.assertGradientsMatch("matmul vector", x -> x[0].matmul(x[1]), Tensor.randn(rng, k), Tensor.randn(rng, k, n));
        GradCheck.assertGradientsMatch("matmul matrix-vector", x -> x[0].matmul(x[1]), Tensor.randn(rng, m, k), Tensor.randn(rng, k));
    }

    @Property(tries = 25)
    void indexingBackwardMatchesCentralDifferences(@ForAll("shapes") int[] shape, @ForAll long seed) {
        Rng rng = new Rng(seed);
        Tensor x = Tensor.randn(rng, shape);
        int last = shape.length - 1;
        float[] idx = new float[x.numel() / shape[last] * 2];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = rng.nextInt(shape[last]);
        }
        int[] idxShape = shape.clone();
        idxShape[last] = 2;
        Tensor index = Tensor.fromArray(idx, idxShape);
        GradCheck.assertGradientsMatch("gather", t -> t[0].gather(last, index), x);
        GradCheck.assertGradientsMatch("indexSelect with repeats", t -> t[0].indexSelect(0, 0, shape[0] - 1, 0), x);
    }
}
