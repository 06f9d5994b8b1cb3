package dev.pare.samples;

import dev.pare.nn.data.AugmentedDataset;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.data.ImageTransform;
import dev.pare.nn.data.RandomHorizontalFlip;
import dev.pare.nn.data.RandomShift;
import dev.pare.nn.data.TensorDataset;
import dev.pare.nn.datasets.FashionMnist;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.loss.Reduction;
import dev.pare.nn.optim.AdamWGroups;
import dev.pare.nn.optim.LrSchedule;
import dev.pare.nn.optim.LrScheduler;
import dev.pare.nn.train.FitResult;
import dev.pare.nn.train.LabeledBatch;
import dev.pare.nn.train.SchedulerInterval;
import dev.pare.nn.train.Trainer;
import dev.pare.nn.attention.ViTConfig;
import dev.pare.nn.attention.VisionTransformer;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Trains a Vision Transformer on Fashion-MNIST and saves it: AdamW without decay on biases, norms,
 * positions and the class token; a linear warm-up then a cosine decay, per step; label smoothing;
 * seeded random shifts and flips.
 *
 * <pre>
 * ./pare train-vit                                   # 7×7 patches, d = 64, 6 layers, 4 heads
 * ./pare train-vit --patch 4 --dim 96 --epochs 20    # 49 tokens: slower, more accurate
 * ./pare train-vit --subset --epochs 1 --depth 2     # a quick look
 * </pre>
 */
@Command(name = "train-vit", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a Vision Transformer on Fashion-MNIST (AdamW, warm-up then cosine learning rate, label "
                + "smoothing, shift/flip augmentation) and save its weights as safetensors.")
public final class TrainVit implements Callable<Integer> {
    /** How the head reads the sequence. */
    public enum Pool { cls, mean }

    @Option(names = "--patch", paramLabel = "P", description = "Patch side in pixels, 4 or 7 (or any divisor of 28; "
            + "default: ${DEFAULT-VALUE}, 16 tokens).")
    int patch = 7;

    @Option(names = "--dim", paramLabel = "D", description = "Token width (default: ${DEFAULT-VALUE}).")
    int dim = 64;

    @Option(names = "--depth", paramLabel = "L", description = "Encoder layers (default: ${DEFAULT-VALUE}).")
    int depth = 6;

    @Option(names = "--heads", paramLabel = "H", description = "Attention heads; must divide --dim (default: ${DEFAULT-VALUE}).")
    int heads = 4;

    @Option(names = "--mlp-ratio", paramLabel = "R", description = "Feed-forward width as a multiple of --dim (default: ${DEFAULT-VALUE}).")
    int mlpRatio = 2;

    @Option(names = "--pool", paramLabel = "MODE", description = "cls (a class token) or mean (the mean of the patch "
            + "tokens); default: ${DEFAULT-VALUE}.")
    Pool pool = Pool.cls;

    @Option(names = "--dropout", paramLabel = "P", description = "Dropout in the encoder layers (default: ${DEFAULT-VALUE}).")
    double dropout = 0.0;

    @Option(names = "--weight-decay", paramLabel = "L", description = "AdamW's decoupled weight decay, on weight matrices "
            + "only (default: ${DEFAULT-VALUE}).")
    double weightDecay = 0.05;

    @Option(names = "--warmup", paramLabel = "STEPS", description = "Steps of linear learning-rate warm-up before the "
            + "cosine decay (default: one epoch or a tenth of the run, whichever is shorter; 0: none).")
    int warmup = -1;

    @Option(names = "--label-smoothing", paramLabel = "E", description = "Share of the target spread over all classes "
            + "(default: ${DEFAULT-VALUE}).")
    float labelSmoothing = 0.1f;

    @Option(names = "--augment", paramLabel = "T", split = ",", description = "Seeded augmentation of each epoch: shift "
            + "(up to 2 pixels each way), flip (horizontal, half the images), or none (default: shift,flip).")
    List<String> augment = new ArrayList<>(List.of("shift", "flip"));

    @Mixin
    TrainingOptions options;

    @Mixin
    CheckpointOptions checkpoints;

    public static void main(String[] args) {
        System.exit(new CommandLine(new TrainVit()).execute(args));
    }

    /** The model these options describe (checked before any data is read). */
    ViTConfig config() {
        return ViTConfig.fashion(patch, dim, depth, heads).withMlpRatio(mlpRatio).withDropout(dropout)
                .withPooling(pool == Pool.cls ? ViTConfig.Pooling.CLASS_TOKEN : ViTConfig.Pooling.MEAN);
    }

    @Override
    public Integer call() throws Exception {
        options.applyThreads();
        ViTConfig cfg = config();
        List<ImageTransform> transforms = transforms(augment);
        new CrossEntropyLoss(Reduction.MEAN, labelSmoothing);   // a bad --label-smoothing fails here, not after the data
        if (warmup < -1) {
            throw new IllegalArgumentException("--warmup must be >= 0 steps, got " + warmup);
        }
        if (weightDecay < 0 || !Double.isFinite(weightDecay)) {
            throw new IllegalArgumentException("--weight-decay must be finite and >= 0, got " + weightDecay);
        }
        String name = "vit";
        checkpoints.validate(name);
        FashionMnist data = SampleSupport.loadData(options);

        TensorDataset trainSet = data.train(true);
        int epochs = options.epochsOr(10);
        Iterable<? extends LabeledBatch> train = transforms.isEmpty()
                ? DataLoader.builder(trainSet).batchSize(options.batchSize).shuffle(options.seed).build()
                // One augmented view per epoch, each a function of (seed, epoch, index) alone.
                : new EpochViews(new AugmentedDataset(trainSet, transforms, options.seed, 0), epochs, options.batchSize,
                        options.seed, null);
        int batchesPerEpoch = (trainSet.size() + options.batchSize - 1) / options.batchSize;
        DataLoader test = DataLoader.builder(data.test(true)).batchSize(500).build();

        VisionTransformer model = FashionModels.vit(new Rng(options.seed), cfg);
        AdamWGroups adamw = optimizer(model, options.learningRateOr(1e-3), weightDecay);
        int total = epochs * batchesPerEpoch;
        int warm = warmup >= 0 ? warmup : Math.max(1, Math.min(batchesPerEpoch, total / 10));
        LrScheduler schedule = new LrScheduler(adamw, schedule(warm, total));
        System.out.printf(Locale.ROOT, "ViT: %dx%d patches, %d tokens of width %d (%s), %d layers of %d heads, "
                        + "feed-forward %d; %,d parameters%n",
                cfg.patchSize(), cfg.patchSize(), cfg.sequenceLength(), cfg.dim(),
                pool == Pool.cls ? "class token" : "mean pooling", cfg.depth(), cfg.heads(), cfg.mlpDim(),
                model.numParameters());
        System.out.printf(Locale.ROOT, "AdamW lr %s, weight decay %s on %d of %d tensors; warm-up %d of %d steps; "
                        + "label smoothing %s; augmentation %s%n", options.learningRateOr(1e-3), weightDecay,
                adamw.numDecayed(), adamw.parameters().size(), Math.min(warm, total), total, labelSmoothing,
                transforms.isEmpty() ? "none" : transforms);

        Trainer trainer = checkpoints.configure(
                        Trainer.builder(model, new CrossEntropyLoss(Reduction.MEAN, labelSmoothing), adamw), name, options,
                        "vit", cfg.toString(), "weight_decay", Double.toString(weightDecay), "warmup",
                        Integer.toString(warm), "label_smoothing", Float.toString(labelSmoothing), "augment",
                        transforms.toString())
                .epochs(epochs)
                .scheduler(schedule, SchedulerInterval.BATCH)
                .progress(options.progress)
                .build();
        FitResult result = checkpoints.run(trainer, name, train, test);

        SampleSupport.report(name, model, result, data, options, name + ".safetensors", FashionModels.vitMetadata(cfg));
        return 0;
    }

    /**
     * AdamW in two groups: the weight matrices (and the patch filters) decayed by λ; every 1-D
     * tensor (biases, LayerNorm γ and β), the position table and the class token not. Why: decay
     * pulls towards 0, which regularises a weight matrix's norm but is no neutral value for the
     * others. A LayerNorm γ or a bias decayed towards 0 changes what the layer computes, and the
     * positions and the class token are embeddings whose every row is read at every step, so
     * decay would only shrink the signal they add. BERT, ViT and timm exempt the same tensors.
     */
    public static AdamWGroups optimizer(VisionTransformer model, double learningRate, double weightDecay) {
        List<Tensor> decayed = new ArrayList<>();
        List<Tensor> notDecayed = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : model.namedParameters().entrySet()) {
            (decays(e.getKey(), e.getValue()) ? decayed : notDecayed).add(e.getValue());
        }
        return new AdamWGroups(decayed, notDecayed, learningRate, 0.9, 0.999, 1e-8, weightDecay);
    }

    /** Whether parameter {@code name} of a ViT is decayed: matrices and filters, not 1-D tensors, positions or the class token. */
    static boolean decays(String name, Tensor p) {
        return p.dim() >= 2 && !name.startsWith("pos_embed.") && !name.startsWith("cls_token.");
    }

    /**
     * A linear warm-up over {@code warm} steps from lr/warm to lr, then a cosine decay to 0 at
     * step {@code total}. Why warm up: Adam divides by √v, its running second moment, which after
     * a few steps rests on a handful of gradients and is a poor estimate; with a full learning rate
     * those first steps are large and badly aimed. In a transformer they hit where it is
     * fragile (the attention logits, and in post-norm stacks the residual sum each LayerNorm
     * rescales), and a run can diverge or stall early. Starting small lets v settle first.
     */
    public static LrSchedule schedule(int warm, int total) {
        if (warm <= 0) {
            return LrSchedule.cosine(total, 0);
        }
        if (warm >= total) {
            return LrSchedule.linearWarmup(1.0 / warm, warm);
        }
        return LrSchedule.linearWarmup(1.0 / warm, warm).then(warm, LrSchedule.cosine(total - warm, 0));
    }

    /** The transforms --augment names, in order. */
    static List<ImageTransform> transforms(List<String> names) {
        List<ImageTransform> out = new ArrayList<>();
        for (String a : names) {
            switch (a.trim()) {
                // The background after normalisation: a black pixel is (0 − MEAN) / STD, not 0.
                case "shift" -> out.add(new RandomShift(2, -FashionMnist.MEAN / FashionMnist.STD));
                case "flip" -> out.add(new RandomHorizontalFlip());
                case "none" -> { }
                default -> throw new IllegalArgumentException("--augment: unknown transform '" + a
                        + "'; expected shift, flip or none");
            }
        }
        return out;
    }
}
