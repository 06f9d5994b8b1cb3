package dev.pare.compress.search;

import dev.pare.tensor.Rng;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Multi-layer perceptrons for Fashion-MNIST: one to three hidden layers, each 32, 64, 128, 256
 * or 512 units wide (5 + 25 + 125 = 155 architectures). Small enough to search exhaustively, which
 * makes it the space to check a strategy on: the best point is known. The encoding lists the
 * hidden widths, {@code mlp:256-128}.
 */
public final class MlpSpace implements SearchSpace {
    static final int[] WIDTHS = {32, 64, 128, 256, 512};
    static final int MAX_DEPTH = 3;

    @Override
    public String name() {
        return "mlp";
    }

    @Override
    public MlpArchitecture decode(String encoding) {
        if (encoding == null || !encoding.startsWith("mlp:")) {
            throw bad(encoding, "it must start with \"mlp:\"");
        }
        String[] parts = encoding.substring("mlp:".length()).split("-", -1);
        if (parts.length > MAX_DEPTH) {
            throw bad(encoding, parts.length + " hidden layers; the space has 1 to " + MAX_DEPTH);
        }
        List<Integer> hidden = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            if (!parts[i].matches("[0-9]{1,9}")) {
                throw bad(encoding, "hidden layer " + (i + 1) + " \"" + parts[i] + "\" is not a width");
            }
            int w = Integer.parseInt(parts[i]);
            if (Arrays.stream(WIDTHS).noneMatch(x -> x == w)) {
                throw bad(encoding, "hidden layer " + (i + 1) + " width " + w + " is not one of " + Arrays.toString(WIDTHS));
            }
            hidden.add(w);
        }
        return new MlpArchitecture(hidden);
    }

    private static IllegalArgumentException bad(String encoding, String why) {
        return new IllegalArgumentException("mlp decode \"" + encoding + "\": " + why);
    }

    @Override
    public MlpArchitecture sample(Rng rng) {
        int depth = 1 + rng.nextInt(MAX_DEPTH);
        List<Integer> hidden = new ArrayList<>();
        for (int i = 0; i < depth; i++) {
            hidden.add(WIDTHS[rng.nextInt(WIDTHS.length)]);
        }
        return new MlpArchitecture(hidden);
    }

    /**
     * Changes the depth (one layer more, a copy of a random width, or the last layer removed) or
     * one layer's width; the depth is one choice among depth + 1.
     */
    @Override
    public MlpArchitecture mutate(Architecture parent, Rng rng) {
        if (!(parent instanceof MlpArchitecture p)) {
            throw new IllegalArgumentException("mlp mutate: " + parent.encode() + " is not an mlp architecture");
        }
        List<Integer> hidden = new ArrayList<>(p.hidden());
        int which = rng.nextInt(hidden.size() + 1);
        if (which == hidden.size()) {
            boolean deeper = hidden.size() == 1 || hidden.size() < MAX_DEPTH && rng.nextInt(2) == 0;
            if (deeper) {
                hidden.add(WIDTHS[rng.nextInt(WIDTHS.length)]);
            } else {
                hidden.remove(hidden.size() - 1);
            }
        } else {
            hidden.set(which, MobileNetSpace.other(WIDTHS, hidden.get(which), rng));
        }
        return new MlpArchitecture(hidden);
    }

    @Override
    public String toString() {
        return name();
    }
}
