package dev.pare.compress.prune;

import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.CheckpointContentException;
import dev.pare.nn.io.DType;
import dev.pare.nn.io.EntryChecks;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.io.TensorEntry;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.BlockCsrMatrix;
import dev.pare.tensor.kernels.CsrMatrix;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Saves and loads models holding {@link SparseLinear} layers as safetensors, with the sparse
 * weight stored as its arrays, so the file shrinks with the sparsity.
 *
 * <p>For a {@code SparseLinear} at path {@code p} the file holds, instead of {@code p.weight}:
 * <pre>
 *   CSR                                        block-CSR (1×B)
 *   p.weight.csr_values       F32 [nnz]        p.weight.bcsr_values       F32 [blocks, B]
 *   p.weight.csr_col_indices  I16 [nnz]        p.weight.bcsr_block_starts I32 [blocks]
 *                             (I32 above 32,768 inputs)
 *   p.weight.csr_row_ptr      I32 [out + 1]    p.weight.bcsr_block_ptr    I32 [out + 1]
 * </pre>
 * and, in the header's {@code __metadata__}, {@code p.weight.format} ({@code csr}, {@code bcsr8}
 * or {@code bcsr16}) and {@code p.weight.shape} ({@code "out,in"}). The bias stays
 * {@code p.bias}, and every other parameter and buffer is written as in
 * {@link SafeTensors#save}. The names follow {@code torch.sparse_csr_tensor}'s three arrays
 * (values, col_indices, crow_indices), so a short script rebuilds the tensor in PyTorch.
 *
 * <p>At 90% sparsity a CSR weight costs 6 bytes per kept weight plus 4 per row: about 0.6 + ε of
 * 4 bytes per weight, 6.6× smaller than dense. With 4-byte indices it would be 8 bytes, 5× at
 * best, which is why the narrow indices are written as I16.
 */
public final class SparseCheckpoint {
    private SparseCheckpoint() {}

    /** Writes {@code model} to {@code file} (atomically), sparse layers in their sparse form. */
    public static void save(Path file, Module model, Map<String, String> metadata) throws IOException {
        SafeTensors.write(file, toCheckpoint(model, metadata));
    }

    /** The checkpoint {@link #save} writes. */
    public static Checkpoint toCheckpoint(Module model, Map<String, String> metadata) {
        Checkpoint c = new Checkpoint();
        metadata.forEach(c::putMetadata);
        Map<String, SparseLinear> sparse = sparseLayers(model);
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
            String key = e.getKey();
            String owner = key.contains(".") ? key.substring(0, key.lastIndexOf('.')) : "";
            SparseLinear s = sparse.get(owner);
            if (s != null && key.equals(prefix(owner) + "values")) {
                putSparse(c, prefix(owner) + "weight", s);
            } else {
                c.put(key, e.getValue());
            }
        }
        return c;
    }

    private static void putSparse(Checkpoint c, String w, SparseLinear s) {
        c.putMetadata(w + ".format", s.format().fileName());
        c.putMetadata(w + ".shape", s.outFeatures() + "," + s.inFeatures());
        if (s.weights() instanceof CsrWeights csr) {
            CsrMatrix m = csr.matrix();
            c.put(w + ".csr_values", s.values());
            c.put(w + ".csr_col_indices", m.hasNarrowColumns()
                    ? TensorEntry.ofShorts(m.narrowColumns(), m.nonZeros())
                    : TensorEntry.ofInts(m.wideColumns(), m.nonZeros()));
            c.put(w + ".csr_row_ptr", TensorEntry.ofInts(m.rowPtr(), m.rows() + 1));
        } else if (s.weights() instanceof BlockCsrWeights block) {
            BlockCsrMatrix m = block.matrix();
            c.put(w + ".bcsr_values", s.values());
            c.put(w + ".bcsr_block_starts", TensorEntry.ofInts(m.blockStart(), m.blocks()));
            c.put(w + ".bcsr_block_ptr", TensorEntry.ofInts(m.blockPtr(), m.rows() + 1));
        }
    }

    /**
     * Loads {@code file} into {@code model}: every layer the file stores sparse replaces the
     * module at its path (a {@link Linear} or {@code SparseLinear} of the same shape) by a
     * {@code SparseLinear}; everything else loads as {@link Mask#loadStateDict} does (strictly,
     * masked or not).
     *
     * <p>Every number taken from the file is checked before it is used: the metadata shape must
     * be two positive sizes equal to the model's layer, each array must have its dtype and length
     * (values and column indices {@code [nnz]}, row pointers {@code [out + 1]}), and a bias must be
     * there exactly when the model's layer has one.
     *
     * @throws CheckpointContentException if a sparse layer's metadata, arrays or bias do not fit,
     *     naming the file, the tensor and the rule
     */
    public static void load(Path file, Module model) throws IOException {
        Checkpoint c = SafeTensors.read(file);
        String source = file.toString();
        Map<String, TensorEntry> entries = c.entries();
        Map<String, Tensor> state = new LinkedHashMap<>();
        Map<String, String> meta = c.metadata();
        for (Map.Entry<String, TensorEntry> e : entries.entrySet()) {
            String key = e.getKey();
            String w = weightPrefixOf(key);
            if (w == null) {
                if (e.getValue().dtype() != DType.F32) {
                    throw new CheckpointContentException(source, key, "is " + e.getValue()
                            + "; only the arrays of sparse weights may be integers, every other tensor is F32");
                }
                state.put(key, e.getValue().tensor());
                continue;
            }
            // The array names are p.weight.csr_… or p.weight.bcsr_…; anything else (a renamed
            // "p.bias.csr_values") would make the layer path below a wrong substring.
            if (!w.endsWith(".weight")) {
                throw new CheckpointContentException(source, key, "is a sparse array, but sparse arrays are named"
                        + " <layer>.weight.csr_… or <layer>.weight.bcsr_…");
            }
            if (key.endsWith(".csr_values") || key.endsWith(".bcsr_values")) {
                String layer = w.substring(0, w.length() - ".weight".length());
                SparseLinear s = rebuild(source, entries, meta, w, layer, model);
                model.replaceModule(layer, s);
                state.put(prefix(layer) + "values", s.values());
            } else if (!entries.containsKey(w + ".csr_values") && !entries.containsKey(w + ".bcsr_values")) {
                throw new CheckpointContentException(source, key, "is a sparse array of \"" + w + "\", whose values ("
                        + w + ".csr_values or " + w + ".bcsr_values) are missing");
            }
        }
        try {
            Mask.loadStateDict(model, state);
        } catch (CheckpointContentException ex) {
            throw ex;
        } catch (IllegalArgumentException ex) {
            throw new CheckpointContentException(source, ex.getMessage(), ex);
        }
    }

    private static final DType[] F32 = {DType.F32};
    private static final DType[] I32 = {DType.I32};

    private static SparseLinear rebuild(String source, Map<String, TensorEntry> entries, Map<String, String> meta,
                                        String w, String layer, Module model) {
        String formatName = meta.get(w + ".format");
        if (formatName == null) {
            throw new CheckpointContentException(source, w, "is stored sparse but the metadata " + w + ".format is missing");
        }
        SparseFormat format;
        try {
            format = SparseFormat.fromFileName(formatName);
        } catch (IllegalArgumentException ex) {
            throw new CheckpointContentException(source, w + ".format", ex.getMessage(), ex);
        }
        int[] dims = EntryChecks.parseDims(meta, source, w + ".shape", 2);
        int out = dims[0];
        int in = dims[1];
        Module old;
        try {
            old = model.getModule(layer);
        } catch (IllegalArgumentException ex) {
            throw new CheckpointContentException(source, w, "has no layer \"" + layer + "\" in the model", ex);
        }
        int oldIn = old instanceof Linear ? ((Linear) old).inFeatures()
                : old instanceof SparseLinear ? ((SparseLinear) old).inFeatures() : -1;
        int oldOut = old instanceof Linear ? ((Linear) old).outFeatures()
                : old instanceof SparseLinear ? ((SparseLinear) old).outFeatures() : -1;
        if (oldIn != in || oldOut != out) {
            throw new CheckpointContentException(source, w, "is [" + out + ", " + in + "] but the model has " + old
                    + " at \"" + layer + "\"");
        }
        // A missing bias would load as a layer without one: a different model, not an error, so
        // the file must have a bias exactly when the model's layer does.
        String biasName = prefix(layer) + "bias";
        boolean modelHasBias = old.stateDict().containsKey("bias");
        Tensor bias = null;
        if (modelHasBias) {
            bias = EntryChecks.require(entries, source, biasName, F32, out).tensor();
        } else if (entries.containsKey(biasName)) {
            throw new CheckpointContentException(source, biasName, "is in the file but the model's layer \"" + layer
                    + "\" has no bias");
        }
        try {
            if (format == SparseFormat.CSR) {
                TensorEntry valuesEntry = EntryChecks.requireDType(entries, source, w + ".csr_values", F32);
                int nnz = valuesEntry.numel();
                float[] values = EntryChecks.require(entries, source, w + ".csr_values", F32, nnz).tensor()
                        .contiguous().toArray();
                int[] rowPtr = EntryChecks.require(entries, source, w + ".csr_row_ptr", I32, out + 1).ints();
                TensorEntry cols = EntryChecks.require(entries, source, w + ".csr_col_indices",
                        new DType[] {DType.I16, DType.I32}, nnz);
                CsrMatrix m = cols.dtype() == DType.I16
                        ? new CsrMatrix(out, in, rowPtr, cols.shorts(), values)
                        : new CsrMatrix(out, in, rowPtr, cols.ints(), values);
                return SparseLinear.ofCsr(m, bias);
            }
            TensorEntry valuesEntry = EntryChecks.requireDType(entries, source, w + ".bcsr_values", F32);
            int[] vs = valuesEntry.shape();
            int blocks = vs.length == 2 ? vs[0] : -1;
            EntryChecks.require(entries, source, w + ".bcsr_values", F32, blocks, format.blockWidth());
            float[] values = valuesEntry.tensor().contiguous().toArray();
            int[] blockPtr = EntryChecks.require(entries, source, w + ".bcsr_block_ptr", I32, out + 1).ints();
            int[] starts = EntryChecks.require(entries, source, w + ".bcsr_block_starts", I32, blocks).ints();
            BlockCsrMatrix m = new BlockCsrMatrix(out, in, format.blockWidth(), blockPtr, starts, values);
            return SparseLinear.ofBlockCsr(m, bias);
        } catch (CheckpointContentException ex) {
            throw ex;
        } catch (IllegalArgumentException ex) {
            // CsrMatrix and BlockCsrMatrix check the arrays' contents (pointers rising, columns in range).
            throw new CheckpointContentException(source, w, ex.getMessage(), ex);
        }
    }

    /** "p.weight" for a key "p.weight.csr_…" or "p.weight.bcsr_…", else null. */
    private static String weightPrefixOf(String key) {
        int i = key.lastIndexOf('.');
        if (i < 0) {
            return null;
        }
        String last = key.substring(i + 1);
        return last.startsWith("csr_") || last.startsWith("bcsr_") ? key.substring(0, i) : null;
    }

    private static Map<String, SparseLinear> sparseLayers(Module model) {
        Map<String, SparseLinear> out = new LinkedHashMap<>();
        model.namedModules().forEach((p, m) -> {
            if (m instanceof SparseLinear) {
                out.put(p, (SparseLinear) m);
            }
        });
        return out;
    }

    private static String prefix(String path) {
        return path.isEmpty() ? "" : path + ".";
    }
}
