package dev.pare.nn.attention;

import dev.pare.nn.LayerNorm;
import dev.pare.nn.Module;
import dev.pare.nn.Sequential;
import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.IntFunction;

/**
 * A stack of {@link TransformerEncoderLayer}s, with an optional LayerNorm on the output, as
 * PyTorch's {@code nn.TransformerEncoder}:
 * <pre>
 *   x = layers.0(x); x = layers.1(x); …; y = norm(x)   (norm only if given)
 * </pre>
 * A pre-norm stack ({@code normFirst = true}) needs the final norm: its residual stream is never
 * normalised inside the layers. A post-norm stack already ends with a LayerNorm and usually has
 * none.
 *
 * <p>Every layer gets the same masks. State dict keys are {@code layers.0.self_attn.in_proj_weight},
 * …, {@code layers.1.…}, then {@code norm.weight} and {@code norm.bias}: PyTorch's. (PyTorch builds
 * the stack by deep-copying one layer, so its layers start equal; Pare builds each from the
 * factory, so each starts from its own draw. A loaded checkpoint overwrites both alike.)
 *
 * <p><b>Shape:</b> {@code [B, T, E]} in and out.
 *
 * <h2>Hidden states</h2>
 * Distillation of a transformer (DistilBERT) compares what the student's and the teacher's layers
 * compute, not only their final outputs. Two ways give them, neither of which changes
 * {@link #forward} or the state dict:
 * <ul>
 *   <li>{@link #forwardWithHiddenStates} returns the output together with every layer's output;</li>
 *   <li>{@link #keepHiddenStates(boolean)} turns on a tap: every later forward pass, including one
 *       made from inside a larger model that only calls {@code forward}, keeps its layers' outputs
 *       for {@link #lastHiddenStates()}.</li>
 * </ul>
 * Hidden state i is the output of layer i, {@code [B, T, E]}, before the final norm (which only
 * the stack's output passes through). Trap: Hugging Face's {@code hidden_states} has one more
 * entry, the embeddings, at index 0, so its entry i + 1 is this list's entry i. The tensors are
 * those the forward pass computed, part of its graph when recording: a loss on them
 * back-propagates into the layers below.
 *
 * <p><b>Example:</b>
 * <pre>{@code
 * Rng rng = new Rng(3);
 * TransformerEncoder enc = new TransformerEncoder(2,
 *         i -> new TransformerEncoderLayer(64, 4, 256, 0.1, Activation.GELU, 1e-5, true, rng),
 *         new LayerNorm(64));
 * Tensor y = enc.forward(x, null, AttentionMask.bool(padding));   // padding [B, T]: 1 = pad
 * }</pre>
 */
public final class TransformerEncoder extends Module {
    private final Sequential layers;
    private final LayerNorm norm;
    /** Whether forward keeps its layers' outputs (the tap), and the last ones kept. */
    private boolean keepHiddenStates;
    private List<Tensor> lastHiddenStates;

    /**
     * @param numLayers how many layers to build
     * @param layer     builds layer i (give each its own weights)
     * @param norm      the final LayerNorm, or null for none
     */
    public TransformerEncoder(int numLayers, IntFunction<TransformerEncoderLayer> layer, LayerNorm norm) {
        if (numLayers <= 0 || layer == null) {
            throw new IllegalArgumentException("TransformerEncoder: need num_layers > 0 and a layer factory, got "
                    + numLayers + " layers");
        }
        this.layers = registerModule("layers", new Sequential());
        for (int i = 0; i < numLayers; i++) {
            TransformerEncoderLayer l = layer.apply(i);
            if (l == null) {
                throw new IllegalArgumentException("TransformerEncoder: the factory returned null for layer " + i);
            }
            for (int j = 0; j < i; j++) {
                // The same object twice would be one set of weights applied twice, not two layers.
                if (layers.get(j) == l) {
                    throw new IllegalArgumentException("TransformerEncoder: layers " + j + " and " + i
                            + " are the same object; give each layer its own weights");
                }
            }
            layers.add(l);
        }
        this.norm = norm == null ? null : registerModule("norm", norm);
    }

    /** The stack from existing layers (each must be a distinct object), and an optional final norm. */
    public TransformerEncoder(List<TransformerEncoderLayer> layerList, LayerNorm norm) {
        this(layerList == null ? 0 : layerList.size(), i -> layerList.get(i), norm);
    }

    /** The stack without masks. */
    @Override
    public Tensor forward(Tensor src) {
        return forward(src, null, null);
    }

    /**
     * @param src               {@code [B, T, E]}
     * @param mask              {@code [T, T]} or {@code [B·H, T, T]}, or null
     * @param srcKeyPaddingMask {@code [B, T]}, or null
     */
    public Tensor forward(Tensor src, AttentionMask mask, AttentionMask srcKeyPaddingMask) {
        if (!keepHiddenStates) {
            return run(src, mask, srcKeyPaddingMask, null);
        }
        List<Tensor> hidden = new ArrayList<>(layers.size());
        Tensor y = run(src, mask, srcKeyPaddingMask, hidden);
        lastHiddenStates = Collections.unmodifiableList(hidden);
        return y;
    }

    /** The stack's output and the output of each of its layers on the same call. */
    public record Output(Tensor output, List<Tensor> hiddenStates) {}

    /**
     * The stack on {@code src}, keeping every layer's output: {@code hiddenStates().get(i)} is the
     * output of layer i ({@code [B, T, E]}, before the final norm), {@code output()} what
     * {@link #forward(Tensor, AttentionMask, AttentionMask)} returns. The same computation as
     * forward, so the output is bit for bit the same.
     */
    public Output forwardWithHiddenStates(Tensor src, AttentionMask mask, AttentionMask srcKeyPaddingMask) {
        List<Tensor> hidden = new ArrayList<>(layers.size());
        Tensor y = run(src, mask, srcKeyPaddingMask, hidden);
        return new Output(y, Collections.unmodifiableList(hidden));
    }

    /**
     * Turns the hidden-state tap on or off (off for a new encoder). While on, every forward pass
     * keeps its layers' outputs for {@link #lastHiddenStates()}; the output is unchanged. Turning it
     * off forgets the kept ones, so that they do not hold a batch's graph alive.
     */
    public void keepHiddenStates(boolean keep) {
        keepHiddenStates = keep;
        if (!keep) {
            lastHiddenStates = null;
        }
    }

    /** Whether the tap is on. */
    public boolean keepsHiddenStates() {
        return keepHiddenStates;
    }

    /**
     * Every layer's output on the last forward pass made while the tap was on (an unmodifiable list
     * of {@link #numLayers()} tensors, entry i from layer i).
     *
     * @throws IllegalStateException if the tap is off or no forward pass has run since it was turned on
     */
    public List<Tensor> lastHiddenStates() {
        if (!keepHiddenStates) {
            throw new IllegalStateException(label() + ": the hidden-state tap is off; call keepHiddenStates(true) "
                    + "before the forward pass");
        }
        if (lastHiddenStates == null) {
            throw new IllegalStateException(label() + ": no forward pass has run since keepHiddenStates(true)");
        }
        return lastHiddenStates;
    }

    /** The layers then the norm; each layer's output is added to {@code hidden} when it is not null. */
    private Tensor run(Tensor src, AttentionMask mask, AttentionMask srcKeyPaddingMask, List<Tensor> hidden) {
        Tensor x = src;
        int i = 0;
        // Looked up on every call, so a layer replaced through replaceModule takes effect at once.
        for (Module m : layers.modules()) {
            if (m instanceof TransformerEncoderLayer l) {
                x = l.forward(x, mask, srcKeyPaddingMask);
            } else if (mask == null && srcKeyPaddingMask == null) {
                x = m.forward(x);
            } else {
                throw new IllegalStateException(label() + ": layers." + i + " is a " + m.getClass().getSimpleName()
                        + ", which cannot take attention masks");
            }
            if (hidden != null) {
                hidden.add(x);
            }
            i++;
        }
        return norm == null ? x : norm.forward(x);
    }

    /** Number of layers. */
    public int numLayers() {
        return layers.size();
    }

    /** Layer {@code i}. */
    public Module layer(int i) {
        return layers.get(i);
    }

    /** The final norm, or null. */
    public LayerNorm norm() {
        return norm;
    }

    /** {@code TypeName(settings)}, for error messages. */
    private String label() {
        return typeName() + "(" + extraRepr() + ")";
    }

    @Override
    protected String extraRepr() {
        return "num_layers=" + layers.size();
    }
}
