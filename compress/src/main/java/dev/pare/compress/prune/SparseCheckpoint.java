package dev.pare.compress.prune;

import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.DType;
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
        if (s.csr() != null) {
            CsrMatrix m = s.csr();
            c.put(w + ".csr_values", s.values());
            c.put(w + ".csr_col_indices", m.hasNarrowColumns()
                    ? TensorEntry.ofShorts(m.narrowColumns(), m.nonZeros())
                    : TensorEntry.ofInts(m.wideColumns(), m.nonZeros()));
            c.put(w + ".csr_row_ptr", TensorEntry.ofInts(m.rowPtr(), m.rows() + 1));
        } else {
            BlockCsrMatrix m = s.blockCsr();
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
     * @throws IllegalArgumentException if a sparse layer's shape or arrays do not fit, naming it
     */
    public static void load(Path file, Module model) throws IOException {
        Checkpoint c = SafeTensors.read(file);
        Map<String, Tensor> state = new LinkedHashMap<>();
        Map<String, String> meta = c.metadata();
        for (Map.Entry<String, TensorEntry> e : c.entries().entrySet()) {
            String key = e.getKey();
            String w = weightPrefixOf(key);
            if (w == null) {
                if (e.getValue().dtype() != DType.F32) {
                    throw new IllegalArgumentException(file + ": entry \"" + key + "\" is " + e.getValue()
                            + "; only the arrays of sparse weights may be integers");
                }
                state.put(key, e.getValue().tensor());
            } else if (key.endsWith(".csr_values") || key.endsWith(".bcsr_values")) {
                String layer = w.substring(0, w.length() - ".weight".length());
                SparseLinear s = rebuild(file, c, meta, w, layer, model);
                model.replaceModule(layer, s);
                state.put(prefix(layer) + "values", s.values());
            }
        }
        Mask.loadStateDict(model, state);
    }

    private static SparseLinear rebuild(Path file, Checkpoint c, Map<String, String> meta, String w, String layer,
                                        Module model) {
        String formatName = meta.get(w + ".format");
        String shape = meta.get(w + ".shape");
        if (formatName == null || shape == null) {
            throw new IllegalArgumentException(file + ": sparse weight \"" + w + "\" lacks the metadata " + w
                    + ".format and " + w + ".shape");
        }
        String[] dims = shape.split(",");
        int out = Integer.parseInt(dims[0].trim());
        int in = Integer.parseInt(dims[1].trim());
        Module old = model.getModule(layer);
        int oldIn = old instanceof Linear ? ((Linear) old).inFeatures()
                : old instanceof SparseLinear ? ((SparseLinear) old).inFeatures() : -1;
        int oldOut = old instanceof Linear ? ((Linear) old).outFeatures()
                : old instanceof SparseLinear ? ((SparseLinear) old).outFeatures() : -1;
        if (oldIn != in || oldOut != out) {
            throw new IllegalArgumentException(file + ": sparse weight \"" + w + "\" is [" + out + ", " + in
                    + "] but the model has " + old + " at \"" + layer + "\"");
        }
        Tensor bias = c.entries().containsKey(prefix(layer) + "bias") ? c.entry(prefix(layer) + "bias").tensor() : null;
        SparseFormat format = SparseFormat.fromFileName(formatName);
        if (format == SparseFormat.CSR) {
            float[] values = c.entry(w + ".csr_values").tensor().contiguous().toArray();
            int[] rowPtr = c.entry(w + ".csr_row_ptr").ints();
            TensorEntry cols = c.entry(w + ".csr_col_indices");
            CsrMatrix m = cols.dtype() == DType.I16
                    ? new CsrMatrix(out, in, rowPtr, cols.shorts(), values)
                    : new CsrMatrix(out, in, rowPtr, cols.ints(), values);
            return SparseLinear.ofCsr(m, bias);
        }
        float[] values = c.entry(w + ".bcsr_values").tensor().contiguous().toArray();
        BlockCsrMatrix m = new BlockCsrMatrix(out, in, format.blockWidth(), c.entry(w + ".bcsr_block_ptr").ints(),
                c.entry(w + ".bcsr_block_starts").ints(), values);
        return SparseLinear.ofBlockCsr(m, bias);
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
