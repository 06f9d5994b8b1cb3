package dev.pare.compress.search.latency;

import dev.pare.compress.search.Architecture;
import dev.pare.compress.search.LatencyUnit;
import dev.pare.nn.BatchNorm2d;
import dev.pare.nn.Conv2d;
import dev.pare.nn.Flatten;
import dev.pare.nn.GlobalAvgPool2d;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.tensor.Rng;
import java.util.ArrayList;
import java.util.List;

/**
 * A fixed, seeded sample of small architectures on Fashion-MNIST-sized inputs, independent of any
 * search space, for checking a latency table's predictions against measurements
 * ({@link CorrelationCheck}): multi-layer perceptrons, and convolution stacks of plain and
 * depthwise-separable blocks like the MobileNet that {@code ./pare train-cnn --arch mobilenet}
 * trains.
 *
 * <p>Each layer with its BatchNorm and ReLU is one {@link LatencyUnit}, as in FBNet, so that a
 * prediction is the sum over the layers a reader would list.
 */
public final class ProbeArchitectures {
    private static final int CLASSES = 10;
    private static final int[] MLP_WIDTHS = {32, 64, 128, 256, 512, 1024};
    private static final int[] CONV_WIDTHS = {8, 16, 24, 32, 48, 64};

    private ProbeArchitectures() {}

    /**
     * {@code count} architectures drawn from {@code seed}: every third one an MLP, the others
     * convolution stacks. The same seed and count give the same list.
     */
    public static List<Architecture> sample(long seed, int count) {
        if (count < 0) {
            throw new IllegalArgumentException("ProbeArchitectures.sample: count " + count + " < 0");
        }
        Rng rng = new Rng(seed);
        List<Architecture> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(i % 3 == 0 ? randomMlp(rng) : randomConv(rng));
        }
        return out;
    }

    /**
     * The hand-designed MobileNet of the samples ({@code FashionModels.mobileNet},
     * {@code ./pare train-cnn --arch mobilenet}) as a latency table sees it,
     * {@code cnn:stem16-sep32k3s2-sep64k3s2-sep128k3s1}: a 3×3 stem (1 → 16) at 28×28, separable
     * blocks to 32 (stride 2), 64 (stride 2) and 128 channels, global average pooling and a
     * Linear classifier; 786,848 multiply-adds. The search predicts its latency with the same
     * table and the same sum as every candidate, so that {@code --max-latency mobilenet} compares
     * like with like. One difference: the samples' stem convolution has a bias (16 more
     * parameters, one addition per output value), which this twin leaves out like every other
     * convolution followed by BatchNorm.
     */
    public static Architecture mobileNet() {
        return new ConvStack(16, List.of(new Block(true, 32, 3, 2), new Block(true, 64, 3, 2),
                new Block(true, 128, 3, 1)));
    }

    private static Mlp randomMlp(Rng rng) {
        int depth = 1 + rng.nextInt(3);
        int[] hidden = new int[depth];
        for (int i = 0; i < depth; i++) {
            hidden[i] = MLP_WIDTHS[rng.nextInt(MLP_WIDTHS.length)];
        }
        return new Mlp(hidden);
    }

    private static ConvStack randomConv(Rng rng) {
        int stem = CONV_WIDTHS[rng.nextInt(3)];
        int blocks = 2 + rng.nextInt(3);
        List<Block> list = new ArrayList<>();
        int widthIndex = 0;
        int strides = 0;
        for (int i = 0; i < blocks; i++) {
            widthIndex = Math.min(CONV_WIDTHS.length - 1, widthIndex + rng.nextInt(3));
            // At most two stride-2 blocks: 28 → 14 → 7, as Pare's hand-made CNNs do.
            int stride = strides < 2 && rng.nextInt(2) == 0 ? 2 : 1;
            strides += stride == 2 ? 1 : 0;
            list.add(new Block(rng.nextInt(2) == 0, CONV_WIDTHS[widthIndex], rng.nextInt(2) == 0 ? 3 : 5, stride));
        }
        return new ConvStack(stem, list);
    }

    // ---- MLP -------------------------------------------------------------------------------

    /** Flattened 28×28 images through {@code hidden.length} Linear+ReLU layers and a Linear classifier. */
    record Mlp(int[] hidden) implements Architecture {
        @Override
        public String encode() {
            StringBuilder s = new StringBuilder("mlp:784");
            for (int h : hidden) {
                s.append('-').append(h);
            }
            return s.append('-').append(CLASSES).toString();
        }

        @Override
        public int[] inputShape() {
            return new int[] {784};
        }

        @Override
        public Module build(Rng rng) {
            Sequential s = new Sequential();
            for (LatencyUnit u : latencyUnits()) {
                s.add(u.build(rng));
            }
            return s;
        }

        @Override
        public long parameters() {
            long p = 0;
            int in = 784;
            for (int h : hidden) {
                p += (long) in * h + h;
                in = h;
            }
            return p + (long) in * CLASSES + CLASSES;
        }

        @Override
        public long multiplyAdds() {
            long m = 0;
            int in = 784;
            for (int h : hidden) {
                m += (long) in * h;
                in = h;
            }
            return m + (long) in * CLASSES;
        }

        @Override
        public List<LatencyUnit> latencyUnits() {
            List<LatencyUnit> units = new ArrayList<>();
            int in = 784;
            for (int h : hidden) {
                units.add(new Fc(in, h, true));
                in = h;
            }
            units.add(new Fc(in, CLASSES, false));
            return units;
        }
    }

    /** A Linear layer, with a ReLU after it or not. */
    record Fc(int in, int out, boolean relu) implements LatencyUnit {
        @Override
        public String signature() {
            return "fc:" + in + "-" + out + (relu ? ":relu" : "");
        }

        @Override
        public int[] inputShape() {
            return new int[] {in};
        }

        @Override
        public Module build(Rng rng) {
            return relu ? new Sequential(new Linear(in, out, rng), new ReLU()) : new Sequential(new Linear(in, out, rng));
        }
    }

    // ---- Convolution stacks ------------------------------------------------------------------

    /**
     * One block: a k×k convolution to {@code out} channels, or (separable) a k×k depthwise
     * convolution followed by a 1×1 pointwise one; each convolution followed by BatchNorm and ReLU.
     */
    record Block(boolean separable, int out, int kernel, int stride) {}

    /** A 3×3 stem on the 1×28×28 image, the blocks, then global average pooling and a Linear classifier. */
    record ConvStack(int stem, List<Block> blocks) implements Architecture {
        ConvStack {
            blocks = List.copyOf(blocks);
        }

        @Override
        public String encode() {
            StringBuilder s = new StringBuilder("cnn:stem").append(stem);
            for (Block b : blocks) {
                s.append(b.separable() ? "-sep" : "-conv").append(b.out()).append('k').append(b.kernel())
                        .append('s').append(b.stride());
            }
            return s.toString();
        }

        @Override
        public int[] inputShape() {
            return new int[] {1, 28, 28};
        }

        @Override
        public Module build(Rng rng) {
            Sequential s = new Sequential();
            for (LatencyUnit u : latencyUnits()) {
                s.add(u.build(rng));
            }
            return s;
        }

        @Override
        public long parameters() {
            long p = 0;
            for (LatencyUnit u : latencyUnits()) {
                p += ((Costed) u).parameters();
            }
            return p;
        }

        @Override
        public long multiplyAdds() {
            long m = 0;
            for (LatencyUnit u : latencyUnits()) {
                m += ((Costed) u).multiplyAdds();
            }
            return m;
        }

        @Override
        public List<LatencyUnit> latencyUnits() {
            List<LatencyUnit> units = new ArrayList<>();
            units.add(new ConvUnit(false, 1, stem, 28, 3, 1));
            int c = stem;
            int h = 28;
            for (Block b : blocks) {
                ConvUnit u = new ConvUnit(b.separable(), c, b.out(), h, b.kernel(), b.stride());
                units.add(u);
                c = b.out();
                h = u.outSize();
            }
            units.add(new Head(c, h));
            return units;
        }
    }

    /** A unit whose exact cost is known without building it. */
    interface Costed {
        long parameters();

        long multiplyAdds();
    }

    /**
     * A k×k convolution (padding k/2, no bias since BatchNorm follows) with BatchNorm and ReLU;
     * separable: a depthwise k×k convolution, BatchNorm, ReLU, then a 1×1 convolution, BatchNorm,
     * ReLU.
     */
    record ConvUnit(boolean separable, int in, int out, int size, int kernel, int stride)
            implements LatencyUnit, Costed {
        int outSize() {
            return (size + 2 * (kernel / 2) - kernel) / stride + 1;
        }

        @Override
        public String signature() {
            return (separable ? "sep" : "conv") + ":c" + in + "-" + out + ":h" + size + ":k" + kernel + ":s" + stride;
        }

        @Override
        public int[] inputShape() {
            return new int[] {in, size, size};
        }

        @Override
        public Module build(Rng rng) {
            int pad = kernel / 2;
            if (!separable) {
                return new Sequential(new Conv2d(in, out, kernel, stride, pad, 1, 1, false, rng), new BatchNorm2d(out),
                        new ReLU());
            }
            return new Sequential(new Conv2d(in, in, kernel, stride, pad, 1, in, false, rng), new BatchNorm2d(in),
                    new ReLU(), new Conv2d(in, out, 1, 1, 0, 1, 1, false, rng), new BatchNorm2d(out), new ReLU());
        }

        @Override
        public long parameters() {
            // BatchNorm's γ and β are parameters; its running mean and variance are buffers.
            return separable ? (long) in * kernel * kernel + 2L * in + (long) in * out + 2L * out
                    : (long) in * out * kernel * kernel + 2L * out;
        }

        @Override
        public long multiplyAdds() {
            long pixels = (long) outSize() * outSize();
            return separable ? pixels * in * kernel * kernel + pixels * in * out : pixels * in * out * kernel * kernel;
        }
    }

    /** Global average pooling over the last feature map, flattening and a Linear classifier. */
    record Head(int channels, int size) implements LatencyUnit, Costed {
        @Override
        public String signature() {
            return "head:c" + channels + ":h" + size + ":n" + CLASSES;
        }

        @Override
        public int[] inputShape() {
            return new int[] {channels, size, size};
        }

        @Override
        public Module build(Rng rng) {
            return new Sequential(new GlobalAvgPool2d(), new Flatten(), new Linear(channels, CLASSES, rng));
        }

        @Override
        public long parameters() {
            return (long) channels * CLASSES + CLASSES;
        }

        @Override
        public long multiplyAdds() {
            return (long) channels * CLASSES;
        }
    }
}
