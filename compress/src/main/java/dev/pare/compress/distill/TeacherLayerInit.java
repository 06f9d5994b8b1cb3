package dev.pare.compress.distill;

import dev.pare.nn.Module;
import dev.pare.nn.attention.TransformerEncoder;
import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DistilBERT's initialisation: a student with fewer encoder layers starts as a copy of the
 * teacher with layers left out, taking one teacher layer of every k.
 *
 * <p>Teacher and student must be the same architecture but for the depth of their one
 * {@link TransformerEncoder} (L_t = k·L_s layers against L_s). Every parameter and buffer outside
 * the encoder's layers (patch or token embedding, positions, class token, final norm, head) is
 * copied as it is; student layer i receives teacher layer i·k (for k = 2: layers 0, 2, 4, …).
 *
 * <h2>Why from the teacher's layers, and why one of every two</h2>
 * A student started from random weights must rediscover everything; one started from the
 * teacher's embedding, head and a subset of its layers is already a rough approximation of the
 * teacher: each layer of a residual network adds a correction to its input, so dropping a layer
 * removes one correction and leaves the representation in roughly the space the next layer
 * expects. In DistilBERT's ablation, starting from random weights instead cost 3.69 points of
 * GLUE macro-score, more than leaving out any one term of the loss. Taking every second layer, rather than the first half, keeps layers from the
 * whole depth: the early ones that build local features and the late ones that the head was
 * trained to read.
 *
 * <p>The embedding dimension, the number of heads and the feed-forward width must be the
 * teacher's; the copy refuses a shape that differs, naming the key.
 */
public final class TeacherLayerInit {
    private TeacherLayerInit() {}

    /**
     * The one {@link TransformerEncoder} inside {@code model} (the model itself or a descendant).
     *
     * @param role "teacher" or "student", for the error message
     * @throws IllegalArgumentException if there is none, or more than one
     */
    public static TransformerEncoder encoderOf(Module model, String role) {
        return (TransformerEncoder) model.getModule(encoderPath(model, role));
    }

    /** The dotted path of the one {@link TransformerEncoder} inside {@code model} ("" for the model itself). */
    public static String encoderPath(Module model, String role) {
        if (model == null) {
            throw new IllegalArgumentException("TeacherLayerInit: the " + role + " is null");
        }
        List<String> found = new ArrayList<>();
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            if (e.getValue() instanceof TransformerEncoder) {
                found.add(e.getKey());
            }
        }
        if (found.size() != 1) {
            throw new IllegalArgumentException("TeacherLayerInit: the " + role + " (" + model.getClass().getSimpleName()
                    + ") must contain exactly one TransformerEncoder, found " + found.size()
                    + (found.isEmpty() ? "" : " at " + found));
        }
        return found.get(0);
    }

    /**
     * Copies the teacher into the student as the class comment says, and returns the teacher
     * layer each student layer came from ({@code [0, 2, 4]} for 6 → 3).
     *
     * @throws IllegalArgumentException if the encoders sit at different paths, the student's depth
     *     does not divide the teacher's, a student tensor has no teacher counterpart, or shapes differ
     */
    @SuppressWarnings("try") // the scope is used only for its close()
    public static int[] copy(Module teacher, Module student) {
        String tPath = encoderPath(teacher, "teacher");
        String sPath = encoderPath(student, "student");
        if (!tPath.equals(sPath)) {
            throw new IllegalArgumentException("TeacherLayerInit: the teacher's encoder is at '" + tPath
                    + "' but the student's at '" + sPath + "'; they must be the same architecture");
        }
        TransformerEncoder tEnc = (TransformerEncoder) teacher.getModule(tPath);
        TransformerEncoder sEnc = (TransformerEncoder) student.getModule(sPath);
        int k = HiddenStateCosineLoss.layerRatio(sEnc.numLayers(), tEnc.numLayers());
        int[] source = new int[sEnc.numLayers()];
        for (int i = 0; i < source.length; i++) {
            source[i] = i * k;
        }
        String layersPrefix = (sPath.isEmpty() ? "" : sPath + ".") + "layers.";
        LinkedHashMap<String, Tensor> from = teacher.stateDict();
        LinkedHashMap<String, Tensor> to = student.stateDict();
        // Check everything before writing anything: a failed copy leaves the student as it was.
        List<Tensor[]> pairs = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : to.entrySet()) {
            String key = teacherKey(e.getKey(), layersPrefix, k);
            Tensor src = from.get(key);
            if (src == null) {
                throw new IllegalArgumentException("TeacherLayerInit: the student's '" + e.getKey()
                        + "' has no counterpart '" + key + "' in the teacher");
            }
            if (!Arrays.equals(src.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("TeacherLayerInit: the student's '" + e.getKey() + "' is "
                        + Arrays.toString(e.getValue().shape()) + " but the teacher's '" + key + "' is "
                        + Arrays.toString(src.shape()) + "; only the depth may differ");
            }
            pairs.add(new Tensor[] {e.getValue(), src});
        }
        try (var ignored = Tensor.noGrad()) {
            for (Tensor[] p : pairs) {
                p[0].copyFrom(p[1]);
            }
        }
        return source;
    }

    /** {@code <encoder>.layers.i.rest} → {@code <encoder>.layers.(i·k).rest}; any other key unchanged. */
    static String teacherKey(String studentKey, String layersPrefix, int k) {
        if (!studentKey.startsWith(layersPrefix)) {
            return studentKey;
        }
        String rest = studentKey.substring(layersPrefix.length());
        int dot = rest.indexOf('.');
        int i = Integer.parseInt(dot < 0 ? rest : rest.substring(0, dot));
        return layersPrefix + (i * k) + (dot < 0 ? "" : rest.substring(dot));
    }
}
