package dev.pare.compress.distill;

import dev.pare.nn.Model;
import dev.pare.nn.Sequential;
import dev.pare.tensor.Tensor;

/**
 * A {@link Sequential} run layer by layer, keeping the output of one of its layers: the
 * intermediate feature that hint distillation compares.
 *
 * <p>It wraps the network rather than changing it, so the state dict and the checkpoint keys stay
 * those of the plain {@code Sequential}. {@link #forward} returns what the network returns;
 * {@link #feature()} is then the output of layer {@code layer} on that same call (part of the
 * graph when recording, so a loss on it back-propagates into the layers below).
 */
public final class SequentialTap implements Model {
    private final Sequential net;
    private final int layer;
    private Tensor feature;

    /** Taps the output of {@code net.get(layer)}. */
    public SequentialTap(Sequential net, int layer) {
        if (net == null) {
            throw new IllegalArgumentException("SequentialTap: network is null");
        }
        if (layer < 0 || layer >= net.size()) {
            throw new IllegalArgumentException("SequentialTap: layer " + layer + " is out of range for a Sequential of "
                    + net.size() + " layers");
        }
        this.net = net;
        this.layer = layer;
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor h = x;
        for (int i = 0; i < net.size(); i++) {
            h = net.get(i).forward(h);
            if (i == layer) {
                feature = h;
            }
        }
        return h;
    }

    /** The tapped layer's output on the last {@link #forward} call. */
    public Tensor feature() {
        if (feature == null) {
            throw new IllegalStateException("SequentialTap: no forward pass has run yet");
        }
        return feature;
    }

    @Override
    public void setTraining(boolean training) {
        net.setTraining(training);
    }

    public Sequential network() {
        return net;
    }

    public int layer() {
        return layer;
    }
}
