package dev.pare.compress.search;

import dev.pare.nn.BatchNorm2d;
import dev.pare.nn.Conv2d;
import dev.pare.nn.Flatten;
import dev.pare.nn.GlobalAvgPool2d;
import dev.pare.nn.InvertedResidual;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.tensor.Rng;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One point of the {@link MobileNetSpace}: a stem width and, for each of the three stages, an
 * expansion ratio, a kernel size, a number of blocks and a width multiplier.
 *
 * <p>The model, for an input {@code [N, 1, 28, 28]}:
 * <pre>
 *   stem    conv 3×3 stride 2 (1 → s) · BN · ReLU                         28×28 → 14×14
 *   stage i blocks × {@link InvertedResidual}(t_i, k_i), the first with the stage's stride (1, 2, 1),
 *           out channels c_i = round(base_i · w_i), base = 16, 24, 40     → 14×14 → 7×7 → 7×7
 *   head    global average pool · flatten · linear (c_3 → 10)
 * </pre>
 *
 * <p><b>Counting.</b> {@link #parameters()} counts every learned scalar of {@link #build}'s
 * model: convolution weights (no biases: a BatchNorm follows each), BatchNorm's weight and bias,
 * and the classifier's weight and bias. {@link #multiplyAdds()} counts the products of the
 * convolutions and the classifier, {@code H_out·W_out·C_out·(C_in/groups)·k²} and
 * {@code in·out}; BatchNorm (folded into the convolution at inference), ReLU, pooling and the
 * residual additions are not multiply-adds.
 *
 * @param stem   the stem's output channels
 * @param stages the three stages, in order
 */
public record MobileNetArchitecture(int stem, List<Stage> stages) implements Architecture {
    /** Output channels of each stage at width 1. */
    static final int[] BASE_CHANNELS = {16, 24, 40};
    /**
     * The stem halves the image (28 → 14), then each stage's first block strides: 14 → 14 → 7 → 7.
     * Why the stem and not the first stage: an expansion at full resolution would cost
     * 28²·C·tC multiply-adds, as much as the rest of a small network, on a 28×28 image whose
     * strokes survive halving.
     */
    static final int STEM_STRIDE = 2;
    static final int[] STRIDES = {1, 2, 1};
    static final int SIDE = 28;
    static final int CLASSES = 10;

    /**
     * One stage's choices.
     *
     * @param expansion t, the hidden width of each block as a multiple of its input channels
     * @param kernel    k, the depthwise filter's size
     * @param blocks    how many blocks the stage stacks
     * @param width     the multiplier of the stage's base channels
     */
    public record Stage(int expansion, int kernel, int blocks, double width) {
        String encode() {
            return "e" + expansion + "k" + kernel + "n" + blocks + "w" + formatWidth(width);
        }
    }

    public MobileNetArchitecture {
        stages = List.copyOf(stages);
    }

    static String formatWidth(double w) {
        // Two decimals at most, and at least one: 0.5, 0.75, 1.0, 2.0 (stable across JVMs and locales).
        String s = String.format(Locale.ROOT, "%.2f", w);
        return s.endsWith("0") ? s.substring(0, s.length() - 1) : s;
    }

    /** The output channels of stage {@code i}. */
    public int channels(int i) {
        return (int) Math.round(BASE_CHANNELS[i] * stages.get(i).width());
    }

    @Override
    public String encode() {
        StringBuilder sb = new StringBuilder("mbv2:s").append(stem);
        for (Stage s : stages) {
            sb.append('|').append(s.encode());
        }
        return sb.toString();
    }

    @Override
    public int[] inputShape() {
        return new int[] {1, SIDE, SIDE};
    }

    /** Calls {@code visitor} with every block's settings, in forward order. */
    private void forEachBlock(BlockVisitor visitor) {
        int in = stem;
        int side = (SIDE - 1) / STEM_STRIDE + 1;
        for (int i = 0; i < stages.size(); i++) {
            Stage s = stages.get(i);
            int out = channels(i);
            for (int b = 0; b < s.blocks(); b++) {
                int stride = b == 0 ? STRIDES[i] : 1;
                visitor.block(in, out, s.expansion(), s.kernel(), stride, side);
                side = (side - 1) / stride + 1;
                in = out;
            }
        }
    }

    private interface BlockVisitor {
        void block(int in, int out, int expansion, int kernel, int stride, int side);
    }

    private int lastChannels() {
        return channels(stages.size() - 1);
    }

    @Override
    public Module build(Rng rng) {
        List<Module> layers = new ArrayList<>(List.of(
                new Conv2d(1, stem, 3, STEM_STRIDE, 1, 1, 1, false, rng), new BatchNorm2d(stem), new ReLU()));
        forEachBlock((in, out, t, k, stride, side) -> layers.add(new InvertedResidual(in, out, t, k, stride, rng)));
        layers.add(new GlobalAvgPool2d());
        layers.add(new Flatten());
        layers.add(new Linear(lastChannels(), CLASSES, rng));
        return new Sequential(layers.toArray(new Module[0]));
    }

    @Override
    public long parameters() {
        long[] n = {9L * stem + 2L * stem};
        forEachBlock((in, out, t, k, stride, side) -> {
            long hidden = (long) in * t;
            if (t != 1) {
                n[0] += in * hidden + 2 * hidden;
            }
            n[0] += hidden * k * k + 2 * hidden;
            n[0] += hidden * out + 2L * out;
        });
        n[0] += (long) lastChannels() * CLASSES + CLASSES;
        return n[0];
    }

    @Override
    public long multiplyAdds() {
        long stemSide = (SIDE - 1) / STEM_STRIDE + 1;
        long[] n = {stemSide * stemSide * 9 * stem};
        forEachBlock((in, out, t, k, stride, side) -> {
            long hidden = (long) in * t;
            long outSide = (side - 1) / stride + 1;
            if (t != 1) {
                n[0] += (long) side * side * in * hidden;
            }
            n[0] += outSide * outSide * hidden * k * k;
            n[0] += outSide * outSide * hidden * out;
        });
        n[0] += (long) lastChannels() * CLASSES;
        return n[0];
    }

    /**
     * The bytes of {@link #build}'s float32 state dict: 4 per parameter and per buffer element
     * (each BatchNorm's running mean and variance, C each, and its batch counter, 1).
     */
    public long stateBytes() {
        long[] bn = {2L * stem + 1};
        forEachBlock((in, out, t, k, stride, side) -> {
            long hidden = (long) in * t;
            bn[0] += (t != 1 ? 2 * hidden + 1 : 0) + 2 * hidden + 1 + 2L * out + 1;
        });
        return 4 * (parameters() + bn[0]);
    }

    @Override
    public List<LatencyUnit> latencyUnits() {
        List<LatencyUnit> units = new ArrayList<>();
        units.add(new ModuleUnit("stem:c1-" + stem + ":h" + SIDE + ":k3:s" + STEM_STRIDE, new int[] {1, SIDE, SIDE},
                rng -> new Sequential(new Conv2d(1, stem, 3, STEM_STRIDE, 1, 1, 1, false, rng), new BatchNorm2d(stem),
                        new ReLU())));
        forEachBlock((in, out, t, k, stride, side) -> units.add(new ModuleUnit(
                "ir:c" + in + "-" + out + ":h" + side + ":k" + k + ":s" + stride + ":e" + t, new int[] {in, side, side},
                rng -> new InvertedResidual(in, out, t, k, stride, rng))));
        int c = lastChannels();
        int side = (SIDE - 1) / STEM_STRIDE + 1;
        for (int stride : STRIDES) {
            side = (side - 1) / stride + 1;
        }
        units.add(new ModuleUnit("head:c" + c + ":h" + side + ":n" + CLASSES, new int[] {c, side, side},
                rng -> new Sequential(new GlobalAvgPool2d(), new Flatten(), new Linear(c, CLASSES, rng))));
        return units;
    }

    @Override
    public String toString() {
        return encode();
    }
}
