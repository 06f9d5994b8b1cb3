package dev.pare.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.compress.distill.DistillationLoss;
import dev.pare.compress.distill.Distiller;
import dev.pare.compress.distill.TeacherLogitCache;
import dev.pare.compress.prune.GradualPruner;
import dev.pare.compress.prune.GradualSchedule;
import dev.pare.compress.prune.MagnitudePruner;
import dev.pare.compress.prune.SparseFormat;
import dev.pare.compress.prune.SparseLinear;
import dev.pare.compress.prune.SparsityReport;
import dev.pare.compress.quantize.Granularity;
import dev.pare.compress.quantize.MinMaxObserver;
import dev.pare.compress.quantize.QuantizedLinear;
import dev.pare.compress.quantize.Quantizer;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.data.TensorDataset;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.optim.SGD;
import dev.pare.nn.train.ProgressMode;
import dev.pare.nn.train.Trainer;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The compress module in five short recipes, each the code a chapter quotes: pruning.md quotes
 * {@link #globalPruningToSparseLinear} and {@link #gradualPruningInsideAnUnchangedTrainer},
 * quantization.md {@link #staticPostTrainingQuantization} and
 * {@link #quantizationAwareTraining}, distillation.md {@link #distillationFromCachedTeacherLogits}.
 * The text between the {@code // tour:} markers is what the chapters show;
 * {@code ChapterSnippetsTest} fails when a chapter's copy and this file drift apart.
 *
 * <p>The models are a small MLP 16-32-4 on a synthetic task (4 classes given by the argmax of a
 * fixed random linear map), so that each recipe trains in milliseconds and its result can be
 * checked against an independent oracle: the dense masked layer, the fp32 model, the
 * fake-quantized model, or the task's own labels.
 */
class CompressTourExamples {
    private static final int FEATURES = 16;
    private static final int CLASSES = 4;

    /** {@code n} points in 16-D, labelled by the argmax of a fixed random linear map. */
    private static TensorDataset task(long seed, int n) {
        Tensor x = Tensor.randn(new Rng(seed), n, FEATURES);
        float[] scores = x.matmul(Tensor.randn(new Rng(99), FEATURES, CLASSES)).toArray();
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            for (int k = 1; k < CLASSES; k++) {
                if (scores[i * CLASSES + k] > scores[i * CLASSES + y[i]]) {
                    y[i] = k;
                }
            }
        }
        return new TensorDataset(x, y);
    }

    private static Sequential mlp(long seed, int hidden) {
        Rng rng = new Rng(seed);
        return new Sequential(new Linear(FEATURES, hidden, rng), new ReLU(), new Linear(hidden, CLASSES, rng));
    }

    private static DataLoader loader(TensorDataset data, long seed) {
        return DataLoader.builder(data).batchSize(32).shuffle(seed).build();
    }

    /** {@code model} trained for {@code epochs} on the task with SGD, Nesterov momentum 0.9. */
    private static Sequential trained(Sequential model, int epochs) {
        SGD sgd = new SGD(model.parameters(), 0.1, 0.9, 0, true, 0);
        Trainer.builder(model, new CrossEntropyLoss(), sgd).epochs(epochs).progress(ProgressMode.NONE).build()
                .fit(loader(task(1, 512), 2));
        return model;
    }

    private static double accuracy(Module model, TensorDataset data) {
        model.eval();
        SGD unused = new SGD(List.of(Tensor.zeros(1).requiresGrad(true)), 0);
        return Trainer.builder(model, new CrossEntropyLoss(), unused).progress(ProgressMode.NONE).build()
                .evaluate(loader(data, 0)).accuracy();
    }

    private static float[] outputs(Module model, Tensor x) {
        model.eval();
        try (var scope = Tensor.noGrad()) {
            return model.forward(x).toArray();
        }
    }

    private static float maxAbs(float[] v) {
        float m = 0;
        for (float f : v) {
            m = Math.max(m, Math.abs(f));
        }
        return m;
    }

    private static float maxAbsDifference(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    @Test
    void globalPruningToSparseLinear() {
        Sequential model = trained(mlp(0, 32), 5);
        Tensor x = task(7, 64).inputs();
        // tour: globalPruning
        MagnitudePruner.pruneGlobal(model, List.of("0.weight", "2.weight"), 0.9);  // one threshold for both
        float[] masked = outputs(model, x);                // dense kernels, weight_orig · weight_mask
        for (String path : List.of("0", "2")) {            // store only the kept weights, as CSR
            Linear layer = (Linear) model.getModule(path);
            model.replaceModule(path, SparseLinear.fromLinear(layer, SparseFormat.CSR));
        }
        float[] sparse = outputs(model, x);                // the CSR kernels
        System.out.println(SparsityReport.of(model));      // per layer: non-zeros, dense and sparse bytes
        // tour: end
        // 90% of the 16·32 + 32·4 = 640 weights go, exactly ⌊0.9·640⌋ = 576; the biases are not counted.
        assertEquals(640 - 576, SparsityReport.of(model).total().nonZeros());
        assertInstanceOf(SparseLinear.class, model.getModule("0"));
        assertTrue(maxAbsDifference(masked, sparse) <= 1e-5f * (maxAbs(masked) + 1),
                () -> "CSR and the masked dense layers differ by " + maxAbsDifference(masked, sparse));
    }

    @Test
    void gradualPruningInsideAnUnchangedTrainer() {
        Sequential model = trained(mlp(0, 32), 5);
        DataLoader train = loader(task(1, 512), 3);         // 16 batches per epoch
        // tour: gradualPruning
        GradualPruner pruner = new GradualPruner(model, List.of("0.weight", "2.weight"), true,
                GradualSchedule.over(0.8, 0, 32, 8));      // 0 → 80% over steps 0..32, in 8 prunings
        SGD sgd = new SGD(model.parameters(), 0.05, 0.9, 0, true, 5e-4);
        Trainer trainer = Trainer.builder(model, new CrossEntropyLoss(), sgd)
                .epochs(3).progress(ProgressMode.NONE).build();
        trainer.fit(pruner.wrap(train));                   // the pruner runs before each batch
        pruner.finish();                                   // the target, even if the run was short
        // tour: end
        assertEquals(640 - 512, SparsityReport.of(model).total().nonZeros(), "⌊0.8·640⌋ = 512 weights masked");
        // The last epoch trained at 80% and recovered: the task's labels, not the code, are the oracle.
        double acc = accuracy(model, task(11, 512));
        assertTrue(acc > 0.85, () -> "accuracy after gradual pruning to 80%: " + acc);
    }

    @Test
    void staticPostTrainingQuantization() {
        Sequential model = trained(mlp(0, 32), 5);
        Tensor x = task(7, 64).inputs();
        float[] fp32 = outputs(model, x);
        DataLoader train = loader(task(1, 512), 3);
        // tour: staticPtq
        Module prepared = Quantizer.prepareStatic(model, MinMaxObserver::new);  // observe each layer's input
        int used = Quantizer.calibrate(prepared, train, 4);                     // 4 batches, eval mode, no graph
        Module int8 = Quantizer.convertStatic(prepared, Granularity.PER_CHANNEL);
        float[] quantized = outputs(int8, x);              // int8 weights and inputs, int32 sums
        // tour: end
        assertEquals(4, used);
        assertInstanceOf(QuantizedLinear.class, int8.getModule("0"));
        assertInstanceOf(QuantizedLinear.class, int8.getModule("2"));
        // Each code is off by at most half a step; at 8 bits the outputs stay within a few % of fp32.
        float error = maxAbsDifference(fp32, quantized);
        assertTrue(error > 0 && error <= 0.05f * maxAbs(fp32), () -> "int8 against fp32: " + error);
    }

    @Test
    void quantizationAwareTraining() {
        Sequential model = trained(mlp(0, 32), 5);
        Tensor x = task(7, 64).inputs();
        DataLoader train = loader(task(1, 512), 3);
        // tour: qat
        Module qat = Quantizer.prepareQat(model, Granularity.PER_CHANNEL);  // fake-quantized inputs and weights
        SGD sgd = new SGD(qat.parameters(), 0.01, 0.9, 0, true, 0);         // fine-tuning: a low rate
        Trainer.builder(qat, new CrossEntropyLoss(), sgd).epochs(2).progress(ProgressMode.NONE).build()
                .fit(train);                               // rounding passes the gradient straight through
        float[] fake = outputs(qat, x);
        Module int8 = Quantizer.convertQat(qat);           // static int8 with the ranges it learned
        float[] quantized = outputs(int8, x);
        // tour: end
        assertInstanceOf(QuantizedLinear.class, int8.getModule("0"));
        // The converted model computes what the fake-quantized one did (float rounding aside).
        assertTrue(maxAbsDifference(fake, quantized) <= 1e-4f * (maxAbs(fake) + 1),
                () -> "int8 against fake-quantized: " + maxAbsDifference(fake, quantized));
        double acc = accuracy(int8, task(11, 512));
        assertTrue(acc > 0.85, () -> "accuracy after QAT: " + acc);
    }

    @Test
    void distillationFromCachedTeacherLogits() {
        Sequential teacher = trained(mlp(0, 64), 10);
        Sequential student = mlp(5, 4);
        TensorDataset trainSet = task(1, 512);
        DataLoader train = loader(trainSet, 3);
        // tour: distillation
        TeacherLogitCache cache = TeacherLogitCache.compute(teacher, trainSet, 256);  // the teacher runs once
        SGD sgd = new SGD(student.parameters(), 0.1, 0.9, 0, true, 0);
        Distiller distiller = Distiller.builder(teacher, student, new DistillationLoss(2f, 0.5f), sgd)
                .epochs(10).progress(ProgressMode.NONE).build();
        distiller.fitBatches(cache.attach(train), null);  // each batch carries its rows of the cache
        // tour: end
        assertEquals(512, cache.logits().shape()[0], "one row of logits per training example");
        double teacherAcc = accuracy(teacher, task(11, 512));
        double studentAcc = accuracy(student, task(11, 512));
        assertTrue(studentAcc > 0.8 && studentAcc <= teacherAcc + 0.05,
                () -> "student " + studentAcc + " against teacher " + teacherAcc);
    }
}
