package dev.pare.compress.quantize;

import dev.pare.nn.Conv2d;
import dev.pare.nn.Conv2dOp;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.tensor.Tensor;

/**
 * A Linear or Conv2d trained with fake quantization (quantization-aware training): its input goes
 * through a {@link FakeQuantize} (asymmetric, range from a moving-average observer) and its weight
 * through symmetric fake quantization (per channel or per tensor, scales from the current weight),
 * both with the straight-through estimator. The float weights keep learning; after training,
 * {@link Quantizer#convertQat} replaces this layer by a static {@link QuantizedLinear} or
 * {@link QuantizedConv2d} whose input range is the one learned here, so the deployed layer
 * computes what was trained, up to float rounding.
 *
 * <p>Children: {@code layer} (the float Linear/Conv2d, whose parameters are trained) and
 * {@code inputQuant}.
 */
public final class QatLayer extends Module {
    private final Module layer;
    private final FakeQuantize inputQuant;
    private final Granularity granularity;

    public QatLayer(Module layer, Granularity granularity) {
        if (!(layer instanceof Linear) && !(layer instanceof Conv2d)) {
            throw new IllegalArgumentException("QatLayer: only Linear and Conv2d are supported, got "
                    + layer.getClass().getSimpleName());
        }
        this.layer = registerModule("layer", layer);
        this.inputQuant = registerModule("inputQuant", new FakeQuantize());
        this.granularity = granularity;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor xq = inputQuant.forward(x);
        if (layer instanceof Linear linear) {
            Tensor w = FakeQuantize.weight(linear.weight(), granularity);
            Tensor y = xq.matmul(w.t());
            return linear.bias() == null ? y : y.add(linear.bias());
        }
        Conv2d conv = (Conv2d) layer;
        Tensor w = FakeQuantize.weight(conv.weight(), granularity);
        return Conv2dOp.conv2d(xq, w, conv.bias(), conv.stride(), conv.padding(), conv.dilation(), conv.groups());
    }

    /** The float layer being trained. */
    public Module layer() {
        return layer;
    }

    /** The input fake quantizer, holding the learned activation range. */
    public FakeQuantize inputQuant() {
        return inputQuant;
    }

    public Granularity granularity() {
        return granularity;
    }
}
