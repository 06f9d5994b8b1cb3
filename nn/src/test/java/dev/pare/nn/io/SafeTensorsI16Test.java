package dev.pare.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The 2-byte integer dtype that holds sparse weights' column indices. */
class SafeTensorsI16Test {
    @TempDir
    Path dir;

    @Test
    void shortsRoundTripIncludingTheExtremes() throws Exception {
        short[] v = {0, 1, -1, Short.MAX_VALUE, Short.MIN_VALUE, 783};
        Path f = dir.resolve("s.safetensors");
        SafeTensors.write(f, new Checkpoint().put("fc.weight.csr_col_indices", TensorEntry.ofShorts(v, 2, 3)));
        TensorEntry back = SafeTensors.read(f).entry("fc.weight.csr_col_indices");
        assertEquals(DType.I16, back.dtype());
        assertArrayEquals(new int[] {2, 3}, back.shape());
        assertArrayEquals(v, back.shorts());
        assertArrayEquals(new float[] {0, 1, -1, 32767, -32768, 783}, back.toFloatTensor().toArray());
    }

    @Test
    void shortsAreStoredAsTwoLittleEndianBytesUnderTheNameI16() throws Exception {
        Path f = dir.resolve("s.safetensors");
        SafeTensors.write(f, new Checkpoint().put("i", TensorEntry.ofShorts(new short[] {0x0102, -2}, 2)));
        byte[] all = Files.readAllBytes(f);
        long headerLength = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(all, 8, (int) headerLength, StandardCharsets.UTF_8);
        assertTrue(header.contains("\"dtype\":\"I16\"") && header.contains("\"data_offsets\":[0,4]"), header);
        int data = 8 + (int) headerLength;
        assertEquals(4, all.length - data);
        // Oracle: the bytes written out by hand, little-endian two's complement.
        assertArrayEquals(new byte[] {0x02, 0x01, (byte) 0xFE, (byte) 0xFF},
                java.util.Arrays.copyOfRange(all, data, all.length));
    }
}
