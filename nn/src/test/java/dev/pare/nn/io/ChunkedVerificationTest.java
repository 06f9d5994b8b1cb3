package dev.pare.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Verification of a file larger than {@link ChunkReader#MIN_BYTES_FOR_HELPER}, read in 64 KiB
 * chunks, with both checksums: fletcher-4, summed by the loading thread as it decodes, and
 * CRC32C, both ways: on the loading thread alone ({@code Parallel} at 1 thread), and by a helper
 * thread that follows it (at 2 threads, whatever the machine). Damage in any chunk, first,
 * middle or last, at either end of a chunk, must be refused naming the tensor and its bytes; the
 * order of errors and the "damage before meaning" rule must not depend on the checksum nor on
 * the thread that checksummed.
 */
class ChunkedVerificationTest {
    @TempDir
    static Path dir;

    /** 4.4 MB of F32 in "big": 67 full chunks and a short 68th. */
    static final int BIG_FLOATS = 1_100_003;
    static final int CHUNK = ChunkReader.CHUNK_BYTES;

    /** The same checkpoint written with CRC32C ({@code crc}) and with fletcher-4 ({@code f4}). */
    private static byte[] crc;
    private static byte[] f4;
    /** The file of the test at hand: {@link #crc} or {@link #f4} (they differ only in the header). */
    private static byte[] bytes;
    private static long dataStart;
    private static Checkpoint written;

    private final int threadsBefore = Parallel.threads();

    @BeforeAll
    static void write() throws IOException {
        float[] big = new float[BIG_FLOATS];
        for (int i = 0; i < big.length; i++) {
            big[i] = (i % 1000) * 0.25f - 100f;
        }
        byte[] mask = new byte[70_001];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = (byte) ((i * 7 >> 3) & 1);
        }
        written = new Checkpoint()
                .put("head", Tensor.ones(3))
                .put("big", Tensor.fromArray(big, BIG_FLOATS))
                .put("empty", Tensor.zeros(0))
                .put("mask", TensorEntry.ofBytes(DType.BOOL, mask, mask.length))
                .put("tail", TensorEntry.ofLongs(new long[] {1, -2, 3, Long.MIN_VALUE, Long.MAX_VALUE}, 5));
        Path file = dir.resolve("big.safetensors");
        SafeTensors.write(file, written, SafeTensors.Checksums.CRC32C);
        crc = Files.readAllBytes(file);
        SafeTensors.write(file, written);
        f4 = Files.readAllBytes(file);
        use(crc);
        assertTrue(bytes.length - dataStart >= ChunkReader.MIN_BYTES_FOR_HELPER, "the file must be big enough for the helper");
    }

    /** Makes {@code file} (one of {@link #crc} and {@link #f4}) the file of the test. */
    private static void use(byte[] file) {
        bytes = file;
        dataStart = 8 + ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** Runs {@code test} on the CRC32C file, then on the fletcher-4 one. */
    private static void withEachChecksum(ThrowingRunnable test) throws Exception {
        for (byte[] file : new byte[][] {crc, f4}) {
            use(file);
            test.run();
        }
        use(crc);
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** Whether the helper checksums this file at {@code threads} threads: with either checksum, whenever there are 2. */
    private static boolean helpedWith(int threads) {
        return threads > 1;
    }

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(threadsBefore);
    }

    /** Where tensor {@code name}'s bytes start in the file. */
    private static long start(String name) {
        long offset = dataStart;
        for (var e : written.entries().entrySet()) {
            if (e.getKey().equals(name)) {
                return offset;
            }
            offset += e.getValue().byteLength();
        }
        throw new AssertionError(name);
    }

    private static long end(String name) {
        return start(name) + written.entry(name).byteLength();
    }

    /** Reads {@code b} (written to a file) with {@code threads} threads; {@code helped} gets whether the helper took part. */
    private static Checkpoint read(byte[] b, int threads, Consumer<ChunkReader> configure, boolean[] helped) throws IOException {
        Parallel.setThreads(threads);
        Path f = dir.resolve("damaged-" + threads + ".safetensors");
        Files.write(f, b);
        ChunkReader[] seen = new ChunkReader[1];
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            return SafeTensors.read(ch, f.toString(), SafeTensors.Checksums.ON, r -> {
                seen[0] = r;
                configure.accept(r);
            });
        } finally {
            helped[0] = seen[0] != null && seen[0].helped();
        }
    }

    private static byte[] flipped(long... at) {
        byte[] b = bytes.clone();
        for (long i : at) {
            b[(int) i] ^= 0x10;
        }
        return b;
    }

    private static void assertRefusedNaming(String tensor, byte[] damaged, int threads) {
        boolean[] helped = new boolean[1];
        SafeTensorsChecksumException ex = assertThrows(SafeTensorsChecksumException.class,
                () -> read(damaged, threads, r -> {}, helped), tensor + ", " + threads + " thread(s)");
        assertTrue(ex.getMessage().contains("tensor \"" + tensor + "\" (file bytes " + start(tensor) + ".." + end(tensor) + ")"),
                ex.getMessage());
        assertTrue(ex.getMessage().contains(bytes == crc ? "fails its CRC32C check" : "fails its fletcher-4 check"), ex.getMessage());
        assertEquals(helpedWith(threads), helped[0], "the helper takes part exactly when there are 2 threads");
    }

    @Test
    void anIntactFileLoadsTheSameWithAndWithoutTheHelper() throws Exception {
        withEachChecksum(this::intactFileLoads);
    }

    private void intactFileLoads() throws IOException {
        for (int threads : new int[] {1, 2}) {
            boolean[] helped = new boolean[1];
            Checkpoint back = read(bytes, threads, r -> {}, helped);
            assertEquals(helpedWith(threads), helped[0]);
            for (String name : written.entries().keySet()) {
                TensorEntry want = written.entry(name);
                TensorEntry got = back.entry(name);
                if (want.dtype() == DType.F32) {
                    assertArrayEquals(want.tensor().toArray(), got.tensor().toArray(), name);
                } else {
                    assertTrue(got.sameContent(want), name);
                }
            }
        }
    }

    @Test
    void aFlippedByteInEveryChunkOfTheBigTensorIsRefusedByTheHelper() {
        flippedByteInEveryChunk(2);
    }

    @Test
    void aFlippedByteInEveryChunkOfTheBigTensorFailsItsFletcher4() {
        use(f4);
        try {
            flippedByteInEveryChunk(1);
        } finally {
            use(crc);
        }
    }

    private static void flippedByteInEveryChunk(int threads) {
        long s = start("big");
        int chunks = (int) ((end("big") - s + CHUNK - 1) / CHUNK);
        assertEquals(68, chunks);
        for (int k = 0; k < chunks; k++) {
            // A different place in each chunk: its first byte, its last, and spots in between.
            long chunkEnd = Math.min(end("big"), s + (long) (k + 1) * CHUNK);
            long at = k % 3 == 0 ? s + (long) k * CHUNK : k % 3 == 1 ? chunkEnd - 1 : s + (long) k * CHUNK + (k * 7919L) % CHUNK;
            assertRefusedNaming("big", flipped(Math.min(at, chunkEnd - 1)), threads);
        }
    }

    @Test
    void theFirstMiddleAndLastChunksAreCheckedOnOneThreadToo() throws Exception {
        withEachChecksum(() -> {
            long s = start("big");
            for (long at : new long[] {s, s + CHUNK - 1, s + CHUNK, s + 33L * CHUNK + 5, end("big") - 1}) {
                assertRefusedNaming("big", flipped(at), 1);
            }
        });
    }

    @Test
    void everySmallTensorAroundTheBigOneIsCheckedBothWays() throws Exception {
        withEachChecksum(() -> {
            for (int threads : new int[] {1, 2}) {
                assertRefusedNaming("head", flipped(start("head") + 11), threads);
                assertRefusedNaming("tail", flipped(end("tail") - 1), threads);
                assertRefusedNaming("mask", flipped(start("mask") + CHUNK + 3), threads);
                // The mask's last word is 1 byte of data and 3 of fletcher-4's zero padding.
                assertRefusedNaming("mask", flipped(end("mask") - 1), threads);
            }
        });
    }

    @Test
    void aDamagedBoolByteIsReportedAsDamageNotAsABadBoolean() throws Exception {
        withEachChecksum(() -> {
            for (int threads : new int[] {1, 2}) {
                byte[] b = bytes.clone();
                b[(int) (end("mask") - 2)] = 3; // not a boolean, and not what was written
                assertRefusedNaming("mask", b, threads);
            }
        });
    }

    /**
     * Two different 64-byte blocks of the big tensor swapped: every byte is still there, only
     * in another place. Fletcher-4's b, c and d weight each word by its distance from the end,
     * so moved words change them; CRC32C is position-sensitive too. Blocks a vector apart, a
     * chunk apart and far apart.
     */
    @Test
    void swappedBlocksOf64BytesAreRefused() throws Exception {
        withEachChecksum(() -> {
            long s = start("big");
            for (long[] pair : new long[][] {{s, s + 64}, {s + 64L * 100, s + CHUNK + 64L * 100}, {s + 128, end("big") - 64 - 3}}) {
                byte[] b = bytes.clone();
                for (int i = 0; i < 64; i++) {
                    byte t = b[(int) pair[0] + i];
                    b[(int) pair[0] + i] = b[(int) pair[1] + i];
                    b[(int) pair[1] + i] = t;
                }
                assertTrue(!java.util.Arrays.equals(b, bytes), "the blocks must differ for the test to mean anything");
                assertRefusedNaming("big", b, 1);
            }
        });
    }

    @Test
    void withTwoDamagedTensorsTheFirstInTheFileIsNamedWhoeverChecksummedIt() throws Exception {
        withEachChecksum(this::twoDamagedTensors);
    }

    private void twoDamagedTensors() {
        for (int threads : new int[] {1, 2}) {
            // The helper is made slow, so the loading thread checksums part of "big" itself.
            boolean[] helped = new boolean[1];
            SafeTensorsChecksumException ex = assertThrows(SafeTensorsChecksumException.class,
                    () -> read(flipped(start("big") + 40L * CHUNK, end("tail") - 3), threads,
                            r -> r.beforeHelperChunk = () -> sleepMicros(200), helped));
            assertTrue(ex.getMessage().contains("\"big\""), ex.getMessage());
        }
    }

    @Test
    void aTruncatedFileIsAFormatErrorNotAChecksumError() throws Exception {
        withEachChecksum(this::truncatedFiles);
    }

    private void truncatedFiles() {
        for (int threads : new int[] {1, 2}) {
            for (int cut : new int[] {1, CHUNK, (int) (end("tail") - start("big")) - 10}) {
                byte[] b = java.util.Arrays.copyOf(bytes, bytes.length - cut);
                SafeTensorsFormatException ex = assertThrows(SafeTensorsFormatException.class,
                        () -> read(b, threads, r -> {}, new boolean[1]));
                assertFalse(ex instanceof SafeTensorsChecksumException, ex.getMessage());
            }
        }
    }

    @Test
    void skippingVerificationReadsTheDamagedBigFileWithoutAHelper() throws IOException {
        Parallel.setThreads(2);
        Path f = dir.resolve("skip.safetensors");
        Files.write(f, flipped(start("big") + 5L * CHUNK));
        ChunkReader[] seen = new ChunkReader[1];
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            Checkpoint c = SafeTensors.read(ch, f.toString(), SafeTensors.Checksums.OFF, r -> seen[0] = r);
            assertEquals(5, c.entries().size());
        }
        assertFalse(seen[0].helped(), "nothing to verify, nothing to help with");
    }

    /** A helper that is slower than the loader, or stalls, changes who checksums, never the verdict. */
    @Test
    void aHelperThatStallsOrCrawlsNeverChangesTheVerdict() throws Exception {
        withEachChecksum(this::stallingOrCrawlingHelper);
    }

    private void stallingOrCrawlingHelper() throws IOException {
        List<Runnable> delays = new ArrayList<>();
        delays.add(() -> sleepMicros(300));                            // slower than the loader throughout
        delays.add(() -> sleepMicros(Thread.currentThread().hashCode() % 2 == 0 ? 0 : 50));
        long[] calls = new long[1];
        delays.add(() -> {                                            // stalls once, for 20 ms, early on
            if (++calls[0] == 3) {
                sleepMicros(20_000);
            }
        });
        for (Runnable delay : delays) {
            calls[0] = 0;
            boolean[] helped = new boolean[1];
            Checkpoint back = read(bytes, 2, r -> r.beforeHelperChunk = delay, helped);
            // The previous read's helper may still be finishing its chunk (it was made slow on
            // purpose), and then the pool turns this read's helper away: try again, briefly.
            for (int attempt = 0; !helped[0] && attempt < 200; attempt++) {
                sleepMicros(10_000);
                back = read(bytes, 2, r -> r.beforeHelperChunk = delay, helped);
            }
            assertTrue(helped[0], "no read out of 200 got a helper thread");
            assertArrayEquals(written.entry("big").tensor().toArray(), back.entry("big").tensor().toArray());
            SafeTensorsChecksumException ex = assertThrows(SafeTensorsChecksumException.class,
                    () -> read(flipped(end("big") - 7), 2, r -> r.beforeHelperChunk = delay, new boolean[1]));
            assertTrue(ex.getMessage().contains("\"big\""), ex.getMessage());
        }
    }

    static void sleepMicros(long micros) {
        java.util.concurrent.locks.LockSupport.parkNanos(micros * 1000);
    }
}
