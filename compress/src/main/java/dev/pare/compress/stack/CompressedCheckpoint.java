package dev.pare.compress.stack;

import dev.pare.compress.quantize.QuantizedCheckpoint;
import dev.pare.nn.Module;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.CheckpointContentException;
import dev.pare.nn.io.DType;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.io.TensorEntry;
import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The file of a pruned and quantized model: only the non-zero codes are stored, each in b bits,
 * with their positions coded compactly. This is where pruning and quantization multiply (Han,
 * Mao and Dally's "Deep Compression", 2016, minus its weight sharing and Huffman stages).
 *
 * <p>It starts from the {@link QuantizedCheckpoint} of the model and rewrites each int8 weight
 * {@code P.weight} (I8, any shape, n codes of which nnz are non-zero) in whichever of three
 * layouts is smallest:
 * <pre>
 *   "dense"     P.weight_packed  [⌈n·b/8⌉]       every code                      n·b/8 bytes
 *   "bitmap"    P.weight_bitmap  [⌈n/8⌉]         bit i set: code i ≠ 0
 *               P.weight_packed  [⌈nnz·b/8⌉]     the non-zero codes              n/8 + nnz·b/8
 *   "relative"  P.weight_skips   [⌈e·k/8⌉]       zeros skipped before each entry
 *               P.weight_packed  [⌈e·b/8⌉]       the entries' codes              e·(k + b)/8
 * </pre>
 * (all I8; packing as in {@link BitPacking}; e = entries of a {@link RelativeIndex} with
 * k-bit skips, nnz plus fillers). The header's {@code __metadata__} holds, per weight,
 * {@code P.weight.layout}, {@code P.weight.shape} (e.g. {@code "64,784"}), {@code P.weight.bits},
 * and for "relative" {@code P.weight.index_bits} and {@code P.weight.entries}. Scales, biases
 * and input parameters stay as the quantized checkpoint writes them.
 *
 * <p>Which wins: dense when most codes are non-zero; the bitmap (1/8 byte per weight) in the
 * middle; the relative index at high sparsity, where a bitmap pays mostly for zeros. At 90%
 * sparsity with the zeros at random, and 8-bit codes, a weight costs about 0.1 · 13.5 / 8 = 0.17
 * bytes with the relative index, 0.225 with the bitmap and 1 dense: 24× less than fp32. (Pruned
 * weights are not at random: whole input pixels go, the gaps are longer and need more fillers;
 * the pipeline's student measures 14.3 bits per kept weight.) (CSR column indices of 16 bits
 * would cost 2 bytes per kept weight on their own.)
 *
 * <p>Loading rebuilds the int8 weights and hands the checkpoint to
 * {@link QuantizedCheckpoint#fromCheckpoint}, so the loaded model runs the ordinary int8 layers.
 */
public final class CompressedCheckpoint {
    public static final String FORMAT_KEY = "compression";
    public static final String FORMAT = "sparse-packed-codes";

    private CompressedCheckpoint() {}

    /** How one int8 weight is stored. */
    public enum Layout { DENSE, BITMAP, RELATIVE }

    /**
     * Writes the quantized {@code model} to {@code file} (atomically) with every int8 weight packed
     * to {@code bits} bits in its smaller layout; returns the file size in bytes.
     *
     * @throws IllegalArgumentException if a code does not fit {@code bits} bits (quantize with
     *                                  {@link LowBitWeights} first), or the model has no int8 layer
     */
    public static long save(Path file, Module model, int bits, Map<String, String> metadata) throws IOException {
        SafeTensors.write(file, toCheckpoint(model, bits, metadata));
        return Files.size(file);
    }

    /** The checkpoint {@link #save} writes. */
    public static Checkpoint toCheckpoint(Module model, int bits, Map<String, String> metadata) {
        BitPacking.maxCode(bits);
        Checkpoint quantized = QuantizedCheckpoint.toCheckpoint(model);
        Checkpoint c = new Checkpoint();
        metadata.forEach(c::putMetadata);
        quantized.metadata().forEach(c::putMetadata);
        c.putMetadata(FORMAT_KEY, FORMAT);
        for (Map.Entry<String, TensorEntry> e : quantized.entries().entrySet()) {
            String name = e.getKey();
            TensorEntry entry = e.getValue();
            if (!isCodes(name, entry)) {
                c.put(name, entry);
                continue;
            }
            if (name.equals("weight")) {
                throw new IllegalArgumentException("CompressedCheckpoint: the model is a bare layer; wrap it in a "
                        + "Sequential so that its weight has a path");
            }
            byte[] codes = entry.bytes();
            int n = codes.length;
            int[] count = new int[1];
            byte[] bitmap = BitPacking.nonZeroBitmap(codes, n, count);
            int nnz = count[0];
            String p = name.substring(0, name.length() - "weight".length());
            int indexBits = RelativeIndex.bestIndexBits(codes, n, bits);
            long denseBytes = BitPacking.packedBytes(n, bits);
            long bitmapBytes = sparseBytes(n, nnz, bits);
            long relativeBytes = relativeBytes(RelativeIndex.entries(codes, n, indexBits), indexBits, bits);
            Layout layout = relativeBytes < Math.min(denseBytes, bitmapBytes) ? Layout.RELATIVE
                    : bitmapBytes < denseBytes ? Layout.BITMAP : Layout.DENSE;
            try {
                switch (layout) {
                    case DENSE:
                        c.put(p + "weight_packed", bytes(BitPacking.pack(codes, n, bits)));
                        break;
                    case BITMAP:
                        c.put(p + "weight_bitmap", bytes(bitmap));
                        c.put(p + "weight_packed", bytes(BitPacking.pack(BitPacking.gatherNonZeros(codes, n, nnz), nnz, bits)));
                        break;
                    default:
                        RelativeIndex.Encoded rel = RelativeIndex.encode(codes, n, indexBits);
                        c.put(p + "weight_skips", bytes(BitPacking.packUnsigned(rel.skips(), rel.entries(), indexBits)));
                        c.put(p + "weight_packed", bytes(BitPacking.pack(rel.codes(), rel.entries(), bits)));
                        c.putMetadata(name + ".index_bits", Integer.toString(indexBits));
                        c.putMetadata(name + ".entries", Integer.toString(rel.entries()));
                }
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("CompressedCheckpoint: " + name + ": " + ex.getMessage()
                        + "; re-quantize the model to " + bits + " bits with LowBitWeights first", ex);
            }
            c.putMetadata(name + ".layout", layout.name().toLowerCase(java.util.Locale.ROOT));
            c.putMetadata(name + ".shape", shapeString(entry.shape()));
            c.putMetadata(name + ".bits", Integer.toString(bits));
        }
        return c;
    }

    /** Bytes of the relative layout: {@code entries} entries of {@code indexBits} + {@code bits} bits. */
    public static long relativeBytes(long entries, int indexBits, int bits) {
        return (entries * indexBits + 7) / 8 + (entries * bits + 7) / 8;
    }

    private static TensorEntry bytes(byte[] b) {
        return TensorEntry.ofBytes(b, b.length);
    }

    /** Bytes of the bitmap layout for {@code n} codes of which {@code nnz} are non-zero. */
    public static long sparseBytes(long n, long nnz, int bits) {
        return (n + 7) / 8 + BitPacking.packedBytes(nnz, bits);
    }

    /**
     * Reads {@code file} into {@code architecture} (a freshly built float model of the same
     * structure, as for {@link QuantizedCheckpoint#load}) and returns it with int8 layers.
     *
     * @throws CheckpointContentException if the file is not a compressed checkpoint or is inconsistent
     *                                  (a bitmap that marks more or fewer codes than are stored, a
     *                                  shape that does not match its codes), naming the entry
     */
    public static Module load(Path file, Module architecture) throws IOException {
        Checkpoint c = SafeTensors.read(file);
        try {
            return unpack(c, file, architecture);
        } catch (CheckpointContentException ex) {
            throw ex;
        } catch (IllegalArgumentException ex) {
            // The checks below already name the file and the entry; the named type lets a caller
            // tell a bad file from a bad call.
            throw new CheckpointContentException(file.toString(), ex.getMessage(), ex);
        }
    }

    private static Module unpack(Checkpoint c, Path file, Module architecture) {
        if (!FORMAT.equals(c.metadata().get(FORMAT_KEY))) {
            throw new IllegalArgumentException("CompressedCheckpoint.load: " + file + " has metadata " + FORMAT_KEY + " = "
                    + c.metadata().get(FORMAT_KEY) + ", expected " + FORMAT + "; it was not written by CompressedCheckpoint");
        }
        Checkpoint unpacked = new Checkpoint();
        c.metadata().forEach(unpacked::putMetadata);
        Map<String, TensorEntry> rest = new LinkedHashMap<>(c.entries());
        for (Map.Entry<String, String> m : c.metadata().entrySet()) {
            if (!m.getKey().endsWith(".weight.layout")) {
                continue;
            }
            String name = m.getKey().substring(0, m.getKey().length() - ".layout".length());
            String p = name.substring(0, name.length() - "weight".length());
            int[] shape = parseShape(c.metadata().get(name + ".shape"), name, file);
            int bits = parseBits(c.metadata().get(name + ".bits"), name, file);
            // The shape must be the architecture's before anything is allocated from it: the relative
            // layout stores no trailing zeros, so a corrupt shape alone could ask for gigabytes.
            int[] expected = architectureShape(architecture, name, file);
            if (!java.util.Arrays.equals(shape, expected)) {
                throw new IllegalArgumentException("CompressedCheckpoint.load: " + file + ": " + name + " has shape "
                        + shapeString(shape) + " in the file but " + shapeString(expected) + " in the architecture");
            }
            long n = 1;
            for (int d : shape) {
                n *= d;
            }
            int indexBits = 0;
            int entries = 0;
            if ("relative".equals(m.getValue())) {
                indexBits = parseInt(c.metadata().get(name + ".index_bits"), name + ".index_bits", file);
                entries = parseInt(c.metadata().get(name + ".entries"), name + ".entries", file);
            }
            TensorEntry packed = require(rest.remove(p + "weight_packed"), p + "weight_packed", file);
            byte[] codes;
            try {
                if ("bitmap".equals(m.getValue())) {
                    byte[] bitmap = require(rest.remove(p + "weight_bitmap"), p + "weight_bitmap", file).bytes();
                    if (bitmap.length != (n + 7) / 8) {
                        throw new IllegalArgumentException("bitmap of " + bitmap.length + " bytes for " + n + " weights");
                    }
                    int nnz = BitPacking.countSet(bitmap, (int) n);
                    if (packed.bytes().length != BitPacking.packedBytes(nnz, bits)) {
                        throw new IllegalArgumentException("the bitmap marks " + nnz + " of " + n + " weights, which take "
                                + BitPacking.packedBytes(nnz, bits) + " bytes of " + bits + "-bit codes, but "
                                + packed.bytes().length + " are stored");
                    }
                    codes = BitPacking.scatter(bitmap, (int) n, BitPacking.unpack(packed.bytes(), nnz, bits));
                } else if ("dense".equals(m.getValue())) {
                    codes = BitPacking.unpack(packed.bytes(), (int) n, bits);
                } else if ("relative".equals(m.getValue())) {
                    byte[] skips = require(rest.remove(p + "weight_skips"), p + "weight_skips", file).bytes();
                    codes = RelativeIndex.decode(BitPacking.unpackUnsigned(skips, entries, indexBits),
                            BitPacking.unpack(packed.bytes(), entries, bits), (int) n);
                } else {
                    throw new IllegalArgumentException("unknown layout '" + m.getValue() + "'");
                }
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("CompressedCheckpoint.load: " + file + ": " + name + ": "
                        + ex.getMessage(), ex);
            }
            unpacked.put(name, TensorEntry.ofBytes(codes, shape));
        }
        rest.forEach(unpacked::put);
        return QuantizedCheckpoint.fromCheckpoint(unpacked, file.toString(), architecture);
    }

    /** The shape of the weight {@code name} (e.g. {@code "1.weight"}) in {@code architecture}. */
    private static int[] architectureShape(Module architecture, String name, Path file) {
        String path = name.substring(0, name.length() - ".weight".length());
        Module m;
        try {
            m = architecture.getModule(path);
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("CompressedCheckpoint.load: " + file + " holds " + name
                    + " but the architecture has no module '" + path + "'", ex);
        }
        Tensor w = m.stateDict().get("weight");
        if (w == null) {
            throw new IllegalArgumentException("CompressedCheckpoint.load: " + file + " holds " + name + " but module '"
                    + path + "' of the architecture (" + m.getClass().getSimpleName() + ") has no weight");
        }
        return w.shape();
    }

    private static boolean isCodes(String name, TensorEntry e) {
        return e.dtype() == DType.I8 && (name.equals("weight") || name.endsWith(".weight"));
    }

    private static TensorEntry require(TensorEntry e, String name, Path file) {
        if (e == null || e.dtype() != DType.I8) {
            throw new IllegalArgumentException("CompressedCheckpoint.load: " + file + " has no I8 entry " + name);
        }
        return e;
    }

    private static String shapeString(int[] shape) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < shape.length; i++) {
            b.append(i == 0 ? "" : ",").append(shape[i]);
        }
        return b.toString();
    }

    private static int[] parseShape(String s, String name, Path file) {
        try {
            String[] parts = s.split(",");
            int[] shape = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                shape[i] = Integer.parseInt(parts[i].trim());
                if (shape[i] <= 0) {
                    throw new NumberFormatException("dimension " + shape[i]);
                }
            }
            return shape;
        } catch (RuntimeException ex) {
            throw new IllegalArgumentException("CompressedCheckpoint.load: " + file + ": " + name + ".shape is '" + s
                    + "', expected positive sizes separated by commas", ex);
        }
    }

    private static int parseInt(String s, String key, Path file) {
        try {
            int v = Integer.parseInt(s);
            if (v < 0) {
                throw new NumberFormatException("negative");
            }
            return v;
        } catch (RuntimeException ex) {
            throw new IllegalArgumentException("CompressedCheckpoint.load: " + file + ": " + key + " is '" + s
                    + "', expected a count >= 0", ex);
        }
    }

    private static int parseBits(String s, String name, Path file) {
        int bits = parseInt(s, name + ".bits", file);
        if (bits < 2 || bits > 8) {
            throw new IllegalArgumentException("CompressedCheckpoint.load: " + file + ": " + name + ".bits is " + bits
                    + ", expected a bit width in [2, 8]");
        }
        return bits;
    }
}
