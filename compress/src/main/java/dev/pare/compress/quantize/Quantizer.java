package dev.pare.compress.quantize;

import dev.pare.nn.Conv2d;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.attention.MultiheadAttention;
import dev.pare.nn.train.LabeledBatch;
import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Rewrites a model for int8: finds every {@link Linear} and {@link Conv2d} (by
 * {@link Module#namedModules()}) and replaces it in place ({@link Module#replaceModule}).
 *
 * <p>Transformers: a {@link MultiheadAttention}'s {@code out_proj} is a Linear like any other, but
 * its packed input projection {@code in_proj_weight [3E, E]} is a bare parameter. Weight-only and
 * dynamic quantization turn it into one {@link QuantizedLinear} {@code E → 3E} installed with
 * {@link MultiheadAttention#setInProjection} (in self-attention it quantizes its input once for
 * Q, K and V). {@link #dynamicLinear} is PyTorch's {@code quantize_dynamic(model, {nn.Linear})}
 * for a transformer: Linears and attention projections only, convolutions (a ViT's patch
 * embedding) stay float. {@link #dynamic} quantizes the convolutions too, a ViT's patch embedding
 * included: with stride = kernel it is one Linear shared by all patches, and its input is the
 * image, whose 8-bit pixels the dynamic grid fits closely. Static quantization and QAT leave {@code in_proj} float: they observe
 * a layer's input through a wrapper, and the packed projection has no layer to wrap; dynamic is
 * what transformers use (docs/quantization.md says why).
 *
 * <pre>{@code
 * Quantizer.weightOnly(model, Granularity.PER_CHANNEL);        // int8 weights, float inputs
 * Quantizer.dynamic(model, Granularity.PER_CHANNEL);           // inputs quantized per batch
 *
 * Quantizer.prepareStatic(model, MinMaxObserver::new);         // static: observe ...
 * Quantizer.calibrate(model, trainBatches, 10);                // ... on sample batches ...
 * Quantizer.convertStatic(model, Granularity.PER_CHANNEL);     // ... then fix the input ranges
 *
 * Quantizer.prepareQat(model, Granularity.PER_CHANNEL);        // QAT: fine-tune with fake quantization
 * ... train ...
 * Quantizer.convertQat(model);                                 // then the real int8 model
 * }</pre>
 *
 * <p>Each method returns the model it changed. The root itself cannot be replaced (a model that
 * is a bare Linear is refused: wrap it in a Sequential). Other modules (ReLU, BatchNorm, pools)
 * stay float.
 */
public final class Quantizer {
    private Quantizer() {}

    /**
     * Weight-only int8: every Linear/Conv2d becomes a {@link QuantMode#WEIGHT_ONLY} quantized
     * layer, and every attention's packed input projection a weight-only {@link QuantizedLinear}.
     */
    public static Module weightOnly(Module model, Granularity granularity) {
        replaceLayers(model, "weightOnly", m -> quantized(m, QuantMode.WEIGHT_ONLY, granularity, null));
        return quantizeInProjections(model, QuantMode.WEIGHT_ONLY, granularity);
    }

    /**
     * Dynamic int8: weights int8, inputs quantized with each batch's own range; every Linear and
     * Conv2d, and every attention's packed input projection. For a ViT that is
     * {@link #dynamicLinear} plus the patch embedding's convolution, which {@code PatchEmbedding}
     * looks up on every call, so the int8 one runs.
     */
    public static Module dynamic(Module model, Granularity granularity) {
        replaceLayers(model, "dynamic", m -> quantized(m, QuantMode.DYNAMIC, granularity, null));
        return quantizeInProjections(model, QuantMode.DYNAMIC, granularity);
    }

    /**
     * Dynamic int8 of the Linear layers only, as PyTorch's {@code quantize_dynamic(model, {nn.Linear})}
     * does for BERT: every {@link Linear} (attention's {@code out_proj}, the feed-forward
     * {@code linear1}/{@code linear2}, a classifier head) and every {@link MultiheadAttention}'s
     * packed {@code in_proj}. Each quantizes its input per call, from that input's own min and
     * max (one scale and zero point for the whole tensor), and multiplies with int8 per-channel
     * (or per-tensor) weights. Convolutions, LayerNorms and embeddings stay float.
     *
     * <p>Trap: a module that keeps a child in a field and calls it directly still calls the
     * float layer after {@code replaceModule}. The layers replaced here are looked up on every
     * call: MultiheadAttention's {@code out_proj}, the encoder layer's {@code linear1} and
     * {@code linear2}, VisionTransformer's head, a Sequential's layers.
     */
    public static Module dynamicLinear(Module model, Granularity granularity) {
        replace(model, "dynamicLinear", m -> m instanceof Linear,
                m -> QuantizedLinear.from((Linear) m, QuantMode.DYNAMIC, granularity, null));
        return quantizeInProjections(model, QuantMode.DYNAMIC, granularity);
    }

    /**
     * Every {@link MultiheadAttention} whose packed input projection is still the float
     * {@code in_proj_weight} gets a {@link QuantizedLinear} {@code E → 3·H·d} in its place.
     */
    private static Module quantizeInProjections(Module model, QuantMode mode, Granularity granularity) {
        for (Module m : new ArrayList<>(model.namedModules().values())) {
            if (m instanceof MultiheadAttention mha && mha.inProjection() == null) {
                mha.setInProjection(QuantizedLinear.fromWeight(mha.inProjWeight(), mha.inProjBias(), mode, granularity,
                        null));
            }
        }
        return model;
    }

    /** Wraps every Linear/Conv2d in an {@link Observed} with a fresh observer from {@code observers}. */
    public static Module prepareStatic(Module model, Supplier<? extends Observer> observers) {
        return replaceLayers(model, "prepareStatic", m -> new Observed(m, observers.get()));
    }

    /**
     * Runs up to {@code maxBatches} batches through a prepared model in evaluation mode, without
     * a graph, so that its observers see typical inputs. Returns the number of batches used.
     *
     * @throws IllegalArgumentException if there is not a single batch (an empty calibration set)
     */
    @SuppressWarnings("try")
    public static int calibrate(Module prepared, Iterable<? extends LabeledBatch> batches, int maxBatches) {
        if (maxBatches < 1) {
            throw new IllegalArgumentException("calibrate: maxBatches must be >= 1, got " + maxBatches);
        }
        prepared.eval();
        int used = 0;
        try (var ignored = Tensor.noGrad()) {
            for (LabeledBatch batch : batches) {
                if (used == maxBatches) {
                    break;
                }
                prepared.forward(batch.inputs());
                used++;
            }
        }
        if (used == 0) {
            throw new IllegalArgumentException("calibrate: the calibration set is empty; static quantization needs"
                    + " at least one batch of typical inputs");
        }
        return used;
    }

    /**
     * Replaces every {@link Observed} layer by a static quantized layer whose input parameters are
     * its observer's.
     *
     * @throws IllegalStateException if an observer saw nothing (calibration skipped or empty)
     */
    public static Module convertStatic(Module prepared, Granularity granularity) {
        return replace(prepared, "convertStatic", m -> m instanceof Observed, m -> {
            Observed o = (Observed) m;
            return quantized(o.layer(), QuantMode.STATIC, granularity, o.observer().params());
        });
    }

    /** Replaces every Linear/Conv2d by a {@link QatLayer} (fake quantization, straight-through). */
    public static Module prepareQat(Module model, Granularity granularity) {
        return replaceLayers(model, "prepareQat", m -> new QatLayer(m, granularity));
    }

    /**
     * Replaces every {@link QatLayer} by a static quantized layer with the input range it learned
     * and its trained weights quantized at its granularity.
     *
     * @throws IllegalStateException if a layer never saw a training batch
     */
    public static Module convertQat(Module model) {
        return replace(model, "convertQat", m -> m instanceof QatLayer, m -> {
            QatLayer q = (QatLayer) m;
            return quantized(q.layer(), QuantMode.STATIC, q.granularity(), q.inputQuant().observer().params());
        });
    }

    private static Module quantized(Module layer, QuantMode mode, Granularity granularity, QuantParams input) {
        if (layer instanceof Linear linear) {
            return QuantizedLinear.from(linear, mode, granularity, input);
        }
        return QuantizedConv2d.from((Conv2d) layer, mode, granularity, input);
    }

    private static Module replaceLayers(Module model, String op, Function<Module, Module> replacement) {
        return replace(model, op, m -> m instanceof Linear || m instanceof Conv2d, replacement);
    }

    private static Module replace(Module model, String op, java.util.function.Predicate<Module> target,
                                  Function<Module, Module> replacement) {
        // Collect first: replacing while iterating would walk into the new modules.
        List<String> paths = new ArrayList<>();
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            if (target.test(e.getValue()) && !insideTarget(e.getKey(), paths)) {
                paths.add(e.getKey());
            }
        }
        for (String path : paths) {
            if (path.isEmpty()) {
                throw new IllegalArgumentException(op + ": the model itself is a " + model.getClass().getSimpleName()
                        + "; wrap it in a Sequential so that it can be replaced");
            }
            model.replaceModule(path, replacement.apply(model.getModule(path)));
        }
        return model;
    }

    private static boolean insideTarget(String path, List<String> targets) {
        for (String t : targets) {
            if (t.isEmpty() || path.startsWith(t + ".")) {
                return true;
            }
        }
        return false;
    }
}
