package dev.pare.compress.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pare.tensor.Tensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * DistilBertLoss against PyTorch 1.13 written as DistilBERT's training script writes it
 * ({@code fixtures/distil/make_distilbert_fixture.py}, output in {@code distilbert_loss.txt}): the
 * loss, its cosine term, and the gradients with respect to the student's logits and hidden states,
 * for the three poolings.
 */
class DistilBertLossFixtureTest {
    private static final int B = 4;
    private static final int C = 5;
    private static final int T = 3;
    private static final int E = 6;

    private static Map<String, float[]> load() throws IOException {
        Map<String, float[]> out = new HashMap<>();
        try (InputStream in = DistilBertLossFixtureTest.class.getResourceAsStream("/fixtures/distil/distilbert_loss.txt")) {
            assertNotNull(in, "fixture distilbert_loss.txt is missing");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.trim().split(" ");
                float[] v = new float[parts.length - 1];
                for (int i = 1; i < parts.length; i++) {
                    v[i - 1] = Float.parseFloat(parts[i]);
                }
                out.put(parts[0], v);
            }
        }
        return out;
    }

    private static float[] get(Map<String, float[]> f, String key) {
        float[] v = f.get(key);
        assertNotNull(v, "fixture key " + key);
        return v;
    }

    /** Within 1e-5, absolute plus relative: float rounding of a loss near 28 is about 2e-6. */
    private static void assertClose(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double tol = 1e-5 * (1 + Math.abs(expected[i]));
            if (!(Math.abs(expected[i] - actual[i]) <= tol)) {
                fail(String.format("%s[%d]: PyTorch %.9g, Pare %.9g", what, i, expected[i], actual[i]));
            }
        }
    }

    @Test
    void lossAndGradientsMatchPyTorchForEveryPooling() throws IOException {
        Map<String, float[]> f = load();
        Tensor teacherLogits = Tensor.fromArray(get(f, "t_logits"), B, C);
        Tensor labels = Tensor.fromArray(get(f, "labels"), B);
        List<Tensor> teacherHidden = new ArrayList<>();
        for (int j = 0; j < 4; j++) {
            teacherHidden.add(Tensor.fromArray(get(f, "t_hidden." + j), B, T, E));
        }
        for (HiddenStatePooling pooling : HiddenStatePooling.values()) {
            String p = pooling.optionName();
            Tensor studentLogits = Tensor.fromArray(get(f, "s_logits"), B, C).requiresGrad(true);
            List<Tensor> studentHidden = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                studentHidden.add(Tensor.fromArray(get(f, "s_hidden." + i), B, T, E).requiresGrad(true));
            }
            // DistilBERT's weights and temperature (5, 2, 1 at T = 2), with label smoothing 0.1.
            DistilBertLoss loss = new DistilBertLoss(2f, 5f, 2f, 1f, 0.1f, pooling);
            assertClose(p + ".cosine", get(f, p + ".cosine"),
                    new float[] {loss.cosine().apply(studentHidden, teacherHidden).item()});
            Tensor l = loss.apply(studentLogits, teacherLogits, labels, studentHidden, teacherHidden);
            assertClose(p + ".loss", get(f, p + ".loss"), new float[] {l.item()});
            l.backward();
            assertClose(p + ".grad.s_logits", get(f, p + ".grad.s_logits"), studentLogits.grad().toArray());
            for (int i = 0; i < 2; i++) {
                assertClose(p + ".grad.s_hidden." + i, get(f, p + ".grad.s_hidden." + i),
                        studentHidden.get(i).grad().toArray());
            }
        }
    }
}
