package dev.pare.nn;

import dev.pare.tensor.ForwardArrays;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Tensor;
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
     */
    @Override
    public Tensor forward(Tensor x) {
        if (GradMode.isEnabled()) {
            return run(x, false);
        }
        try (ForwardArrays.Pass ignored = ForwardArrays.begin()) {
            return run(x, true);
        }
    }

    private Tensor run(Tensor x, boolean recycle) {
        List<Module> ms = modules();
        Tensor y = x;
        // Whether y's array is this chain's alone: made by one of the library's layers, or a view
        // of such an array passed on by one. The chain's input belongs to the caller, and a user's
        // module may keep what it was given or what it returns.
        boolean ours = false;
        for (int i = 0; i < ms.size(); ) {
            Module m = ms.get(i);
            Module next = i + 1 < ms.size() ? ms.get(i + 1) : null;
            Tensor in = y;
            int used = 1;
            Tensor fused = null;
            if (m instanceof Conv2d conv && next instanceof BatchNorm bn) {
                boolean relu = i + 2 < ms.size() && ms.get(i + 2) instanceof ReLU;
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
