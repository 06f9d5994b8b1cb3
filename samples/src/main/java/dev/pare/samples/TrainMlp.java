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

/**
 * Trains the multi-layer perceptron 784-256-128-10 on Fashion-MNIST and saves it.
 *
 * <pre>
 * ./pare train-mlp                       # 10 epochs, about 89% test accuracy
 * ./pare train-mlp --epochs 2 --threads 1 --out /tmp/mlp.safetensors
 * </pre>
 */
@Command(name = "train-mlp", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train the MLP 784-256-128-10 on Fashion-MNIST (SGD with Nesterov momentum, "
                + "cosine learning rate) and save its weights as safetensors.")
public final class TrainMlp implements Callable<Integer> {
    @Mixin
    TrainingOptions options;

    @Mixin
    CheckpointOptions checkpoints;

    public static void main(String[] args) {
        System.exit(new CommandLine(new TrainMlp()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        options.applyThreads();
        checkpoints.validate("mlp");
        FashionMnist data = SampleSupport.loadData(options);

        // Inputs normalised with the training set's mean and std; a fresh shuffle every epoch.
        DataLoader train = DataLoader.builder(data.train(true)).batchSize(options.batchSize)
                .shuffle(options.seed).build();
        DataLoader test = DataLoader.builder(data.test(true)).batchSize(1000).build();

        Module model = FashionModels.mlp(new Rng(options.seed));
        int epochs = options.epochsOr(10);
        SGD sgd = new SGD(model.parameters(), options.learningRateOr(0.05), 0.9, 0, true, 5e-4);
        // The learning rate follows half a cosine from its peak to 0 over the whole run, per step.
        LrScheduler schedule = new LrScheduler(sgd, LrSchedule.cosine(epochs * train.numBatches(), 0));

        Trainer trainer = checkpoints.configure(Trainer.builder(model, new CrossEntropyLoss(), sgd), "mlp", options)
                .epochs(epochs)
                .scheduler(schedule, SchedulerInterval.BATCH)
                .progress(options.progress)
                .build();
        FitResult result = checkpoints.run(trainer, "mlp", train, test);

        SampleSupport.report("mlp", model, result, data, options, "mlp.safetensors");
        return 0;
    }
}
