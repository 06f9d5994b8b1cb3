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
 * can expand), and nothing may exceed the {@code maxBytes} limit nor the largest Java array.
 *
 * <p>Passing those checks is not enough for a gzipped file: a 1 MB stream of incompressible
 * bytes may claim a gigabyte and still be within DEFLATE's ratio. Only decompressing tells how
 * many bytes are really there, so the data of a gzipped file is read into an array that grows
 * (doubling, from {@value #FIRST_CHUNK_BYTES} bytes) as bytes arrive: what is allocated is a small
 * multiple of what the stream holds, never what its header claims. A plain file's length is
 * known, and checked, before its one array is made.
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

    /**
     * The largest array the data may need: some JVMs refuse arrays within a few words of
     * {@code Integer.MAX_VALUE}, so the limit stays 8 below it, as {@code ArrayList} does.
     */
    static final long MAX_ARRAY_BYTES = Integer.MAX_VALUE - 8L;

    /** The first array a gzipped file's data goes into; it doubles from here as data arrives. */
    static final int FIRST_CHUNK_BYTES = 1 << 20;

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
        String claim = "dimensions " + shape + " of " + type;
        // The data must fit one Java array whatever the caller allows: a limit above 2^31 must not
        // let a count wrap to a small or negative array size.
        long limit = Math.min(maxBytes, MAX_ARRAY_BYTES);
        if (dataBytes > limit) {
            throw new IdxFormatException(name + ": " + claim + " claim " + dataBytes + " bytes, more than the limit of "
                    + limit + (maxBytes > MAX_ARRAY_BYTES ? " (the largest Java array)" : "") + " (corrupt header?)");
        }
        long headerBytes = 4L + 4L * ndims;
        if (!gzipped && headerBytes + dataBytes != storedLength) {
            long have = storedLength - headerBytes;
            throw new IdxFormatException(name + ": " + (have < dataBytes
                    ? truncated(have, dataBytes, claim)
                    : "the file has " + (have - dataBytes) + " bytes after the " + dataBytes + " data bytes of " + claim));
        }
        if (gzipped && dataBytes + headerBytes > MAX_DEFLATE_RATIO * storedLength) {
            throw new IdxFormatException(name + ": " + claim + " claim " + dataBytes + " bytes, more than a " + storedLength
                    + "-byte gzip file can hold (DEFLATE expands at most " + MAX_DEFLATE_RATIO + ":1)");
        }
        byte[] data = gzipped ? readGrowing(in, (int) dataBytes, name, claim) : readExactly(in, (int) dataBytes, name, claim);
        if (gzipped && in.read() != -1) {
            throw new IdxFormatException(name + ": decompressed data goes on after the " + dataBytes
                    + " bytes that " + claim + " announce");
        }
        return new IdxArray(type, dims, data);
    }

    /** The data of a plain file, whose length was checked: one array of the claimed size. */
    private static byte[] readExactly(InputStream in, int n, String name, String claim) throws IOException {
        byte[] data = new byte[n];
        int got = in.readNBytes(data, 0, n);
        if (got < n) {
            // The length was checked, so only a file that shrank while being read gets here.
            throw new IdxFormatException(name + ": " + truncated(got, n, claim));
        }
        return data;
    }

    /**
     * The data of a gzipped file, {@code n} bytes claimed: read into an array that starts at
     * {@link #FIRST_CHUNK_BYTES} and doubles only when full, up to {@code n}. A stream that ends
     * early has then cost about three times what it held (the arrays before and after the last
     * doubling, plus the ones before), not the claim. The last array is exactly {@code n} long,
     * so a complete file is not copied once more at the end.
     */
    private static byte[] readGrowing(InputStream in, int n, String name, String claim) throws IOException {
        byte[] data = new byte[Math.min(n, FIRST_CHUNK_BYTES)];
        int got = 0;
        while (true) {
            got += in.readNBytes(data, got, data.length - got);
            if (got < data.length) {
                throw new IdxFormatException(name + ": " + truncated(got, n, claim) + ", counted after decompression");
            }
            if (got == n) {
                return data;
            }
            data = Arrays.copyOf(data, (int) Math.min(n, 2L * data.length));
        }
    }

    private static String truncated(long got, long claimed, String claim) {
        return "truncated: the file ends after " + got + " of the " + claimed + " data bytes the header claims (" + claim + ")";
    }

    private static String hex(byte[] magic) {
        return String.format("0x%02X%02X%02X%02X", magic[0], magic[1], magic[2], magic[3]);
    }
}
