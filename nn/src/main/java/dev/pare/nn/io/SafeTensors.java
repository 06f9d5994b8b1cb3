package dev.pare.nn.io;

import dev.pare.tensor.Tensor;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

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
    private static final int CHUNK_BYTES = 1 << 16;

    private SafeTensors() {}

    // ---------------------------------------------------------------- saving

    /** Saves a state dict (all F32) atomically, in its iteration order. */
    public static void save(Path file, Map<String, Tensor> stateDict) throws IOException {
        write(file, Checkpoint.of(stateDict));
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
        byte[] header = SafeTensorsHeader.encode(checkpoint);
        AtomicFiles.write(file, ch -> writeTo(ch, header, checkpoint));
    }

    /** The whole file: length, header, then each entry's bytes in order. */
    static void writeTo(WritableByteChannel ch, byte[] header, Checkpoint checkpoint) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(header.length).flip();
        writeFully(ch, buf);
        writeFully(ch, ByteBuffer.wrap(header));
        for (TensorEntry e : checkpoint.entries().values()) {
            switch (e.dtype()) {
                case F32: {
                    Tensor t = e.tensor();
                    writeFloats(ch, buf, t.storage(), t.offset(), t.numel());
                    break;
                }
                case I8:
                    writeFully(ch, ByteBuffer.wrap(e.bytes()));
                    break;
                case I16:
                    writeShorts(ch, buf, e.shorts());
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
     * Loads a file of F32 tensors as a state dict, in file order.
     *
     * @throws SafeTensorsFormatException if the file is not valid safetensors, or holds a
     *     non-F32 entry (use {@link #read} for those)
     */
    public static Map<String, Tensor> load(Path file) throws IOException {
        Checkpoint c = read(file);
        for (Map.Entry<String, TensorEntry> e : c.entries().entrySet()) {
            if (e.getValue().dtype() != DType.F32) {
                throw new SafeTensorsFormatException(file + ": tensor \"" + e.getKey() + "\" is " + e.getValue()
                        + "; load() returns float tensors only, use SafeTensors.read() for int8/int16/int32 entries");
            }
        }
        return c.toStateDict();
    }

    /** Reads every entry and the metadata of {@code file}. */
    public static Checkpoint read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(ch, file.toString());
        }
    }

    /**
     * Reads a checkpoint from {@code ch}, starting at position 0. Every size is checked against
     * {@code ch.size()} before the array for it is allocated.
     *
     * @param name the file's name, for messages
     */
    static Checkpoint read(SeekableByteChannel ch, String name) throws IOException {
        long size = ch.size();
        if (size < Long.BYTES) {
            throw new SafeTensorsFormatException(name + ": file is " + size
                    + " bytes, too short for the 8-byte header length that starts a safetensors file");
        }
        ch.position(0);
        ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.limit(Long.BYTES);
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

        Checkpoint c = new Checkpoint();
        header.metadata.forEach(c::putMetadata);
        // Slots tile the buffer in order (checked), so reading them in order reads the file front to back.
        for (SafeTensorsHeader.Slot s : header.slots) {
            int n = (int) ((s.end - s.begin) / s.dtype.byteSize());
            ch.position(dataStart + s.begin);
            switch (s.dtype) {
                case F32: {
                    float[] values = new float[n];
                    readFloats(ch, buf, values, name);
                    c.put(s.name, Tensor.wrap(values, 0, s.shape));
                    break;
                }
                case I8: {
                    byte[] values = new byte[n];
                    readFully(ch, ByteBuffer.wrap(values), name);
                    c.put(s.name, TensorEntry.ofBytes(values, s.shape));
                    break;
                }
                case I16: {
                    short[] values = new short[n];
                    readShorts(ch, buf, values, name);
                    c.put(s.name, TensorEntry.ofShorts(values, s.shape));
                    break;
                }
                case I32: {
                    int[] values = new int[n];
                    readInts(ch, buf, values, name);
                    c.put(s.name, TensorEntry.ofInts(values, s.shape));
                    break;
                }
                default:
                    throw new AssertionError(s.dtype);
            }
        }
        return c;
    }

    private static void readFloats(SeekableByteChannel ch, ByteBuffer buf, float[] dst, String name) throws IOException {
        int perChunk = CHUNK_BYTES / Float.BYTES;
        for (int done = 0; done < dst.length; ) {
            int n = Math.min(perChunk, dst.length - done);
            buf.clear().limit(n * Float.BYTES);
            readFully(ch, buf, name);
            buf.flip();
            buf.asFloatBuffer().get(dst, done, n);
            done += n;
        }
    }

    private static void readShorts(SeekableByteChannel ch, ByteBuffer buf, short[] dst, String name)
            throws IOException {
        int perChunk = CHUNK_BYTES / Short.BYTES;
        for (int done = 0; done < dst.length; ) {
            int n = Math.min(perChunk, dst.length - done);
            buf.clear().limit(n * Short.BYTES);
            readFully(ch, buf, name);
            buf.flip();
            buf.asShortBuffer().get(dst, done, n);
            done += n;
        }
    }

    private static void readInts(SeekableByteChannel ch, ByteBuffer buf, int[] dst, String name) throws IOException {
        int perChunk = CHUNK_BYTES / Integer.BYTES;
        for (int done = 0; done < dst.length; ) {
            int n = Math.min(perChunk, dst.length - done);
            buf.clear().limit(n * Integer.BYTES);
            readFully(ch, buf, name);
            buf.flip();
            buf.asIntBuffer().get(dst, done, n);
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
