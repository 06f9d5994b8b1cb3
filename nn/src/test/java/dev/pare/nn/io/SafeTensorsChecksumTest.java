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
        assertTrue(header.matches(".*\"pare\\.crc32c\":\"[0-9a-f]{8} [0-9a-f]{8} [0-9a-f]{8}\".*"), header);
        Checkpoint c = SafeTensors.read(f);
        assertFalse(c.metadata().containsKey(SafeTensors.CHECKSUM_KEY), "the checksums are not handed on as metadata");
        assertArrayEquals(new float[] {1, 1, 1, 1}, c.entry("b").tensor().toArray());
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
}
