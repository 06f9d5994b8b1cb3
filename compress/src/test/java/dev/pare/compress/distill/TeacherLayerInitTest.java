package dev.pare.compress.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Linear;
import dev.pare.nn.Sequential;
import dev.pare.nn.attention.TransformerEncoder;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** DistilBERT's initialisation: one teacher layer of every k, and everything around the encoder, copied. */
class TeacherLayerInitTest {

    @Test
    void theStudentGetsTeacherLayersZeroTwoFourAndEverythingElseAsItIs() {
        TinyTransformer teacher = new TinyTransformer(6, 0.0, new Rng(1));
        TinyTransformer student = new TinyTransformer(3, 0.0, new Rng(2));
        int[] source = TeacherLayerInit.copy(teacher, student);
        assertArrayEquals(new int[] {0, 2, 4}, source);

        Map<String, Tensor> t = teacher.stateDict();
        int layerKeys = 0;
        for (Map.Entry<String, Tensor> e : student.stateDict().entrySet()) {
            String key = e.getKey();
            String teacherKey = key;
            if (key.startsWith("encoder.layers.")) {
                // The oracle spelled out by hand: student layer i is teacher layer 2i.
                int i = Integer.parseInt(key.split("\\.")[2]);
                teacherKey = key.replace("encoder.layers." + i + ".", "encoder.layers." + (2 * i) + ".");
                layerKeys++;
            }
            assertArrayEquals(t.get(teacherKey).toArray(), e.getValue().toArray(), 0f, key + " <- " + teacherKey);
        }
        assertEquals(3 * 12, layerKeys, "twelve tensors per layer, three layers");
        assertTrue(student.stateDict().containsKey("cls_token") && student.stateDict().containsKey("pos.weight")
                && student.stateDict().containsKey("head.weight") && student.stateDict().containsKey("encoder.norm.weight"));
    }

    @Test
    @SuppressWarnings("try")
    void theStudentsFirstLayerComputesWhatTheTeachersFirstLayerComputes() {
        TinyTransformer teacher = new TinyTransformer(4, 0.1, new Rng(3));
        TinyTransformer student = new TinyTransformer(2, 0.1, new Rng(4));
        Tensor x = TinyTransformer.inputs(new Rng(5), 3);
        teacher.eval();
        student.eval();
        teacher.encoder().keepHiddenStates(true);
        student.encoder().keepHiddenStates(true);
        try (var ignored = Tensor.noGrad()) {
            teacher.forward(x);
            Tensor before = student.forward(x);
            assertFalse(java.util.Arrays.equals(teacher.encoder().lastHiddenStates().get(0).toArray(),
                    student.encoder().lastHiddenStates().get(0).toArray()), "different weights before the copy");
            TeacherLayerInit.copy(teacher, student);
            student.forward(x);
            assertArrayEquals(teacher.encoder().lastHiddenStates().get(0).toArray(),
                    student.encoder().lastHiddenStates().get(0).toArray(), 0f, "same embedding and layer 0: same output");
            // Layer 1 of the student is teacher layer 2, applied to the output of teacher layer 0.
            Tensor expected = teacher.encoder().layer(2).forward(teacher.encoder().lastHiddenStates().get(0));
            assertArrayEquals(expected.toArray(), student.encoder().lastHiddenStates().get(1).toArray(), 0f);
            assertFalse(java.util.Arrays.equals(before.toArray(), student.forward(x).toArray()));
        }
    }

    @Test
    void aStudentThatIsNotTheSameArchitectureIsRefusedAndLeftUntouched() {
        TinyTransformer teacher = new TinyTransformer(6, 0.0, new Rng(1));
        TinyTransformer fourLayers = new TinyTransformer(4, 0.0, new Rng(2));
        Map<String, Tensor> before = fourLayers.stateDict();
        float[] head = before.get("head.weight").toArray();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TeacherLayerInit.copy(teacher, fourLayers));
        assertTrue(e.getMessage().contains("4 layers") && e.getMessage().contains("6 layers"), e.getMessage());
        assertArrayEquals(head, fourLayers.stateDict().get("head.weight").toArray(), 0f);

        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> TeacherLayerInit.copy(new Sequential(new Linear(2, 2, new Rng(0))), fourLayers));
        assertTrue(none.getMessage().contains("exactly one TransformerEncoder, found 0"), none.getMessage());

        // A wider student: the first differing shape is named, and nothing is written.
        dev.pare.nn.Module wide = new dev.pare.nn.Module() {
            private final Linear embed = registerModule("embed", new Linear(TinyTransformer.FEATURES, 8, new Rng(0)));
            private final TransformerEncoder encoder = registerModule("encoder", new TransformerEncoder(3,
                    i -> new dev.pare.nn.attention.TransformerEncoderLayer(8, 2, 32, 0.0, new Rng(i)), null));

            @Override
            public Tensor forward(Tensor x) {
                return encoder.forward(embed.forward(x));
            }
        };
        float[] embed = wide.stateDict().get("embed.weight").toArray();
        e = assertThrows(IllegalArgumentException.class, () -> TeacherLayerInit.copy(teacher, wide));
        assertTrue(e.getMessage().contains("linear1.weight") && e.getMessage().contains("[32, 8]")
                && e.getMessage().contains("[16, 8]"), e.getMessage());
        assertArrayEquals(embed, wide.stateDict().get("embed.weight").toArray(), 0f, "nothing written");
    }
}
