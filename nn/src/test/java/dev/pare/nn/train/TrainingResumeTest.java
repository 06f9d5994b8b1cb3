package dev.pare.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.BatchNorm1d;
import dev.pare.nn.Dropout;
import dev.pare.nn.Flatten;
import dev.pare.nn.Model;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.nn.data.AugmentedDataset;
import dev.pare.nn.data.Batch;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.data.RandomHorizontalFlip;
import dev.pare.nn.data.RandomShift;
import dev.pare.nn.data.TensorDataset;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.optim.Adam;
import dev.pare.nn.optim.AdamW;
import dev.pare.nn.optim.LrSchedule;
import dev.pare.nn.optim.LrScheduler;
import dev.pare.nn.optim.Optimizer;
import dev.pare.nn.optim.SGD;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A run resumed from a {@link TrainingCheckpoint} ends bit for bit where the uninterrupted run
 * ends. The oracle is the uninterrupted run itself: the same code without the stop, whose
 * result does not depend on checkpoints (checked too: saving must not disturb the run).
 *
 * <p>Every source of state is in play: momentum buffers or Adam's moments and step counts, a
 * learning-rate schedule stepped per batch or per epoch, gradient clipping, dropout masks, batch
 * norm's running statistics, a shuffled loader and a random augmentation that changes every epoch.
 */
class TrainingResumeTest {
    @TempDir
    Path dir;

    /** 60 images [1, 4, 4] of 3 classes; 8 batches of 8 per epoch, the last one of 4. */
    private static TensorDataset images() {
        Rng r = new Rng(11);
        int n = 60;
        Tensor x = Tensor.randn(r, n, 1, 4, 4);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3;
            x.set(x.get(i, 0, y[i], y[i]) + 2f, i, 0, y[i], y[i]);
        }
        return new TensorDataset(x, y);
    }

    /**
     * Epoch e reads augmented view e of the images, shuffled in the order of pass e: what the
     * samples' augmented runs do, reduced to its bones.
     */
    static final class AugmentedEpochs implements Iterable<Batch>, ResumableBatches, SizedBatches {
        private final AugmentedDataset first = new AugmentedDataset(images(),
                List.of(new RandomShift(1, 0f), new RandomHorizontalFlip()), 5, 0);
        private int next;

        private DataLoader loader(int pass) {
            return DataLoader.builder(first.forEpoch(pass)).batchSize(8).shuffle(6).build();
        }

        @Override
        public Iterator<Batch> iterator() {
            int pass = next++;
            return loader(pass).epoch(pass).iterator();
        }

        @Override
        public int nextPass() {
            return next;
        }

        @Override
        public Iterator<Batch> resume(int pass, int batch) {
            next = pass + 1;
            return loader(pass).resume(pass, batch);
        }

        @Override
        public int numBatches() {
            return 8;
        }
    }

    enum Recipe { SGD_NESTEROV_PER_BATCH_COSINE, ADAM_PER_EPOCH_DECAY_BATCHNORM, ADAMW_CLIPPED_WARMUP }

    /** A model, optimizer and trainer built from scratch, as a fresh process would. */
    private static final class Run {
        final Module model;
        final Optimizer optimizer;
        final Trainer.Builder builder;

        Run(Recipe recipe, long initSeed) {
            Rng rng = new Rng(initSeed);
            boolean bn = recipe == Recipe.ADAM_PER_EPOCH_DECAY_BATCHNORM;
            // The dropout seed is fixed: a resumed run gets its generator's state from the checkpoint.
            model = bn
                    ? new Sequential(new Flatten(), new Linear(16, 12, rng), new BatchNorm1d(12), new ReLU(),
                            new Dropout(0.25, 3), new Linear(12, 3, rng))
                    : new Sequential(new Flatten(), new Linear(16, 12, rng), new ReLU(), new Dropout(0.25, 3),
                            new Linear(12, 3, rng));
            LrScheduler scheduler;
            SchedulerInterval interval;
            switch (recipe) {
                case SGD_NESTEROV_PER_BATCH_COSINE:
                    optimizer = new SGD(model.parameters(), 0.1, 0.9, 0, true, 1e-3);
                    scheduler = new LrScheduler(optimizer, LrSchedule.cosine(3 * 8, 0));
                    interval = SchedulerInterval.BATCH;
                    break;
                case ADAM_PER_EPOCH_DECAY_BATCHNORM:
                    optimizer = new Adam(model.parameters(), 0.01);
                    scheduler = new LrScheduler(optimizer, LrSchedule.stepDecay(1, 0.5));
                    interval = SchedulerInterval.EPOCH;
                    break;
                default:
                    optimizer = new AdamW(model.parameters(), 0.02);
                    scheduler = new LrScheduler(optimizer, LrSchedule.linearWarmup(0.1, 5).then(5, LrSchedule.cosine(19, 0)));
                    interval = SchedulerInterval.BATCH;
            }
            builder = Trainer.builder(model, new CrossEntropyLoss(), optimizer).epochs(3)
                    .scheduler(scheduler, interval).progress(ProgressMode.NONE).runInfo("seed", "0");
            if (recipe == Recipe.ADAMW_CLIPPED_WARMUP) {
                builder.clipGradNorm(0.5);
            }
        }
    }

    private static List<Batch> testBatches() {
        List<Batch> out = new ArrayList<>();
        DataLoader.builder(images()).batchSize(30).build().forEach(out::add);
        return out;
    }

    private static void assertSameBits(Module expected, Module actual) {
        Map<String, Tensor> a = expected.stateDict();
        Map<String, Tensor> b = actual.stateDict();
        assertEquals(a.keySet(), b.keySet());
        for (String k : a.keySet()) {
            float[] x = a.get(k).toArray();
            float[] y = b.get(k).toArray();
            for (int i = 0; i < x.length; i++) {
                assertEquals(Float.floatToRawIntBits(x[i]), Float.floatToRawIntBits(y[i]),
                        () -> k + " differs after resuming");
            }
        }
    }

    private static void assertSameStats(FitResult expected, FitResult actual) {
        assertEquals(expected.epochs().size(), actual.epochs().size());
        for (int e = 0; e < expected.epochs().size(); e++) {
            EpochStats a = expected.epochs().get(e);
            EpochStats b = actual.epochs().get(e);
            assertEquals(a.epoch(), b.epoch());
            assertEquals(a.trainLoss(), b.trainLoss(), 0, "train loss of epoch " + a.epoch());
            assertEquals(a.trainAccuracy(), b.trainAccuracy(), 0, "train accuracy of epoch " + a.epoch());
            assertEquals(a.testLoss(), b.testLoss(), 0, "test loss of epoch " + a.epoch());
            assertEquals(a.learningRate(), b.learningRate(), 0, "learning rate of epoch " + a.epoch());
        }
        assertEquals(expected.finalEvaluation().loss(), actual.finalEvaluation().loss(), 0);
    }

    /**
     * Trains with a checkpoint every {@code interval}, keeps a copy of checkpoint number
     * {@code keep} (1-based), resumes a fresh run from that copy, and compares all three: the
     * plain run, the checkpointing run and the resumed run.
     */
    private TrainingCheckpoint resumeMatches(Recipe recipe, CheckpointInterval interval, int keep) throws IOException {
        Run plain = new Run(recipe, 1);
        FitResult expected = plain.builder.build().fit(new AugmentedEpochs(), testBatches());

        Path file = dir.resolve("run.safetensors");
        Path kept = dir.resolve("kept.safetensors");
        int[] saved = {0};
        Run saving = new Run(recipe, 1);
        FitResult withCheckpoints = saving.builder.checkpoint(file, interval).onCheckpoint(c -> {
            if (++saved[0] == keep) {
                try {
                    Files.copy(file, kept, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }
        }).build().fit(new AugmentedEpochs(), testBatches());
        assertSameBits(plain.model, saving.model);
        assertTrue(saved[0] >= keep, "only " + saved[0] + " checkpoints were saved");

        Run resumed = new Run(recipe, 99); // other initial weights: the checkpoint must replace them all
        TrainingCheckpoint checkpoint = TrainingCheckpoint.read(kept);
        FitResult actual = resumed.builder.build().resume(checkpoint, new AugmentedEpochs(), testBatches());
        assertSameBits(plain.model, resumed.model);
        assertSameStats(expected, actual);
        assertSameStats(expected, withCheckpoints);
        return checkpoint;
    }

    @ParameterizedTest
    @EnumSource(Recipe.class)
    void aRunResumedMidEpochEndsBitForBitAsTheUninterruptedOne(Recipe recipe) throws IOException {
        TrainingCheckpoint c = resumeMatches(recipe, CheckpointInterval.steps(5), 2); // after step 10: epoch 2, batch 2
        assertEquals(2, c.epoch());
        assertEquals(2, c.batch());
        assertEquals(10, c.step());
        assertEquals("epoch 2 of 3, after batch 2 of 8 (step 10)", c.position());
    }

    @ParameterizedTest
    @EnumSource(Recipe.class)
    void aRunResumedAtAnEpochBoundaryEndsBitForBitAsTheUninterruptedOne(Recipe recipe) throws IOException {
        TrainingCheckpoint c = resumeMatches(recipe, CheckpointInterval.epochs(1), 1);
        assertEquals(2, c.epoch());
        assertEquals(0, c.batch());
        assertEquals(1, c.history().size());
        assertEquals("the start of epoch 2 of 3 (step 8)", c.position());
    }

    @Test
    void aCheckpointAfterTheLastBatchOfAnEpochResumesWithItsEvaluation() throws IOException {
        TrainingCheckpoint c = resumeMatches(Recipe.SGD_NESTEROV_PER_BATCH_COSINE, CheckpointInterval.steps(8), 1);
        assertEquals(1, c.epoch());
        assertEquals(8, c.batch());
    }

    @Test
    void aCheckpointOfAFinishedRunResumesToItsFinalEvaluation() throws IOException {
        TrainingCheckpoint c = resumeMatches(Recipe.ADAMW_CLIPPED_WARMUP, CheckpointInterval.epochs(3), 1);
        assertEquals(4, c.epoch());
        assertEquals("the end of training (3 epochs, step 24)", c.position());
    }

    @Test
    void aPlainListOfBatchesResumesBySkippingTheBatchesDone() throws IOException {
        List<LabeledBatch> data = Blobs.gaussian(3, 40, 3, 0.8, 6);
        Path file = dir.resolve("list.safetensors");
        Path kept = dir.resolve("list-kept.safetensors");
        Linear a = new Linear(2, 3, new Rng(1));
        SGD sa = new SGD(a.parameters(), 0.05, 0.9);
        int[] n = {0};
        Trainer.builder(a, new CrossEntropyLoss(), sa).epochs(2).progress(ProgressMode.NONE)
                .checkpoint(file, CheckpointInterval.steps(3)).onCheckpoint(c -> {
                    if (++n[0] == 1) {
                        try {
                            Files.copy(file, kept);
                        } catch (IOException e) {
                            throw new AssertionError(e);
                        }
                    }
                }).build().fit(data);
        Linear b = new Linear(2, 3, new Rng(2));
        Trainer.builder(b, new CrossEntropyLoss(), new SGD(b.parameters(), 0.05, 0.9)).epochs(2)
                .progress(ProgressMode.NONE).build().resume(kept, data, null);
        assertSameBits(a, b);
    }

    @Test
    void aLambdaModelIsSavedThroughTheOptimizersParameters() throws IOException {
        Tensor w = Tensor.zeros(2, 3).requiresGrad(true);
        Model lambda = x -> x.matmul(w);
        Path file = dir.resolve("lambda.safetensors");
        Trainer.builder(lambda, new CrossEntropyLoss(), new Adam(List.of(w), 0.1)).progress(ProgressMode.NONE)
                .checkpoint(file, CheckpointInterval.epochs(1)).build().fit(Blobs.gaussian(4, 20, 3, 0.5, 5));
        TrainingCheckpoint c = TrainingCheckpoint.read(file);
        assertArrayEquals(w.toArray(), c.contents().entry("model.param.0").tensor().toArray());
        assertNotNull(c.contents().entries().get("optimizer.state.0.exp_avg"));
    }

    /**
     * The trap in {@link TrainingCheckpoint}'s Javadoc, made to happen: a weight of −0 and a
     * gradient of −0 in the second step. Uninterrupted, the gradient is added into the zeroed
     * tensor of the first step (+0 + −0 = +0) and the weight stays −0 − 0 = −0; a resumed run that
     * created the gradient afresh would keep −0 and turn the weight into −0 − (−0) = +0.
     */
    @Test
    void theSignOfAZeroGradientIsTheUninterruptedRunsToo() throws IOException {
        List<LabeledBatch> data = List.of(
                LabeledBatch.of(Tensor.fromArray(new float[] {0f}, 1, 1), Tensor.fromArray(0f)),
                LabeledBatch.of(Tensor.fromArray(new float[] {-0f}, 1, 1), Tensor.fromArray(0f)));
        Path file = dir.resolve("zero.safetensors");
        Path kept = dir.resolve("zero-kept.safetensors");
        float[] result = new float[2];
        for (int run = 0; run < 2; run++) {
            Tensor w = Tensor.fromArray(new float[] {-0f}, 1, 1).requiresGrad(true);
            Model model = x -> x.mul(w);
            Trainer.Builder b = Trainer.builderWithBatchLoss(model, (out, batch) -> out.sum(), new SGD(List.of(w), 0.5))
                    .progress(ProgressMode.NONE);
            if (run == 0) {
                int[] n = {0};
                b.checkpoint(file, CheckpointInterval.steps(1)).onCheckpoint(c -> {
                    if (++n[0] == 1) {
                        try {
                            Files.copy(file, kept);
                        } catch (IOException e) {
                            throw new AssertionError(e);
                        }
                    }
                }).build().fit(data);
            } else {
                b.build().resume(kept, data, null);
            }
            result[run] = w.item();
        }
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(result[0]), "uninterrupted");
        assertEquals(Float.floatToRawIntBits(result[0]), Float.floatToRawIntBits(result[1]), "resumed");
    }

    // ---------------------------------------------------------------- refusals

    private Path checkpointOf(Recipe recipe) throws IOException {
        Path file = dir.resolve(recipe + ".safetensors");
        new Run(recipe, 1).builder.checkpoint(file, CheckpointInterval.steps(3)).epochs(3).build()
                .fit(new AugmentedEpochs(), null);
        return file;
    }

    @Test
    void otherOptionsAreNamedAndNothingIsChanged() throws IOException {
        Path file = checkpointOf(Recipe.SGD_NESTEROV_PER_BATCH_COSINE);
        Run other = new Run(Recipe.SGD_NESTEROV_PER_BATCH_COSINE, 7);
        float[] before = other.model.stateDict().get("1.weight").toArray();
        Trainer t = other.builder.runInfo("seed", "1").epochs(4).build();
        var e = assertThrows(IllegalArgumentException.class, () -> t.resume(file, new AugmentedEpochs(), null));
        String m = e.getMessage();
        assertTrue(m.contains(file.toString()), m);
        assertTrue(m.contains("option seed: 0 in the saved run, 1 now"), m);
        assertTrue(m.contains("trainer setting epochs: 3 in the saved run, 4 now"), m);
        assertArrayEquals(before, other.model.stateDict().get("1.weight").toArray());
        assertEquals(0, other.optimizer.steps());
    }

    @Test
    void anotherOptimizerTypeIsNamed() throws IOException {
        Path file = checkpointOf(Recipe.ADAMW_CLIPPED_WARMUP);
        Run other = new Run(Recipe.ADAMW_CLIPPED_WARMUP, 1);
        // Same model and settings, but Adam where the run used AdamW.
        Optimizer adam = new Adam(other.model.parameters(), 0.02);
        Trainer t = Trainer.builder(other.model, new CrossEntropyLoss(), adam).epochs(3).clipGradNorm(0.5)
                .scheduler(new LrScheduler(adam, LrSchedule.linearWarmup(0.1, 5).then(5, LrSchedule.cosine(19, 0))),
                        SchedulerInterval.BATCH)
                .runInfo("seed", "0").progress(ProgressMode.NONE).build();
        var e = assertThrows(IllegalArgumentException.class, () -> t.resume(file, new AugmentedEpochs(), null));
        assertTrue(e.getMessage().contains("saved by AdamW, not Adam"), e.getMessage());
    }

    @Test
    void aMissingSchedulerIsNamed() throws IOException {
        Path file = checkpointOf(Recipe.ADAMW_CLIPPED_WARMUP);
        Run other = new Run(Recipe.ADAMW_CLIPPED_WARMUP, 1);
        Trainer t = Trainer.builder(other.model, new CrossEntropyLoss(), other.optimizer).epochs(3).clipGradNorm(0.5)
                .runInfo("seed", "0").progress(ProgressMode.NONE).build();
        var e = assertThrows(IllegalArgumentException.class, () -> t.resume(file, new AugmentedEpochs(), null));
        assertTrue(e.getMessage().contains("scheduler: the saved run had one, this trainer has none"), e.getMessage());
        assertTrue(e.getMessage().contains("trainer setting scheduler_interval: BATCH in the saved run, none now"),
                e.getMessage());
    }

    @Test
    void anotherModelShapeIsNamed() throws IOException {
        Path file = checkpointOf(Recipe.SGD_NESTEROV_PER_BATCH_COSINE);
        Rng rng = new Rng(1);
        Module wider = new Sequential(new Flatten(), new Linear(16, 13, rng), new ReLU(), new Dropout(0.25, 3),
                new Linear(13, 3, rng));
        SGD sgd = new SGD(wider.parameters(), 0.1, 0.9, 0, true, 1e-3);
        Trainer t = Trainer.builder(wider, new CrossEntropyLoss(), sgd).epochs(3)
                .scheduler(new LrScheduler(sgd, LrSchedule.cosine(24, 0)), SchedulerInterval.BATCH)
                .runInfo("seed", "0").progress(ProgressMode.NONE).build();
        var e = assertThrows(IllegalArgumentException.class, () -> t.resume(file, new AugmentedEpochs(), null));
        assertTrue(e.getMessage().contains("model: tensor '1.weight' is [12, 16] in the checkpoint, [13, 16] in the model"),
                e.getMessage());
    }

    @Test
    void aPlainWeightsFileIsNotATrainingCheckpoint() throws IOException {
        Path file = dir.resolve("weights.safetensors");
        SafeTensors.save(file, new Linear(2, 3, new Rng(0)).stateDict());
        var e = assertThrows(IllegalArgumentException.class, () -> TrainingCheckpoint.read(file));
        assertTrue(e.getMessage().contains("not a training checkpoint"), e.getMessage());
    }

    @Test
    void aCheckpointFileInAMissingDirectoryIsRefusedBeforeTraining() {
        Linear m = new Linear(2, 3, new Rng(1));
        SGD sgd = new SGD(m.parameters(), 0.1);
        Path file = dir.resolve("no-such-dir").resolve("c.safetensors");
        Trainer t = Trainer.builder(m, new CrossEntropyLoss(), sgd).progress(ProgressMode.NONE)
                .checkpoint(file, CheckpointInterval.steps(100)).build();
        var e = assertThrows(IllegalArgumentException.class, () -> t.fit(Blobs.gaussian(1, 12, 3, 0.5, 4)));
        assertTrue(e.getMessage().contains("no-such-dir") && e.getMessage().contains("not a directory"), e.getMessage());
        assertEquals(0, sgd.steps());
    }

    @Test
    void aResumeThatCouldNotSaveIsRefusedBeforeRestoring() throws IOException {
        Path saved = checkpointOf(Recipe.SGD_NESTEROV_PER_BATCH_COSINE);
        Run other = new Run(Recipe.SGD_NESTEROV_PER_BATCH_COSINE, 7);
        float[] before = other.model.stateDict().get("1.weight").toArray();
        Trainer t = other.builder.checkpoint(dir.resolve("gone").resolve("c.safetensors"), CheckpointInterval.steps(5))
                .build();
        var e = assertThrows(IllegalArgumentException.class, () -> t.resume(saved, new AugmentedEpochs(), null));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());
        assertArrayEquals(before, other.model.stateDict().get("1.weight").toArray());
        assertEquals(0, other.optimizer.steps());
    }

    @Test
    void aDamagedCheckpointIsRefusedNamingTheFile() throws IOException {
        Path file = checkpointOf(Recipe.SGD_NESTEROV_PER_BATCH_COSINE);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 5] ^= 0x40; // one bit of the data: the checksum no longer matches
        Path flipped = dir.resolve("flipped.safetensors");
        Files.write(flipped, bytes);
        var e = assertThrows(IOException.class, () -> TrainingCheckpoint.read(flipped));
        assertTrue(e.getMessage().contains("flipped.safetensors"), e.getMessage());
        Path truncated = dir.resolve("truncated.safetensors");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        var t = assertThrows(IOException.class, () -> TrainingCheckpoint.read(truncated));
        assertTrue(t.getMessage().contains("truncated.safetensors"), t.getMessage());
    }

    @Test
    void aCheckpointMissingAPieceNamesIt() throws IOException {
        Path file = checkpointOf(Recipe.SGD_NESTEROV_PER_BATCH_COSINE);
        dev.pare.nn.io.Checkpoint c = SafeTensors.read(file);
        dev.pare.nn.io.Checkpoint without = new dev.pare.nn.io.Checkpoint();
        c.entries().forEach(without::put);
        c.metadata().forEach((k, v) -> {
            if (!k.equals("position.batch")) {
                without.putMetadata(k, v);
            }
        });
        Path broken = dir.resolve("broken.safetensors");
        SafeTensors.write(broken, without);
        var e = assertThrows(IllegalArgumentException.class, () -> TrainingCheckpoint.read(broken));
        assertTrue(e.getMessage().contains("broken.safetensors") && e.getMessage().contains("'position.batch' is missing"),
                e.getMessage());
    }

    @Test
    void intervalsParseFromTheCommandLineForm() {
        assertEquals(CheckpointInterval.steps(500), CheckpointInterval.parse("500steps"));
        assertEquals(CheckpointInterval.epochs(1), CheckpointInterval.parse("1epoch"));
        assertEquals(CheckpointInterval.epochs(2), CheckpointInterval.parse("2 Epochs"));
        assertEquals("1 step", CheckpointInterval.steps(1).toString());
        for (String bad : new String[] {"", "steps", "0steps", "5", "5 minutes", "99999999999steps", "-1epoch"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> CheckpointInterval.parse(bad), bad);
            assertTrue(e.getMessage().contains("'" + bad + "'") && e.getMessage().contains("500steps"), e.getMessage());
        }
        assertFalse(CheckpointInterval.steps(3).due(0));
        assertTrue(CheckpointInterval.steps(3).due(6));
    }
}
