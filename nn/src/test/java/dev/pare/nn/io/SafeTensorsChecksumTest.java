package dev.pare.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16: Pare checksums each tensor's bytes on save and verifies them on load. */
class SafeTensorsChecksumTest {
    @TempDir
    Path dir;

    private Path saved() throws Exception {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        sd.put("a", Tensor.arange(6).reshape(2, 3));
        sd.put("empty", Tensor.zeros(0));
        sd.put("b", Tensor.ones(4));
        Path f = dir.resolve("m.safetensors");
        SafeTensors.save(f, sd);
        return f;
    }

    /** Where the data section starts: after the 8-byte length and the header. */
    private static long dataStart(byte[] file) {
        return 8 + java.nio.ByteBuffer.wrap(file, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
    }

    @Test
    void aSavedFileCarriesOneChecksumPerTensorAndLoadsBack() throws Exception {
        Path f = saved();
        byte[] b = Files.readAllBytes(f);
        String header = new String(b, 8, (int) dataStart(b) - 8, java.nio.charset.StandardCharsets.UTF_8);
        String f4 = "[0-9a-f]{16}:[0-9a-f]{16}:[0-9a-f]{16}:[0-9a-f]{16}";
        assertTrue(header.matches(".*\"pare\\.fletcher4\":\"" + f4 + " " + f4 + " " + f4 + "\".*"), header);
        assertFalse(header.contains(SafeTensors.CHECKSUM_KEY), "one kind of checksum: " + header);
        Checkpoint c = SafeTensors.read(f);
        assertFalse(c.metadata().containsKey(SafeTensors.FLETCHER4_KEY), "the checksums are not handed on as metadata");
        assertArrayEquals(new float[] {1, 1, 1, 1}, c.entry("b").tensor().toArray());
    }

    @Test
    void crc32cOnRequestIsWrittenAndVerifiedAsBefore() throws Exception {
        Path f = dir.resolve("crc.safetensors");
        Checkpoint c = Checkpoint.of(Map.of("w", Tensor.arange(5)));
        SafeTensors.write(f, c, SafeTensors.Checksums.CRC32C);
        byte[] b = Files.readAllBytes(f);
        String header = new String(b, 8, (int) dataStart(b) - 8, java.nio.charset.StandardCharsets.UTF_8);
        // The oracle: java.util.zip's CRC32C of the tensor's 20 bytes.
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b, (int) dataStart(b), 20);
        assertTrue(header.contains("\"pare.crc32c\":\"" + String.format("%08x", crc.getValue()) + "\""), header);
        assertFalse(header.contains(SafeTensors.FLETCHER4_KEY), header);
        assertArrayEquals(new float[] {0, 1, 2, 3, 4}, SafeTensors.read(f).entry("w").tensor().toArray());
        b[b.length - 1] ^= 0x40;
        Files.write(f, b);
        SafeTensorsChecksumException ex = assertThrows(SafeTensorsChecksumException.class, () -> SafeTensors.read(f));
        assertTrue(ex.getMessage().contains("fails its CRC32C check"), ex.getMessage());
    }

    @Test
    void aFileWithBothKindsHasBothVerified() throws Exception {
        // Pare writes one kind; a file with both (another tool's, or an edited one) must pass both.
        Path crcFile = dir.resolve("crc.safetensors");
        Path f4File = dir.resolve("f4.safetensors");
        Path plainFile = dir.resolve("plain.safetensors");
        Checkpoint c = Checkpoint.of(Map.of("w", Tensor.arange(7)));
        SafeTensors.write(crcFile, c, SafeTensors.Checksums.CRC32C);
        SafeTensors.write(f4File, c);
        SafeTensors.write(plainFile, c, SafeTensors.Checksums.OFF);
        String crc = headerValue(crcFile, SafeTensors.CHECKSUM_KEY);
        String f4 = headerValue(f4File, SafeTensors.FLETCHER4_KEY);
        String badF4 = (f4.charAt(0) == '0' ? "1" : "0") + f4.substring(1);
        Path both = dir.resolve("both.safetensors");
        Files.write(both, withMetadata(Files.readAllBytes(plainFile), crc, f4));
        assertArrayEquals(c.entry("w").tensor().toArray(), SafeTensors.read(both).entry("w").tensor().toArray());
        for (boolean spoilCrc : new boolean[] {false, true}) {
            Files.write(both, withMetadata(Files.readAllBytes(plainFile), spoilCrc ? "00000000" : crc, spoilCrc ? f4 : badF4));
            SafeTensorsChecksumException ex = assertThrows(SafeTensorsChecksumException.class, () -> SafeTensors.read(both));
            assertTrue(ex.getMessage().contains(spoilCrc ? "fails its CRC32C check" : "fails its fletcher-4 check"), ex.getMessage());
        }
    }

    /** The text of metadata {@code key} in {@code f}'s header. */
    private static String headerValue(Path f, String key) throws Exception {
        byte[] b = Files.readAllBytes(f);
        String header = new String(b, 8, (int) dataStart(b) - 8, java.nio.charset.StandardCharsets.UTF_8);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + java.util.regex.Pattern.quote(key) + "\":\"([^\"]*)\"")
                .matcher(header);
        assertTrue(m.find(), header);
        return m.group(1);
    }

    /** {@code file} (with no metadata) rewritten with both checksum keys in its {@code __metadata__}. */
    private static byte[] withMetadata(byte[] file, String crc, String f4) {
        String metadataJson = "{\"" + SafeTensors.CHECKSUM_KEY + "\":\"" + crc + "\",\"" + SafeTensors.FLETCHER4_KEY + "\":\"" + f4 + "\"}";
        long start = dataStart(file);
        String header = new String(file, 8, (int) start - 8, java.nio.charset.StandardCharsets.UTF_8).strip();
        String json = "{\"__metadata__\":" + metadataJson + "," + header.substring(1);
        while (json.length() % 8 != 0) {
            json += " ";
        }
        byte[] h = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(8 + h.length + (int) (file.length - start))
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(file, (int) start, (int) (file.length - start));
        return out.array();
    }

    @Test
    void aFlippedDataByteIsRefusedNamingTheTensorAndItsByteRange() throws Exception {
        Path f = saved();
        byte[] b = Files.readAllBytes(f);
        long start = dataStart(b);
        b[(int) start + 24 + 5] ^= 1; // inside "b": "a" takes 24 bytes, "empty" none
        Files.write(f, b);
        SafeTensorsChecksumException ex = assertThrows(SafeTensorsChecksumException.class, () -> SafeTensors.read(f));
        assertTrue(ex.getMessage().contains("\"b\""), ex.getMessage());
        assertTrue(ex.getMessage().contains((start + 24) + ".." + (start + 40)), ex.getMessage());
        assertTrue(ex.getMessage().contains(f.toString()), ex.getMessage());
    }

    @Test
    void skippingVerificationReadsADamagedFileAsItIs() throws Exception {
        Path f = saved();
        byte[] b = Files.readAllBytes(f);
        b[(int) dataStart(b)] ^= 1;
        Files.write(f, b);
        Checkpoint c = SafeTensors.read(f, SafeTensors.Checksums.OFF);
        assertEquals(3, c.entries().size());
    }

    @Test
    void aFileWithoutChecksumsLoadsAsBefore() throws Exception {
        Path f = dir.resolve("plain.safetensors");
        SafeTensors.write(f, Checkpoint.of(Map.of("w", Tensor.ones(2))), SafeTensors.Checksums.OFF);
        assertFalse(SafeTensors.read(f).metadata().containsKey(SafeTensors.CHECKSUM_KEY));
        assertArrayEquals(new float[] {1, 1}, SafeTensors.load(f).get("w").toArray());
    }

    @Test
    void rewritingAReadCheckpointReplacesItsOldChecksums() throws Exception {
        Path f = saved();
        Checkpoint read = SafeTensors.read(f);
        Checkpoint changed = new Checkpoint();
        read.metadata().forEach(changed::putMetadata);
        changed.put("b", Tensor.zeros(4));
        Path g = dir.resolve("changed.safetensors");
        SafeTensors.write(g, changed);
        assertArrayEquals(new float[4], SafeTensors.read(g).entry("b").tensor().toArray());
    }

    @Test
    void aMalformedChecksumListIsAFormatError() throws Exception {
        Path f = dir.resolve("bad.safetensors");
        Checkpoint c = new Checkpoint().put("w", Tensor.ones(2));
        c.putMetadata(SafeTensors.CHECKSUM_KEY, "xyz");
        // SafeTensors.write drops a checksum key it did not compute, so the file is forged with
        // the raw writer.
        Files.write(f, SafeTensorsTestSupport.bytesOf(c));
        assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.read(f));
    }

    /** A tensor of {@code dtype} with {@code n} elements whose bytes differ from one another. */
    private static TensorEntry entryOf(DType dtype, int n) {
        switch (dtype) {
            case I8:
            case U8:
            case BOOL: {
                byte[] b = new byte[n];
                for (int i = 0; i < n; i++) {
                    b[i] = (byte) (dtype == DType.BOOL ? (i * 7 >> 3) & 1 : i * 13);
                }
                return TensorEntry.ofBytes(dtype, b, n);
            }
            case I16: {
                short[] v = new short[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (short) (i * 31);
                }
                return TensorEntry.ofShorts(v, n);
            }
            case I32: {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) {
                    v[i] = i * 1_000_003;
                }
                return TensorEntry.ofInts(v, n);
            }
            case I64: {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = i * 1_000_000_007L;
                }
                return TensorEntry.ofLongs(v, n);
            }
            default: {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (i % 64) * 0.5f - 16f; // exact in every float width, BF16's 8 bits included
                }
                return TensorEntry.of(Tensor.fromArray(v, n), dtype);
            }
        }
    }

    @Test
    void everyDtypeIsVerifiedAcrossChunksAndADamagedLastChunkIsRefused() throws Exception {
        // 70,001 elements: more than one 64 KiB chunk even for one-byte types, and a short last chunk.
        int n = 70_001;
        for (DType d : DType.values()) {
            Path f = dir.resolve(d + ".safetensors");
            Checkpoint c = new Checkpoint().put("head", Tensor.ones(3)).put("t", entryOf(d, n)).put("tail", Tensor.ones(2));
            SafeTensors.write(f, c);
            Checkpoint back = SafeTensors.read(f);
            if (d.isFloatingPoint()) {
                // Read into F32 whatever the width on disk; the values are exact in every width.
                assertArrayEquals(c.entry("t").tensor().toArray(), back.entry("t").tensor().toArray(), d + ": read back differs");
            } else {
                assertTrue(back.entry("t").sameContent(c.entry("t")), d + ": read back differs");
            }

            byte[] b = Files.readAllBytes(f);
            long tStart = dataStart(b) + 12;
            long tEnd = tStart + (long) n * d.byteSize();
            b[(int) tEnd - 2] ^= 2; // in the last chunk; a BOOL byte becomes 2 or 3
            Files.write(f, b);
            SafeTensorsChecksumException ex = assertThrows(SafeTensorsChecksumException.class, () -> SafeTensors.read(f),
                    d + ": a damaged byte must be reported as damage");
            assertTrue(ex.getMessage().contains("\"t\" (file bytes " + tStart + ".." + tEnd + ")"), ex.getMessage());
        }
    }

    @Test
    void aSignedOrShortChecksumIsAFormatError() throws Exception {
        for (String sums : new String[] {"+1234567", "-1234567", "1234567", "123456789", "00000000 00000000"}) {
            Path f = dir.resolve("sign.safetensors");
            Checkpoint c = new Checkpoint().put("w", Tensor.ones(2));
            c.putMetadata(SafeTensors.CHECKSUM_KEY, sums);
            Files.write(f, SafeTensorsTestSupport.bytesOf(c));
            SafeTensorsFormatException ex = assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.read(f));
            assertFalse(ex instanceof SafeTensorsChecksumException, sums + ": a malformed list is not a damaged tensor");
            assertTrue(ex.getMessage().contains(SafeTensors.CHECKSUM_KEY), ex.getMessage());
        }
    }

    /** Bytes allocated on this thread while {@code read} runs. */
    private static long allocatedWhile(Path f, SafeTensors.Checksums checksums) throws Exception {
        com.sun.management.ThreadMXBean mx =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        assertTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled(),
                "this JVM cannot count allocated bytes per thread");
        long before = mx.getCurrentThreadAllocatedBytes();
        SafeTensors.read(f, checksums);
        return mx.getCurrentThreadAllocatedBytes() - before;
    }

    @Test
    void verifyingAllocatesNothingBeyondTheTensorsThemselves() throws Exception {
        // A copy of the data to checksum, or a buffer per tensor, would show here as kilobytes or megabytes.
        // Scalar decoders only: F16 and BF16 go through Vector API kernels, which allocate until
        // C2 has compiled them, whatever the checksums do.
        Path f = dir.resolve("five-mib.safetensors");
        SafeTensors.write(f, new Checkpoint().put("a", entryOf(DType.F32, 1 << 19)).put("b", entryOf(DType.I8, 1 << 20))
                .put("c", entryOf(DType.I64, 1 << 17)).put("d", entryOf(DType.F64, 1 << 17)));
        // The fletcher-4 kernels' vectors are heap objects until C2 has compiled them, and C2
        // compiles a kernel several times as its profile settles (a second buffer class, a branch
        // first seen late), running C1's unoptimised version in between. So warm up until one
        // round is clean, for as long as a busy machine may need: a copy of the data would show
        // in every round, however long.
        long on = 0;
        long off = 0;
        int rounds = 0;
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (rounds < 5 || (on - off >= 16 * 1024 && System.nanoTime() < deadline)) {
            on = allocatedWhile(f, SafeTensors.Checksums.ON);
            off = allocatedWhile(f, SafeTensors.Checksums.OFF);
            rounds++;
        }
        assertTrue(on - off < 16 * 1024, "verified " + on + " bytes, unverified " + off + ", after " + rounds + " rounds");
    }
}
