package dev.pare.compress.quantize;

import dev.pare.nn.Conv2d;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.attention.MultiheadAttention;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.CheckpointContentException;
import dev.pare.nn.io.DType;
import dev.pare.nn.io.EntryChecks;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.io.TensorEntry;
import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Saves a quantized model as safetensors with int8 weights, and loads it back into its float
 * architecture.
 *
 * <p>Names, for a quantized layer at path {@code P} (e.g. {@code 1} in a Sequential):
 * <table>
 *   <caption>entries of one quantized layer</caption>
 *   <tr><td>{@code P.weight}</td><td>I8</td><td>{@code [out, in]} or {@code [O, C/g, k, k]}: symmetric codes in [−127, 127]</td></tr>
 *   <tr><td>{@code P.weight_scale}</td><td>float</td><td>{@code [out]} per channel, {@code [1]} per tensor</td></tr>
 *   <tr><td>{@code P.bias}</td><td>float</td><td>{@code [out]}, if the layer has one</td></tr>
 *   <tr><td>{@code P.input_scale}</td><td>float</td><td>{@code [1]}, static layers only</td></tr>
 *   <tr><td>{@code P.input_zero_point}</td><td>I32</td><td>{@code [1]}, static layers only</td></tr>
 * </table>
 * A {@link MultiheadAttention} at path {@code A} whose packed input projection was quantized
 * stores it the same way under {@code P = A.in_proj}: {@code A.in_proj.weight} I8
 * {@code [3·H·d, E]} (W_q, W_k, W_v stacked, as in {@code in_proj_weight}), its scales and
 * {@code A.in_proj.bias}; its {@code out_proj} is an ordinary layer at {@code A.out_proj}. Loading
 * installs the projection with {@link MultiheadAttention#setInProjection}. A layer whose heads
 * were pruned needs an architecture with the same head counts
 * ({@code dev.pare.compress.prune.HeadPruner#matchHeads}); otherwise the shape check names the
 * entry and both shapes.
 *
 * <p>Every other tensor of the model (a BatchNorm's, a LayerNorm's, an embedding) is saved under
 * its usual state-dict name. "float" is F32 by default; {@link #save(Path, Module, DType)} can
 * store every float tensor as F16 or BF16 instead, and loading accepts any float dtype (F32, F16,
 * BF16, F64) for each of them. The header's {@code __metadata__} holds {@code "quantization"}: the scheme,
 * e.g. {@code "static-per-channel-int8"} (mode, granularity, int8), and
 * {@code "quantization_mode"}/{@code "quantization_granularity"} separately.
 * Weight real value = {@code weight_scale[r] · weight[r, …]}; PyTorch can read every entry.
 */
public final class QuantizedCheckpoint {
    public static final String SCHEME_KEY = "quantization";
    public static final String MODE_KEY = "quantization_mode";
    public static final String GRANULARITY_KEY = "quantization_granularity";

    private QuantizedCheckpoint() {}

    /** The scheme name for a mode and granularity, e.g. {@code static-per-channel-int8}. */
    public static String scheme(QuantMode mode, Granularity granularity) {
        return mode.label() + "-" + granularity.label() + "-int8";
    }

    /** The checkpoint of a quantized model, its float tensors as F32 (see the class comment for the names). */
    public static Checkpoint toCheckpoint(Module model) {
        return toCheckpoint(model, DType.F32);
    }

    /**
     * The checkpoint of a quantized model with every float tensor stored as {@code floatType}:
     * the biases, the weight and input scales, and the layers left float (norms, embeddings,
     * BatchNorm). The int8 codes and the zero points are integers and keep I8 and I32.
     *
     * <p>Why an option: the int8 codes are a quarter of the float weights, so in a small
     * quantized model the float tensors become a large share of the file, and F16 or BF16 halve
     * that share. Each value is rounded to nearest, ties to even, when written, so the model
     * read back is not the one in memory: measure the model loaded from the file (a relative
     * change of at most 2^-11 per value for F16, 2^-8 for BF16, and, for F16 only, an absolute
     * one of at most 2^-25 below 2^-14, where F16 has fewer bits). Counters such as BatchNorm's
     * {@code num_batches_tracked} stay F32, because F16 holds integers exactly only up to 2048.
     *
     * @param floatType F32 (lossless), F16, BF16 or F64
     * @throws IllegalArgumentException if {@code floatType} is not a float type, or, for F16, a
     *     weight or input scale is below 2^-14: every weight of its row is a multiple of it, so it
     *     must keep F16's full precision (the message names the tensor, the index and the value;
     *     BF16 has F32's range and never meets this)
     */
    public static Checkpoint toCheckpoint(Module model, DType floatType) {
        if (floatType == null || !floatType.isFloatingPoint()) {
            throw new IllegalArgumentException("QuantizedCheckpoint.toCheckpoint: float type " + floatType
                    + " is not one of F32, F16, BF16, F64; the int8 codes are stored as I8 whatever it is");
        }
        Checkpoint c = new Checkpoint();
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
            String last = e.getKey().substring(e.getKey().lastIndexOf('.') + 1);
            c.put(e.getKey(), TensorEntry.of(e.getValue(), Checkpoint.INT64_BUFFERS.contains(last) ? DType.F32 : floatType));
        }
        QuantMode mode = null;
        Granularity granularity = null;
        for (Map.Entry<String, Module> e : model.namedModules().entrySet()) {
            String p = e.getKey().isEmpty() ? "" : e.getKey() + ".";
            Module m = e.getValue();
            if (m instanceof QuantizedLinear q) {
                put(c, p, q.weightCodes(), new int[] {q.outFeatures(), q.inFeatures()}, q.weightScales(),
                        q.granularity(), q.bias(), q.inputParams(), floatType);
                mode = q.mode();
                granularity = q.granularity();
            } else if (m instanceof QuantizedConv2d q) {
                put(c, p, q.weightCodes(), q.weightShape(), q.weightScales(), q.granularity(), q.bias(), q.inputParams(),
                        floatType);
                mode = q.mode();
                granularity = q.granularity();
            }
        }
        if (mode == null) {
            throw new IllegalArgumentException("QuantizedCheckpoint: the model has no quantized layer; use SafeTensors.save");
        }
        c.putMetadata(SCHEME_KEY, scheme(mode, granularity));
        c.putMetadata(MODE_KEY, mode.label());
        c.putMetadata(GRANULARITY_KEY, granularity.label());
        return c;
    }

    private static void put(Checkpoint c, String p, byte[] codes, int[] shape, float[] scales, Granularity g,
                            float[] bias, QuantParams input, DType floatType) {
        c.put(p + "weight", TensorEntry.ofBytes(codes, shape));
        float[] s = g == Granularity.PER_TENSOR ? new float[] {scales[0]} : scales;
        c.put(p + "weight_scale", scaleEntry(p + "weight_scale", s, floatType));
        if (bias != null) {
            c.put(p + "bias", TensorEntry.of(Tensor.fromArray(bias, bias.length), floatType));
        }
        if (input != null) {
            c.put(p + "input_scale", scaleEntry(p + "input_scale", new float[] {input.scale()}, floatType));
            c.put(p + "input_zero_point", TensorEntry.ofInts(new int[] {input.zeroPoint()}, 1));
        }
    }

    /** F16's smallest normal number, 2^-14: below it F16 keeps fewer than its 11 significant bits. */
    private static final float F16_MIN_NORMAL = 0x1p-14f;

    /**
     * Scales as a {@code floatType} entry. Trap: a bias or a norm weight that falls below 2^-14 in
     * F16 loses at most 2^-25, nothing next to the values beside it; a scale there would lose a
     * large part of itself, and so would every weight of its row, or become 0, which no layer
     * can be built from. So such a scale is refused rather than stored.
     */
    private static TensorEntry scaleEntry(String name, float[] s, DType floatType) {
        if (floatType == DType.F16) {
            for (int i = 0; i < s.length; i++) {
                if (s[i] < F16_MIN_NORMAL) {
                    throw new IllegalArgumentException("QuantizedCheckpoint: " + name + "[" + i + "] = " + s[i]
                            + " is below F16's smallest normal number 2^-14 = " + F16_MIN_NORMAL
                            + ", where F16 would round it with fewer significant bits (or to 0);"
                            + " store the floats as BF16 or F32");
                }
            }
        }
        return TensorEntry.of(Tensor.fromArray(s, s.length), floatType);
    }

    /** Writes the model's checkpoint, its float tensors as F32, to {@code file}; returns the file size in bytes. */
    public static long save(Path file, Module model) throws IOException {
        return save(file, model, DType.F32);
    }

    /**
     * Writes the model's checkpoint to {@code file} with its float tensors stored as
     * {@code floatType} ({@link #toCheckpoint(Module, DType)} says what rounds and what is
     * refused; {@link SafeTensors#write} also refuses, naming it, a value beyond F16's range);
     * returns the file size in bytes.
     */
    public static long save(Path file, Module model, DType floatType) throws IOException {
        SafeTensors.write(file, toCheckpoint(model, floatType));
        return Files.size(file);
    }

    /**
     * Reads {@code file} into {@code architecture}, a freshly built float model of the same
     * structure: each Linear/Conv2d whose {@code weight} entry is I8 is replaced by the quantized
     * layer the file describes, every other tensor is loaded strictly. Returns the architecture.
     *
     * @throws CheckpointContentException if the file is not a quantized checkpoint, or a tensor is
     *     missing, of the wrong dtype or shape for the architecture (a bias the layer has, scales one
     *     per output channel when per-channel), naming the file, the tensor and the rule
     */
    public static Module load(Path file, Module architecture) throws IOException {
        return fromCheckpoint(SafeTensors.read(file), file.toString(), architecture);
    }

    /**
     * What {@link #load} does once the file is read: {@code source} names where {@code c} came
     * from in error messages. Formats that store the int8 codes differently (packed, sparse)
     * rebuild the I8 {@code weight} entries and then call this.
     */
    public static Module fromCheckpoint(Checkpoint c, String source, Module architecture) {
        String modeLabel = c.metadata().get(MODE_KEY);
        String granularityLabel = c.metadata().get(GRANULARITY_KEY);
        if (modeLabel == null || granularityLabel == null) {
            throw new CheckpointContentException(source, "has no " + MODE_KEY + "/" + GRANULARITY_KEY
                    + " metadata; it is not a quantized checkpoint", (Throwable) null);
        }
        QuantMode mode;
        Granularity granularity;
        try {
            mode = QuantMode.fromLabel(modeLabel);
            granularity = Granularity.fromLabel(granularityLabel);
        } catch (IllegalArgumentException ex) {
            throw new CheckpointContentException(source, "metadata " + MODE_KEY + "/" + GRANULARITY_KEY + ": "
                    + ex.getMessage(), ex);
        }
        Map<String, TensorEntry> entries = c.entries();
        Map<String, TensorEntry> rest = new LinkedHashMap<>(entries);
        checkHeadCounts(entries, source, architecture);
        List<String> paths = new ArrayList<>();
        for (Map.Entry<String, Module> e : architecture.namedModules().entrySet()) {
            Module m = e.getValue();
            String p = e.getKey().isEmpty() ? "" : e.getKey() + ".";
            TensorEntry w = entries.get(p + "weight");
            if ((m instanceof Linear || m instanceof Conv2d) && w != null && w.dtype() == DType.I8) {
                paths.add(e.getKey());
            }
        }
        for (String path : paths) {
            if (path.isEmpty()) {
                throw new CheckpointContentException(source, "weight", "the architecture is a bare layer; wrap it in a Sequential");
            }
            String p = path + ".";
            Module m = architecture.getModule(path);
            int[] weightShape = m instanceof Linear l ? new int[] {l.outFeatures(), l.inFeatures()}
                    : ((Conv2d) m).weight().shape();
            // The file must have a bias exactly when the architecture's layer does: a missing one
            // would otherwise load as a layer without bias.
            Parts parts = readParts(entries, rest, source, p, path, weightShape, m.stateDict().containsKey("bias"), mode,
                    granularity);
            Module q;
            try {
                if (m instanceof Linear l) {
                    q = new QuantizedLinear(l.inFeatures(), weightShape[0], parts.codes, parts.scales, parts.bias,
                            parts.mode, granularity, parts.input);
                } else {
                    Conv2d conv = (Conv2d) m;
                    q = new QuantizedConv2d(conv.weight().shape(), parts.codes, parts.scales, parts.bias, conv.stride(),
                            conv.padding(), conv.dilation(), conv.groups(), parts.mode, granularity, parts.input);
                }
            } catch (IllegalArgumentException ex) {
                throw new CheckpointContentException(source, p + "weight", ex.getMessage(), ex);
            }
            architecture.replaceModule(path, q);
        }
        // Attention's packed input projection: an I8 "P.in_proj.weight" [3·H·d, E] becomes the
        // QuantizedLinear that MultiheadAttention.setInProjection installs.
        for (Map.Entry<String, Module> e : new ArrayList<>(architecture.namedModules().entrySet())) {
            String p = e.getKey().isEmpty() ? "in_proj." : e.getKey() + ".in_proj.";
            TensorEntry w = entries.get(p + "weight");
            if (!(e.getValue() instanceof MultiheadAttention mha) || w == null || w.dtype() != DType.I8
                    || mha.inProjection() != null) {
                continue;
            }
            int[] weightShape = {3 * mha.innerDim(), mha.embedDim()};
            Parts parts = readParts(entries, rest, source, p, p.substring(0, p.length() - 1), weightShape, mha.hasBias(),
                    mode, granularity);
            try {
                mha.setInProjection(new QuantizedLinear(weightShape[1], weightShape[0], parts.codes, parts.scales,
                        parts.bias, parts.mode, granularity, parts.input));
            } catch (IllegalArgumentException ex) {
                throw new CheckpointContentException(source, p + "weight", ex.getMessage(), ex);
            }
        }
        Map<String, Tensor> state = new LinkedHashMap<>();
        for (Map.Entry<String, TensorEntry> e : rest.entrySet()) {
            // Only the quantized layers found above may hold integers; an I8 tensor anywhere else
            // (say under "3.WEIGHT") matches no layer and is damage, not a float to convert.
            EntryChecks.checkDType(e.getValue(), source, e.getKey(), EntryChecks.FLOATS);
            state.put(e.getKey(), e.getValue().tensor());
        }
        try {
            architecture.loadStateDict(state, true);
        } catch (CheckpointContentException ex) {
            throw ex;
        } catch (IllegalArgumentException ex) {
            throw new CheckpointContentException(source, ex.getMessage(), ex);
        }
        return architecture;
    }

    /**
     * A file whose attention layers have fewer heads than the architecture's (heads pruned before
     * quantizing) would fail on the first projection whose shape differs; say what it means.
     */
    private static void checkHeadCounts(Map<String, TensorEntry> entries, String source, Module architecture) {
        for (Map.Entry<String, Module> e : architecture.namedModules().entrySet()) {
            if (!(e.getValue() instanceof MultiheadAttention mha)) {
                continue;
            }
            String p = e.getKey().isEmpty() ? "" : e.getKey() + ".";
            TensorEntry w = entries.containsKey(p + "in_proj.weight") ? entries.get(p + "in_proj.weight")
                    : entries.get(p + "in_proj_weight");
            if (w != null && w.shape().length == 2 && w.shape()[0] != 3 * mha.innerDim()
                    && w.shape()[0] % (3 * mha.headDim()) == 0) {
                throw new CheckpointContentException(source, "attention layer \"" + e.getKey() + "\" has "
                        + w.shape()[0] / (3 * mha.headDim()) + " heads in the file (its packed projection is "
                        + java.util.Arrays.toString(w.shape()) + ") and " + mha.numHeads() + " in the architecture;"
                        + " shape the architecture with HeadPruner.matchHeads first", (Throwable) null);
            }
        }
    }

    /** The int8 parts of one quantized layer as read from the file. */
    private record Parts(byte[] codes, float[] scales, float[] bias, QuantParams input, QuantMode mode) {}

    /**
     * Reads and checks the entries {@code p + "weight"}, {@code "weight_scale"}, {@code "bias"} and
     * the static input parameters of the layer at {@code path}, removing them from {@code rest}.
     */
    private static Parts readParts(Map<String, TensorEntry> entries, Map<String, TensorEntry> rest, String source,
                                   String p, String path, int[] weightShape, boolean hasBias, QuantMode mode,
                                   Granularity granularity) {
        int out = weightShape[0];
        byte[] codes = EntryChecks.require(entries, source, p + "weight", I8, weightShape).bytes();
        rest.remove(p + "weight");
        // Per channel means one scale per output channel; a single scale there would be
        // applied to every channel and give a wrong model, not an error, so the length is exact.
        int scaleCount = granularity == Granularity.PER_CHANNEL ? out : 1;
        float[] scales = expand(EntryChecks.require(entries, source, p + "weight_scale", EntryChecks.FLOATS,
                scaleCount).tensor().toArray(), out);
        rest.remove(p + "weight_scale");
        float[] bias = null;
        if (hasBias) {
            bias = EntryChecks.require(entries, source, p + "bias", EntryChecks.FLOATS, out).tensor().toArray();
        } else if (entries.containsKey(p + "bias")) {
            throw new CheckpointContentException(source, p + "bias", "is in the file but layer \"" + path
                    + "\" of the architecture has no bias");
        }
        rest.remove(p + "bias");
        boolean hasScale = entries.containsKey(p + "input_scale");
        boolean hasZero = entries.containsKey(p + "input_zero_point");
        QuantParams input = null;
        if (hasScale || hasZero || mode == QuantMode.STATIC) {
            // Static layers store both input parameters; one without the other is damage.
            float inputScale = EntryChecks.require(entries, source, p + "input_scale", EntryChecks.FLOATS, 1)
                    .tensor().toArray()[0];
            int zeroPoint = EntryChecks.require(entries, source, p + "input_zero_point", I32, 1).ints()[0];
            try {
                input = new QuantParams(inputScale, zeroPoint);
            } catch (IllegalArgumentException ex) {
                throw new CheckpointContentException(source, p + "input_scale", ex.getMessage(), ex);
            }
            rest.remove(p + "input_scale");
            rest.remove(p + "input_zero_point");
        }
        return new Parts(codes, scales, bias, input, input != null ? QuantMode.STATIC : mode);
    }

    private static final DType[] I8 = {DType.I8};
    private static final DType[] I32 = {DType.I32};

    /** The per-channel scales: {@code s} itself, or its one per-tensor scale repeated {@code out} times. */
    private static float[] expand(float[] s, int out) {
        if (s.length == out) {
            return s;
        }
        float[] all = new float[out];
        java.util.Arrays.fill(all, s[0]);
        return all;
    }
}
