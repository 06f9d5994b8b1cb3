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
     * Applies the children in order. A {@link Linear} or a {@link BatchNorm} followed by a
     * {@link ReLU} runs as one call ({@link Linear#forwardRelu}, {@link BatchNorm#forwardRelu}),
     * which gives the same values and applies the ReLU as the output is written instead of in a
     * pass of its own.
     */
    @Override
    public Tensor forward(Tensor x) {
        Tensor y = x;
        Module pending = null;
        for (Module m : namedChildren().values()) {
            if (pending != null && m instanceof ReLU) {
                y = pending instanceof Linear linear ? linear.forwardRelu(y) : ((BatchNorm) pending).forwardRelu(y);
                pending = null;
                continue;
            }
            if (pending != null) {
                y = pending.forward(y);
                pending = null;
            }
            if (m instanceof Linear || m instanceof BatchNorm) {
                pending = m;
            } else {
                y = m.forward(y);
            }
        }
        return pending == null ? y : pending.forward(y);
    }
}
