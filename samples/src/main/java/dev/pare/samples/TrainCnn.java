package dev.pare.samples;

import dev.pare.nn.Module;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.datasets.FashionMnist;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.optim.LrSchedule;
import dev.pare.nn.optim.LrScheduler;
import dev.pare.nn.optim.SGD;
import dev.pare.nn.train.FitResult;
import dev.pare.nn.train.SchedulerInterval;
import dev.pare.nn.train.Trainer;
import dev.pare.tensor.Rng;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Trains a convolutional network on Fashion-MNIST and saves it: the small two-block CNN, or its
 * MobileNet-style variant built from depthwise-separable convolutions.
 *
 * <pre>
 * ./pare train-cnn                        # small CNN, 8 epochs, about 92% test accuracy
 * ./pare train-cnn --arch mobilenet
 * </pre>
 */
@Command(name = "train-cnn", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a CNN on Fashion-MNIST (SGD with Nesterov momentum, cosine learning rate) "
                + "and save its weights as safetensors.")
public final class TrainCnn implements Callable<Integer> {
    /** The architectures this sample can train. */
    public enum Arch { small, mobilenet }

    @Option(names = "--arch", paramLabel = "ARCH",
            description = "small (two conv blocks) or mobilenet (depthwise-separable blocks); default: ${DEFAULT-VALUE}.")
    Arch arch = Arch.small;

    @Mixin
    TrainingOptions options;

    @Mixin
    CheckpointOptions checkpoints;

    public static void main(String[] args) {
        System.exit(new CommandLine(new TrainCnn()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        options.applyThreads();
        String name = arch == Arch.small ? "cnn" : "mobilenet";
        checkpoints.validate(name);
        FashionMnist data = SampleSupport.loadData(options);

        DataLoader train = DataLoader.builder(data.train(true)).batchSize(options.batchSize)
                .shuffle(options.seed).build();
        DataLoader test = DataLoader.builder(data.test(true)).batchSize(500).build();

        Rng rng = new Rng(options.seed);
        Module model = arch == Arch.small ? FashionModels.smallCnn(rng) : FashionModels.mobileNet(rng);
        int epochs = options.epochsOr(8);
        SGD sgd = new SGD(model.parameters(), options.learningRateOr(0.05), 0.9, 0, true, 5e-4);
        LrScheduler schedule = new LrScheduler(sgd, LrSchedule.cosine(epochs * train.numBatches(), 0));

        Trainer trainer = checkpoints.configure(Trainer.builder(model, new CrossEntropyLoss(), sgd), name, options,
                        "arch", arch.name())
                .epochs(epochs)
                .scheduler(schedule, SchedulerInterval.BATCH)
                .progress(options.progress)
                .build();
        FitResult result = checkpoints.run(trainer, name, train, test);

        SampleSupport.report(name, model, result, data, options, name + ".safetensors");
        return 0;
    }
}
