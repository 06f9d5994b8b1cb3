package dev.pare.samples;

import dev.pare.compress.search.MobileNetArchitecture;
import dev.pare.compress.search.MobileNetSpace;
import dev.pare.nn.Module;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.io.TensorEntry;
import dev.pare.tensor.Rng;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A convolutional teacher for the pipeline's CNN rows: a network found by {@code ./pare search}
 * (its metadata names an {@code mbv2:} architecture), or {@code ./pare train-cnn}'s small CNN or
 * MobileNet.
 *
 * <p>Only a searched network has a student: the same search space's smaller neighbour
 * ({@link #studentOf}), so that the student can be built from its encoding like any candidate
 * of the search. The hand-made CNNs have no smaller twin in {@link FashionModels}.
 *
 * @param architecture the name written into the metadata: the {@code mbv2:} encoding, or
 *                     {@code cnn} / {@code mobilenet}
 * @param model        the teacher, its weights loaded, in training mode
 * @param fresh        new models of the same architecture, for copies
 * @param searched     the architecture when it is an {@code mbv2:} one, else null
 */
record CnnTeacher(String architecture, Module model, Supplier<Module> fresh, MobileNetArchitecture searched) {

    /** Whether {@code c} holds a CNN: an {@code mbv2:} architecture in its metadata, or 4-d weights. */
    static boolean holdsCnn(Checkpoint c) {
        if (isSearched(c)) {
            return true;
        }
        for (TensorEntry e : c.entries().values()) {
            if (e.shape().length == 4) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code c}'s metadata names an {@code mbv2:} architecture: a network from ./pare search. */
    static boolean isSearched(Checkpoint c) {
        String declared = c.metadata().get("architecture");
        return declared != null && declared.startsWith("mbv2:");
    }

    /**
     * The CNN in {@code file}, loaded strictly.
     *
     * @throws IllegalArgumentException naming {@code option} and the file when it is not a float
     *     CNN (quantized, pruned, an MLP) or its tensors do not fit its architecture
     */
    static CnnTeacher load(Path file, String option) throws IOException {
        Checkpoint c = SafeTensors.read(file);
        String declared = c.metadata().get("architecture");
        if (declared == null || !declared.startsWith("mbv2:")) {
            ModelFile f = ModelFile.readFloatModel(file, option);
            if (f.architecture.kind() == ModelFile.Kind.MLP) {
                throw new IllegalArgumentException(option + " " + file + ": holds " + f.architecture.name()
                        + ", not a CNN");
            }
            ModelFile.Architecture a = f.architecture;
            return new CnnTeacher(a.name(), f.model.train(), a::build, null);
        }
        for (Map.Entry<String, TensorEntry> e : c.entries().entrySet()) {
            if (!e.getValue().dtype().isFloatingPoint() && !e.getKey().endsWith("num_batches_tracked")) {
                throw new IllegalArgumentException(option + " " + file + ": entry " + e.getKey() + " is "
                        + e.getValue().dtype() + ", so this is a pruned or quantized checkpoint; the teacher must be "
                        + "the float model ./pare search saves as found.safetensors");
            }
        }
        MobileNetArchitecture a;
        try {
            a = new MobileNetSpace().decode(declared);
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(option + " " + file + ": metadata 'architecture': " + ex.getMessage(), ex);
        }
        Module m = a.build(new Rng(0));
        try {
            m.loadStateDict(c.toStateDict(), true);
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(option + " " + file + " does not fit its architecture " + declared + ": "
                    + ex.getMessage(), ex);
        }
        return new CnnTeacher(declared, m.train(), () -> a.build(new Rng(0)), a);
    }

    /** Whether this teacher has a student ({@link #studentOf}): only a searched network does. */
    boolean hasStudent() {
        return searched != null;
    }

    /**
     * The student of a searched network, in the same space, as DistilBERT's student is the
     * teacher with half its layers: each stage keeps half its blocks (rounded up) and takes the
     * next narrower width of the space, and the stem the next smaller size; the smallest choices
     * stay as they are. Expansions and kernel sizes are kept, so each block does the same kind
     * of work on fewer channels.
     */
    static MobileNetArchitecture studentOf(MobileNetArchitecture teacher) {
        List<MobileNetArchitecture.Stage> stages = new ArrayList<>();
        for (MobileNetArchitecture.Stage s : teacher.stages()) {
            stages.add(new MobileNetArchitecture.Stage(s.expansion(), s.kernel(), (s.blocks() + 1) / 2,
                    narrower(MobileNetSpace.widths(), s.width())));
        }
        int[] stems = MobileNetSpace.stems();
        int at = Arrays.binarySearch(stems, teacher.stem());
        int stem = at > 0 ? stems[at - 1] : teacher.stem();
        return new MobileNetArchitecture(stem, stages);
    }

    private static double narrower(double[] choices, double w) {
        double best = w;
        for (double c : choices) {
            if (c < w && (best == w || c > best)) {
                best = c;
            }
        }
        return best;
    }
}
