package dev.pare.samples;

import dev.pare.compress.prune.SparseLinear;
import dev.pare.compress.quantize.QuantizedConv2d;
import dev.pare.compress.quantize.QuantizedLinear;
import dev.pare.nn.KeyMap;
import dev.pare.nn.Module;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.DType;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.QuantizeKernels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model of {@link FashionModels}, however Pare stored it, as the state dict of its PyTorch twin:
 * the names, dtypes and layouts that {@code model.state_dict()} has in PyTorch, so that
 * {@code load_state_dict(state, strict=True)} takes the file as it is.
 *
 * <table>
 *   <caption>what each of Pare's layers becomes</caption>
 *   <tr><th>Pare</th><th>PyTorch entries</th></tr>
 *   <tr><td>Linear, Conv2d</td><td>{@code weight} [out, in] / [out, in/groups, kh, kw], {@code bias} [out]: as they are</td></tr>
 *   <tr><td>SparseLinear (pruned)</td><td>{@code weight} densified, 0 where nothing is stored; {@code bias}</td></tr>
 *   <tr><td>QuantizedLinear, QuantizedConv2d (int8, low-bit)</td><td>{@code weight[r, …] = weight_scale[r] · code[r, …]}
 *       (one float product, as Pare dequantizes); {@code bias}. The input scale and zero point of a
 *       static layer are dropped: a float model has no activation quantization</td></tr>
 *   <tr><td>BatchNorm2d</td><td>{@code weight}, {@code bias}, {@code running_mean}, {@code running_var}, and
 *       {@code num_batches_tracked} as I64 (PyTorch's int64 counter)</td></tr>
 * </table>
 *
 * <p>Float tensors are written as F32, F16 or BF16; BatchNorm's running statistics stay F32
 * whatever the choice, because BatchNorm divides by {@code sqrt(running_var + 1e-5)}: a variance
 * near 0 keeps few of its digits in F16 (its subnormals start at 6·10⁻⁵), and the error is then
 * multiplied into every activation of the channel, where a weight's rounding error is one term
 * of a sum.
 *
 * <p>Names: the CNNs' names are PyTorch's as they are. The MLP's depend on where the PyTorch
 * model flattens its input ({@link MlpNames}).
 */
final class TorchExport {
    /** Where the PyTorch MLP flattens its input, which decides its layers' indices. */
    enum MlpNames {
        /**
         * {@code nn.Sequential(nn.Linear(784, H), nn.ReLU(), …)}, images flattened before the
         * model ({@code model(x.flatten(1))}): {@code 0.weight, 2.weight, …}. How PyTorch MLPs
         * are most often written.
         */
        PLAIN,
        /** {@code nn.Sequential(nn.Flatten(), nn.Linear(784, H), …)}: {@code 1.weight, 3.weight, …}, Pare's own indices. */
        FLATTEN
    }

    /** BatchNorm's buffers that stay F32 when the weights are written in half precision. */
    static final Set<String> RUNNING_STATS = Set.of("running_mean", "running_var");

    private TorchExport() {}

    /**
     * The float state dict of the PyTorch twin of {@code source.model}, in PyTorch's order (module
     * by module, parameters then buffers). Dense tensors are shared with the model; densified and
     * dequantized weights are new.
     *
     * @throws IllegalStateException if the model holds a layer with state that has no PyTorch twin
     */
    static Map<String, Tensor> stateDict(ModelFile source, MlpNames names) {
        KeyMap rename = renaming(source, names);
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Module> e : source.model.namedModules().entrySet()) {
            Module m = e.getValue();
            if (!m.namedChildren().isEmpty()) {
                continue; // a container: its layers come on their own
            }
            String p = e.getKey().isEmpty() ? "" : e.getKey() + ".";
            if (m instanceof SparseLinear s) {
                out.put(rename.map(p + "weight"), s.denseWeight());
                putBias(out, rename.map(p + "bias"), s.bias() == null ? null : s.bias().detach().contiguous().toArray());
            } else if (m instanceof QuantizedLinear q) {
                out.put(rename.map(p + "weight"), dequantized(q.weightCodes(), q.weightScales(),
                        new int[] {q.outFeatures(), q.inFeatures()}));
                putBias(out, rename.map(p + "bias"), q.bias());
            } else if (m instanceof QuantizedConv2d q) {
                out.put(rename.map(p + "weight"), dequantized(q.weightCodes(), q.weightScales(), q.weightShape()));
                putBias(out, rename.map(p + "bias"), q.bias());
            } else {
                for (Map.Entry<String, Tensor> t : m.stateDict().entrySet()) {
                    if (t.getKey().contains("_orig") || t.getKey().contains("_mask")) {
                        throw new IllegalStateException(source.file + ": layer '" + e.getKey() + "' is still masked ("
                                + t.getKey() + "); PyTorch's twin has plain weights");
                    }
                    out.put(rename.map(p + t.getKey()), t.getValue());
                }
            }
        }
        return out;
    }

    /** Pare's names → PyTorch's: the plain MLP has no Flatten at index 0, so every index moves down by one. */
    private static KeyMap renaming(ModelFile source, MlpNames names) {
        return source.architecture.kind() == ModelFile.Kind.MLP && names == MlpNames.PLAIN
                ? KeyMap.builder().shiftIndex(-1).build() : KeyMap.identity();
    }

    private static void putBias(Map<String, Tensor> out, String name, float[] bias) {
        if (bias != null) {
            out.put(name, Tensor.fromArray(bias.clone(), bias.length));
        }
    }

    /** {@code scales[r] · codes[r, …]} for each output channel r, with Pare's own dequantization kernel. */
    private static Tensor dequantized(byte[] codes, float[] scales, int[] shape) {
        int rows = shape[0];
        int cols = codes.length / rows;
        float[] w = new float[codes.length];
        QuantizeKernels.dequantizeRows(codes, 0, w, 0, rows, cols, scales, null);
        return Tensor.wrap(w, 0, shape);
    }

    /**
     * The file to write: {@link #stateDict} with its float tensors as {@code dtype} (F32, F16 or
     * BF16), BatchNorm's running statistics as F32, its batch counters as I64, and metadata
     * saying what it is and where it came from.
     */
    static Checkpoint checkpoint(ModelFile source, DType dtype, MlpNames names) throws IOException {
        if (dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
            throw new IllegalArgumentException("export: dtype " + dtype + ": expected F32, F16 or BF16");
        }
        Checkpoint c = new Checkpoint();
        // safetensors.torch.save_file writes {"format": "pt"}; Hugging Face's loaders look for it.
        c.putMetadata("format", "pt");
        c.putMetadata("pare.architecture", source.architecture.name());
        c.putMetadata("pare.torch_module", torchModule(source.architecture, names));
        c.putMetadata("pare.dtype", dtype.name());
        c.putMetadata("pare.source", source.file.getFileName().toString());
        c.putMetadata("pare.source_sha256", sha256(source));
        c.putMetadata("pare.source_format", sourceFormat(source));
        String weights = weightsNote(source);
        if (weights != null) {
            c.putMetadata("pare.weights", weights);
        }
        String dropped = droppedNote(source, renaming(source, names));
        if (dropped != null) {
            c.putMetadata("pare.dropped", dropped);
        }
        // The source's own description (accuracy, seed, recipe), but not its per-layer layout keys.
        source.metadata.forEach((k, v) -> {
            if (!k.contains(".")) {
                c.putMetadata("source." + k, v);
            }
        });
        for (Map.Entry<String, Tensor> e : stateDict(source, names).entrySet()) {
            String key = e.getKey();
            String last = key.substring(key.lastIndexOf('.') + 1);
            DType type = RUNNING_STATS.contains(last) ? DType.F32 : dtype;
            // Checkpoint.of turns num_batches_tracked into I64, checking that it holds an integer.
            Checkpoint.of(Map.of(key, e.getValue()), type).entries().forEach(c::put);
        }
        return c;
    }

    /** The format line of the metadata, e.g. {@code int8 codes with float scales (QuantizedCheckpoint), static-per-channel-int8}. */
    private static String sourceFormat(ModelFile source) {
        String scheme = source.metadata.get("quantization");
        return source.format.description + (scheme == null || source.format == ModelFile.Format.DENSE ? "" : ", " + scheme);
    }

    private static String weightsNote(ModelFile source) {
        switch (source.format) {
            case SPARSE: return "densified: 0 where the pruned file stores no weight";
            case INT8:
            case STACKED: return "dequantized: weight[r, ...] = weight_scale[r] * code[r, ...], rounded once to float32";
            default: return null;
        }
    }

    /** The static layers' activation parameters, which the float twin has no place for, or null. */
    private static String droppedNote(ModelFile source, KeyMap rename) {
        List<String> layers = new ArrayList<>();
        source.model.namedModules().forEach((path, m) -> {
            if (m instanceof QuantizedLinear q && q.inputParams() != null
                    || m instanceof QuantizedConv2d c && c.inputParams() != null) {
                layers.add(rename.map(path)); // the layer's name in the export
            }
        });
        return layers.isEmpty() ? null : "input_scale and input_zero_point of layers " + String.join(", ", layers)
                + " (static int8 activations): the float model computes its activations in float32";
    }

    private static String sha256(ModelFile source) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException ex) {
            throw new AssertionError("every JDK has SHA-256", ex);
        }
        try (InputStream in = new DigestInputStream(Files.newInputStream(source.file), md)) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** The PyTorch code of the twin, with {@code nn} standing for {@code torch.nn}. */
    static String torchModule(ModelFile.Architecture arch, MlpNames names) {
        switch (arch.kind()) {
            case SMALL_CNN:
                return "nn.Sequential(nn.Conv2d(1, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2), "
                        + "nn.Conv2d(32, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), "
                        + "nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10))";
            case MOBILENET:
                return "nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1), nn.BatchNorm2d(16), nn.ReLU(), " + separable(16, 32, 2)
                        + ", " + separable(32, 64, 2) + ", " + separable(64, 128, 1)
                        + ", nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 10))";
            default:
                StringBuilder b = new StringBuilder("nn.Sequential(");
                if (names == MlpNames.FLATTEN) {
                    b.append("nn.Flatten(), ");
                }
                int in = 28 * 28;
                for (int h : arch.hidden()) {
                    b.append("nn.Linear(").append(in).append(", ").append(h).append("), nn.ReLU(), ");
                    in = h;
                }
                return b.append("nn.Linear(").append(in).append(", 10))").toString();
        }
    }

    /** FashionModels.separable in PyTorch: depthwise 3×3 · BN · ReLU, pointwise 1×1 · BN · ReLU, no biases. */
    private static String separable(int in, int out, int stride) {
        return "nn.Sequential(nn.Conv2d(" + in + ", " + in + ", 3, " + stride + ", 1, groups=" + in + ", bias=False), "
                + "nn.BatchNorm2d(" + in + "), nn.ReLU(), nn.Conv2d(" + in + ", " + out + ", 1, bias=False), "
                + "nn.BatchNorm2d(" + out + "), nn.ReLU())";
    }
}
