package dev.pare.nn.train;

import dev.pare.nn.Dropout;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.data.TensorDataset;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.optim.LrSchedule;
import dev.pare.nn.optim.LrScheduler;
import dev.pare.nn.optim.SGD;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.nio.file.Path;

/**
 * The training run that {@link KillResumeTest} starts in child JVMs: a small MLP with dropout,
 * a shuffling, prefetching loader over seeded synthetic data, SGD with Nesterov momentum and a
 * per-batch cosine schedule; 3 epochs of 30 batches.
 *
 * <pre>
 * KillResumeChild plain   CKPT OUT   # uninterrupted, no checkpoints
 * KillResumeChild killed  CKPT OUT   # checkpoints every 10 steps, 15 ms pause per batch (to be killed)
 * KillResumeChild resume  CKPT OUT   # continues from CKPT
 * </pre>
 * It prints {@code checkpoint <position>} after every save, {@code resumed from <position>},
 * and {@code done} once the final weights are in OUT.
 */
public final class KillResumeChild {
    private KillResumeChild() {}

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Path checkpoint = Path.of(args[1]);
        Path out = Path.of(args[2]);
        Parallel.setThreads(1); // the same thread count in every child

        Rng data = new Rng(21);
        int n = 480;
        Tensor x = Tensor.randn(data, n, 20);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 4;
            x.set(x.get(i, y[i]) + 1.5f, i, y[i]);
        }
        DataLoader train = DataLoader.builder(new TensorDataset(x, y)).batchSize(16).shuffle(7).prefetch(true).build();

        Rng init = new Rng(22);
        Module model = new Sequential(new Linear(20, 32, init), new ReLU(), new Dropout(0.2, 23), new Linear(32, 4, init));
        SGD sgd = new SGD(model.parameters(), 0.05, 0.9, 0, true, 5e-4);
        LrScheduler schedule = new LrScheduler(sgd, LrSchedule.cosine(3 * train.numBatches(), 0));
        CrossEntropyLoss ce = new CrossEntropyLoss();
        boolean slow = mode.equals("killed");
        Trainer.Builder b = Trainer.builderWithBatchLoss(model, (logits, batch) -> {
            if (slow) {
                try {
                    Thread.sleep(15); // time for the parent's kill to land in the middle of the run
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return ce.apply(logits, batch.labels());
        }, sgd).epochs(3).scheduler(schedule, SchedulerInterval.BATCH).progress(ProgressMode.NONE).runInfo("seed", "21");
        if (!mode.equals("plain")) {
            b.checkpoint(checkpoint, CheckpointInterval.steps(10)).onCheckpoint(c -> {
                System.out.println("checkpoint " + c.position());
                System.out.flush();
            });
        }
        Trainer trainer = b.build();
        if (mode.equals("resume")) {
            TrainingCheckpoint c = TrainingCheckpoint.read(checkpoint);
            System.out.println("resumed from " + c.position());
            trainer.resume(c, train, null);
        } else {
            trainer.fit(train);
        }
        train.close();
        SafeTensors.save(out, model.stateDict());
        System.out.println("done");
    }
}
