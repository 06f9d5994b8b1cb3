package dev.pare.compress.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Linear;
import dev.pare.nn.data.DataLoader;
import dev.pare.nn.data.TensorDataset;
import dev.pare.nn.optim.AdamW;
import dev.pare.nn.train.FitResult;
import dev.pare.nn.train.ProgressMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Distiller with DistilBERT's loss: taps on during a fit only, the teacher frozen, the cosine term used. */
class DistillerDistilBertTest {

    /** 96 token sequences, labelled by the teacher itself, so that there is something to imitate. */
    @SuppressWarnings("try")
    private static TensorDataset data(TinyTransformer teacher) {
        Tensor x = TinyTransformer.inputs(new Rng(21), 96);
        teacher.eval();
        float[] logits;
        try (var ignored = Tensor.noGrad()) {
            logits = teacher.forward(x).toArray();
        }
        int[] y = new int[96];
        for (int i = 0; i < 96; i++) {
            for (int c = 1; c < TinyTransformer.CLASSES; c++) {
                if (logits[i * TinyTransformer.CLASSES + c] > logits[i * TinyTransformer.CLASSES + y[i]]) {
                    y[i] = c;
                }
            }
        }
        return new TensorDataset(x, y);
    }

    private static FitResult distil(TinyTransformer teacher, TinyTransformer student, DistilBertLoss loss, TensorDataset d) {
        AdamW opt = new AdamW(student.parameters(), 3e-3);
        Distiller distiller = Distiller.builder(teacher, student, loss, opt).epochs(3).progress(ProgressMode.NONE).build();
        DataLoader train = DataLoader.builder(d).batchSize(16).shuffle(5).build();
        return distiller.fit(train, DataLoader.builder(d).batchSize(48).build());
    }

    @Test
    void theStudentLearnsTheTeacherStaysFrozenAndTheTapsAreOffAfterwards() {
        TinyTransformer teacher = new TinyTransformer(4, 0.1, new Rng(1));
        TensorDataset d = data(teacher);
        Map<String, float[]> before = snapshot(teacher);
        TinyTransformer student = new TinyTransformer(2, 0.1, new Rng(2));
        TeacherLayerInit.copy(teacher, student);
        FitResult r = distil(teacher, student, new DistilBertLoss(2f, 5f, 2f, 1f, 0f, HiddenStatePooling.CLASS_TOKEN), d);
        assertTrue(r.last().trainLoss() < r.epochs().get(0).trainLoss(), "the loss falls: " + r.epochs());
        Map<String, float[]> after = snapshot(teacher);
        for (String k : before.keySet()) {
            assertArrayEquals(before.get(k), after.get(k), 0f, "teacher " + k + " is frozen");
        }
        assertFalse(teacher.encoder().keepsHiddenStates());
        assertFalse(student.encoder().keepsHiddenStates());
    }

    @Test
    void theCosineTermChangesWhatTheStudentLearns() {
        TinyTransformer teacher = new TinyTransformer(4, 0.0, new Rng(1));
        TensorDataset d = data(teacher);
        TinyTransformer with = new TinyTransformer(2, 0.0, new Rng(2));
        TinyTransformer without = new TinyTransformer(2, 0.0, new Rng(2));
        distil(teacher, with, new DistilBertLoss(2f, 5f, 2f, 1f, 0f, HiddenStatePooling.MEAN), d);
        distil(teacher, without, new DistilBertLoss(2f, 5f, 2f, 0f, 0f, HiddenStatePooling.MEAN), d);
        assertNotEquals(java.util.Arrays.toString(with.stateDict().get("head.weight").toArray()),
                java.util.Arrays.toString(without.stateDict().get("head.weight").toArray()));
    }

    @Test
    void settingsThatCannotWorkAreRefusedBeforeTraining() {
        TinyTransformer teacher = new TinyTransformer(4, 0.0, new Rng(1));
        TinyTransformer student = new TinyTransformer(3, 0.0, new Rng(2));
        AdamW opt = new AdamW(student.parameters(), 1e-3);
        DistilBertLoss cos = new DistilBertLoss(2f, 1f, 1f, 1f, 0f, HiddenStatePooling.MEAN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Distiller.builder(teacher, student, cos, opt).build());
        assertTrue(e.getMessage().contains("3 layers") && e.getMessage().contains("4 layers"), e.getMessage());

        TinyTransformer half = new TinyTransformer(2, 0.0, new Rng(2));
        AdamW halfOpt = new AdamW(half.parameters(), 1e-3);
        e = assertThrows(IllegalArgumentException.class,
                () -> Distiller.builder(teacher, half, cos, halfOpt).cacheTeacherLogits(true).build());
        assertTrue(e.getMessage().contains("gamma = 1.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Distiller.builder(teacher, half, cos, halfOpt)
                .hint(new HintLoss(0, 0, new Linear(1, 1, new Rng(0)), 1f)));
        assertTrue(e.getMessage().contains("do not combine"), e.getMessage());
        // Without the cosine the depths need not pair up, and the logits may be cached.
        Distiller.builder(teacher, student, new DistilBertLoss(2f, 1f, 1f, 0f, 0f, HiddenStatePooling.MEAN), opt)
                .cacheTeacherLogits(true).build();
    }

    private static Map<String, float[]> snapshot(TinyTransformer m) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> out.put(k, v.toArray()));
        return out;
    }
}
