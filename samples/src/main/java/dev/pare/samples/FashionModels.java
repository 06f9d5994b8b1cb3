package dev.pare.samples;

import dev.pare.nn.BatchNorm2d;
import dev.pare.nn.Conv2d;
import dev.pare.nn.Dropout;
import dev.pare.nn.Flatten;
import dev.pare.nn.GlobalAvgPool2d;
import dev.pare.nn.KeyMap;
import dev.pare.nn.Linear;
import dev.pare.nn.MaxPool2d;
import dev.pare.nn.Module;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.nn.attention.ViTConfig;
import dev.pare.nn.attention.VisionTransformer;
import dev.pare.tensor.Rng;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model architectures the samples train on Fashion-MNIST (inputs [B, 1, 28, 28], 10 classes).
 */
public final class FashionModels {
    private FashionModels() {}

    /**
     * Loads a PyTorch MLP's state dict into {@link #mlp} as it is:
     * {@code mlp.loadStateDict(state, true, FashionModels.TORCH_MLP_KEYS)}. A PyTorch user
     * usually writes {@code nn.Sequential(nn.Linear(784, 256), nn.ReLU(), …)} and flattens the
     * images before the model, so the Linear layers are {@code 0, 2, 4}; here index 0 is the
     * Flatten and they are {@code 1, 3, 5}. Pare keeps one MLP, whose paths every command uses,
     * and moves the indices at the border; a PyTorch MLP that starts with {@code nn.Flatten()}
     * loads without it. The CNNs need no map: PyTorch's {@code nn.Linear} takes
     * {@code [B, features]}, so a CNN's {@code nn.Flatten()} is a layer at the same index there.
     */
    public static final KeyMap TORCH_MLP_KEYS = KeyMap.builder().shiftIndex(1).build();

    /** The multi-layer perceptron 784-256-128-10 with ReLU: 235,146 parameters. */
    public static Module mlp(Rng rng) {
        return mlp(rng, 256, 128);
    }

    /**
     * The multi-layer perceptron 784-H₁-…-H_k-10, ReLU after every hidden layer; its Linear layers
     * sit at indices 1, 3, 5, … of the Sequential (index 0 is the Flatten). With one hidden layer
     * of H units it has (784 + 1)·H + (H + 1)·10 parameters: the students of distillation.
     *
     * @throws IllegalArgumentException if a hidden size is below 1
     */
    public static Sequential mlp(Rng rng, int... hidden) {
        List<Module> layers = new ArrayList<>();
        layers.add(new Flatten());
        int in = 28 * 28;
        for (int h : hidden) {
            if (h < 1) {
                throw new IllegalArgumentException("FashionModels.mlp: hidden sizes " + Arrays.toString(hidden)
                        + ": a layer needs at least 1 unit, got " + h);
            }
            layers.add(new Linear(in, h, rng));
            layers.add(new ReLU());
            in = h;
        }
        layers.add(new Linear(in, 10, rng));
        return new Sequential(layers.toArray(new Module[0]));
    }

    /** The paths of {@link #mlp(Rng, int...)}'s Linear layers with {@code hiddenLayers} hidden layers: "1", "3", …. */
    public static List<String> mlpLinearPaths(int hiddenLayers) {
        List<String> paths = new ArrayList<>();
        for (int i = 0; i <= hiddenLayers; i++) {
            paths.add(Integer.toString(1 + 2 * i));
        }
        return List.copyOf(paths);
    }

    /**
     * A small CNN, two conv blocks then a classifier:
     * conv 3×3 (1→32) · BN · ReLU · max-pool 2 → conv 3×3 (32→64) · BN · ReLU · max-pool 2 →
     * flatten (64·7·7) → linear 3136→128 · ReLU · dropout 0.25 → linear 128→10.
     */
    public static Module smallCnn(Rng rng) {
        return new Sequential(
                new Conv2d(1, 32, 3, 1, 1, rng), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
                new Conv2d(32, 64, 3, 1, 1, rng), new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
                new Flatten(),
                new Linear(64 * 7 * 7, 128, rng), new ReLU(), new Dropout(0.25, rng.fork()),
                new Linear(128, 10, rng));
    }

    /**
     * A MobileNet-style CNN: a 3×3 stem, then depthwise-separable blocks (a 3×3 depthwise
     * convolution, one filter per channel, followed by a 1×1 pointwise convolution that mixes
     * channels), then global average pooling. A separable block costs about 1/9 + 1/C_out of the
     * multiply-adds of a full 3×3 convolution with the same channels.
     */
    public static Module mobileNet(Rng rng) {
        return new Sequential(
                new Conv2d(1, 16, 3, 1, 1, rng), new BatchNorm2d(16), new ReLU(),
                separable(16, 32, 2, rng),     // 28×28 → 14×14
                separable(32, 64, 2, rng),     // 14×14 → 7×7
                separable(64, 128, 1, rng),
                new GlobalAvgPool2d(), new Flatten(),
                new Linear(128, 10, rng));
    }

    /** Depthwise 3×3 (groups = channels) · BN · ReLU, then pointwise 1×1 · BN · ReLU. */
    static Module separable(int in, int out, int stride, Rng rng) {
        return new Sequential(
                new Conv2d(in, in, 3, stride, 1, 1, in, false, rng), new BatchNorm2d(in), new ReLU(),
                new Conv2d(in, out, 1, 1, 0, 1, 1, false, rng), new BatchNorm2d(out), new ReLU());
    }

    /**
     * A Vision Transformer for Fashion-MNIST: 28×28 images cut into {@code cfg.patchSize()}² patches
     * (7 gives 16 tokens, 4 gives 49), each projected to {@code cfg.dim()}, a class token or mean
     * pooling, learned positions, {@code cfg.depth()} pre-norm GELU encoder layers with
     * {@code cfg.heads()} heads, a final LayerNorm and a linear head. See {@link VisionTransformer}
     * for the stages and the state-dict names, which are those of the PyTorch twin
     * ({@code torch_twins.ViT}, bench/peers/torch_vit.py).
     *
     * @throws IllegalArgumentException if {@code cfg} is not for 28×28 single-channel images and 10 classes
     */
    public static VisionTransformer vit(Rng rng, ViTConfig cfg) {
        if (cfg.imageSize() != 28 || cfg.inChannels() != 1 || cfg.numClasses() != 10) {
            throw new IllegalArgumentException("FashionModels.vit: " + cfg + ": Fashion-MNIST needs image_size 28, "
                    + "1 channel and 10 classes (start from ViTConfig.fashion)");
        }
        return new VisionTransformer(cfg, rng);
    }

    /** {@link #vit(Rng, ViTConfig)} with 7×7 patches, d = 64, 6 layers, 4 heads: the calibration model. */
    public static VisionTransformer vit(Rng rng) {
        return vit(rng, ViTConfig.fashion(7, 64, 6, 4));
    }

    /**
     * The sizes of a ViT as safetensors metadata ({@code vit_patch}, {@code vit_dim},
     * {@code vit_depth}, {@code vit_heads}, {@code vit_mlp_ratio}, {@code vit_pooling}): what
     * {@link #vitConfig(Map)} needs to rebuild the model before loading its weights. The number of
     * heads cannot be read from the weights' shapes (they are split from one {@code [3D, D]}
     * projection), so a ViT file must say it.
     */
    public static Map<String, String> vitMetadata(ViTConfig cfg) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("vit_patch", Integer.toString(cfg.patchSize()));
        m.put("vit_dim", Integer.toString(cfg.dim()));
        m.put("vit_depth", Integer.toString(cfg.depth()));
        m.put("vit_heads", Integer.toString(cfg.heads()));
        m.put("vit_mlp_ratio", Integer.toString(cfg.mlpRatio()));
        m.put("vit_pooling", cfg.pooling().name());
        return m;
    }

    /**
     * The Fashion-MNIST ViT described by {@link #vitMetadata} entries (dropout 0: a saved model is
     * for evaluation or fine-tuning).
     *
     * @throws IllegalArgumentException naming the entry that is missing or malformed
     */
    public static ViTConfig vitConfig(Map<String, String> metadata) {
        int[] v = new int[5];
        String[] keys = {"vit_patch", "vit_dim", "vit_depth", "vit_heads", "vit_mlp_ratio"};
        for (int i = 0; i < keys.length; i++) {
            String s = metadata.get(keys[i]);
            if (s == null) {
                throw new IllegalArgumentException("FashionModels.vitConfig: metadata has no '" + keys[i]
                        + "' (a ViT saved by ./pare train-vit has all of " + Arrays.toString(keys) + ", vit_pooling)");
            }
            try {
                v[i] = Integer.parseInt(s.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("FashionModels.vitConfig: metadata '" + keys[i] + "' is '" + s
                        + "', not an integer", e);
            }
        }
        String pooling = metadata.getOrDefault("vit_pooling", "CLASS_TOKEN");
        ViTConfig.Pooling p;
        try {
            p = ViTConfig.Pooling.valueOf(pooling.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("FashionModels.vitConfig: metadata 'vit_pooling' is '" + pooling
                    + "'; expected one of " + Arrays.toString(ViTConfig.Pooling.values()), e);
        }
        return ViTConfig.fashion(v[0], v[1], v[2], v[3]).withMlpRatio(v[4]).withPooling(p);
    }
}
