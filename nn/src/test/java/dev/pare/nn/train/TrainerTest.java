package dev.pare.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Model;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.data.TensorDataset;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.loss.MseLoss;
import dev.pare.nn.loss.Reduction;
import dev.pare.nn.optim.Adam;
import dev.pare.nn.optim.LrSchedule;
import dev.pare.nn.optim.LrScheduler;
import dev.pare.nn.optim.SGD;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerTest {

    /** Logistic regression: logits = x·W + b. */
    static final class Linear implements Model {
        final Tensor w;
        final Tensor b;
        final List<String> modes = new ArrayList<>();
        final List<Boolean> gradModeInForward = new ArrayList<>();

        Linear(long seed, int in, int out) {
            w = Tensor.randn(new Rng(seed), in, out).mul(0.1f).requiresGrad(true);
            b = Tensor.zeros(out).requiresGrad(true);
        }

        @Override
        public Tensor forward(Tensor x) {
            gradModeInForward.add(GradMode.isEnabled());
            return x.matmul(w).add(b);
        }

        @Override
        public void setTraining(boolean training) {
            modes.add(training ? "train" : "eval");
        }

        List<Tensor> parameters() {
            return List.of(w, b);
        }
    }

    /** Two layers with a ReLU between them, built from tensor ops. */
    static final class TwoLayer implements Model {
        final Tensor w1;
        final Tensor b1;
        final Tensor w2;
        final Tensor b2;

        TwoLayer(long seed, int in, int hidden, int out) {
            Rng rng = new Rng(seed);
            // He initialisation for the ReLU layer: variance 2/fan-in keeps activations O(1).
            w1 = Tensor.randn(rng, in, hidden).mul((float) Math.sqrt(2.0 / in)).requiresGrad(true);
            b1 = Tensor.zeros(hidden).requiresGrad(true);
            w2 = Tensor.randn(rng, hidden, out).mul((float) Math.sqrt(1.0 / hidden)).requiresGrad(true);
            b2 = Tensor.zeros(out).requiresGrad(true);
        }

        @Override
        public Tensor forward(Tensor x) {
            return x.matmul(w1).add(b1).relu().matmul(w2).add(b2);
        }

        List<Tensor> parameters() {
            return List.of(w1, b1, w2, b2);
        }
    }

    @Test
    void logisticRegressionLearnsSeparableBlobs() {
        List<LabeledBatch> train = Blobs.gaussian(1, 600, 3, 0.7, 32);
        List<LabeledBatch> test = Blobs.gaussian(2, 300, 3, 0.7, 100);
        Linear model = new Linear(3, 2, 3);
        SGD sgd = new SGD(model.parameters(), 0.1, 0.9);
        FitResult result = Trainer.builder(model, new CrossEntropyLoss(), sgd)
                .epochs(4).progress(ProgressMode.NONE).build().fit(train, test);
        assertEquals(4, result.epochs().size());
        // Chance is 1/3; the blobs overlap so little that a linear model gets nearly all of them.
        assertTrue(result.last().testAccuracy() > 0.9, result.last().summary());
        assertTrue(result.last().trainLoss() < result.epochs().get(0).trainLoss(), "the loss goes down");
        assertEquals(300, result.finalEvaluation().samples());
        assertEquals(300, result.finalEvaluation().confusion().total());
        assertTrue(result.last().samplesPerSecond() > 0 && result.seconds() > 0);
    }

    @Test
    void twoLayerNetLearnsXorWhichNoLinearModelCan() {
        List<LabeledBatch> train = Blobs.xor(5, 800, 32);
        List<LabeledBatch> test = Blobs.xor(6, 400, 400);
        TwoLayer net = new TwoLayer(7, 2, 16, 2);
        Adam adam = new Adam(net.parameters(), 0.03);
        FitResult result = Trainer.builder(net, new CrossEntropyLoss(), adam)
                .epochs(8).progress(ProgressMode.NONE).build().fit(train, test);
        // A linear classifier cannot beat about 50% on XOR quadrants.
        assertTrue(result.last().testAccuracy() > 0.9, result.last().summary());
    }

    @Test
    void sameSeedsGiveBitIdenticalParametersAndLosses() {
        float[][] first = trainXor();
        float[][] second = trainXor();
        for (int i = 0; i < first.length; i++) {
            assertArrayEquals(first[i], second[i], "array " + i);
        }
    }

    private static float[][] trainXor() {
        TwoLayer net = new TwoLayer(11, 2, 8, 2);
        Adam adam = new Adam(net.parameters(), 0.02);
        FitResult r = Trainer.builder(net, new CrossEntropyLoss(), adam).epochs(2).clipGradNorm(1.0)
                .progress(ProgressMode.NONE).build().fit(Blobs.xor(12, 256, 32), null);
        float[] losses = new float[r.epochs().size()];
        for (int i = 0; i < losses.length; i++) {
            losses[i] = (float) r.epochs().get(i).trainLoss();
        }
        return new float[][] {net.w1.toArray(), net.b1.toArray(), net.w2.toArray(), net.b2.toArray(), losses};
    }

    @Test
    void evaluationRunsWithoutGradInEvalModeAndTrainingResumesInTrainMode() {
        Linear model = new Linear(1, 2, 3);
        List<LabeledBatch> train = Blobs.gaussian(1, 64, 3, 0.5, 32);
        List<LabeledBatch> test = Blobs.gaussian(2, 20, 3, 0.5, 10);
        Trainer.builder(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.1))
                .epochs(2).progress(ProgressMode.NONE).build().fit(train, test);
        assertEquals(List.of("train", "eval", "train", "eval"), model.modes);
        // Per epoch: two training batches with grad mode on, then two test batches with it off.
        assertEquals(List.of(true, true, false, false, true, true, false, false), model.gradModeInForward);
    }

    @Test
    void schedulerStepsPerEpochOrPerBatch() {
        Linear model = new Linear(1, 2, 3);
        List<LabeledBatch> train = Blobs.gaussian(1, 96, 3, 0.5, 32); // 3 batches
        SGD sgd = new SGD(model.parameters(), 0.8);
        LrScheduler perEpoch = new LrScheduler(sgd, LrSchedule.stepDecay(1, 0.5));
        FitResult r = Trainer.builder(model, new CrossEntropyLoss(), sgd).epochs(3)
                .scheduler(perEpoch, SchedulerInterval.EPOCH).progress(ProgressMode.NONE).build().fit(train, null);
        assertEquals(0.8, r.epochs().get(0).learningRate(), 1e-15);
        assertEquals(0.4, r.epochs().get(1).learningRate(), 1e-15);
        assertEquals(0.2, r.epochs().get(2).learningRate(), 1e-15);
        assertEquals(3, perEpoch.stepCount());

        SGD sgd2 = new SGD(model.parameters(), 0.8);
        LrScheduler perBatch = new LrScheduler(sgd2, LrSchedule.constant());
        Trainer.builder(model, new CrossEntropyLoss(), sgd2).epochs(2)
                .scheduler(perBatch, SchedulerInterval.BATCH).progress(ProgressMode.NONE).build().fit(train, null);
        assertEquals(6, perBatch.stepCount());
    }

    @Test
    void schedulerOfAnotherOptimizerIsRejected() {
        Linear model = new Linear(1, 2, 3);
        SGD a = new SGD(model.parameters(), 0.1);
        SGD b = new SGD(model.parameters(), 0.1);
        assertThrows(IllegalArgumentException.class, () -> Trainer.builder(model, new CrossEntropyLoss(), a)
                .scheduler(new LrScheduler(b, LrSchedule.constant()), SchedulerInterval.EPOCH));
    }

    @Test
    void gradientClippingBoundsTheStep() {
        // One parameter, loss (θ − 100)², gradient −200 at θ = 0; clipped to norm 1 and lr 1, θ moves by 1.
        Tensor theta = Tensor.zeros(1, 1).requiresGrad(true);
        Model model = x -> x.matmul(theta);
        List<LabeledBatch> data = List.of(LabeledBatch.of(Tensor.ones(1, 1), Tensor.full(100f, 1)));
        Trainer.builder(model, (out, y) -> MseLoss.mseLoss(out.reshape(-1), y), new SGD(List.of(theta), 1.0))
                .clipGradNorm(1.0).progress(ProgressMode.NONE).build().fit(data, null);
        assertEquals(1f, theta.item(), 1e-5f);
    }

    @Test
    void nonFiniteLossStopsTrainingNamingEpochAndBatch() {
        Linear model = new Linear(1, 2, 3);
        List<LabeledBatch> data = new ArrayList<>(Blobs.gaussian(1, 64, 3, 0.5, 32));
        data.add(LabeledBatch.of(Tensor.full(Float.NaN, 4, 2), Tensor.zeros(4)));
        Trainer t = Trainer.builder(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.1))
                .progress(ProgressMode.NONE).build();
        var e = assertThrows(IllegalStateException.class, () -> t.fit(data, null));
        assertTrue(e.getMessage().contains("epoch 1, batch 3"), e.getMessage());
    }

    @Test
    void lossMustBeAScalar() {
        Linear model = new Linear(1, 2, 3);
        Trainer t = Trainer.builder(model, new CrossEntropyLoss(Reduction.NONE, 0f), new SGD(model.parameters(), 0.1))
                .progress(ProgressMode.NONE).build();
        var e = assertThrows(IllegalStateException.class, () -> t.fit(Blobs.gaussian(1, 8, 3, 0.5, 8), null));
        assertTrue(e.getMessage().contains("scalar"), e.getMessage());
    }

    @Test
    void emptyTrainingDataIsAnError() {
        Linear model = new Linear(1, 2, 3);
        Trainer t = Trainer.builder(model, new CrossEntropyLoss(), new SGD(model.parameters(), 0.1))
                .progress(ProgressMode.NONE).build();
        assertThrows(IllegalArgumentException.class, () -> t.fit(List.of(), null));
        assertThrows(IllegalArgumentException.class, () -> Trainer.builder(model, null, new SGD(model.parameters(), 0.1)));
    }

    @Test
    void listenerSeesEveryEpochAndRegressionOutputsHaveNoAccuracy() {
        Tensor w = Tensor.zeros(2, 1).requiresGrad(true);
        Model model = x -> x.matmul(w).reshape(-1);
        List<LabeledBatch> data = Blobs.batches(new float[] {1, 0, 0, 1, 1, 1}, new float[] {1, 2, 3}, 2, 3);
        List<Integer> seen = new ArrayList<>();
        FitResult r = Trainer.builder(model, new MseLoss(), new SGD(List.of(w), 0.1)).epochs(3)
                .onEpochEnd(s -> seen.add(s.epoch())).progress(ProgressMode.LOG).build().fit(data, data);
        assertEquals(List.of(1, 2, 3), seen);
        assertTrue(Double.isNaN(r.last().trainAccuracy()));
        assertTrue(Double.isNaN(r.last().testAccuracy()));
        assertNull(r.finalEvaluation().confusion());
        assertTrue(r.last().testLoss() < r.epochs().get(0).trainLoss());
    }

    @Test
    void aDataLoaderTellsTheProgressBarItsBatchCountWithoutStartingAnEpoch() {
        TensorDataset data = new TensorDataset(Tensor.randn(new Rng(1), 10, 2), Tensor.zeros(10));
        DataLoader counted = DataLoader.builder(data).batchSize(4).shuffle(7).build();
        DataLoader fresh = DataLoader.builder(data).batchSize(4).shuffle(7).build();
        assertEquals(3, Trainer.batchesPerPass(counted));
        // Asking did not start a pass: the first epoch's order is still that of a fresh loader.
        assertArrayEquals(fresh.iterator().next().indices(), counted.iterator().next().indices());
        assertEquals(2, Trainer.batchesPerPass(List.of(1, 2)));
        Iterable<LabeledBatch> unknown = () -> List.<LabeledBatch>of().iterator();
        assertEquals(-1, Trainer.batchesPerPass(unknown));
    }

    @Test
    void progressBarModeTrainsTheSameAsWithoutIt() {
        Linear withBar = new Linear(1, 2, 3);
        Linear without = new Linear(1, 2, 3);
        List<LabeledBatch> train = Blobs.gaussian(1, 64, 3, 0.5, 16);
        Trainer.builder(withBar, new CrossEntropyLoss(), new SGD(withBar.parameters(), 0.1))
                .progress(ProgressMode.BAR).build().fit(train, null);
        Trainer.builder(without, new CrossEntropyLoss(), new SGD(without.parameters(), 0.1))
                .progress(ProgressMode.NONE).build().fit(train, null);
        assertArrayEquals(without.w.toArray(), withBar.w.toArray());
    }

    @Test
    void summaryLineNamesTheFigures() {
        EpochStats s = new EpochStats(2, 0.5, 0.75, 0.6, 0.7, 0.01, 1.5, 1234);
        String line = s.summary();
        assertTrue(line.startsWith("epoch 2: train loss 0.5000 acc 75.00%"), line);
        assertTrue(line.contains("test loss 0.6000 acc 70.00%") && line.contains("1,234 samples/s"), line);
        assertFalse(new EpochStats(1, 1, 1, Double.NaN, Double.NaN, 0.1, 1, 1).summary().contains("test"));
        assertFalse(new EpochStats(1, 1, Double.NaN, 2, Double.NaN, 0.1, 1, 1).summary().contains("acc"));
        assertNotNull(new FitResult(List.of(s), 2, null).last());
        assertThrows(IllegalStateException.class, () -> new FitResult(List.of(), 0, null).last());
    }

    @Test
    void evaluateReportsLossAccuracyAndConfusionOfAFixedModel() {
        // Always predicts class 1: accuracy is the share of class-1 labels, recall 1 for class 1 and 0 elsewhere.
        Model constant = x -> Tensor.fromArray(new float[] {0f, 1f, 0f}).expand(x.size(0), 3).contiguous();
        List<LabeledBatch> data = List.of(
                LabeledBatch.of(Tensor.zeros(2, 1), Tensor.fromArray(1f, 0f)),
                LabeledBatch.of(Tensor.zeros(2, 1), Tensor.fromArray(1f, 2f)));
        Tensor dummy = Tensor.zeros(1).requiresGrad(true);
        Evaluation e = Trainer.builder(constant, new CrossEntropyLoss(), new SGD(List.of(dummy), 0.1))
                .build().evaluate(data);
        assertEquals(0.5, e.accuracy(), 1e-15);
        assertEquals(4, e.samples());
        assertEquals(1.0, e.confusion().recall(1));
        assertEquals(0.0, e.confusion().recall(0));
        // Per-sample losses: −log softmax([0, 1, 0]) at the label.
        double z = 2 + Math.E;
        double expected = (2 * -Math.log(Math.E / z) + 2 * -Math.log(1 / z)) / 4;
        assertEquals(expected, e.loss(), 1e-6);
    }

    @Test
    void fitResultAveragesThroughputOverTrainingTime() {
        EpochStats a = new EpochStats(1, 1, 1, Double.NaN, Double.NaN, 0.1, 1.0, 100);
        EpochStats b = new EpochStats(2, 1, 1, Double.NaN, Double.NaN, 0.1, 3.0, 300);
        // (100·1 + 300·3) samples over 4 s
        assertEquals(250.0, new FitResult(List.of(a, b), 5, null).samplesPerSecond(), 1e-12);
        assertTrue(Double.isNaN(new FitResult(List.of(), 0, null).samplesPerSecond()));
    }

    @Test
    void batchLossSeesTheInputs() {
        // Distillation-shaped: the loss runs a frozen "teacher" on the inputs and pulls the student to it.
        Linear teacher = new Linear(21, 2, 3);
        Linear student = new Linear(22, 2, 3);
        List<LabeledBatch> data = Blobs.gaussian(23, 256, 3, 0.5, 32);
        BatchLoss distill = (out, batch) -> {
            Tensor t;
            try (var ignored = Tensor.noGrad()) {
                t = teacher.forward(batch.inputs());
            }
            return dev.pare.nn.loss.KlDivLoss.klDiv(out, t, 2f).mul(4f);
        };
        double before = Trainer.builderWithBatchLoss(student, distill, new SGD(student.parameters(), 0.5))
                .build().evaluate(data).loss();
        FitResult r = Trainer.builderWithBatchLoss(student, distill, new Adam(student.parameters(), 0.05))
                .epochs(5).progress(ProgressMode.NONE).build().fit(data);
        assertTrue(r.last().trainLoss() < before / 5, "KL to the teacher " + before + " -> " + r.last().trainLoss());
    }
}
