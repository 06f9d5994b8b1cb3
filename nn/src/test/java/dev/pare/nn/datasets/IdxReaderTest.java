package dev.pare.nn.datasets;

import static dev.pare.nn.datasets.IdxTestFiles.gzip;
import static dev.pare.nn.datasets.IdxTestFiles.idx;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    private static void assertRefused(byte[] file, String... phrases) {
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.read(file, "f.idx"));
        assertTrue(e.getMessage().startsWith("f.idx: "), e.getMessage());
        for (String p : phrases) {
            assertTrue(e.getMessage().contains(p), "message should contain <" + p + ">: " + e.getMessage());
        }
    }

    @Test
    void unsignedBytesReadAsZeroTo255() throws IOException {
        IdxArray a = IdxReader.read(idx(0x08, new int[] {2, 3}, new byte[] {0, 1, 127, (byte) 128, (byte) 254, (byte) 255}), "u8");
        assertEquals(IdxType.UNSIGNED_BYTE, a.type());
        assertArrayEquals(new int[] {2, 3}, a.dims());
        assertArrayEquals(new float[] {0, 1, 127, 128, 254, 255}, a.toFloats());
        assertArrayEquals(new int[] {0, 1, 127, 128, 254, 255}, a.toInts());
    }

    @Test
    void gzippedFileIsRecognisedByItsContentNotItsName() throws IOException {
        byte[] raw = idx(0x08, new int[] {4}, new byte[] {9, 8, 7, 6});
        assertArrayEquals(new int[] {9, 8, 7, 6}, IdxReader.read(gzip(raw), "labels.idx").toInts());
    }

    @Test
    void everyElementTypeIsReadBigEndian() throws IOException {
        assertArrayEquals(new float[] {-1, 5}, IdxReader.read(idx(0x09, new int[] {2}, new byte[] {-1, 5}), "i8").toFloats());
        byte[] shorts = ByteBuffer.allocate(4).putShort((short) -300).putShort((short) 2).array();
        assertArrayEquals(new int[] {-300, 2}, IdxReader.read(idx(0x0B, new int[] {2}, shorts), "i16").toInts());
        byte[] ints = ByteBuffer.allocate(8).putInt(1 << 20).putInt(-7).array();
        assertArrayEquals(new int[] {1 << 20, -7}, IdxReader.read(idx(0x0C, new int[] {2}, ints), "i32").toInts());
        byte[] floats = ByteBuffer.allocate(8).putFloat(1.5f).putFloat(-0.25f).array();
        assertArrayEquals(new float[] {1.5f, -0.25f}, IdxReader.read(idx(0x0D, new int[] {1, 2}, floats), "f32").toFloats());
        byte[] doubles = ByteBuffer.allocate(8).putDouble(3.25).array();
        assertArrayEquals(new float[] {3.25f}, IdxReader.read(idx(0x0E, new int[] {1}, doubles), "f64").toFloats());
    }

    @Test
    void floatFileHasNoIntegerView() throws IOException {
        IdxArray a = IdxReader.read(idx(0x0D, new int[] {1}, new byte[4]), "f32");
        IllegalStateException e = assertThrows(IllegalStateException.class, a::toInts);
        assertEquals("IdxArray.toInts: elements are FLOAT, not an integer type", e.getMessage());
    }

    @Test
    void readsFromAPath(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("x-idx1-ubyte.gz");
        Files.write(p, gzip(idx(0x08, new int[] {3}, new byte[] {1, 2, 3})));
        assertArrayEquals(new int[] {1, 2, 3}, IdxReader.read(p).toInts());
    }

    @Test
    void errorFromAPathNamesTheFile(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("train-images-idx3-ubyte");
        Files.write(p, new byte[] {0, 0});
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.read(p));
        assertEquals("train-images-idx3-ubyte: file is 2 bytes, too short for the 4-byte IDX magic number", e.getMessage());
    }

    @Test
    void magicNotStartingWithZerosIsRefused() {
        assertRefused(new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0}, "magic number 0x504B0304 is not IDX");
    }

    @Test
    void unknownElementTypeIsRefused() {
        assertRefused(idx(0x0A, new int[] {1}, new byte[1]), "names element type 0x0A, which IDX does not define");
    }

    @Test
    void zeroDimensionsAreRefused() {
        assertRefused(new byte[] {0, 0, 8, 0}, "announces 0 dimensions");
    }

    @Test
    void fileEndingInsideTheSizesIsRefused() {
        assertRefused(new byte[] {0, 0, 8, 3, 0, 0, 0, 1}, "truncated: 3 dimensions announced but the file ends inside their sizes");
    }

    @Test
    void sizeWithTheTopBitSetIsRefused() {
        assertRefused(idx(0x08, new int[] {-1}, new byte[0]), "dimension 0 has size 4294967295");
    }

    @Test
    void absurdSizeIsRefusedBeforeAllocating() {
        // 60000 x 28 x 28 x 28 x 28 bytes would be 36 GB: refused on the header alone.
        assertRefused(idx(0x08, new int[] {60000, 28, 28, 28, 28}, new byte[0]), "claim 36879360000 bytes, more than the limit");
    }

    @Test
    void plainFileShorterThanItsHeaderClaimsIsRefused() {
        assertRefused(idx(0x08, new int[] {10, 28, 28}, new byte[100]),
                "truncated: the file ends after 100 of the 7840 data bytes the header claims (dimensions [10, 28, 28] of UNSIGNED_BYTE)");
    }

    @Test
    void plainFileWithBytesAfterItsDataIsRefused() {
        assertRefused(idx(0x08, new int[] {2}, new byte[5]), "the file has 3 bytes after the 2 data bytes");
    }

    @Test
    void gzipClaimBeyondWhatDeflateCanHoldIsRefused() {
        // A 47 MB claim inside a file of a few dozen bytes: impossible, refused without inflating.
        byte[] lying = gzip(idx(0x08, new int[] {60000, 28, 28}, new byte[0]));
        assertRefused(lying, "claim 47040000 bytes, more than a " + lying.length + "-byte gzip file can hold");
    }

    @Test
    void gzipWhoseDataIsShorterThanClaimedIsRefused() {
        assertRefused(gzip(idx(0x08, new int[] {100}, new byte[40])),
                "truncated: the file ends after 40 of the 100 data bytes the header claims", "after decompression");
    }

    @Test
    void gzipWithDataAfterTheClaimIsRefused() {
        assertRefused(gzip(idx(0x08, new int[] {2}, new byte[6])), "decompressed data goes on after the 2 bytes");
    }

    @Test
    void cutGzipStreamIsRefused() {
        byte[] whole = gzip(idx(0x08, new int[] {1000}, new byte[1000]));
        assertRefused(Arrays.copyOf(whole, whole.length - 10), "truncated");
    }

    @Test
    void gzipWithABadChecksumIsRefused() {
        byte[] whole = gzip(idx(0x08, new int[] {3}, new byte[] {1, 2, 3}));
        whole[whole.length - 6] ^= 0x55; // inside the CRC-32 of the trailer
        assertRefused(whole, "not a valid gzip stream");
    }

    @Test
    void limitCanBeLowered(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("big");
        Files.write(p, idx(0x08, new int[] {100}, new byte[100]));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.read(p, 50));
        assertTrue(e.getMessage().contains("claim 100 bytes, more than the limit of 50"), e.getMessage());
    }

    @Test
    void sizesWhoseProductWrapsAroundALongAreRefused() {
        // 2^31-1 to the 4th power overflows a long; a wrapped product could look small.
        int m = Integer.MAX_VALUE;
        assertRefused(gzip(idx(0x08, new int[] {m, m, m, m, m}, new byte[0])), "more than the limit");
        assertRefused(idx(0x0E, new int[] {m, m, m, m, m}, new byte[0]), "more than the limit");
    }

    // ---------------------------------------------------------------- allocation bounded by the data present

    /** Bytes allocated on this thread while {@code read} runs (HotSpot counts every TLAB and array). */
    private static long allocatedWhile(Runnable read) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled(),
                "this JVM cannot count allocated bytes per thread, so the bound cannot be checked");
        long before = mx.getCurrentThreadAllocatedBytes();
        read.run();
        return mx.getCurrentThreadAllocatedBytes() - before;
    }

    private static byte[] noise(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void aGzipClaimingAGibibyteWithAMegabyteOfDataAllocatesAboutTheMegabyte() {
        // Incompressible data, so the 1.1 MB stream is within DEFLATE's 1032:1 of the 2^30 claim
        // and only decompressing can tell the claim is false.
        int present = 1_100_000;
        byte[] lying = gzip(idx(0x08, new int[] {1 << 30}, noise(present, 16)));
        assertTrue(lying.length > (1 << 30) / IdxReader.MAX_DEFLATE_RATIO, "the test file must pass the ratio check");
        long allocated = allocatedWhile(() -> assertRefused(lying,
                "truncated: the file ends after " + present + " of the 1073741824 data bytes the header claims"));
        // Arrays of 1 and 2 MiB, the inflater's buffers, the message: far from the 1 GiB claimed.
        assertTrue(allocated < 16L << 20, "reading allocated " + allocated + " bytes for " + present + " bytes of data");
    }

    @Test
    void aPlainFileClaimingAGibibyteIsRefusedWithoutAllocatingIt() {
        byte[] lying = idx(0x08, new int[] {1 << 15, 1 << 15}, noise(1000, 17));
        long allocated = allocatedWhile(() -> assertRefused(lying,
                "truncated: the file ends after 1000 of the 1073741824 data bytes the header claims"));
        assertTrue(allocated < 1L << 20, "reading allocated " + allocated + " bytes");
    }

    @Test
    void gzippedDataLongerThanTheFirstChunkReadsBackWhole() throws IOException {
        // Not a power of two, so the last array is the claim's exact size rather than a doubling.
        int n = 2 * IdxReader.FIRST_CHUNK_BYTES + 12_345;
        byte[] data = new byte[n];
        for (int i = 0; i < n; i++) {
            data[i] = (byte) (i * 31 + (i >> 11));
        }
        byte[] file = gzip(idx(0x08, new int[] {n}, data));
        IdxArray[] a = new IdxArray[1];
        long allocated = allocatedWhile(() -> {
            try {
                a[0] = IdxReader.read(file, "big");
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        });
        assertArrayEquals(data, a[0].data());
        // 1 + 2 + 4 MiB of growing arrays, the last one of exactly n bytes: under 4n, not a multiple of the claim.
        assertTrue(allocated < 4L * n, "reading " + n + " bytes allocated " + allocated);
    }

    @Test
    void aLimitAbove2To31NeverLetsTheByteCountWrap(@TempDir Path dir) throws IOException {
        // Doubles: 2^28 of them are 2^31 bytes (an int cast gives a negative size), 2^29 are 2^32
        // bytes (an int cast gives 0, which would "read" nothing and look nearly valid).
        for (int log : new int[] {28, 29}) {
            for (boolean gz : new boolean[] {false, true}) {
                Path p = dir.resolve("doubles-" + log + (gz ? ".gz" : ""));
                byte[] file = idx(0x0E, new int[] {1 << log}, new byte[64]);
                Files.write(p, gz ? gzip(file) : file);
                IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.read(p, 1L << 40));
                assertTrue(e.getMessage().contains("claim " + (8L << log) + " bytes, more than the limit of "
                        + IdxReader.MAX_ARRAY_BYTES + " (the largest Java array)"), e.getMessage());
            }
        }
        // Within an array, above the data: the same named truncation as under the default limit.
        Path p = dir.resolve("doubles-27");
        Files.write(p, idx(0x0E, new int[] {1 << 27}, new byte[64]));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> IdxReader.read(p, Long.MAX_VALUE));
        assertTrue(e.getMessage().contains("the file ends after 64 of the 1073741824 data bytes"), e.getMessage());
    }
}
