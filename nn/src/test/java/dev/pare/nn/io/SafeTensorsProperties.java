package dev.pare.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Laws of the safetensors reader and writer: what is written reads back bit for bit, and no
 * damaged file makes the reader throw anything but {@link SafeTensorsFormatException}.
 */
class SafeTensorsProperties {

    // ---------------------------------------------------------------- generators

    private static Arbitrary<int[]> shapes() {
        // Rank 0 to 4, sizes 0 to 5: scalars, empty tensors and ordinary ones.
        return Arbitraries.integers().between(0, 5).array(int[].class).ofMinSize(0).ofMaxSize(4);
    }

    private static int numel(int[] shape) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    /** One entry of a random dtype; floats are raw bit patterns, so NaNs, infinities, -0 and subnormals all occur. */
    private static Arbitrary<TensorEntry> entries() {
        return shapes().flatMap(shape -> {
            int n = numel(shape);
            Arbitrary<TensorEntry> f32 = Arbitraries.integers().array(int[].class).ofSize(n).flatMap(bits ->
                    Arbitraries.of(false, true).map(transposed -> {
                        float[] f = new float[n];
                        for (int i = 0; i < n; i++) {
                            f[i] = Float.intBitsToFloat(bits[i]);
                        }
                        Tensor t = Tensor.fromArray(f, shape);
                        // A transposed view exercises the row-major copy made on save.
                        return TensorEntry.of(transposed && shape.length >= 2 ? t.transpose(0, shape.length - 1) : t);
                    }));
            Arbitrary<TensorEntry> i8 = Arbitraries.bytes().array(byte[].class).ofSize(n)
                    .map(b -> TensorEntry.ofBytes(b, shape));
            Arbitrary<TensorEntry> i32 = Arbitraries.integers().array(int[].class).ofSize(n)
                    .map(v -> TensorEntry.ofInts(v, shape));
            return Arbitraries.oneOf(f32, i8, i32);
        });
    }

    @Provide
    Arbitrary<Checkpoint> checkpoints() {
        Arbitrary<List<String>> names = Arbitraries.strings().ofMinLength(0).ofMaxLength(12)
                .filter(s -> !s.equals(Checkpoint.METADATA_KEY))
                .list().ofMaxSize(6).uniqueElements();
        Arbitrary<List<String>> metaKeys = Arbitraries.strings().ofMaxLength(8).list().ofMaxSize(3).uniqueElements();
        return Combinators.combine(names, metaKeys, Arbitraries.strings().ofMaxLength(10)).flatAs((ns, mk, mv) ->
                entries().list().ofSize(ns.size()).map(es -> {
                    Checkpoint c = new Checkpoint();
                    for (int i = 0; i < ns.size(); i++) {
                        c.put(ns.get(i), es.get(i));
                    }
                    for (String k : mk) {
                        c.putMetadata(k, mv);
                    }
                    return c;
                }));
    }

    // ---------------------------------------------------------------- round trip

    @Property(tries = 300)
    void whatIsWrittenReadsBackBitForBitInOrder(@ForAll("checkpoints") Checkpoint c) throws IOException {
        Checkpoint back = SafeTensorsTestSupport.readBytes(SafeTensorsTestSupport.bytesOf(c), "roundtrip");
        assertEquals(List.copyOf(c.entries().keySet()), List.copyOf(back.entries().keySet()));
        assertEquals(c.metadata(), back.metadata());
        for (String name : c.entries().keySet()) {
            assertTrue(c.entry(name).sameContent(back.entry(name)),
                    () -> name + ": wrote " + c.entry(name) + ", read " + back.entry(name));
        }
    }

    @Property(tries = 100)
    void writingIsDeterministic(@ForAll("checkpoints") Checkpoint c) throws IOException {
        assertArrayEquals(SafeTensorsTestSupport.bytesOf(c), SafeTensorsTestSupport.bytesOf(c));
    }

    // ---------------------------------------------------------------- damaged files

    /** Reading must either succeed or throw the documented exception: never another exception or error. */
    private static void readsOrRefusesCleanly(byte[] bytes) {
        try {
            SafeTensorsTestSupport.readBytes(bytes, "fuzz");
        } catch (SafeTensorsFormatException expected) {
            assertTrue(expected.getMessage().startsWith("fuzz: "), expected.getMessage());
        } catch (Throwable t) {
            throw new AssertionError("reading " + bytes.length + " damaged bytes threw " + t, t);
        }
    }

    @Property(tries = 500)
    void randomBytesAreReadOrRefusedCleanly(@ForAll @Size(max = 200) byte[] bytes) {
        readsOrRefusesCleanly(bytes);
    }

    @Property(tries = 500)
    void randomBytesAfterAPlausibleLengthAreReadOrRefusedCleanly(
            @ForAll @Size(max = 300) byte[] rest, @ForAll @IntRange(min = 0, max = 320) int claimedLength) {
        byte[] f = ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN).putLong(claimedLength).put(rest).array();
        readsOrRefusesCleanly(f);
    }

    @Property(tries = 300)
    void everyTruncationIsRefused(@ForAll("checkpoints") Checkpoint c, @ForAll @IntRange(min = 1, max = 10_000) int cut)
            throws IOException {
        byte[] whole = SafeTensorsTestSupport.bytesOf(c);
        byte[] shorter = Arrays.copyOf(whole, Math.max(0, whole.length - cut));
        try {
            SafeTensorsTestSupport.readBytes(shorter, "fuzz");
            throw new AssertionError("a file " + (whole.length - shorter.length) + " bytes short was accepted");
        } catch (SafeTensorsFormatException expected) {
            assertTrue(expected.getMessage().startsWith("fuzz: "));
        }
    }

    @Property(tries = 1000)
    void flippedBytesAreReadOrRefusedCleanly(@ForAll("checkpoints") Checkpoint c,
            @ForAll @Size(min = 1, max = 4) List<@IntRange(min = 0, max = Integer.MAX_VALUE) Integer> positions,
            @ForAll @Size(min = 4, max = 4) byte[] xors) throws IOException {
        byte[] f = SafeTensorsTestSupport.bytesOf(c);
        for (int i = 0; i < positions.size(); i++) {
            // Header bytes are the interesting ones; data bytes only change values.
            int limit = Math.min(f.length, 8 + 400);
            f[positions.get(i) % limit] ^= xors[i] == 0 ? 1 : xors[i];
        }
        readsOrRefusesCleanly(f);
    }

    @Property(tries = 300)
    void appendedGarbageIsRefused(@ForAll("checkpoints") Checkpoint c, @ForAll @Size(min = 1, max = 16) byte[] extra)
            throws IOException {
        byte[] whole = SafeTensorsTestSupport.bytesOf(c);
        byte[] longer = Arrays.copyOf(whole, whole.length + extra.length);
        System.arraycopy(extra, 0, longer, whole.length, extra.length);
        try {
            SafeTensorsTestSupport.readBytes(longer, "fuzz");
            throw new AssertionError("a file with " + extra.length + " extra bytes was accepted");
        } catch (SafeTensorsFormatException expected) {
            assertTrue(expected.getMessage().contains("after the last tensor"), expected.getMessage());
        }
    }
}
