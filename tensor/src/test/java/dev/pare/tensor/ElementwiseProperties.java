package dev.pare.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pare.tensor.kernels.Binary;
import dev.pare.tensor.kernels.Unary;
import java.util.function.BiFunction;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Elementwise ops on every layout (contiguous, transposed, sliced, expanded) and with
 * broadcasting give, at every index, the scalar definition applied to the values read one by one
 * with {@link Tensor#get}: the strides, the run coalescing and the vector kernels are all
 * checked against the plainest possible oracle.
 */
class ElementwiseProperties {

    @Provide
    Arbitrary<int[]> shapes() {
        // Sizes up to 40 so that inner runs are longer than a 16-lane vector.
        return Arbitraries.integers().between(1, 40).array(int[].class).ofMinSize(1).ofMaxSize(3)
                .filter(s -> Shape.numel(s) <= 5000);
    }

    @Provide
    Arbitrary<TestTensors.Layout> layouts() {
        return Arbitraries.of(TestTensors.Layout.class);
    }

    private static void checkUnary(String name, Tensor x, Function<Tensor, Tensor> op, Unary def, float p, float q,
                                   float rtol) {
        Tensor out = op.apply(x);
        assertArrayEquals(x.shape(), out.shape(), name + " shape");
        assertLayout(name, x, out);
        TestTensors.forEachIndex(x.shape(), idx -> {
            float e = def.apply(x.get(idx), p, q);
            float a = out.get(idx);
            if (!TestTensors.close(a, e, 1e-30f, rtol)) {
                fail(name + " at " + TestTensors.str(idx) + ": input " + x.get(idx) + ", expected " + e + ", got " + a);
            }
        });
    }

    /**
     * The result owns a fresh array without gaps: laid out like {@code like} when {@code like} has
     * its shape and is dense (a transposed view stays transposed), otherwise row-major.
     */
    private static void assertLayout(String name, Tensor like, Tensor out) {
        assertTrue(Shape.isDense(out.shape(), out.strides()) || out.numel() == 0, name + " result is dense");
        assertTrue(out.offset() == 0 && out.storage().length == out.numel(), name + " result owns its array");
        boolean keep = java.util.Arrays.equals(like.shape(), out.shape()) && !like.isContiguous()
                && Shape.isDense(like.shape(), like.strides());
        if (keep) {
            assertArrayEquals(like.strides(), out.strides(), name + " keeps the dense input's strides");
        } else {
            assertTrue(out.isContiguous(), name + " of a row-major or non-dense input is row-major");
        }
    }

    @Property(tries = 60)
    void unaryOpsMatchTheirDefinitionOnEveryLayout(@ForAll("shapes") int[] shape,
                                                   @ForAll("layouts") TestTensors.Layout layout, @ForAll long seed) {
        Tensor x = TestTensors.make(shape, layout, new Rng(seed));
        Tensor pos = x.abs();
        checkUnary("neg", x, Tensor::neg, Unary.NEG, 0, 0, 0);
        checkUnary("abs", x, Tensor::abs, Unary.ABS, 0, 0, 0);
        checkUnary("exp", x, Tensor::exp, Unary.EXP, 0, 0, 3e-7f);
        checkUnary("log", pos, Tensor::log, Unary.LOG, 0, 0, 0);
        checkUnary("sqrt", pos, Tensor::sqrt, Unary.SQRT, 0, 0, 0);
        checkUnary("tanh", x, Tensor::tanh, Unary.TANH, 0, 0, 0);
        checkUnary("sigmoid", x, Tensor::sigmoid, Unary.SIGMOID, 0, 0, 0);
        checkUnary("relu", x, Tensor::relu, Unary.RELU, 0, 0, 0);
        // The vector GELU evaluates the twin's double formula in float: within 1.2e-7·max(1, |x|)
        // absolutely; relatively within 1e-5 down to the far left tail (GeluKernelsProperties).
        checkUnary("gelu", x, Tensor::gelu, Unary.GELU, 0, 0, 1e-5f);
        checkUnary("pow", x, t -> t.pow(3f), Unary.POW, 3f, 0, 0);
        checkUnary("clamp", x, t -> t.clamp(-0.3f, 0.7f), Unary.CLAMP, -0.3f, 0.7f, 0);
        checkUnary("mul scalar", x, t -> t.mul(1.5f), Unary.SCALE, 1.5f, 0, 0);
        checkUnary("add scalar", x, t -> t.add(-2f), Unary.SHIFT, -2f, 0, 0);
    }

    private static void checkBinary(String name, Tensor a, Tensor b, BiFunction<Tensor, Tensor, Tensor> op,
                                    Binary def) {
        Tensor out = op.apply(a, b);
        int[] shape = Shape.broadcast(name, a.shape(), b.shape());
        assertArrayEquals(shape, out.shape(), name + " shape");
        assertLayout(name, java.util.Arrays.equals(a.shape(), shape) ? a : b, out);
        TestTensors.forEachIndex(out.shape(), idx -> {
            float x = TestTensors.getBroadcast(a, idx);
            float y = TestTensors.getBroadcast(b, idx);
            float e = def.apply(x, y);
            if (Float.compare(e, out.get(idx)) != 0) {
                fail(name + " at " + TestTensors.str(idx) + ": " + x + " and " + y + ", expected " + e + ", got "
                        + out.get(idx));
            }
        });
    }

    @Property(tries = 60)
    void binaryOpsMatchTheirDefinitionWithBroadcastingOnEveryLayout(
            @ForAll("shapes") int[] shape, @ForAll("layouts") TestTensors.Layout la,
            @ForAll("layouts") TestTensors.Layout lb, @ForAll long seed) {
        Rng rng = new Rng(seed);
        Tensor a = TestTensors.make(shape, la, rng);
        // b broadcasts against a: drop the first dim and make the (new) first dim size 1.
        int[] bs = java.util.Arrays.copyOfRange(shape, 1, shape.length);
        if (bs.length > 1) {
            bs[0] = 1;
        }
        Tensor b = TestTensors.make(bs, lb, rng);
        for (Tensor[] pair : new Tensor[][] {{a, b}, {b, a}, {a, a}}) {
            checkBinary("add", pair[0], pair[1], Tensor::add, Binary.ADD);
            checkBinary("sub", pair[0], pair[1], Tensor::sub, Binary.SUB);
            checkBinary("mul", pair[0], pair[1], Tensor::mul, Binary.MUL);
            checkBinary("div", pair[0], pair[1], Tensor::div, Binary.DIV);
            checkBinary("maximum", pair[0], pair[1], Tensor::maximum, Binary.MAX);
            checkBinary("minimum", pair[0], pair[1], Tensor::minimum, Binary.MIN);
            checkBinary("gt", pair[0], pair[1], Tensor::gt, Binary.GT);
            checkBinary("le", pair[0], pair[1], Tensor::le, Binary.LE);
        }
    }

    @Property(tries = 40)
    void whereSelectsByConditionWithBroadcasting(@ForAll("shapes") int[] shape, @ForAll long seed) {
        Rng rng = new Rng(seed);
        Tensor a = Tensor.randn(rng, shape);
        Tensor b = Tensor.randn(rng, shape[shape.length - 1]);
        Tensor cond = a.gt(0f);
        Tensor out = Tensor.where(cond, a, b);
        TestTensors.forEachIndex(shape, idx -> {
            float e = a.get(idx) > 0 ? a.get(idx) : b.get(idx[idx.length - 1]);
            if (e != out.get(idx)) {
                fail("where at " + TestTensors.str(idx));
            }
        });
    }

    @Property(tries = 40)
    void inPlaceOpsEqualTheirOutOfPlaceTwinsOnViews(@ForAll("shapes") int[] shape,
                                                    @ForAll("layouts") TestTensors.Layout layout, @ForAll long seed) {
        Rng rng = new Rng(seed);
        Tensor other = TestTensors.make(shape, layout, rng);
        Tensor base = Tensor.randn(rng, shape);
        float[] before = base.toArray();
        // Operate through a transposed view to exercise strided destinations.
        int last = shape.length - 1;
        Tensor view = base.transpose(0, last);
        Tensor otherT = other.transpose(0, last);
        view.addInPlace(otherT, 0.5f);
        assertArrayEquals(Tensor.fromArray(before, shape).add(other.mul(0.5f)).toArray(), base.toArray(), 0f,
                "addInPlace through a transposed view");
        Tensor expected = base.mul(other);
        view.mulInPlace(otherT);
        assertArrayEquals(expected.toArray(), base.toArray(), 0f, "mulInPlace");
        Tensor expectedScaled = base.mul(-3f).clamp(-1f, 1f);
        view.mulInPlace(-3f).clampInPlace(-1f, 1f);
        assertArrayEquals(expectedScaled.toArray(), base.toArray(), 0f, "mulInPlace(float), clampInPlace");
        view.copyFrom(otherT);
        assertArrayEquals(other.toArray(), base.toArray(), 0f, "copyFrom");
        view.fill(2f);
        for (float v : base.toArray()) {
            assertTrue(v == 2f, "fill");
        }
    }
    @Property(tries = 60)
    void denseLayoutsAreRecognisedAndGapsAreNot(@ForAll("shapes") int[] shape,
                                                @ForAll("layouts") TestTensors.Layout layout, @ForAll long seed) {
        Tensor x = TestTensors.make(shape, layout, new Rng(seed));
        // Oracle: dense means the offsets of all elements are exactly a permutation of 0 … numel−1
        // past the smallest one.
        int n = x.numel();
        boolean[] hit = new boolean[n];
        int[] st = x.strides();
        int[] min = {Integer.MAX_VALUE};
        TestTensors.forEachIndex(shape, idx -> {
            int o = 0;
            for (int d = 0; d < idx.length; d++) {
                o += idx[d] * st[d];
            }
            min[0] = Math.min(min[0], o);
        });
        boolean[] dense = {true};
        TestTensors.forEachIndex(shape, idx -> {
            int o = -min[0];
            for (int d = 0; d < idx.length; d++) {
                o += idx[d] * st[d];
            }
            if (o >= n || hit[o]) {
                dense[0] = false;
            } else {
                hit[o] = true;
            }
        });
        assertTrue(dense[0] == Shape.isDense(shape, st),
                "isDense(" + TestTensors.str(shape) + ", " + TestTensors.str(st) + ") should be " + dense[0]);
    }

    @Property(tries = 40)
    void opsOnATransposedViewKeepItsLayoutAndTheirGradients(@ForAll("shapes") int[] shape, @ForAll long seed) {
        Rng rng = new Rng(seed);
        Tensor x = TestTensors.make(shape, TestTensors.Layout.TRANSPOSED, rng).requiresGrad(true);
        Tensor xc = x.detach().contiguous().requiresGrad(true);
        Tensor r = Tensor.randn(rng, shape);
        Tensor y = x.relu().mul(x.tanh()).add(x.mul(0.5f));
        Tensor yc = xc.relu().mul(xc.tanh()).add(xc.mul(0.5f));
        for (int d = 0; d < shape.length; d++) {
            // Size-1 dimensions have no layout of their own: their stride is never used.
            assertTrue(shape[d] == 1 || x.strides()[d] == y.strides()[d] || x.isContiguous() && y.isContiguous(),
                    "the chain keeps the transposed layout: " + TestTensors.str(x.strides()) + " vs "
                            + TestTensors.str(y.strides()));
        }
        assertArrayEquals(yc.toArray(), y.toArray(), 0f, "values do not depend on the layout");
        y.mul(r).sum().backward();
        yc.mul(r).sum().backward();
        assertArrayEquals(xc.grad().toArray(), x.grad().toArray(), 0f, "gradients do not depend on the layout");
    }
}
