package dev.pare.nn;

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
     */
    @Override
    public Tensor forward(Tensor x) {
        List<Module> ms = modules();
        Tensor y = x;
        for (int i = 0; i < ms.size(); i++) {
            Module m = ms.get(i);
            Module next = i + 1 < ms.size() ? ms.get(i + 1) : null;
            if (m instanceof Conv2d conv && next instanceof BatchNorm bn) {
                boolean relu = i + 2 < ms.size() && ms.get(i + 2) instanceof ReLU;
                Tensor fused = conv.forwardBatchNorm(y, bn, relu);
                if (fused != null) {
                    y = fused;
                    i += relu ? 2 : 1;
                    continue;
                }
            }
            if (next instanceof ReLU && (m instanceof Linear || m instanceof BatchNorm)) {
                y = m instanceof Linear linear ? linear.forwardRelu(y) : ((BatchNorm) m).forwardRelu(y);
                i++;
                continue;
            }
            y = m.forward(y);
        }
        return y;
    }
}
