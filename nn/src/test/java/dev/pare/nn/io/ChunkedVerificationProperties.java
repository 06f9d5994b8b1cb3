package dev.pare.nn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Damage anywhere in the data of a multi-chunk file, read with a helper whose pace is random (it
 * may lag so far that the loading thread takes chunks over, or stall), is always refused naming
 * the first damaged tensor in the file; an undamaged file always loads. Who checksummed a chunk
 * must never show in the verdict.
 */
class ChunkedVerificationProperties {
    private static Path dir;
    private static byte[] bytes;
    /** The same checkpoint with fletcher-4 sums (the header differs, so the data starts elsewhere). */
    private static byte[] f4Bytes;
    private static long f4DataStart;
    private static long dataStart;
    /** Where each tensor's bytes end in the file, by name, in file order. */
    private static final Map<Long, String> TENSOR_ENDING_AT = new java.util.TreeMap<>();
    private static int threadsBefore;

    @BeforeContainer
    static void write() throws Exception {
        threadsBefore = Parallel.threads();
        dir = Files.createTempDirectory("pare-chunked");
        Rng rng = new Rng(7);
        Checkpoint c = new Checkpoint()
                .put("a", Tensor.randn(rng, 300_001))        // 18.3 chunks
                .put("b", Tensor.randn(rng, 5))
                .put("c", Tensor.randn(rng, 700_000))        // 42.7 chunks
                .put("d", Tensor.randn(rng, 16_384));        // exactly one chunk
        Path f = dir.resolve("m.safetensors");
        SafeTensors.write(f, c, SafeTensors.Checksums.CRC32C);
        bytes = Files.readAllBytes(f);
        dataStart = 8 + ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        SafeTensors.write(f, c);
        f4Bytes = Files.readAllBytes(f);
        f4DataStart = 8 + ByteBuffer.wrap(f4Bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        long end = dataStart;
        for (var e : c.entries().entrySet()) {
            end += e.getValue().byteLength();
            TENSOR_ENDING_AT.put(end, e.getKey());
        }
    }

    @AfterContainer
    static void cleanUp() throws Exception {
        Parallel.setThreads(threadsBefore);
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    /** The tensor at {@code position} of the CRC32C file. */
    private static String tensorAt(long position) {
        for (var e : TENSOR_ENDING_AT.entrySet()) {
            if (position < e.getKey()) {
                return e.getValue();
            }
        }
        throw new AssertionError(position);
    }

    @Property(tries = 25)
    void theFirstDamagedTensorIsNamedWhateverThePaceOfTheHelper(@ForAll long seed) throws Exception {
        Random random = new Random(seed);
        byte[] b = bytes.clone();
        int flips = random.nextInt(4); // 0: the intact file must load
        TreeSet<Long> at = new TreeSet<>();
        while (at.size() < flips) {
            at.add(dataStart + (long) (random.nextDouble() * (b.length - dataStart)));
        }
        for (long i : at) {
            b[(int) i] ^= (byte) (1 << random.nextInt(8));
        }
        Path f = dir.resolve("mutant.safetensors");
        Files.write(f, b);
        Runnable delay = randomPace(seed);
        Parallel.setThreads(2);
        ChunkReader[] seen = new ChunkReader[1];
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            Checkpoint c = SafeTensors.read(ch, f.toString(), SafeTensors.Checksums.ON, r -> {
                r.minBytesForHelper = 0;
                r.beforeHelperChunk = delay;
                seen[0] = r;
            });
            assertTrue(at.isEmpty(), "damage at " + at + " was not noticed");
            assertEquals(4, c.entries().size());
        } catch (SafeTensorsChecksumException ex) {
            assertTrue(!at.isEmpty(), "an intact file was refused: " + ex.getMessage());
            String first = tensorAt(at.first());
            assertTrue(ex.getMessage().contains("tensor \"" + first + "\""), "damage at " + at + " (first in \""
                    + first + "\"): " + ex.getMessage());
        }
    }

    /** Each chunk: no delay, a short one, or (rarely) a long one that lets the loader run far ahead. */
    private static Runnable randomPace(long seed) {
        Random pace = new Random(seed ^ 0x5DEECE66DL);
        return () -> {
            int roll = pace.nextInt(100);
            if (roll >= 80) {
                ChunkedVerificationTest.sleepMicros(roll >= 98 ? 3_000 : 40);
            }
        };
    }

    /**
     * The same law for fletcher-4: on 1 thread the loading thread sums as it decodes, on 2 a
     * helper at a random pace sums the floats from the arrays the loading thread has filled.
     */
    @Property(tries = 40)
    void theFirstDamagedTensorIsNamedByItsFletcher4(@ForAll long seed) throws Exception {
        Random random = new Random(seed);
        byte[] b = f4Bytes.clone();
        int flips = random.nextInt(4); // 0: the intact file must load
        TreeSet<Long> at = new TreeSet<>();
        while (at.size() < flips) {
            at.add(f4DataStart + (long) (random.nextDouble() * (b.length - f4DataStart)));
        }
        for (long i : at) {
            b[(int) i] ^= (byte) (1 << random.nextInt(8));
        }
        Path f = dir.resolve("mutant-f4.safetensors");
        Files.write(f, b);
        Parallel.setThreads(1 + random.nextInt(2));
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            Runnable delay = randomPace(seed);
            Checkpoint c = SafeTensors.read(ch, f.toString(), SafeTensors.Checksums.ON, r -> {
                r.minBytesForHelper = 0;
                r.beforeHelperChunk = delay;
            });
            assertTrue(at.isEmpty(), "damage at " + at + " was not noticed");
            assertEquals(4, c.entries().size());
        } catch (SafeTensorsChecksumException ex) {
            assertTrue(!at.isEmpty(), "an intact file was refused: " + ex.getMessage());
            // Same data, other header: a position in this file is that position - shift in the CRC32C one.
            String first = tensorAt(at.first() - f4DataStart + dataStart);
            assertTrue(ex.getMessage().contains("tensor \"" + first + "\"") && ex.getMessage().contains("fletcher-4"),
                    "damage at " + at + " (first in \"" + first + "\"): " + ex.getMessage());
        }
    }
}
