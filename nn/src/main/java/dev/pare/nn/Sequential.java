package dev.pare.nn;

import dev.pare.tensor.ForwardArrays;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.CpuCaches;
import dev.pare.tensor.parallel.Parallel;
import java.util.ArrayList;
import java.util.List;

/**
 * A chain of modules applied in order: {@code y = m_{k−1}( … m_1(m_0(x)) … )}.
 *
 * <p>The children are named {@code "0"}, {@code "1"}, … in the order given, so the state dict
 * keys are {@code 0.weight}, {@code 2.bias}, … as with PyTorch's {@code nn.Sequential}. The
 * children are looked up on every call, so {@link Module#replaceModule} takes effect at once.
 *
 * <p><b>Shape:</b> whatever the first module accepts, to whatever the last returns.
 *
 * <p><b>Example:</b>
 * <pre>{@code
 * Rng rng = new Rng(42);
 * Sequential mlp = new Sequential(
 *         new Flatten(),
 *         new Linear(784, 256, rng),
 *         new ReLU(),
 *         new Linear(256, 10, rng));
 * Tensor logits = mlp.forward(images);   // [N, 1, 28, 28] -> [N, 10]
 * }</pre>
 */
public final class Sequential extends Module {
    public Sequential(Module... modules) {
        for (Module m : modules) {
            add(m);
        }
    }

    /** Appends {@code module} under the next index; returns this. */
    public Sequential add(Module module) {
        registerModule(Integer.toString(namedChildren().size()), module);
        return this;
    }

    /** The module at position {@code index}. */
    public Module get(int index) {
        if (index < 0 || index >= size()) {
            throw new IllegalArgumentException("Sequential.get(" + index + "): has " + size() + " modules");
        }
        return namedChildren().get(Integer.toString(index));
    }

    /** Number of modules in the chain. */
    public int size() {
        return namedChildren().size();
    }

    /** The modules in order. */
    public List<Module> modules() {
        return new ArrayList<>(namedChildren().values());
    }

    /**
     * Applies the children in order. Some neighbours run as one call that gives the same values
     * with fewer passes over memory:
     * <ul>
     *   <li>a {@link Linear} or a {@link BatchNorm} followed by a {@link ReLU}
     *       ({@link Linear#forwardRelu}, {@link BatchNorm#forwardRelu}): the ReLU is applied as
     *       the output is written instead of in a pass of its own;</li>
     *   <li>a {@link Conv2d} followed by a {@link BatchNorm} in evaluation, and the ReLU after it
     *       if there is one, when no graph is recorded ({@link Conv2d#forwardBatchNorm}): the
     *       batch norm is applied to each output plane of the convolution while it is in cache,
     *       and needs no array of its own.</li>
     * </ul>
     * When no graph is recorded, an intermediate output gives its array back for a later
     * layer's output ({@link ForwardArrays}) once the next child has consumed it, if both the
     * child that made it and the one that consumed it are the library's layers, which keep no
     * reference to their input or output ({@link #keepsNoInput}). The chain's input, its output,
     * and anything a user's module has seen are never recycled.
     *
     * <p>Also when no graph is recorded, the leading children that compute each sample alone
     * (convolutions, evaluation batch norms, activations, pooling: {@link #sampleWise}) run slice
     * by slice of the batch, so that their activations stay in cache ({@link #chunked}); the
     * result is the same bits.
     */
    @Override
    public Tensor forward(Tensor x) {
        List<Module> ms = modules();
        if (GradMode.isEnabled()) {
            return run(ms, 0, ms.size(), x, false, false);
        }
        try (ForwardArrays.Pass ignored = ForwardArrays.begin()) {
            int prefix = SLICING.get() ? 0 : sampleWisePrefix(ms);
            if (prefix > 0 && x.dim() >= 2 && x.size(0) >= 2 * FIRST_CHUNK) {
                return chunked(ms, prefix, x);
            }
            return run(ms, 0, ms.size(), x, true, false);
        }
    }

    /**
     * Samples in the first slice of a chunked inference ({@link #chunked}), which measures the
     * activations' size per sample; batches smaller than two such slices are not chunked.
     */
    static final int FIRST_CHUNK = 8;

    /** Set while this thread runs a slice: a chain inside it runs its slice whole, not sliced again. */
    private static final ThreadLocal<Boolean> SLICING = ThreadLocal.withInitial(() -> false);

    /**
     * Inference of the chain's first {@code prefix} children slice of samples by slice, the rest
     * on the whole batch.
     *
     * <p>Why: at batch 256 a CNN's first layers write tens of megabytes (the MobileNet-style
     * stem, 16 planes of 28 × 28 per sample, writes 12.8 MB), far more than any cache holds, so
     * each layer reads its input back from memory. Slice by slice, a slice's activations are
     * written by one layer and read by the next while they are still in the core's cache. The
     * slice is sized so that its largest activation about fills the level-2 cache; the first
     * slice, of {@link #FIRST_CHUNK} samples, is run alone to measure the activations. The
     * slices are shared out over the threads, each running whole slices.
     *
     * <p>The children run here are those whose output for a sample depends on that sample alone
     * ({@link #sampleWise}), and each computes a sample's values by the same operations however
     * many samples share the call, so the result is the same bits as the whole batch at once.
     */
    private Tensor chunked(List<Module> ms, int prefix, Tensor x) {
        int n = x.size(0);
        long[] floatsPerSample = new long[1];
        Tensor first;
        try {
            first = runSlice(ms, prefix, x, 0, FIRST_CHUNK, floatsPerSample);
        } catch (IllegalArgumentException e) {
            // A child's message names the slice's shape; say what the caller passed.
            throw new IllegalArgumentException("Sequential: input " + java.util.Arrays.toString(x.shape())
                    + ", run in slices of the batch from its first " + FIRST_CHUNK + " samples: " + e.getMessage(), e);
        }
        int[] shape = first.shape().clone();
        int per = first.numel() / FIRST_CHUNK;
        shape[0] = n;
        float[] out = ForwardArrays.take(n * per);   // every slice's output is copied in below
        copyInto(first, out, 0);
        Tensor y0 = Tensor.wrap(out, 0, shape);
        ForwardArrays.release(first, y0);
        long bytes = Math.max(1, floatsPerSample[0] * Float.BYTES);
        int chunk = (int) Math.max(1, Math.min(n, CpuCaches.DETECTED.l2() / bytes));
        int rest = n - FIRST_CHUNK;
        int slices = (rest + chunk - 1) / chunk;
        Parallel.forRange(slices, 1, (lo, hi) -> {
            // A worker thread has its own grad mode and array pool: no graph, as on the caller.
            try (GradMode.Scope noGrad = Tensor.noGrad(); ForwardArrays.Pass ignored = ForwardArrays.begin()) {
                for (int c = lo; c < hi; c++) {
                    int start = FIRST_CHUNK + c * chunk;
                    int len = Math.min(chunk, n - start);
                    Tensor sliceOut = runSlice(ms, prefix, x, start, len, null);
                    copyInto(sliceOut, out, start * per);
                    // Copied: its array may serve the next slice (the pool takes back only arrays
                    // it issued in this pass, so never the caller's input).
                    ForwardArrays.release(sliceOut, y0);
                }
            }
        });
        // The assembled output is this chain's own array: the children after the prefix may recycle it.
        return run(ms, prefix, ms.size(), y0, true, true);
    }

    /**
     * Children [0, prefix) on samples [start, start + len) of x; when {@code measure} is not
     * null, the largest activation per sample (in floats) is stored in it.
     */
    private static Tensor runSlice(List<Module> ms, int prefix, Tensor x, int start, int len, long[] measure) {
        Tensor slice = x.narrow(0, start, len);
        boolean outer = !SLICING.get();
        SLICING.set(true);
        try {
            if (measure == null) {
                return run(ms, 0, prefix, slice, true, false);
            }
            long largest = slice.numel() / len;
            Tensor y = slice;
            for (int i = 0; i < prefix; i++) {   // one child at a time, to see every activation
                y = run(ms, i, i + 1, y, true, i > 0 && y.storage() != slice.storage());
                largest = Math.max(largest, y.numel() / len);
            }
            measure[0] = largest;
            return y;
        } finally {
            if (outer) {
                SLICING.set(false);
            }
        }
    }

    /** y's values, in order, to {@code out[at]}. */
    private static void copyInto(Tensor y, float[] out, int at) {
        if (y.isContiguous()) {
            System.arraycopy(y.storage(), y.offset(), out, at, y.numel());
        } else {
            float[] v = y.toArray();
            System.arraycopy(v, 0, out, at, v.length);
        }
    }

    /**
     * How many of the first children compute each sample's output from that sample alone, in the
     * current modes, and are worth running slice by slice ({@link #chunked}): 0 unless they
     * include a convolution, whose activations are the large ones.
     */
    static int sampleWisePrefix(List<Module> ms) {
        int prefix = 0;
        boolean conv = false;
        while (prefix < ms.size() && sampleWise(ms.get(prefix))) {
            conv |= containsConv(ms.get(prefix));
            prefix++;
        }
        return conv && prefix >= 2 ? prefix : 0;
    }

    /**
     * Whether {@code m}'s output for a sample depends on that sample alone, computed the same
     * way whatever the batch: the library's convolutions, activations, pooling and reshaping,
     * a batch norm in evaluation (in training it uses the batch's statistics) and a dropout in
     * evaluation (in training it draws from a generator in order over the batch). A
     * {@link Linear} is left out: with one row its product takes another summation order.
     */
    static boolean sampleWise(Module m) {
        if (m instanceof Sequential s) {
            for (Module child : s.modules()) {
                if (!sampleWise(child)) {
                    return false;
                }
            }
            return s.size() > 0;
        }
        if (m instanceof BatchNorm1d || m instanceof BatchNorm2d || m instanceof Dropout) {
            return !m.isTraining();
        }
        return m instanceof Conv2d || m instanceof ReLU || m instanceof GlobalAvgPool2d || m instanceof MaxPool2d
                || m instanceof AvgPool2d || m instanceof Flatten;
    }

    private static boolean containsConv(Module m) {
        if (m instanceof Sequential s) {
            return s.modules().stream().anyMatch(Sequential::containsConv);
        }
        return m instanceof Conv2d;
    }

    /**
     * Children [from, to) on x. {@code ours}: whether x's array is this chain's alone (see
     * below), so that it may be recycled once consumed.
     */
    private static Tensor run(List<Module> ms, int from, int to, Tensor x, boolean recycle, boolean ours) {
        Tensor y = x;
        // Whether y's array is this chain's alone: made by one of the library's layers, or a view
        // of such an array passed on by one. The chain's input belongs to the caller, and a user's
        // module may keep what it was given or what it returns.
        for (int i = from; i < to; ) {
            Module m = ms.get(i);
            Module next = i + 1 < to ? ms.get(i + 1) : null;
            Tensor in = y;
            int used = 1;
            Tensor fused = null;
            if (m instanceof Conv2d conv && next instanceof BatchNorm bn) {
                boolean relu = i + 2 < to && ms.get(i + 2) instanceof ReLU;
                fused = conv.forwardBatchNorm(y, bn, relu);
                if (fused != null) {
                    used = relu ? 3 : 2;
                }
            }
            if (fused != null) {
                y = fused;
            } else if (next instanceof ReLU && (m instanceof Linear || m instanceof BatchNorm)) {
                y = m instanceof Linear linear ? linear.forwardRelu(y) : ((BatchNorm) m).forwardRelu(y);
                used = 2;
            } else {
                y = m.forward(y);
            }
            boolean library = keepsNoInput(m);
            boolean shares = y.storage() == in.storage();
            if (recycle && ours && library && !shares) {
                ForwardArrays.release(in, y);
            }
            ours = library && (ours || !shares);
            i += used;
        }
        return y;
    }

    /**
     * Whether {@code m} is known to hold no reference to its input or its output once its forward
     * pass has returned: the library's layers (whose outputs may still share the input's array,
     * as a {@link Flatten} view does: {@link #run} checks that), and a {@code Sequential} of such
     * layers. Any other module, such as a user's layer that stores activations, keeps the arrays
     * it has seen out of recycling.
     */
    static boolean keepsNoInput(Module m) {
        if (m instanceof Sequential s) {
            for (Module child : s.modules()) {
                if (!keepsNoInput(child)) {
                    return false;
                }
            }
            return true;
        }
        // Final classes only: a subclass could override forward and keep its input.
        return m instanceof Conv2d || m instanceof BatchNorm1d || m instanceof BatchNorm2d || m instanceof ReLU
                || m instanceof Linear || m instanceof GlobalAvgPool2d || m instanceof MaxPool2d
                || m instanceof AvgPool2d || m instanceof Flatten || m instanceof Dropout;
    }
}
