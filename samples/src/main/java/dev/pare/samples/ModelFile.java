package dev.pare.samples;

import dev.pare.compress.prune.Mask;
import dev.pare.compress.prune.SparseCheckpoint;
import dev.pare.compress.quantize.QuantizedCheckpoint;
import dev.pare.compress.stack.CompressedCheckpoint;
import dev.pare.nn.KeyMap;
import dev.pare.nn.Module;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.CheckpointContentException;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.io.TensorEntry;
import dev.pare.tensor.Rng;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A model file written by one of Pare's commands, read back whatever its format, into the
 * {@link FashionModels} architecture it holds.
 *
 * <p>The format is told by the file itself: {@code compression} metadata for the stacked file of
 * {@code ./pare pipeline} ({@link CompressedCheckpoint}), {@code quantization_mode} for an int8
 * file ({@link QuantizedCheckpoint}), {@code …weight.csr_…}/{@code bcsr_…} arrays for a pruned
 * one ({@link SparseCheckpoint}), and otherwise a dense float checkpoint (train-mlp, train-cnn,
 * distill; a masked one too, whose masks are baked in). Each is loaded by the loader that wrote
 * it, so every check those loaders make applies here.
 *
 * <p>The architecture is read from the weights' names and shapes rather than from the
 * {@code architecture} metadata, because not every file has that (the pipeline's teacher and
 * student files have none) and because structured pruning changes an MLP's hidden sizes: an MLP
 * is Linear layers at {@code 1, 3, 5, …} from 784 inputs to 10 classes, whatever the widths; a
 * file with 4-d convolution weights is the small CNN, or MobileNet when it has the separable block
 * {@code 3.0}. The metadata, where present, must agree.
 */
final class ModelFile {
    /** How the weights are stored. */
    enum Format {
        DENSE("dense float"),
        SPARSE("pruned, sparse CSR weights (SparseCheckpoint)"),
        INT8("int8 codes with float scales (QuantizedCheckpoint)"),
        STACKED("pruned and quantized, packed codes (CompressedCheckpoint)");

        final String description;

        Format(String description) {
            this.description = description;
        }
    }

    /** The three architectures of {@link FashionModels}. */
    enum Kind { MLP, SMALL_CNN, MOBILENET }

    /** An architecture: its kind and, for the MLP, its hidden sizes. */
    record Architecture(Kind kind, int[] hidden) {
        /** A name as the samples write it in metadata: {@code mlp-784-256-128-10}, {@code cnn}, {@code mobilenet}. */
        String name() {
            switch (kind) {
                case SMALL_CNN: return "cnn";
                case MOBILENET: return "mobilenet";
                default:
                    StringBuilder b = new StringBuilder("mlp-784");
                    for (int h : hidden) {
                        b.append('-').append(h);
                    }
                    return b.append("-10").toString();
            }
        }

        /** A fresh model of this architecture (its initial weights are overwritten by the file). */
        Module build() {
            Rng unused = new Rng(0);
            switch (kind) {
                case SMALL_CNN: return FashionModels.smallCnn(unused);
                case MOBILENET: return FashionModels.mobileNet(unused);
                default: return FashionModels.mlp(unused, hidden);
            }
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Architecture a && a.kind == kind && Arrays.equals(a.hidden, hidden);
        }

        @Override
        public int hashCode() {
            return kind.hashCode() * 31 + Arrays.hashCode(hidden);
        }

        @Override
        public String toString() {
            return name();
        }
    }

    final Path file;
    final Format format;
    final Architecture architecture;
    /** The loaded model, in evaluation mode: sparse, int8 or float layers as the file stores them. */
    final Module model;
    /** The file's {@code __metadata__} (without Pare's checksums). */
    final Map<String, String> metadata;
    /**
     * Whether the file has PyTorch's names for the MLP ({@code 0.weight, 2.weight, …}), mapped
     * to Pare's with {@link FashionModels#TORCH_MLP_KEYS} (only {@link #readFloatModel} accepts them).
     */
    final boolean torchNames;

    private ModelFile(Path file, Format format, Architecture architecture, Module model, Map<String, String> metadata,
                      boolean torchNames) {
        this.file = file;
        this.format = format;
        this.architecture = architecture;
        this.model = model;
        this.metadata = metadata;
        this.torchNames = torchNames;
    }

    /**
     * Reads {@code file}, whichever of Pare's formats it is in.
     *
     * @throws IllegalArgumentException naming the file if it is missing or holds no model of
     *     {@link FashionModels} (a PyTorch export included: {@code ./pare export} reads Pare's files)
     *     ; a {@link CheckpointContentException} if its tensors do not fit the architecture or the
     *     format's rules
     * @throws IOException (a {@code SafeTensorsFormatException} or {@code SafeTensorsChecksumException},
     *     naming the file) if it is not safetensors or was damaged
     */
    static ModelFile read(Path file) throws IOException {
        Checkpoint c = checkpointOf(file, "");
        if (c.metadata().containsKey("pare.torch_module")) {
            throw new IllegalArgumentException(file + ": is already a PyTorch export (of " + c.metadata().get("pare.source")
                    + "), with PyTorch's names; export reads the files Pare's commands write");
        }
        return load(file, c, false);
    }

    /**
     * Reads a dense float model of {@link FashionModels} for a command to compress, named by
     * {@code option} in messages ({@code --model}): a file written by train-mlp, train-cnn or
     * distill, or one with PyTorch's names and dtypes, as {@code ./pare export} writes it or as
     * PyTorch's {@code safetensors.torch.save_file(model.state_dict(), …)} does for the twins
     * that {@code ./pare export} prints. An MLP named {@code 0.weight, 2.weight, …} (PyTorch's
     * {@code nn.Sequential(nn.Linear(784, H), nn.ReLU(), …)}) is mapped to Pare's indices with
     * {@link FashionModels#TORCH_MLP_KEYS}; the CNNs' names are the same in both. F16, BF16 and
     * F64 weights arrive as float32 (see {@code SafeTensors.read}), BatchNorm's int64 counters as
     * floats.
     *
     * @throws IllegalArgumentException naming the option and the file if it is missing, holds no
     *     model of {@link FashionModels}, or holds a pruned or quantized one (not a float model to
     *     start from)
     */
    static ModelFile readFloatModel(Path file, String option) throws IOException {
        Checkpoint c = checkpointOf(file, option + " ");
        Format format = formatOf(c);
        if (format != Format.DENSE) {
            throw new IllegalArgumentException(option + " " + file + ": holds a model stored as " + format.description
                    + "; this command starts from a dense float model (from ./pare train-mlp, train-cnn or distill, or "
                    + "./pare export of one)");
        }
        boolean torch = hasTorchMlpNames(c);
        Checkpoint named = torch ? renamed(c, FashionModels.TORCH_MLP_KEYS) : c;
        try {
            return load(file, named, torch);
        } catch (CheckpointContentException ex) {
            throw ex; // names the file and the tensor already
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException(option + " " + ex.getMessage(), ex);
        }
    }

    private static Checkpoint checkpointOf(Path file, String option) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(option + file + (Files.isDirectory(file) ? ": is a directory, not a model file"
                    : ": no such file"));
        }
        return SafeTensors.read(file);
    }

    /**
     * Whether {@code c} names its layers as a PyTorch MLP without a Flatten does: a Linear weight
     * ([out, in]) at index 0, where Pare's MLP has its Flatten and a CNN its first 4-d convolution.
     */
    static boolean hasTorchMlpNames(Checkpoint c) {
        TensorEntry first = c.entries().get("0.weight");
        return first != null && first.shape().length == 2;
    }

    /** {@code c} with every tensor's name mapped through {@code keys}; metadata as it is. */
    private static Checkpoint renamed(Checkpoint c, KeyMap keys) {
        Checkpoint out = new Checkpoint();
        c.metadata().forEach(out::putMetadata);
        c.entries().forEach((k, v) -> out.put(keys.map(k), v));
        return out;
    }

    /** Builds the architecture of {@code c} (read from {@code file}) and loads its weights with the loader of its format. */
    private static ModelFile load(Path file, Checkpoint c, boolean torchNames) throws IOException {
        Format format = formatOf(c);
        Architecture arch = architectureOf(c, file);
        Module model = arch.build();
        try {
            switch (format) {
                case STACKED:
                    CompressedCheckpoint.load(file, model);
                    break;
                case INT8:
                    QuantizedCheckpoint.load(file, model);
                    break;
                case SPARSE:
                    SparseCheckpoint.load(file, model);
                    break;
                default:
                    Mask.loadStateDict(model, c.toStateDict());
                    Mask.removeAll(model);
            }
        } catch (CheckpointContentException ex) {
            throw ex;
        } catch (IllegalArgumentException | IllegalStateException ex) {
            throw new CheckpointContentException(file.toString(), "does not load into " + arch + ": " + ex.getMessage(), ex);
        }
        model.eval();
        return new ModelFile(file, format, arch, model, c.metadata(), torchNames);
    }

    static Format formatOf(Checkpoint c) {
        if (c.metadata().containsKey(CompressedCheckpoint.FORMAT_KEY)) {
            return Format.STACKED;
        }
        if (c.metadata().containsKey(QuantizedCheckpoint.MODE_KEY)) {
            return Format.INT8;
        }
        for (String key : c.entries().keySet()) {
            String last = key.substring(key.lastIndexOf('.') + 1);
            if (last.startsWith("csr_") || last.startsWith("bcsr_")) {
                return Format.SPARSE;
            }
        }
        return Format.DENSE;
    }

    /**
     * The architecture of {@code c}, from the shape of each layer's weight: the entry
     * {@code P.weight} (dense, int8), {@code P.weight_orig} (masked), or the metadata
     * {@code P.weight.shape} (sparse and stacked files, whose weight is stored in pieces).
     */
    static Architecture architectureOf(Checkpoint c, Path file) {
        // Sorted by index, so that 1, 3, 5 … come in order whatever the file's order.
        TreeMap<String, int[]> weights = new TreeMap<>(ModelFile::compareIndices);
        for (Map.Entry<String, TensorEntry> e : c.entries().entrySet()) {
            String key = e.getKey();
            for (String suffix : new String[] {".weight", ".weight" + Mask.ORIG}) {
                if (key.endsWith(suffix)) {
                    weights.put(key.substring(0, key.length() - suffix.length()), e.getValue().shape());
                }
            }
        }
        for (Map.Entry<String, String> m : c.metadata().entrySet()) {
            if (m.getKey().endsWith(".weight.shape")) {
                String layer = m.getKey().substring(0, m.getKey().length() - ".weight.shape".length());
                weights.put(layer, parseShape(m.getValue(), m.getKey(), file));
            }
        }
        if (weights.isEmpty()) {
            throw new IllegalArgumentException(file + ": holds no layer weights (no <layer>.weight tensor or "
                    + "<layer>.weight.shape metadata); it is not a model file written by Pare");
        }
        boolean conv = weights.values().stream().anyMatch(s -> s.length == 4);
        Architecture arch = conv ? new Architecture(weights.containsKey("3.0") ? Kind.MOBILENET : Kind.SMALL_CNN, new int[0])
                : mlpOf(weights, file);
        String declared = c.metadata().get("architecture");
        if (declared != null && !agrees(declared, arch)) {
            throw new IllegalArgumentException(file + ": metadata 'architecture' is '" + declared
                    + "' but its weights are those of " + arch + " " + shapes(weights));
        }
        return arch;
    }

    /**
     * Whether the metadata's name fits: "cnn" and "mobilenet" exactly; for an MLP, a full name
     * ("mlp-784-53-10", distill's and the pipeline's) exactly, a bare "mlp…" ("mlp",
     * "mlp-student") as any MLP.
     */
    private static boolean agrees(String declared, Architecture arch) {
        if (arch.kind != Kind.MLP) {
            return declared.equals(arch.name());
        }
        return declared.matches("mlp-784(-\\d+)*-10") ? declared.equals(arch.name()) : declared.startsWith("mlp");
    }

    /** FashionModels.mlp's layers: Linear at 1, 3, …, 2k+1, from 784 inputs, each taking the previous one's outputs, to 10. */
    private static Architecture mlpOf(TreeMap<String, int[]> weights, Path file) {
        List<Integer> hidden = new ArrayList<>();
        int expectedIn = 28 * 28;
        int index = 1;
        for (Map.Entry<String, int[]> e : weights.entrySet()) {
            int[] s = e.getValue();
            if (!e.getKey().equals(Integer.toString(index)) || s.length != 2 || s[1] != expectedIn) {
                throw new IllegalArgumentException(file + ": its layer weights " + shapes(weights) + " are not an MLP of "
                        + "FashionModels (Linear layers at 1, 3, 5, … of [out, in], from 784 inputs, each taking the "
                        + "previous layer's outputs, to 10 classes): layer '" + e.getKey() + "' is the first that differs");
            }
            hidden.add(s[0]);
            expectedIn = s[0];
            index += 2;
        }
        int classes = hidden.remove(hidden.size() - 1);
        if (classes != 10) {
            throw new IllegalArgumentException(file + ": its last layer has " + classes + " outputs, not the 10 classes of "
                    + "Fashion-MNIST: " + shapes(weights));
        }
        return new Architecture(Kind.MLP, hidden.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Numeric paths by value (2 before 10), others after them by name. */
    private static int compareIndices(String a, String b) {
        boolean na = a.matches("\\d{1,9}");
        boolean nb = b.matches("\\d{1,9}");
        if (na && nb) {
            return Integer.compare(Integer.parseInt(a), Integer.parseInt(b));
        }
        return na ? -1 : nb ? 1 : a.compareTo(b);
    }

    private static int[] parseShape(String s, String key, Path file) {
        try {
            String[] parts = s.split(",", -1);
            int[] shape = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                shape[i] = Integer.parseInt(parts[i].trim());
                if (shape[i] <= 0) {
                    throw new NumberFormatException();
                }
            }
            return shape;
        } catch (NumberFormatException ex) {
            throw new CheckpointContentException(file.toString(), "metadata " + key + " is '" + s
                    + "', expected positive sizes separated by commas", ex);
        }
    }

    private static String shapes(Map<String, int[]> weights) {
        StringBuilder b = new StringBuilder("{");
        weights.forEach((k, v) -> b.append(b.length() == 1 ? "" : ", ").append(k).append('=').append(Arrays.toString(v)));
        return b.append('}').toString();
    }
}
