package dev.pare.nn.datasets;

import static dev.pare.nn.datasets.IdxTestFiles.gzip;
import static dev.pare.nn.datasets.IdxTestFiles.idx;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
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
                "truncated: dimensions [10, 28, 28] of UNSIGNED_BYTE need 7840 data bytes but the file has 100");
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
                "truncated: dimensions [100] of UNSIGNED_BYTE need 100 data bytes but the data ends after 40");
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
}
