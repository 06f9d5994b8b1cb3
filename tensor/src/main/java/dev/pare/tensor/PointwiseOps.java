package dev.pare.tensor;

import dev.pare.tensor.kernels.Binary;
import dev.pare.tensor.kernels.BinaryKernels;
import dev.pare.tensor.kernels.GeluKernels;
import dev.pare.tensor.kernels.Unary;
import dev.pare.tensor.kernels.UnaryKernels;
import java.util.Arrays;

/**
 * Elementwise operations, each with its forward and its backward side by side.
 *
 * <p>Every op follows the same pattern: compute the output with a kernel, then hand
 * {@link Autograd#record} a lambda that maps dL/dout to dL/dinput, written with the chain rule
 * as ordinary tensor operations. For binary ops the inputs may have been broadcast, so each
 * input's gradient is summed back to its own shape by {@link ReduceOps#sumTo}: a value that was
 * used for many outputs receives the sum of their gradients.
 *
 * <p><b>Layout of the result.</b> The output keeps the layout of a dense input (see
 * {@link Shape#isDense}), like PyTorch's memory-format preservation: the ReLU of a transposed
 * view {@code x.t()} is itself laid out transposed. Why: with the same strides as the input,
 * walked in the output's memory order ({@link Strided#forEachElementRun}), all dimensions merge
 * into one run and the op is one linear pass; a row-major
 * output would turn it into a hidden transpose (a strided read per element), which is what a
 * stack of batch-minor sparse layers exists to avoid. Other inputs (slices with gaps,
 * broadcast views) give a row-major result. Values never depend on the layout, only speed does.
 */
final class PointwiseOps {
    private PointwiseOps() {}

    // ------------------------------------------------------------ forward machinery (no autograd)

    /** out = op(x), a fresh tensor laid out like x if x is dense, else row-major. */
    static Tensor map(Unary op, float p, float q, Tensor x) {
        Tensor out = emptyLike(x.shape, x);
        Strided.forEachElementRun(x.shape, new int[][] {out.strides, x.strides}, new int[] {0, x.offset},
                (n, off, st) -> UnaryKernels.apply(op, p, q, x.data, off[1], st[1], out.data, off[0], st[0], n));
        return out;
    }

    /**
     * out = a ∘ b with broadcasting, a fresh tensor laid out like a (or else b) when that operand
     * has the output's shape and is dense, else row-major.
     */
    static Tensor zip(String name, Binary op, Tensor a, Tensor b) {
        int[] shape = Shape.broadcast(name, a.shape, b.shape);
        Tensor out = emptyLike(shape, Arrays.equals(a.shape, shape) ? a : b);
        int[] as = Shape.broadcastStrides(name, a.shape, a.strides, shape);
        int[] bs = Shape.broadcastStrides(name, b.shape, b.strides, shape);
        Strided.forEachElementRun(shape, new int[][] {out.strides, as, bs}, new int[] {0, a.offset, b.offset},
                (n, off, st) -> BinaryKernels.apply(op, a.data, off[1], st[1], b.data, off[2], st[2],
                        out.data, off[0], st[0], n));
        return out;
    }

    /**
     * A fresh tensor of {@code shape}: with {@code like}'s strides when {@code like} has that shape
     * and is dense (so it fills its new array without gaps), otherwise row-major.
     */
    private static Tensor emptyLike(int[] shape, Tensor like) {
        if (Arrays.equals(like.shape, shape) && !like.isContiguous() && Shape.isDense(like.shape, like.strides)) {
            return new Tensor(new float[Shape.numel(shape)], shape.clone(), like.strides.clone(), 0);
        }
        return Tensor.empty(shape.clone());
    }

    static Tensor compare(String name, Binary op, Tensor a, Tensor b) {
        return zip(name, op, a, b); // comparisons have no gradient: nothing is recorded
    }

    // ------------------------------------------------------------ binary

    static Tensor add(Tensor a, Tensor b) {
        Tensor out = zip("add", Binary.ADD, a, b);
        return Autograd.record("add", out, g -> new Tensor[] {   // d(a+b)/da = 1, d(a+b)/db = 1
            ReduceOps.sumTo(g, a.shape), ReduceOps.sumTo(g, b.shape)}, a, b);
    }

    static Tensor sub(Tensor a, Tensor b) {
        Tensor out = zip("sub", Binary.SUB, a, b);
        return Autograd.record("sub", out, g -> new Tensor[] {   // d(a−b)/da = 1, d(a−b)/db = −1
            ReduceOps.sumTo(g, a.shape), ReduceOps.sumTo(g.neg(), b.shape)}, a, b);
    }

    static Tensor mul(Tensor a, Tensor b) {
        Tensor out = zip("mul", Binary.MUL, a, b);
        return Autograd.record("mul", out, g -> new Tensor[] {   // d(ab)/da = b, d(ab)/db = a
            ReduceOps.sumTo(g.mul(b), a.shape), ReduceOps.sumTo(g.mul(a), b.shape)}, a, b);
    }

    static Tensor div(Tensor a, Tensor b) {
        Tensor out = zip("div", Binary.DIV, a, b);
        return Autograd.record("div", out, g -> new Tensor[] {   // d(a/b)/da = 1/b, d(a/b)/db = −a/b²
            ReduceOps.sumTo(g.div(b), a.shape), ReduceOps.sumTo(g.mul(out).div(b).neg(), b.shape)}, a, b);
    }

    static Tensor maximum(Tensor a, Tensor b) {
        Tensor out = zip("maximum", Binary.MAX, a, b);
        // Where a == b the gradient is split in half, as in PyTorch: either choice alone would
        // make the gradient check fail from one side.
        return Autograd.record("maximum", out, g -> {
            Tensor ties = a.eq(b).mul(0.5f);
            return new Tensor[] {
                ReduceOps.sumTo(g.mul(a.gt(b).add(ties)), a.shape),
                ReduceOps.sumTo(g.mul(a.lt(b).add(ties)), b.shape)};
        }, a, b);
    }

    static Tensor minimum(Tensor a, Tensor b) {
        Tensor out = zip("minimum", Binary.MIN, a, b);
        return Autograd.record("minimum", out, g -> {
            Tensor ties = a.eq(b).mul(0.5f);
            return new Tensor[] {
                ReduceOps.sumTo(g.mul(a.lt(b).add(ties)), a.shape),
                ReduceOps.sumTo(g.mul(a.gt(b).add(ties)), b.shape)};
        }, a, b);
    }

    /** cond ≠ 0 ? a : b, broadcasting all three. */
    static Tensor where(Tensor cond, Tensor a, Tensor b) {
        int[] shape = Shape.broadcast("where", Shape.broadcast("where", cond.shape, a.shape), b.shape);
        Tensor out = Tensor.empty(shape);
        int[] cs = Shape.broadcastStrides("where", cond.shape, cond.strides, shape);
        int[] as = Shape.broadcastStrides("where", a.shape, a.strides, shape);
        int[] bs = Shape.broadcastStrides("where", b.shape, b.strides, shape);
        Strided.forEachElementRun(shape, new int[][] {out.strides, cs, as, bs},
                new int[] {0, cond.offset, a.offset, b.offset}, (n, off, st) -> {
                    for (int i = 0; i < n; i++) {
                        out.data[off[0] + i * st[0]] = cond.data[off[1] + i * st[1]] != 0f
                                ? a.data[off[2] + i * st[2]] : b.data[off[3] + i * st[3]];
                    }
                });
        return Autograd.record("where", out, g -> {
            Tensor zero = Tensor.scalar(0f);
            return new Tensor[] {null,
                ReduceOps.sumTo(where(cond, g, zero), a.shape),
                ReduceOps.sumTo(where(cond, zero, g), b.shape)};
        }, cond, a, b);
    }

    // ------------------------------------------------------------ unary

    static Tensor neg(Tensor x) {
        Tensor out = map(Unary.NEG, 0f, 0f, x);
        return Autograd.record("neg", out, g -> new Tensor[] {g.neg()}, x);
    }

    static Tensor scale(Tensor x, float s) {
        Tensor out = map(Unary.SCALE, s, 0f, x);
        return Autograd.record("mul", out, g -> new Tensor[] {g.mul(s)}, x);
    }

    static Tensor shift(Tensor x, float s) {
        Tensor out = map(Unary.SHIFT, s, 0f, x);
        return Autograd.record("add", out, g -> new Tensor[] {g}, x);
    }

    static Tensor exp(Tensor x) {
        Tensor out = map(Unary.EXP, 0f, 0f, x);
        return Autograd.record("exp", out, g -> new Tensor[] {g.mul(out)}, x);       // (eˣ)' = eˣ
    }

    static Tensor log(Tensor x) {
        Tensor out = map(Unary.LOG, 0f, 0f, x);
        return Autograd.record("log", out, g -> new Tensor[] {g.div(x)}, x);         // (ln x)' = 1/x
    }

    static Tensor sqrt(Tensor x) {
        Tensor out = map(Unary.SQRT, 0f, 0f, x);
        return Autograd.record("sqrt", out, g -> new Tensor[] {g.mul(0.5f).div(out)}, x); // 1/(2√x)
    }

    static Tensor square(Tensor x) {
        Tensor out = map(Unary.SQUARE, 0f, 0f, x);
        return Autograd.record("square", out, g -> new Tensor[] {g.mul(x).mul(2f)}, x);
    }

    static Tensor pow(Tensor x, float p) {
        Tensor out = map(Unary.POW, p, 0f, x);
        // Trap: for p = 0 the formula p·x^(p−1) gives 0·∞ = NaN at x = 0; the derivative of x⁰ is 0.
        return Autograd.record("pow", out, g -> new Tensor[] {
            p == 0f ? Tensor.zeros(x.shape) : g.mul(x.pow(p - 1f)).mul(p)}, x); // p·x^(p−1)
    }

    static Tensor abs(Tensor x) {
        Tensor out = map(Unary.ABS, 0f, 0f, x);
        // sign(x), with sign(0) = 0 as in PyTorch.
        return Autograd.record("abs", out, g -> new Tensor[] {g.mul(x.gt(0f).sub(x.lt(0f)))}, x);
    }

    static Tensor tanh(Tensor x) {
        Tensor out = map(Unary.TANH, 0f, 0f, x);
        return Autograd.record("tanh", out, g -> new Tensor[] {g.mul(out.square().neg().add(1f))}, x); // 1 − tanh²
    }

    static Tensor sigmoid(Tensor x) {
        Tensor out = map(Unary.SIGMOID, 0f, 0f, x);
        return Autograd.record("sigmoid", out, g -> new Tensor[] {g.mul(out).mul(out.neg().add(1f))}, x); // σ(1−σ)
    }

    static Tensor relu(Tensor x) {
        Tensor out = map(Unary.RELU, 0f, 0f, x);
        // The derivative at exactly 0 is taken as 0, like PyTorch. RELU_GRAD is g · (x > 0) in one
        // pass; when g itself needs a graph (double backward) the two recorded ops are kept.
        return Autograd.record("relu", out, g -> new Tensor[] {
            Tensor.willRecord(g) ? g.mul(x.gt(0f)) : zip("reluBackward", Binary.RELU_GRAD, g, x)
        }, x);
    }

    static Tensor gelu(Tensor x) {
        Tensor out = map(Unary.GELU, 0f, 0f, x);
        // GELU'(x) = Φ(x) + x·φ(x) (GeluKernels): g · GELU'(x) in one pass, without a tensor of
        // GELU'(x) in between. A g that needs a graph (double backward) gets the two-op form; as
        // before, GELU'(x) is then a constant, so there is no third derivative through x.
        return Autograd.record("gelu", out, g -> new Tensor[] {
            Tensor.willRecord(g) ? g.mul(geluBackward(Tensor.scalar(1f), x)) : geluBackward(g, x)
        }, x);
    }

    /** dL/dx = g · GELU'(x), laid out like g (a fresh tensor). */
    private static Tensor geluBackward(Tensor gIn, Tensor xIn) {
        // A broadcast g (the backward of sum() is one value seen everywhere) or a strided x would
        // take the per-element scalar loop below; one copy costs far less.
        boolean copy = Arrays.equals(gIn.shape, xIn.shape) && !(gIn.isContiguous() && xIn.isContiguous());
        Tensor g = copy && !gIn.isContiguous() ? gIn.detach().contiguous() : gIn;
        Tensor x = copy && !xIn.isContiguous() ? xIn.detach().contiguous() : xIn;
        int[] shape = Shape.broadcast("gelu backward", g.shape, x.shape);
        Tensor d = emptyLike(shape, g);
        int[] gs = Shape.broadcastStrides("gelu backward", g.shape, g.strides, shape);
        int[] xs = Shape.broadcastStrides("gelu backward", x.shape, x.strides, shape);
        Strided.forEachElementRun(shape, new int[][] {d.strides, gs, xs}, new int[] {0, g.offset, x.offset},
                (n, off, st) -> {
                    if (st[0] == 1 && st[1] == 1 && st[2] == 1) {
                        GeluKernels.backward(g.data, off[1], x.data, off[2], d.data, off[0], n);
                    } else {
                        for (int i = 0; i < n; i++) {
                            d.data[off[0] + i * st[0]] = g.data[off[1] + i * st[1]]
                                    * Unary.geluGrad(x.data[off[2] + i * st[2]]);
                        }
                    }
                });
        return d;
    }

    static Tensor clamp(Tensor x, float lo, float hi) {
        if (!(lo <= hi)) {
            throw new IllegalArgumentException("clamp: need min <= max, got min=" + lo + ", max=" + hi);
        }
        Tensor out = map(Unary.CLAMP, lo, hi, x);
        return Autograd.record("clamp", out,
                g -> new Tensor[] {g.mul(x.ge(Tensor.scalar(lo)).mul(x.le(Tensor.scalar(hi))))}, x);
    }
}
