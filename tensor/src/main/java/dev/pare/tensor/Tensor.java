package dev.pare.tensor;

import dev.pare.tensor.kernels.Binary;
import dev.pare.tensor.kernels.ReduceKernels;
import dev.pare.tensor.kernels.Unary;
import java.util.Arrays;

/**
 * An N-dimensional array of float32 values that can record the operations applied to it, so that
 * gradients can be computed by {@link #backward()}.
 *
 * <h2>Storage and views</h2>
 * A tensor is a window on a {@code float[]} <em>storage</em>: a {@linkplain #shape() shape}, one
 * {@linkplain #strides() stride} per dimension and an {@linkplain #offset() offset} (see
 * {@link Shape}). View operations ({@link #view}, {@link #transpose}, {@link #permute},
 * {@link #narrow}, {@link #slice}, {@link #select}, {@link #expand}, {@link #squeeze},
 * {@link #unsqueeze}) only compute new strides and share the storage: writing through a view
 * changes the original. {@link #contiguous()} copies only when the layout is not already
 * row-major.
 *
 * <h2>Operations</h2>
 * Elementwise operations broadcast like NumPy and always return a new contiguous tensor.
 * Reductions take dimensions (negative counts from the end) and a {@code keepDim} flag. Methods
 * whose name ends in {@code InPlace} (and {@link #copyFrom}, {@link #fill}) modify this tensor and
 * are not recorded: they are for optimizers and initialisers, inside {@link #noGrad()}.
 *
 * <h2>Autograd</h2>
 * A tensor created with {@link #requiresGrad(boolean) requiresGrad(true)} is a <em>leaf</em>.
 * Every differentiable operation on it records a {@link Node}; {@link #backward()} on a scalar
 * result walks those nodes in reverse and adds dL/dx into the leaves' {@link #grad()}. The
 * forward and backward code of each op sit side by side in {@link PointwiseOps},
 * {@link ReduceOps}, {@link ViewOps}, {@link MatMulOp}, {@link SoftmaxOps} and {@link IndexOps}.
 *
 * <p>Tensors are not thread-safe; kernels parallelise internally through
 * {@link dev.pare.tensor.parallel.Parallel}.
 */
public final class Tensor {
    final float[] data;
    final int[] shape;
    final int[] strides;
    final int offset;

    private boolean requiresGrad;
    private Tensor grad;
    private Node gradFn;

    Tensor(float[] data, int[] shape, int[] strides, int offset) {
        this.data = data;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
    }

    /** A fresh contiguous tensor of zeros; shape is trusted (already checked, not shared). */
    static Tensor empty(int[] shape) {
        return new Tensor(new float[Shape.numel(shape)], shape, Shape.contiguousStrides(shape), 0);
    }

    // ---------------------------------------------------------------- creation

    /** A tensor of zeros. */
    public static Tensor zeros(int... shape) {
        return empty(Shape.checked("zeros", shape));
    }

    /** A tensor of ones. */
    public static Tensor ones(int... shape) {
        return full(1f, shape);
    }

    /** A tensor filled with {@code value}. */
    public static Tensor full(float value, int... shape) {
        Tensor t = empty(Shape.checked("full", shape));
        Arrays.fill(t.data, value);
        return t;
    }

    /** A 0-d tensor holding {@code value}. */
    public static Tensor scalar(float value) {
        return new Tensor(new float[] {value}, new int[0], new int[0], 0);
    }

    /** The n×n identity matrix. */
    public static Tensor eye(int n) {
        Tensor t = zeros(n, n);
        for (int i = 0; i < n; i++) {
            t.data[i * n + i] = 1f;
        }
        return t;
    }

    /** {@code [0, 1, …, n-1]}. */
    public static Tensor arange(int n) {
        return arange(0, n, 1);
    }

    /** {@code [start, start+step, …]} up to but excluding {@code end}, like {@code torch.arange}. */
    public static Tensor arange(float start, float end, float step) {
        if (step == 0 || Float.isNaN(step) || Float.isNaN(start) || Float.isNaN(end)) {
            throw new IllegalArgumentException("arange: start=" + start + ", end=" + end + ", step=" + step
                    + ": step must be non-zero and no argument NaN");
        }
        double count = Math.ceil(((double) end - start) / step);
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("arange: start=" + start + ", end=" + end + ", step=" + step
                    + " gives " + count + " elements");
        }
        int n = (int) Math.max(0, count);
        Tensor t = empty(new int[] {n});
        for (int i = 0; i < n; i++) {
            t.data[i] = (float) (start + (double) i * step);
        }
        return t;
    }

    /** A tensor holding a copy of {@code values}, read in row-major order into {@code shape}. */
    public static Tensor fromArray(float[] values, int... shape) {
        int[] s = Shape.checked("fromArray", shape);
        if (Shape.numel(s) != values.length) {
            throw new IllegalArgumentException("fromArray: " + values.length + " values do not fill shape "
                    + Shape.str(s) + " (" + Shape.numel(s) + " elements)");
        }
        return new Tensor(values.clone(), s, Shape.contiguousStrides(s), 0);
    }

    /** A 1-D tensor holding a copy of {@code values}. */
    public static Tensor fromArray(float... values) {
        return fromArray(values, values.length);
    }

    /**
     * A tensor that <em>shares</em> {@code storage} (no copy), reading {@code numel(shape)} values
     * from {@code offset} in row-major order. Writing to either is visible in the other.
     */
    public static Tensor wrap(float[] storage, int offset, int... shape) {
        int[] s = Shape.checked("wrap", shape);
        int n = Shape.numel(s);
        if (offset < 0 || (long) offset + n > storage.length) {
            throw new IllegalArgumentException("wrap: shape " + Shape.str(s) + " at offset " + offset
                    + " does not fit in a storage of " + storage.length + " floats");
        }
        return new Tensor(storage, s, Shape.contiguousStrides(s), offset);
    }

    /** Uniform samples on [0, 1). */
    public static Tensor rand(Rng rng, int... shape) {
        return uniform(rng, 0f, 1f, shape);
    }

    /** Uniform samples on [lo, hi). */
    public static Tensor uniform(Rng rng, float lo, float hi, int... shape) {
        if (!(lo <= hi)) {
            throw new IllegalArgumentException("uniform: need lo <= hi, got lo=" + lo + ", hi=" + hi);
        }
        Tensor t = empty(Shape.checked("uniform", shape));
        for (int i = 0; i < t.data.length; i++) {
            t.data[i] = lo + (hi - lo) * rng.nextFloat();
        }
        return t;
    }

    /** Standard normal samples. */
    public static Tensor randn(Rng rng, int... shape) {
        Tensor t = empty(Shape.checked("randn", shape));
        for (int i = 0; i < t.data.length; i++) {
            t.data[i] = (float) rng.nextGaussian();
        }
        return t;
    }

    /** Concatenates tensors along {@code dim}; all other sizes must agree. Differentiable. */
    public static Tensor cat(int dim, Tensor... tensors) {
        return ViewOps.cat(dim, tensors);
    }

    /** Stacks equally shaped tensors along a new dimension {@code dim}. Differentiable. */
    public static Tensor stack(int dim, Tensor... tensors) {
        if (tensors.length == 0) {
            throw new IllegalArgumentException("stack: needs at least one tensor");
        }
        Tensor[] expanded = new Tensor[tensors.length];
        for (int i = 0; i < tensors.length; i++) {
            expanded[i] = tensors[i].unsqueeze(dim);
        }
        return ViewOps.cat(dim, expanded);
    }

    // ---------------------------------------------------------------- layout

    /** The sizes of the dimensions (a copy). */
    public int[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code d} (negative counts from the end). */
    public int size(int d) {
        return shape[Shape.dim("size", d, shape.length)];
    }

    /** Stride of dimension {@code d} in elements (negative counts from the end). */
    public int stride(int d) {
        return strides[Shape.dim("stride", d, shape.length)];
    }

    /** Number of dimensions. */
    public int dim() {
        return shape.length;
    }

    /** Number of elements. */
    public int numel() {
        return Shape.numel(shape);
    }

    /** The strides, in elements (a copy). */
    public int[] strides() {
        return strides.clone();
    }

    /** Position of element (0, …, 0) in {@link #storage()}. */
    public int offset() {
        return offset;
    }

    /**
     * The backing array, shared with every view of this tensor. For kernels in other modules;
     * writing to it bypasses autograd.
     */
    public float[] storage() {
        return data;
    }

    /** True when the elements are laid out row-major with no gaps (size-1 dims ignored). */
    public boolean isContiguous() {
        int expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1) {
                if (strides[d] != expected) {
                    return false;
                }
                expected *= shape[d];
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- views (no copy)

    /** A view with a new shape (one size may be −1); fails if the layout does not allow it. */
    public Tensor view(int... newShape) {
        return ViewOps.view(this, newShape);
    }

    /** Like {@link #view}, but copies when the layout does not allow a view. */
    public Tensor reshape(int... newShape) {
        return ViewOps.reshape(this, newShape);
    }

    /** Dims {@code startDim … endDim} merged into one. */
    public Tensor flatten(int startDim, int endDim) {
        return ViewOps.flatten(this, startDim, endDim);
    }

    /** All dims merged into one. */
    public Tensor flatten() {
        return reshape(-1);
    }

    /** Swaps two dimensions (a view). */
    public Tensor transpose(int dim0, int dim1) {
        return ViewOps.transpose(this, dim0, dim1);
    }

    /** The transpose of a 2-D tensor (a view). */
    public Tensor t() {
        if (shape.length != 2) {
            throw new IllegalArgumentException("t: expects a 2-D tensor, got shape " + Shape.str(shape));
        }
        return transpose(0, 1);
    }

    /** Reorders dimensions: dimension {@code i} of the result is dimension {@code dims[i]} of this. */
    public Tensor permute(int... dims) {
        return ViewOps.permute(this, dims);
    }

    /** Elements {@code start … start+length-1} along {@code dim} (a view). */
    public Tensor narrow(int dim, int start, int length) {
        return ViewOps.narrow(this, dim, start, length);
    }

    /** Python-style {@code [start:end:step]} along {@code dim}; negative start/end count from the end. */
    public Tensor slice(int dim, int start, int end, int step) {
        return ViewOps.slice(this, dim, start, end, step);
    }

    /** {@code [start:end]} along {@code dim}. */
    public Tensor slice(int dim, int start, int end) {
        return slice(dim, start, end, 1);
    }

    /** Index {@code index} along {@code dim}, removing that dimension (a view). */
    public Tensor select(int dim, int index) {
        return ViewOps.select(this, dim, index);
    }

    /** Repeats size-1 dims (and adds leading dims) without copying: broadcasting made explicit. */
    public Tensor expand(int... sizes) {
        return ViewOps.expand(this, sizes);
    }

    /** Removes every size-1 dimension. */
    public Tensor squeeze() {
        return ViewOps.squeeze(this);
    }

    /** Removes dimension {@code dim} if its size is 1 (otherwise returns a view of the same shape). */
    public Tensor squeeze(int dim) {
        return ViewOps.squeeze(this, dim);
    }

    /** Inserts a size-1 dimension at {@code dim}. */
    public Tensor unsqueeze(int dim) {
        return ViewOps.unsqueeze(this, dim);
    }

    /** This tensor if already row-major, otherwise a row-major copy. Differentiable. */
    public Tensor contiguous() {
        return isContiguous() ? this : ViewOps.copy(this, "contiguous");
    }

    /** A differentiable copy with fresh storage. */
    public Tensor copy() {
        return ViewOps.copy(this, "copy");
    }

    // ---------------------------------------------------------------- elementwise

    public Tensor add(Tensor other) { return PointwiseOps.add(this, other); }
    public Tensor add(float value) { return PointwiseOps.shift(this, value); }
    public Tensor sub(Tensor other) { return PointwiseOps.sub(this, other); }
    public Tensor sub(float value) { return PointwiseOps.shift(this, -value); }
    public Tensor mul(Tensor other) { return PointwiseOps.mul(this, other); }
    public Tensor mul(float value) { return PointwiseOps.scale(this, value); }
    public Tensor div(Tensor other) { return PointwiseOps.div(this, other); }
    /** Divides by {@code value} (a true division, not a multiplication by 1/value, which rounds differently). */
    public Tensor div(float value) { return PointwiseOps.div(this, scalar(value)); }
    public Tensor neg() { return PointwiseOps.neg(this); }
    public Tensor exp() { return PointwiseOps.exp(this); }
    public Tensor log() { return PointwiseOps.log(this); }
    public Tensor sqrt() { return PointwiseOps.sqrt(this); }
    public Tensor square() { return PointwiseOps.square(this); }
    public Tensor pow(float exponent) { return PointwiseOps.pow(this, exponent); }
    public Tensor abs() { return PointwiseOps.abs(this); }
    public Tensor tanh() { return PointwiseOps.tanh(this); }
    public Tensor sigmoid() { return PointwiseOps.sigmoid(this); }
    public Tensor relu() { return PointwiseOps.relu(this); }
    /** The exact (erf) GELU, as PyTorch's default. */
    public Tensor gelu() { return PointwiseOps.gelu(this); }
    public Tensor maximum(Tensor other) { return PointwiseOps.maximum(this, other); }
    public Tensor minimum(Tensor other) { return PointwiseOps.minimum(this, other); }
    /** Limits every element to {@code [min, max]}; the gradient passes where min ≤ x ≤ max. */
    public Tensor clamp(float min, float max) { return PointwiseOps.clamp(this, min, max); }

    /** Elementwise {@code cond ≠ 0 ? a : b}, all three broadcast together. Differentiable in a and b. */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) { return PointwiseOps.where(cond, a, b); }

    /** 1 where {@code this > other}, else 0 (not differentiable). */
    public Tensor gt(Tensor other) { return PointwiseOps.compare("gt", Binary.GT, this, other); }
    public Tensor gt(float value) { return gt(scalar(value)); }
    public Tensor ge(Tensor other) { return PointwiseOps.compare("ge", Binary.GE, this, other); }
    public Tensor lt(Tensor other) { return PointwiseOps.compare("lt", Binary.LT, this, other); }
    public Tensor lt(float value) { return lt(scalar(value)); }
    public Tensor le(Tensor other) { return PointwiseOps.compare("le", Binary.LE, this, other); }
    public Tensor eq(Tensor other) { return PointwiseOps.compare("eq", Binary.EQ, this, other); }

    // ---------------------------------------------------------------- reductions

    /** Sum of all elements, as a 0-d tensor. */
    public Tensor sum() { return ReduceOps.sum(this, allDims(), false); }
    public Tensor sum(int dim) { return sum(dim, false); }
    public Tensor sum(int dim, boolean keepDim) { return ReduceOps.sum(this, new int[] {dim}, keepDim); }
    public Tensor sum(int[] dims, boolean keepDim) { return ReduceOps.sum(this, dims, keepDim); }

    /** Mean of all elements, as a 0-d tensor (NaN for an empty tensor). */
    public Tensor mean() { return ReduceOps.mean(this, allDims(), false); }
    public Tensor mean(int dim) { return mean(dim, false); }
    public Tensor mean(int dim, boolean keepDim) { return ReduceOps.mean(this, new int[] {dim}, keepDim); }
    public Tensor mean(int[] dims, boolean keepDim) { return ReduceOps.mean(this, dims, keepDim); }

    /** Largest element, as a 0-d tensor; the gradient goes to its first occurrence. */
    public Tensor max() { return ReduceOps.max(reshape(-1), 0, false); }
    /** Largest values along {@code dim}; the gradient goes to the first maximum of each slice. */
    public Tensor max(int dim, boolean keepDim) { return ReduceOps.max(this, dim, keepDim); }
    /** Smallest element, as a 0-d tensor. */
    public Tensor min() { return neg().max().neg(); }
    public Tensor min(int dim, boolean keepDim) { return neg().max(dim, keepDim).neg(); }
    /** Flat index of the first largest element, as a 0-d tensor. */
    public Tensor argmax() { return ReduceOps.argmax(reshape(-1), 0, false); }
    /** Index of the first largest value along {@code dim}, as floats. */
    public Tensor argmax(int dim, boolean keepDim) { return ReduceOps.argmax(this, dim, keepDim); }
    public Tensor argmax(int dim) { return argmax(dim, false); }

    /** exp(x − max) / Σ exp(x − max) along {@code dim}: numerically stable for any logits. */
    public Tensor softmax(int dim) { return SoftmaxOps.softmax(this, dim); }
    /** x − max − log Σ exp(x − max) along {@code dim}: finite even for logits of ±1e4. */
    public Tensor logSoftmax(int dim) { return SoftmaxOps.logSoftmax(this, dim); }

    // ---------------------------------------------------------------- products and indexing

    /**
     * Matrix product with NumPy semantics: 2-D × 2-D is a matrix product; leading dims are batch
     * dims and broadcast; a 1-D argument is a vector (a leading or trailing 1 is added, then
     * removed).
     */
    public Tensor matmul(Tensor other) { return MatMulOp.matmul(this, other); }

    /** {@code out[…i…] = this[…index[…i…]…]} along {@code dim}, like {@code torch.gather}. */
    public Tensor gather(int dim, Tensor index) { return IndexOps.gather(this, dim, index); }

    /** The slices at {@code indices} along {@code dim}, in that order (embedding lookup). */
    public Tensor indexSelect(int dim, int... indices) { return IndexOps.indexSelect(this, dim, indices); }

    // ---------------------------------------------------------------- in place (not recorded)

    /** Copies {@code src} (broadcast to this shape) into this tensor. */
    public Tensor copyFrom(Tensor src) {
        checkInPlace("copyFrom");
        InPlace.copy(this, src);
        return this;
    }

    /** Sets every element to {@code value}. */
    public Tensor fill(float value) {
        checkInPlace("fill");
        InPlace.fill(this, value);
        return this;
    }

    /** Sets every element to 0. */
    public Tensor zero() {
        return fill(0f);
    }

    /** this += other (broadcast). */
    public Tensor addInPlace(Tensor other) {
        return addInPlace(other, 1f);
    }

    /** this += alpha · other (broadcast): the update of SGD. */
    public Tensor addInPlace(Tensor other, float alpha) {
        checkInPlace("addInPlace");
        InPlace.axpy(this, alpha, other);
        return this;
    }

    /** this += value. */
    public Tensor addInPlace(float value) {
        checkInPlace("addInPlace");
        InPlace.unary(this, Unary.SHIFT, value, 0f);
        return this;
    }

    /** this −= other (broadcast). */
    public Tensor subInPlace(Tensor other) {
        return addInPlace(other, -1f);
    }

    /** this *= other (broadcast). */
    public Tensor mulInPlace(Tensor other) {
        checkInPlace("mulInPlace");
        InPlace.binary(this, Binary.MUL, other);
        return this;
    }

    /** this *= value. */
    public Tensor mulInPlace(float value) {
        checkInPlace("mulInPlace");
        InPlace.unary(this, Unary.SCALE, value, 0f);
        return this;
    }

    /** this /= other (broadcast). */
    public Tensor divInPlace(Tensor other) {
        checkInPlace("divInPlace");
        InPlace.binary(this, Binary.DIV, other);
        return this;
    }

    /** this = min(max(this, min), max). */
    public Tensor clampInPlace(float min, float max) {
        checkInPlace("clampInPlace");
        InPlace.unary(this, Unary.CLAMP, min, max);
        return this;
    }

    /** this = sqrt(this). */
    public Tensor sqrtInPlace() {
        checkInPlace("sqrtInPlace");
        InPlace.unary(this, Unary.SQRT, 0f, 0f);
        return this;
    }

    /** Sets one element. */
    public void set(float value, int... index) {
        checkInPlace("set");
        data[position("set", index)] = value;
    }

    private void checkInPlace(String op) {
        if (requiresGrad && GradMode.isEnabled()) {
            throw new IllegalStateException(op + ": in-place change of a tensor that requires grad would corrupt "
                    + "the gradient; do it inside Tensor.noGrad() (optimizers do), or on detach()");
        }
        for (int d = 0; d < shape.length; d++) {
            if (strides[d] == 0 && shape[d] > 1) {
                throw new IllegalArgumentException(op + ": tensor of shape " + Shape.str(shape) + " is expanded "
                        + "(dimension " + d + " has stride 0), so several elements share one value; "
                        + "call contiguous() first");
            }
        }
    }

    // ---------------------------------------------------------------- reading values

    /** The single value of a one-element tensor. */
    public float item() {
        if (numel() != 1) {
            throw new IllegalArgumentException("item: tensor of shape " + Shape.str(shape) + " has " + numel()
                    + " elements, not 1");
        }
        return data[offset];
    }

    /** One element. */
    public float get(int... index) {
        return data[position("get", index)];
    }

    private int position(String op, int[] index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException(op + ": index " + Arrays.toString(index) + " has " + index.length
                    + " coordinates, tensor of shape " + Shape.str(shape) + " needs " + shape.length);
        }
        int pos = offset;
        for (int d = 0; d < index.length; d++) {
            if (index[d] < 0 || index[d] >= shape[d]) {
                throw new IllegalArgumentException(op + ": index " + Arrays.toString(index) + " is out of bounds for shape "
                        + Shape.str(shape));
            }
            pos += index[d] * strides[d];
        }
        return pos;
    }

    /** The elements in row-major order, as a new array. */
    public float[] toArray() {
        if (numel() == 0) {
            return new float[0];
        }
        if (isContiguous()) {
            return Arrays.copyOfRange(data, offset, offset + numel());
        }
        return ViewOps.copy(this, "toArray").data;
    }

    // ---------------------------------------------------------------- autograd

    /** Whether gradients are computed for this tensor. */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Marks a leaf tensor as needing a gradient (or not); returns this. */
    public Tensor requiresGrad(boolean value) {
        if (gradFn != null && !value) {
            throw new IllegalArgumentException("requiresGrad(false): this tensor was made by " + gradFn.op
                    + " and is part of a graph; use detach() to get a tensor without history");
        }
        this.requiresGrad = value || gradFn != null;
        return this;
    }

    /** True for tensors not made by a recorded op. */
    public boolean isLeaf() {
        return gradFn == null;
    }

    /** The accumulated gradient dL/dthis of a leaf, or null before the first backward. */
    public Tensor grad() {
        return grad;
    }

    /** Replaces the gradient (null clears it); the shape must match. */
    public void setGrad(Tensor g) {
        if (g != null && !Arrays.equals(g.shape, shape)) {
            throw new IllegalArgumentException("setGrad: gradient of shape " + Shape.str(g.shape)
                    + " for a tensor of shape " + Shape.str(shape));
        }
        grad = g;
    }

    /** Name of the op that made this tensor, or null for a leaf. */
    public String gradFnName() {
        return gradFn == null ? null : gradFn.op;
    }

    Node gradFn() {
        return gradFn;
    }

    void attach(Node node) {
        this.gradFn = node;
        this.requiresGrad = true;
    }

    void accumulateGrad(Tensor g) {
        if (grad == null) {
            // Always a private copy: g may be shared with other gradients, or be a stride-0 view.
            grad = ViewOps.copy(g, "grad");
        } else {
            if (!grad.isContiguous()) {
                grad = ViewOps.copy(grad, "grad"); // one set by hand may be a view, even an expanded one
            }
            InPlace.axpy(grad, 1f, g);
        }
    }

    /** Backpropagates from this one-element tensor (usually a loss), with dL/dL = 1. */
    public void backward() {
        if (numel() != 1) {
            throw new IllegalArgumentException("backward: an implicit gradient exists only for one-element "
                    + "tensors, this one has shape " + Shape.str(shape) + "; call backward(gradient)");
        }
        backward(full(1f, shape));
    }

    /** Backpropagates from this tensor, given dL/dthis. */
    public void backward(Tensor gradient) {
        if (!requiresGrad) {
            throw new IllegalStateException("backward: this tensor does not require grad: no input it was "
                    + "computed from has requiresGrad(true), or it was computed inside noGrad()");
        }
        if (!Arrays.equals(gradient.shape, shape)) {
            throw new IllegalArgumentException("backward: gradient of shape " + Shape.str(gradient.shape)
                    + " for a tensor of shape " + Shape.str(shape));
        }
        Autograd.backward(this, gradient);
    }

    /** A tensor sharing this storage but with no history and no gradient. */
    public Tensor detach() {
        return new Tensor(data, shape, strides, offset);
    }

    /**
     * Records a differentiable operation written outside this package, the way
     * {@code torch.autograd.Function} does: compute {@code output} from {@code inputs} (with grad
     * mode on or off, it does not matter), then call this with the backward code. Returns
     * {@code output}, now attached to the graph if grad mode is on and an input requires grad.
     * Layers such as {@code Conv2d} (im2col) use it.
     */
    public static Tensor recordOp(String name, Tensor output, BackwardFn backward, Tensor... inputs) {
        if (output.gradFn != null) {
            throw new IllegalArgumentException("recordOp(" + name + "): the output already belongs to the graph"
                    + " (made by " + output.gradFn.op + "); compute it under noGrad() or from detached inputs");
        }
        return Autograd.record(name, output, backward, inputs);
    }

    /**
     * Whether an op on {@code inputs} would be recorded for backward: grad mode is on on this
     * thread and at least one non-null input requires grad. The one rule {@link #recordOp} follows.
     *
     * <p>An op that keeps something only its backward needs (an argmax, a patch matrix, a
     * workspace it would otherwise reuse) asks this before its forward pass, with exactly the
     * inputs it will pass to {@code recordOp}. Trap: asking with fewer inputs (only x, forgetting
     * the weight) says "no" when the weight alone needs a gradient, and the backward closure then
     * reads scratch that the next call overwrites.
     */
    public static boolean willRecord(Tensor... inputs) {
        return Autograd.willRecord(inputs);
    }

    /**
     * An array for a gradient that a backward function is about to return, of which it will write
     * every element. Inside a backward pass it may be the array of a gradient that the pass no
     * longer needs, with that gradient's values still in it (not zeros); elsewhere, or for small
     * lengths, it is a new array. The engine recycles only such arrays, once no gradient it still
     * holds shares them: see {@link BackwardArrays}.
     *
     * <p>Trap: never keep the array, or a tensor over it, beyond the backward function's return
     * value; the engine may hand it to another op once that value has been consumed.
     */
    public static float[] backwardArray(int length) {
        if (length < 0) {
            throw new IllegalArgumentException("backwardArray: negative length " + length);
        }
        return BackwardArrays.take(length);
    }

    /** Disables graph recording on this thread until the returned scope closes. */
    public static GradMode.Scope noGrad() {
        return GradMode.disable();
    }

    // ---------------------------------------------------------------- text

    /** PyTorch-like text; tensors over 1,000 elements show 3 items at each end of every dim. */
    @Override
    public String toString() {
        return TensorFormat.format(this);
    }

    int[] allDims() {
        int[] dims = new int[shape.length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = i;
        }
        return dims;
    }

    /** Sum of all elements as a float, without building a tensor or a graph. */
    public float sumValue() {
        float[] acc = {0f};
        Strided.forEachRun(shape, new int[][] {strides}, new int[] {offset},
                (n, off, st) -> acc[0] += ReduceKernels.sum(data, off[0], st[0], n));
        return acc[0];
    }
}
