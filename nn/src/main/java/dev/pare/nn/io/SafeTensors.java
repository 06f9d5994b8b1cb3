package dev.pare.nn.io;

import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.HalfPrecisionKernels;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves and loads checkpoints in the Hugging Face safetensors format (layout in the
 * {@linkplain dev.pare.nn.io package summary}).
 *
 * <pre>{@code
 * SafeTensors.save(Path.of("mlp.safetensors"), model.stateDict());
 * Map<String, Tensor> weights = SafeTensors.load(Path.of("mlp.safetensors"));
 *
 * // int8 weights with their float scales, plus metadata:
 * Checkpoint c = new Checkpoint()
 *         .put("fc.weight", TensorEntry.ofBytes(q, 10, 784))
 *         .put("fc.weight_scale", scales)
 *         .putMetadata("quantization", "int8-per-channel");
 * SafeTensors.write(path, c);
 * }</pre>
 *
 * In PyTorch the same files open with {@code safetensors.torch.load_file(path)}.
 */
public final class SafeTensors {
    /** Data moves through a buffer of this size, so a save or load never doubles a big tensor in memory. */
    private static final int CHUNK_BYTES = ChunkReader.CHUNK_BYTES;

    private SafeTensors() {}

    /**
     * The {@code __metadata__} key under which Pare stores one CRC32C per tensor, in data order,
     * as 8 hex digits separated by spaces, when asked to ({@link Checksums#CRC32C}; files written
     * before fletcher-4 became the default have these). Per tensor rather than one for the file,
     * so that a mismatch can say which tensor, and which bytes of the file, are damaged.
     */
    public static final String CHECKSUM_KEY = "pare.crc32c";

    /**
     * The {@code __metadata__} key under which Pare stores, by default, one fletcher-4 per tensor
     * (ZFS's checksum: four 64-bit sums over the little-endian 32-bit words, see
     * {@link Fletcher4}), in data order, each as {@code a:b:c:d} in 16 hex digits per sum,
     * separated by spaces. It is verified in the same pass that copies the floats out of the
     * file, so verifying costs almost nothing.
     */
    public static final String FLETCHER4_KEY = "pare.fletcher4";

    /** Which checksums {@link #write(Path, Checkpoint, Checksums)} adds, and whether {@link #read(Path, Checksums)} verifies. */
    public enum Checksums {
        /**
         * Write a fletcher-4 per tensor ({@link #FLETCHER4_KEY}); on reading, verify every
         * checksum the file has, fletcher-4 or CRC32C (the default).
         */
        ON,
        /**
         * Write a CRC32C per tensor ({@link #CHECKSUM_KEY}): slower to verify, but a standard
         * any zip or storage library computes, with guarantees for bursts of errors; on reading,
         * the same as {@link #ON}.
         */
        CRC32C,
        /**
         * Write none (the file is then byte-for-byte what another safetensors writer would make);
         * on reading, skip verification, e.g. to salvage the tensors of a damaged file.
         */
        OFF
    }

    private static final Logger LOG = LoggerFactory.getLogger(SafeTensors.class);
    /** Files already reported as unverified, so each is reported once however often it is read. */
    private static final Set<String> REPORTED_UNVERIFIED = ConcurrentHashMap.newKeySet();

    // ---------------------------------------------------------------- saving

    /**
     * Saves a state dict atomically, in its iteration order: every tensor as F32, except the
     * counters PyTorch keeps as int64 (see {@link Checkpoint#of(Map)}).
     */
    public static void save(Path file, Map<String, Tensor> stateDict) throws IOException {
        write(file, Checkpoint.of(stateDict));
    }

    /**
     * Saves a state dict with its float tensors stored as {@code floatType}: {@link DType#F16}
     * or {@link DType#BF16} halve the file (values rounded to nearest, ties to even),
     * {@link DType#F32} is lossless. BF16 keeps F32's range (no overflow) with 3 significant
     * digits; F16 keeps about 3.3 digits but overflows above 65504.
     */
    public static void save(Path file, Map<String, Tensor> stateDict, DType floatType) throws IOException {
        write(file, Checkpoint.of(stateDict, floatType));
    }

    /** Saves a state dict with a metadata map (the header's {@code __metadata__}). */
    public static void save(Path file, Map<String, Tensor> stateDict, Map<String, String> metadata) throws IOException {
        Checkpoint c = Checkpoint.of(stateDict);
        metadata.forEach(c::putMetadata);
        write(file, c);
    }

    /**
     * Writes {@code checkpoint} to {@code file} atomically: an existing file is replaced only once
     * the new one is complete on disk (see {@link AtomicFiles}).
     */
    public static void write(Path file, Checkpoint checkpoint) throws IOException {
        write(file, checkpoint, Checksums.ON);
    }

    /**
     * Writes {@code checkpoint} as {@link #write(Path, Checkpoint)} does, with a checksum of each
     * tensor's bytes in {@code __metadata__}: a fletcher-4 under {@link #FLETCHER4_KEY} when
     * {@code checksums} is {@code ON}, a CRC32C under {@link #CHECKSUM_KEY} when it is
     * {@code CRC32C}. A checksum key already in the checkpoint's metadata (from a file read
     * earlier) is dropped either way: it described the old data.
     */
    public static void write(Path file, Checkpoint checkpoint, Checksums checksums) throws IOException {
        checkF16Range(file, checkpoint);
        Checkpoint sealed = new Checkpoint();
        checkpoint.metadata().forEach((k, v) -> {
            if (!k.equals(CHECKSUM_KEY) && !k.equals(FLETCHER4_KEY)) {
                sealed.putMetadata(k, v);
            }
        });
        if (checksums != Checksums.OFF && !checkpoint.entries().isEmpty()) {
            sealed.putMetadata(checksums == Checksums.ON ? FLETCHER4_KEY : CHECKSUM_KEY,
                    checksums(checkpoint, checksums));
        }
        checkpoint.entries().forEach(sealed::put);
        byte[] header = SafeTensorsHeader.encode(sealed);
        AtomicFiles.write(file, ch -> writeTo(ch, header, sealed));
    }

    /**
     * The fletcher-4 (for {@code ON}) or CRC32C of each entry's bytes as written, in order. The
     * header precedes the data, so the data is serialised twice: once here into a channel that
     * only checksums, once to the file.
     */
    private static String checksums(Checkpoint checkpoint, Checksums kind) throws IOException {
        long[] ends = new long[checkpoint.entries().size()];
        long end = 0;
        int i = 0;
        for (TensorEntry e : checkpoint.entries().values()) {
            end += e.byteLength();
            ends[i++] = end;
        }
        if (kind == Checksums.ON) {
            Fletcher4Channel f4 = new Fletcher4Channel(ends);
            writeData(f4, checkpoint);
            return f4.checksums();
        }
        Crc32cChannel crc = new Crc32cChannel(ends);
        writeData(crc, checkpoint);
        return crc.checksums();
    }

    /** The smallest magnitude that rounds to F16 infinity: 65520, halfway from 65504 to 2^16. */
    private static final float F16_OVERFLOW = 65520f;

    /**
     * Refuses, before anything is written, a finite value that F16 would turn into ∞ (PyTorch's
     * {@code .half()} does so silently; a model with one such weight computes NaN). BF16 has
     * F32's range, so only F16 is checked.
     */
    private static void checkF16Range(Path file, Checkpoint checkpoint) {
        for (Map.Entry<String, TensorEntry> e : checkpoint.entries().entrySet()) {
            if (e.getValue().dtype() != DType.F16) {
                continue;
            }
            Tensor t = e.getValue().tensor();
            float[] v = t.storage();
            for (int i = 0; i < t.numel(); i++) {
                float x = v[t.offset() + i];
                if (Math.abs(x) >= F16_OVERFLOW && !Float.isInfinite(x)) {
                    throw new IllegalArgumentException(file + ": tensor \"" + e.getKey() + "\" holds " + x + " at index " + i
                            + ", beyond F16's largest value 65504, so F16 would store it as infinity;"
                            + " save it as BF16 (F32's range) or F32");
                }
            }
        }
    }

    /** The whole file: length, header, then each entry's bytes in order. */
    static void writeTo(WritableByteChannel ch, byte[] header, Checkpoint checkpoint) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(header.length).flip();
        writeFully(ch, buf);
        writeFully(ch, ByteBuffer.wrap(header));
        writeData(ch, checkpoint);
    }

    /** The data section: each entry's bytes in order, little-endian. */
    private static void writeData(WritableByteChannel ch, Checkpoint checkpoint) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        short[] halves = null; // scratch for F16/BF16, made on first use
        for (TensorEntry e : checkpoint.entries().values()) {
            switch (e.dtype()) {
                case F32: {
                    Tensor t = e.tensor();
                    writeFloats(ch, buf, t.storage(), t.offset(), t.numel());
                    break;
                }
                case F16:
                case BF16: {
                    Tensor t = e.tensor();
                    if (halves == null) {
                        halves = new short[CHUNK_BYTES / Short.BYTES];
                    }
                    writeHalves(ch, buf, halves, t.storage(), t.offset(), t.numel(), e.dtype() == DType.BF16);
                    break;
                }
                case F64: {
                    Tensor t = e.tensor();
                    writeDoubles(ch, buf, t.storage(), t.offset(), t.numel());
                    break;
                }
                case I8:
                case U8:
                case BOOL:
                    writeFully(ch, ByteBuffer.wrap(e.bytes()));
                    break;
                case I16:
                    writeShorts(ch, buf, e.shorts());
                    break;
                case I64:
                    writeLongs(ch, buf, e.longs());
                    break;
                case I32:
                    writeInts(ch, buf, e.ints());
                    break;
                default:
                    throw new AssertionError(e.dtype());
            }
        }
    }

    private static void writeFloats(WritableByteChannel ch, ByteBuffer buf, float[] src, int from, int count)
            throws IOException {
        int perChunk = CHUNK_BYTES / Float.BYTES;
        for (int done = 0; done < count; ) {
            int n = Math.min(perChunk, count - done);
            buf.clear();
            buf.asFloatBuffer().put(src, from + done, n);
            buf.limit(n * Float.BYTES);
            writeFully(ch, buf);
            done += n;
        }
    }

    /** Floats narrowed chunk by chunk into {@code halves}, then written as 2-byte values. */
    private static void writeHalves(WritableByteChannel ch, ByteBuffer buf, short[] halves, float[] src, int from,
                                    int count, boolean bf16) throws IOException {
        for (int done = 0; done < count; ) {
            int n = Math.min(halves.length, count - done);
            if (bf16) {
                HalfPrecisionKernels.f32ToBf16(src, from + done, halves, 0, n);
            } else {
                HalfPrecisionKernels.f32ToF16(src, from + done, halves, 0, n);
            }
            buf.clear();
            buf.asShortBuffer().put(halves, 0, n);
            buf.limit(n * Short.BYTES);
            writeFully(ch, buf);
            done += n;
        }
    }

    /** Floats widened to doubles (exact). */
    private static void writeDoubles(WritableByteChannel ch, ByteBuffer buf, float[] src, int from, int count)
            throws IOException {
        int perChunk = CHUNK_BYTES / Double.BYTES;
        for (int done = 0; done < count; ) {
            int n = Math.min(perChunk, count - done);
            buf.clear();
            for (int i = 0; i < n; i++) {
                buf.putDouble(src[from + done + i]);
            }
            buf.flip();
            writeFully(ch, buf);
            done += n;
        }
    }

    private static void writeLongs(WritableByteChannel ch, ByteBuffer buf, long[] src) throws IOException {
        int perChunk = CHUNK_BYTES / Long.BYTES;
        for (int done = 0; done < src.length; ) {
            int n = Math.min(perChunk, src.length - done);
            buf.clear();
            buf.asLongBuffer().put(src, done, n);
            buf.limit(n * Long.BYTES);
            writeFully(ch, buf);
            done += n;
        }
    }

    private static void writeShorts(WritableByteChannel ch, ByteBuffer buf, short[] src) throws IOException {
        int perChunk = CHUNK_BYTES / Short.BYTES;
        for (int done = 0; done < src.length; ) {
            int n = Math.min(perChunk, src.length - done);
            buf.clear();
            buf.asShortBuffer().put(src, done, n);
            buf.limit(n * Short.BYTES);
            writeFully(ch, buf);
            done += n;
        }
    }

    private static void writeInts(WritableByteChannel ch, ByteBuffer buf, int[] src) throws IOException {
        int perChunk = CHUNK_BYTES / Integer.BYTES;
        for (int done = 0; done < src.length; ) {
            int n = Math.min(perChunk, src.length - done);
            buf.clear();
            buf.asIntBuffer().put(src, done, n);
            buf.limit(n * Integer.BYTES);
            writeFully(ch, buf);
            done += n;
        }
    }

    private static void writeFully(WritableByteChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    // ---------------------------------------------------------------- loading

    /**
     * Loads a file as a state dict, in file order. Float entries of any width arrive as float32;
     * I64, U8 and BOOL entries (PyTorch's counters and masks, e.g. {@code num_batches_tracked})
     * are converted to floats exactly, and an I64 value beyond ±2^24 is refused, naming the tensor.
     *
     * @throws SafeTensorsFormatException if the file is not valid safetensors, or holds an I8,
     *     I16 or I32 entry (Pare's quantized and sparse payloads, which mean nothing as plain
     *     floats: use {@link #read} for those)
     */
    public static Map<String, Tensor> load(Path file) throws IOException {
        return floatTensors(read(file), file.toString());
    }

    /** What {@link #load} returns for a checkpoint read from {@code file} (named in messages). */
    static Map<String, Tensor> floatTensors(Checkpoint c, String file) throws SafeTensorsFormatException {
        Map<String, Tensor> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, TensorEntry> e : c.entries().entrySet()) {
            TensorEntry entry = e.getValue();
            String where = file + ": tensor \"" + e.getKey() + "\"";
            switch (entry.dtype()) {
                case I8:
                case I16:
                case I32:
                    throw new SafeTensorsFormatException(where + " is " + entry
                            + "; load() returns float tensors only, use SafeTensors.read() for int8/int16/int32 entries");
                case F32:
                    out.put(e.getKey(), entry.tensor());
                    break;
                default:
                    try {
                        out.put(e.getKey(), entry.toFloatTensor(where));
                    } catch (IllegalArgumentException ex) {
                        throw new SafeTensorsFormatException(ex.getMessage(), ex);
                    }
            }
        }
        return out;
    }

    /**
     * Reads every entry and the metadata of {@code file}. If Pare wrote the file, each tensor's
     * bytes are checked against their checksum as they are read, and a tensor that fails is never
     * handed on nor checked for meaning (a BOOL byte of 3 is reported as damage); a file without
     * checksums (PyTorch's, say) loads as it is, and the log says once per file that it was not
     * verified.
     * The checksums are not part of the returned metadata.
     *
     * @throws SafeTensorsChecksumException naming the tensor and its byte range if its data changed
     */
    public static Checkpoint read(Path file) throws IOException {
        return read(file, Checksums.ON);
    }

    /** As {@link #read(Path)}; {@code Checksums.OFF} skips the verification. */
    public static Checkpoint read(Path file, Checksums checksums) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(ch, file.toString(), checksums);
        }
    }

    static Checkpoint read(SeekableByteChannel ch, String name) throws IOException {
        return read(ch, name, Checksums.ON);
    }

    /**
     * Reads a checkpoint from {@code ch}, starting at position 0. Every size is checked against
     * {@code ch.size()} before the array for it is allocated.
     *
     * @param name the file's name, for messages
     */
    static Checkpoint read(SeekableByteChannel ch, String name, Checksums checksums) throws IOException {
        return read(ch, name, checksums, reader -> {});
    }

    /** As {@link #read(SeekableByteChannel, String, Checksums)}, with {@code configure} applied to the data's reader first (for tests). */
    static Checkpoint read(SeekableByteChannel ch, String name, Checksums checksums, Consumer<ChunkReader> configure)
            throws IOException {
        long size = ch.size();
        if (size < Long.BYTES) {
            throw new SafeTensorsFormatException(name + ": file is " + size
                    + " bytes, too short for the 8-byte header length that starts a safetensors file");
        }
        ch.position(0);
        ByteBuffer buf = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, buf, name);
        buf.flip();
        long headerLength = buf.getLong(); // unsigned in the spec: a negative long is > 2^63, absurd either way
        if (headerLength < 0 || headerLength > SafeTensorsHeader.MAX_HEADER_BYTES) {
            throw new SafeTensorsFormatException(name + ": header length " + Long.toUnsignedString(headerLength)
                    + " exceeds the limit of " + SafeTensorsHeader.MAX_HEADER_BYTES + " bytes (not a safetensors file?)");
        }
        if (headerLength > size - Long.BYTES) {
            throw new SafeTensorsFormatException(name + ": header length " + headerLength + " exceeds the "
                    + (size - Long.BYTES) + " bytes that follow it (file truncated?)");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(ch, headerBytes, name);
        long dataStart = Long.BYTES + headerLength;
        SafeTensorsHeader header = SafeTensorsHeader.parse(headerBytes.array(), size - dataStart, name);
        String sums = header.metadata.get(CHECKSUM_KEY);
        String f4Sums = header.metadata.get(FLETCHER4_KEY);
        long[] expected = null;   // one CRC32C per slot in data order, or null: none to verify
        long[] expectedF4 = null; // four fletcher-4 sums per slot in data order, or null: none to verify
        if (sums == null && f4Sums == null) {
            if (REPORTED_UNVERIFIED.add(name)) {
                LOG.info("{}: no {} or {} checksums in its metadata (not written by Pare), so its data is not verified",
                        name, FLETCHER4_KEY, CHECKSUM_KEY);
            }
        } else if (checksums != Checksums.OFF) {
            // Pare writes one kind; a file with both (written by another tool) has both verified.
            expected = sums == null ? null : parseChecksums(sums, header.slots.size(), name);
            expectedF4 = f4Sums == null ? null : parseFletcher4(f4Sums, header.slots.size(), name);
        }
        Checkpoint c = new Checkpoint();
        // The checksums describe these bytes only; a caller who edits and saves the checkpoint
        // gets new ones, so they are not handed on as metadata.
        header.metadata.forEach((k, v) -> {
            if (!k.equals(CHECKSUM_KEY) && !k.equals(FLETCHER4_KEY)) {
                c.putMetadata(k, v);
            }
        });
        // The data is read in chunks, each checksummed while this thread decodes it (see
        // ChunkReader); a tensor's sum is compared before the checkpoint is handed on, and before
        // anything checks what its bytes mean (a BOOL byte of 3, a row pointer out of range), so
        // damage is reported as damage and no loader ever sees a tensor that failed.
        ChunkReader reader = new ChunkReader(ch, name, dataStart, header.slots, expected, expectedF4);
        configure.accept(reader);
        return reader.run(in -> decode(in, header, c, name));
    }

    /** Decodes every tensor of {@code header}, in file order, from {@code in} into {@code c}. */
    private static Checkpoint decode(ChunkReader in, SafeTensorsHeader header, Checkpoint c, String name)
            throws IOException {
        short[] halves = null; // scratch for F16/BF16, made on first use
        // Slots tile the buffer in order (checked), so reading them in order reads the file front to back.
        for (int slot = 0; slot < header.slots.size(); slot++) {
            SafeTensorsHeader.Slot s = header.slots.get(slot);
            int n = (int) ((s.end - s.begin) / s.dtype.byteSize());
            in.startTensor(slot);
            TensorEntry entry;
            switch (s.dtype) {
                case F32: {
                    float[] values = new float[n];
                    readFloats(in, values);
                    entry = TensorEntry.of(Tensor.wrap(values, 0, s.shape));
                    break;
                }
                case F16:
                case BF16: {
                    // Widened exactly into an F32 entry: Pare computes in float32.
                    if (halves == null) {
                        halves = new short[CHUNK_BYTES / Short.BYTES];
                    }
                    float[] values = new float[n];
                    readHalves(in, halves, values, s.dtype == DType.BF16);
                    entry = TensorEntry.of(Tensor.wrap(values, 0, s.shape));
                    break;
                }
                case F64: {
                    float[] values = new float[n];
                    readDoubles(in, values);
                    entry = TensorEntry.of(Tensor.wrap(values, 0, s.shape));
                    break;
                }
                case I8:
                case U8:
                case BOOL: {
                    byte[] values = new byte[n];
                    readBytes(in, values);
                    if (s.dtype == DType.BOOL) {
                        // Damage first, meaning second; and ofBytes would refuse the byte without naming the file.
                        in.endTensor();
                        in.verifyReadSoFar();
                        checkBools(values, s.name, name);
                    }
                    entry = TensorEntry.ofBytes(s.dtype, values, s.shape);
                    break;
                }
                case I64: {
                    long[] values = new long[n];
                    readLongs(in, values);
                    entry = TensorEntry.ofLongs(values, s.shape);
                    break;
                }
                case I16: {
                    short[] values = new short[n];
                    readShorts(in, values);
                    entry = TensorEntry.ofShorts(values, s.shape);
                    break;
                }
                case I32: {
                    int[] values = new int[n];
                    readInts(in, values);
                    entry = TensorEntry.ofInts(values, s.shape);
                    break;
                }
                default:
                    throw new AssertionError(s.dtype);
            }
            if (s.dtype != DType.BOOL) {
                in.endTensor();
            }
            c.put(s.name, entry);
        }
        return c;
    }

    /**
     * The checksums of {@code sums} (data order, 8 hex digits each, space separated), checked to
     * be one per tensor before any data is read.
     */
    private static long[] parseChecksums(String sums, int tensors, String name) throws SafeTensorsFormatException {
        String[] parts = sums.isEmpty() ? new String[0] : sums.split(" ", -1);
        if (parts.length != tensors) {
            throw new SafeTensorsFormatException(name + ": metadata " + CHECKSUM_KEY + " lists " + parts.length
                    + " checksums for " + tensors + " tensors");
        }
        long[] out = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                // Long.parseLong would also take a sign: "+0000000" is not 8 hex digits.
                if (parts[i].length() != 8 || parts[i].charAt(0) == '+' || parts[i].charAt(0) == '-') {
                    throw new NumberFormatException(parts[i]);
                }
                out[i] = Long.parseLong(parts[i], 16);
            } catch (NumberFormatException ex) {
                throw new SafeTensorsFormatException(name + ": metadata " + CHECKSUM_KEY + ": checksum " + i + " (\""
                        + parts[i] + "\") is not 8 hex digits");
            }
        }
        return out;
    }

    /**
     * The fletcher-4 sums of {@code sums} ({@link #FLETCHER4_KEY}'s form), four per tensor,
     * checked to be one group per tensor before any data is read.
     */
    private static long[] parseFletcher4(String sums, int tensors, String name) throws SafeTensorsFormatException {
        String[] parts = sums.isEmpty() ? new String[0] : sums.split(" ", -1);
        if (parts.length != tensors) {
            throw new SafeTensorsFormatException(name + ": metadata " + FLETCHER4_KEY + " lists " + parts.length
                    + " checksums for " + tensors + " tensors");
        }
        long[] out = new long[4 * parts.length];
        for (int i = 0; i < parts.length; i++) {
            long[] s = Fletcher4.parse(parts[i]);
            if (s == null) {
                String shown = parts[i].length() <= 80 ? parts[i] : parts[i].substring(0, 77) + "...";
                throw new SafeTensorsFormatException(name + ": metadata " + FLETCHER4_KEY + ": checksum " + i + " (\""
                        + shown + "\") is not a:b:c:d with 16 hex digits each");
            }
            System.arraycopy(s, 0, out, 4 * i, 4);
        }
        return out;
    }

    /** Bytes straight from each chunk into {@code dst}. */
    private static void readBytes(ChunkReader in, byte[] dst) throws IOException {
        for (int done = 0; done < dst.length; ) {
            int n = Math.min(CHUNK_BYTES, dst.length - done);
            in.read(n).get(dst, done, n);
            done += n;
        }
    }

    private static void readFloats(ChunkReader in, float[] dst) throws IOException {
        int perChunk = CHUNK_BYTES / Float.BYTES;
        for (int done = 0; done < dst.length; ) {
            int n = Math.min(perChunk, dst.length - done);
            in.readFloats(dst, done, n);
            done += n;
        }
    }

    /** 2-byte floats read chunk by chunk into {@code halves}, then widened into {@code dst}. */
    private static void readHalves(ChunkReader in, short[] halves, float[] dst, boolean bf16) throws IOException {
        for (int done = 0; done < dst.length; ) {
            int n = Math.min(halves.length, dst.length - done);
            in.read(n * Short.BYTES).asShortBuffer().get(halves, 0, n);
            if (bf16) {
                HalfPrecisionKernels.bf16ToF32(halves, 0, dst, done, n);
            } else {
                HalfPrecisionKernels.f16ToF32(halves, 0, dst, done, n);
            }
            done += n;
        }
    }

    /** Doubles rounded to the nearest float ({@code (float) d} rounds half to even). */
    private static void readDoubles(ChunkReader in, float[] dst) throws IOException {
        int perChunk = CHUNK_BYTES / Double.BYTES;
        for (int done = 0; done < dst.length; ) {
            int n = Math.min(perChunk, dst.length - done);
            ByteBuffer buf = in.read(n * Double.BYTES);
            for (int i = 0; i < n; i++) {
                dst[done + i] = (float) buf.getDouble();
            }
            done += n;
        }
    }

    private static void readLongs(ChunkReader in, long[] dst) throws IOException {
        int perChunk = CHUNK_BYTES / Long.BYTES;
        for (int done = 0; done < dst.length; ) {
            int n = Math.min(perChunk, dst.length - done);
            in.read(n * Long.BYTES).asLongBuffer().get(dst, done, n);
            done += n;
        }
    }

    /** A BOOL byte other than 0 or 1 is not a boolean: refuse it rather than guess. */
    private static void checkBools(byte[] values, String tensor, String name) throws SafeTensorsFormatException {
        for (int i = 0; i < values.length; i++) {
            if (values[i] != 0 && values[i] != 1) {
                throw new SafeTensorsFormatException(name + ": tensor \"" + tensor + "\" is BOOL but byte " + i
                        + " is " + (values[i] & 0xFF) + "; a BOOL is 0 or 1");
            }
        }
    }

    private static void readShorts(ChunkReader in, short[] dst) throws IOException {
        int perChunk = CHUNK_BYTES / Short.BYTES;
        for (int done = 0; done < dst.length; ) {
            int n = Math.min(perChunk, dst.length - done);
            in.read(n * Short.BYTES).asShortBuffer().get(dst, done, n);
            done += n;
        }
    }

    private static void readInts(ChunkReader in, int[] dst) throws IOException {
        int perChunk = CHUNK_BYTES / Integer.BYTES;
        for (int done = 0; done < dst.length; ) {
            int n = Math.min(perChunk, dst.length - done);
            in.read(n * Integer.BYTES).asIntBuffer().get(dst, done, n);
            done += n;
        }
    }

    private static void readFully(SeekableByteChannel ch, ByteBuffer buf, String name) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                // Sizes were checked against size(), so only a file that shrank while open gets here.
                throw new SafeTensorsFormatException(name + ": file ended early, at byte " + ch.position(),
                        new EOFException());
            }
        }
    }
}
