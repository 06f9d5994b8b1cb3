package dev.pare.nn.datasets;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files, the format of MNIST and Fashion-MNIST, plain or gzipped.
 *
 * <h2>The format</h2>
 * <pre>
 * bytes 0-1   0x00 0x00
 * byte  2     element type: 0x08 unsigned byte, 0x09 signed byte, 0x0B short, 0x0C int,
 *             0x0D float, 0x0E double
 * byte  3     number of dimensions n
 * 4n bytes    the n sizes, each a big-endian 32-bit integer
 * the rest    Π sizes elements, big-endian, last index fastest
 * </pre>
 * So {@code train-images-idx3-ubyte} starts {@code 00 00 08 03 | 00 00 EA 60 | 00 00 00 1C |
 * 00 00 00 1C}: unsigned bytes, 3 dimensions, 60000 × 28 × 28.
 *
 * <h2>Distrust</h2>
 * A header is 16 bytes that can claim gigabytes. Before allocating, the reader checks the
 * claim against the file: a plain file must be exactly header + data long; a gzipped one
 * cannot be more than {@value #MAX_DEFLATE_RATIO} times its compressed size (the most DEFLATE
 * can expand), and nothing may exceed the {@code maxBytes} limit.
 */
public final class IdxReader {
    /** Default limit on the data of one file: 1 GiB, twenty times the largest MNIST-family file. */
    public static final long DEFAULT_MAX_BYTES = 1L << 30;

    /**
     * The most DEFLATE can expand: its longest match (258 bytes) can cost as little as two bits,
     * one for the length code and one for the distance, so one compressed byte yields at most
     * 258 × 8 / 2 = 1032 bytes (zlib's documentation states the same limit). A gzip file of
     * L bytes therefore cannot decompress to more than 1032 · L bytes.
     */
    static final long MAX_DEFLATE_RATIO = 1032;

    /** Element counts saturate here: far above any limit, yet × 8 bytes still fits a long. */
    private static final long NUMEL_CAP = Long.MAX_VALUE / 16;

    private static final int GZIP_MAGIC_0 = 0x1F;
    private static final int GZIP_MAGIC_1 = 0x8B;

    private IdxReader() {}

    /** Reads {@code file}, gzipped or not (recognised by its first two bytes, not its name). */
    public static IdxArray read(Path file) throws IOException {
        return read(file, DEFAULT_MAX_BYTES);
    }

    /** Like {@link #read(Path)}, refusing files whose data would exceed {@code maxBytes}. */
    public static IdxArray read(Path file, long maxBytes) throws IOException {
        long length = Files.size(file);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            return read(in, length, file.getFileName().toString(), maxBytes);
        }
    }

    /** Reads a whole IDX file held in memory (e.g. a class-path resource). */
    public static IdxArray read(byte[] file, String name) throws IOException {
        return read(new ByteArrayInputStream(file), file.length, name, DEFAULT_MAX_BYTES);
    }

    private static IdxArray read(InputStream raw, long storedLength, String name, long maxBytes) throws IOException {
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        boolean gzipped = b0 == GZIP_MAGIC_0 && b1 == GZIP_MAGIC_1;
        if (!gzipped) {
            return parse(raw, storedLength, false, name, maxBytes);
        }
        try (InputStream in = new GZIPInputStream(raw, 1 << 16)) {
            return parse(in, storedLength, true, name, maxBytes);
        } catch (ZipException e) {
            throw new IdxFormatException(name + ": not a valid gzip stream (" + e.getMessage() + ")", e);
        } catch (EOFException e) {
            throw new IdxFormatException(name + ": truncated: the gzip stream ends early", e);
        }
    }

    private static IdxArray parse(InputStream in, long storedLength, boolean gzipped, String name, long maxBytes)
            throws IOException {
        byte[] magic = in.readNBytes(4);
        if (magic.length < 4) {
            throw new IdxFormatException(name + ": " + (gzipped ? "decompresses to " : "file is ") + magic.length
                    + " bytes, too short for the 4-byte IDX magic number");
        }
        if (magic[0] != 0 || magic[1] != 0) {
            throw new IdxFormatException(name + ": magic number " + hex(magic)
                    + " is not IDX (it must start with two zero bytes)");
        }
        IdxType type = IdxType.fromCode(magic[2] & 0xFF);
        if (type == null) {
            throw new IdxFormatException(name + ": magic number " + hex(magic) + " names element type 0x"
                    + String.format("%02X", magic[2] & 0xFF) + ", which IDX does not define (known: "
                    + Arrays.toString(IdxType.values()) + ")");
        }
        int ndims = magic[3] & 0xFF;
        if (ndims == 0) {
            throw new IdxFormatException(name + ": magic number " + hex(magic) + " announces 0 dimensions");
        }
        byte[] dimBytes = in.readNBytes(4 * ndims);
        if (dimBytes.length < 4 * ndims) {
            throw new IdxFormatException(name + ": truncated: " + ndims + " dimensions announced but the file ends inside"
                    + " their sizes");
        }
        int[] dims = new int[ndims];
        long numel = 1;
        for (int i = 0; i < ndims; i++) {
            dims[i] = ((dimBytes[4 * i] & 0xFF) << 24) | ((dimBytes[4 * i + 1] & 0xFF) << 16)
                    | ((dimBytes[4 * i + 2] & 0xFF) << 8) | (dimBytes[4 * i + 3] & 0xFF);
            if (dims[i] < 0) {
                throw new IdxFormatException(name + ": dimension " + i + " has size " + Integer.toUnsignedString(dims[i])
                        + ", beyond the 2^31-1 a Java array can hold");
            }
            // Saturate rather than let the product wrap (a wrapped count can look small and pass
            // every check below); anything near the cap is refused there anyway.
            numel = dims[i] != 0 && numel > NUMEL_CAP / dims[i] ? NUMEL_CAP : numel * dims[i];
        }
        long dataBytes = numel * type.byteSize();
        String shape = Arrays.toString(dims);
        if (dataBytes > maxBytes || numel > Integer.MAX_VALUE - 8) {
            throw new IdxFormatException(name + ": dimensions " + shape + " of " + type + " claim " + dataBytes
                    + " bytes, more than the limit of " + Math.min(maxBytes, Integer.MAX_VALUE - 8L) + " (corrupt header?)");
        }
        long headerBytes = 4L + 4L * ndims;
        if (!gzipped && headerBytes + dataBytes != storedLength) {
            long have = storedLength - headerBytes;
            throw new IdxFormatException(name + ": " + (have < dataBytes
                    ? "truncated: dimensions " + shape + " of " + type + " need " + dataBytes + " data bytes but the file has "
                            + have
                    : "the file has " + (have - dataBytes) + " bytes after the " + dataBytes + " data bytes of dimensions "
                            + shape));
        }
        if (gzipped && dataBytes + headerBytes > MAX_DEFLATE_RATIO * storedLength) {
            throw new IdxFormatException(name + ": dimensions " + shape + " of " + type + " claim " + dataBytes
                    + " bytes, more than a " + storedLength + "-byte gzip file can hold (DEFLATE expands at most "
                    + MAX_DEFLATE_RATIO + ":1)");
        }
        byte[] data = new byte[(int) dataBytes];
        int got = in.readNBytes(data, 0, data.length);
        if (got < data.length) {
            throw new IdxFormatException(name + ": truncated: dimensions " + shape + " of " + type + " need " + dataBytes
                    + " data bytes but the data ends after " + got);
        }
        if (gzipped && in.read() != -1) {
            throw new IdxFormatException(name + ": decompressed data goes on after the " + dataBytes
                    + " bytes that dimensions " + shape + " announce");
        }
        return new IdxArray(type, dims, data);
    }

    private static String hex(byte[] magic) {
        return String.format("0x%02X%02X%02X%02X", magic[0], magic[1], magic[2], magic[3]);
    }
}
