package dev.pare.nn.io;

import static dev.pare.nn.io.SafeTensorsTestSupport.bytesOf;
import static dev.pare.nn.io.SafeTensorsTestSupport.fileWith;
import static dev.pare.nn.io.SafeTensorsTestSupport.readBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dtypes beyond F32 and Pare's int arrays: how they are written, read back, and refused. */
class SafeTensorsDtypeTest {

    @Test
    void f64IsWrittenExactlyAndReadBackAsTheSameFloats() throws IOException {
        float[] v = {0.1f, -1e-45f, Float.MAX_VALUE, Float.NEGATIVE_INFINITY, -0f};
        Checkpoint c = new Checkpoint().put("x", TensorEntry.of(Tensor.fromArray(v, 5), DType.F64));
        byte[] file = bytesOf(c);
        TensorEntry back = readBytes(file, "f64").entry("x");
        assertEquals(DType.F32, back.dtype());
        assertArrayEquals(v, back.tensor().toArray(), 0f);
    }

    @Test
    void halfPrecisionFilesAreHalfTheSizeOfF32Data() throws IOException {
        Tensor t = Tensor.fromArray(new float[1000], 10, 100);
        long f32 = bytesOf(new Checkpoint().put("w", TensorEntry.of(t, DType.F32))).length;
        long bf16 = bytesOf(new Checkpoint().put("w", TensorEntry.of(t, DType.BF16))).length;
        assertEquals(2000, f32 - bf16, "1000 values at 2 bytes less each");
    }

    @Test
    void aValueF16WouldTurnIntoInfinityIsRefusedNamingTheTensorAndTheOldFileStays(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("m.safetensors");
        Files.write(p, new byte[] {42});
        Map<String, Tensor> sd = new LinkedHashMap<>();
        sd.put("fc.bias", Tensor.fromArray(new float[] {65504f, -65519f, 1f}, 3));
        sd.put("fc.weight", Tensor.fromArray(new float[] {1f, -7e4f}, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.save(p, sd, DType.F16));
        assertTrue(e.getMessage().contains("tensor \"fc.weight\" holds -70000.0 at index 1, beyond F16's largest value 65504"),
                e.getMessage());
        assertArrayEquals(new byte[] {42}, Files.readAllBytes(p));
        SafeTensors.save(p, sd, DType.BF16); // BF16 has F32's range
        assertEquals(-70144f, SafeTensors.load(p).get("fc.weight").toArray()[1], 0f, "-7e4 to 8 significant bits");
    }

    @Test
    void aBoolByteOtherThanZeroOrOneIsRefusedNamingTheTensor() {
        byte[] file = fileWith("{\"mask\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2);
        file[file.length - 1] = 2;
        SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> readBytes(file, "m.safetensors"));
        assertTrue(e.getMessage().contains("m.safetensors: tensor \"mask\" is BOOL but byte 1 is 2"), e.getMessage());
    }

    @Test
    void aBatchCounterThatIsNotAnIntegerCannotBeSavedAsI64() {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        sd.put("bn.num_batches_tracked", Tensor.scalar(2.5f));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.of(sd));
        assertTrue(e.getMessage().contains("\"bn.num_batches_tracked\" is saved as I64"), e.getMessage());
    }

    @Test
    void aBatchCounterIsSavedAsI64AndLoadsBackAsTheSameFloat() throws IOException {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        sd.put("bn.running_mean", Tensor.fromArray(new float[] {0.5f}, 1));
        sd.put("bn.num_batches_tracked", Tensor.scalar(16777216f));
        Checkpoint back = readBytes(bytesOf(Checkpoint.of(sd, DType.BF16)), "bn");
        assertEquals(DType.I64, back.entry("bn.num_batches_tracked").dtype());
        assertArrayEquals(new long[] {16777216L}, back.entry("bn.num_batches_tracked").longs());
        assertEquals(16777216f, back.toStateDict().get("bn.num_batches_tracked").item(), 0f);
    }

    @Test
    void toStateDictStillRefusesQuantizedBytes() {
        Checkpoint c = new Checkpoint().put("q", TensorEntry.ofBytes(new byte[] {1, 2}, 2));
        IllegalStateException e = assertThrows(IllegalStateException.class, c::toStateDict);
        assertTrue(e.getMessage().contains("entry \"q\" is I8[2], not a float"), e.getMessage());
    }
}
