package dev.pare.compress.search;

import dev.pare.nn.Flatten;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.tensor.Rng;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * One point of the {@link MlpSpace}: the widths of the hidden layers of a perceptron
 * 784-H₁-…-H_d-10 with ReLU after each hidden layer.
 *
 * <p>The model is laid out as the samples' {@code FashionModels.mlp(rng, H₁, …)}: a Flatten at
 * index 0, then Linear and ReLU in turn, so its state dict loads into that model. Parameters
 * {@code Σ (in + 1)·out}; multiply-adds {@code Σ in·out} over the Linear layers.
 *
 * @param hidden the hidden widths, first to last
 */
public record MlpArchitecture(List<Integer> hidden) implements Architecture {
    static final int INPUTS = 28 * 28;
    static final int CLASSES = 10;

    public MlpArchitecture {
        hidden = List.copyOf(hidden);
    }

    /** The widths of every Linear layer's input and output: 784, H₁, …, H_d, 10. */
    private List<Integer> sizes() {
        List<Integer> sizes = new ArrayList<>();
        sizes.add(INPUTS);
        sizes.addAll(hidden);
        sizes.add(CLASSES);
        return sizes;
    }

    @Override
    public String encode() {
        return "mlp:" + hidden.stream().map(String::valueOf).collect(Collectors.joining("-"));
    }

    @Override
    public int[] inputShape() {
        return new int[] {1, 28, 28};
    }

    @Override
    public Module build(Rng rng) {
        List<Module> layers = new ArrayList<>();
        layers.add(new Flatten());
        List<Integer> sizes = sizes();
        for (int i = 0; i + 1 < sizes.size(); i++) {
            layers.add(new Linear(sizes.get(i), sizes.get(i + 1), rng));
            if (i + 2 < sizes.size()) {
                layers.add(new ReLU());
            }
        }
        return new Sequential(layers.toArray(new Module[0]));
    }

    @Override
    public long parameters() {
        List<Integer> sizes = sizes();
        long n = 0;
        for (int i = 0; i + 1 < sizes.size(); i++) {
            n += (sizes.get(i) + 1L) * sizes.get(i + 1);
        }
        return n;
    }

    @Override
    public long multiplyAdds() {
        List<Integer> sizes = sizes();
        long n = 0;
        for (int i = 0; i + 1 < sizes.size(); i++) {
            n += (long) sizes.get(i) * sizes.get(i + 1);
        }
        return n;
    }

    /** The bytes of {@link #build}'s float32 state dict: 4 per parameter (an MLP has no buffers). */
    public long stateBytes() {
        return 4 * parameters();
    }

    @Override
    public List<LatencyUnit> latencyUnits() {
        List<LatencyUnit> units = new ArrayList<>();
        List<Integer> sizes = sizes();
        for (int i = 0; i + 1 < sizes.size(); i++) {
            int in = sizes.get(i);
            int out = sizes.get(i + 1);
            boolean relu = i + 2 < sizes.size();
            units.add(new ModuleUnit("fc:" + in + "-" + out + (relu ? ":relu" : ""), new int[] {in},
                    rng -> relu ? new Sequential(new Linear(in, out, rng), new ReLU()) : new Linear(in, out, rng)));
        }
        return units;
    }

    @Override
    public String toString() {
        return encode();
    }
}
