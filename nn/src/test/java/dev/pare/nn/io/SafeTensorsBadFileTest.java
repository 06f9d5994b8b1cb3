package dev.pare.nn.io;

import static dev.pare.nn.io.SafeTensorsTestSupport.fileWith;
import static dev.pare.nn.io.SafeTensorsTestSupport.readBytes;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every way a file can be wrong gets its own clear message, naming the file. */
class SafeTensorsBadFileTest {
    private static final String NAME = "bad.safetensors";

    private static void assertRefused(byte[] file, String... phrases) {
        SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> readBytes(file, NAME));
        String msg = e.getMessage();
        assertTrue(msg.startsWith(NAME + ": "), "message should start with the file name: " + msg);
        for (String p : phrases) {
            assertTrue(msg.contains(p), "message should contain <" + p + ">: " + msg);
        }
    }

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + ","
                + end + "]}";
    }

    @Test
    void emptyFileIsTooShortForTheLength() {
        assertRefused(new byte[0], "file is 0 bytes, too short");
    }

    @Test
    void fiveByteFileIsTooShortForTheLength() {
        assertRefused(new byte[5], "file is 5 bytes, too short");
    }

    @Test
    void headerLengthOverTheLimitIsRefusedBeforeReadingIt() {
        byte[] f = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(200_000_000L).array();
        assertRefused(f, "header length 200000000 exceeds the limit of 100000000 bytes");
    }

    @Test
    void headerLengthWithTheTopBitSetIsShownUnsigned() {
        byte[] f = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L).array();
        assertRefused(f, "header length 18446744073709551615 exceeds the limit");
    }

    @Test
    void headerLengthBeyondTheFileIsRefused() {
        byte[] f = ByteBuffer.allocate(58).order(ByteOrder.LITTLE_ENDIAN).putLong(100).array();
        assertRefused(f, "header length 100 exceeds the 50 bytes that follow it (file truncated?)");
    }

    @Test
    void headerThatIsNotUtf8IsRefused() {
        assertRefused(fileWith(new byte[] {'{', (byte) 0xFF, (byte) 0xFE, '}'}, 0), "header is not valid UTF-8");
    }

    @Test
    void headerThatIsNotAnObjectIsRefused() {
        assertRefused(fileWith("[1, 2]", 0), "header does not start with '{' (first byte 0x5b)");
    }

    @Test
    void emptyHeaderIsRefused() {
        assertRefused(fileWith("", 0), "header does not start with '{' (it is empty)");
    }

    @Test
    void invalidJsonIsRefused() {
        assertRefused(fileWith("{\"w\": {\"dtype\": ", 0), "header is not valid JSON");
    }

    @Test
    void textAfterTheClosingBraceIsRefused() {
        assertRefused(fileWith("{} x", 0), "not valid JSON");
    }

    @Test
    void duplicateTensorNamesAreRefused() {
        String h = "{" + entry("w", "F32", "[1]", 0, 4) + "," + entry("w", "F32", "[1]", 4, 8) + "}";
        assertRefused(fileWith(h, 8), "duplicate name \"w\"");
    }

    @Test
    void duplicateFieldInsideAnEntryIsRefused() {
        String h = "{\"w\":{\"dtype\":\"F32\",\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertRefused(fileWith(h, 4), "not valid JSON", "Duplicate field 'dtype'");
    }

    @Test
    void unknownDtypeIsRefused() {
        assertRefused(fileWith("{" + entry("w", "Q7", "[1]", 0, 4) + "}", 4), "tensor \"w\": unknown dtype \"Q7\"");
    }

    @Test
    void dtypeOfTheSpecThatPareDoesNotReadIsNamedAsSuch() {
        assertRefused(fileWith("{" + entry("w", "U16", "[2]", 0, 4) + "}", 4),
                "dtype U16 is valid safetensors but Pare reads only [F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL]");
    }

    @Test
    void shapeTimesDtypeSizeMustMatchTheByteLength() {
        assertRefused(fileWith("{" + entry("fc.weight", "F32", "[2,3]", 0, 20) + "}", 20),
                "tensor \"fc.weight\": shape [2, 3] of F32 needs 24 bytes but data_offsets [0,20] give 20");
    }

    @Test
    void offsetsBeyondTheFileAreRefused() {
        assertRefused(fileWith("{" + entry("w", "F32", "[250]", 0, 1000) + "}", 8),
                "tensor \"w\": data_offsets [0, 1000] reach past the data buffer of 8 bytes");
    }

    @Test
    void overlappingTensorsAreRefused() {
        String h = "{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12) + "}";
        assertRefused(fileWith(h, 12), "tensors \"a\" [0, 8] and \"b\" [4, 12] overlap");
    }

    @Test
    void gapBetweenTensorsIsRefused() {
        String h = "{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 8, 12) + "}";
        assertRefused(fileWith(h, 12), "bytes [4, 8) of the data buffer belong to no tensor (gap before \"b\")");
    }

    @Test
    void firstTensorMustStartAtZero() {
        assertRefused(fileWith("{" + entry("a", "F32", "[1]", 4, 8) + "}", 8), "bytes [0, 4) of the data buffer");
    }

    @Test
    void bytesAfterTheLastTensorAreRefused() {
        assertRefused(fileWith("{" + entry("a", "F32", "[2]", 0, 8) + "}", 16),
                "the data buffer is 16 bytes but the tensors cover only 8 (8 bytes after the last tensor)");
    }

    @Test
    void offsetsThatRunBackwardsAreRefused() {
        assertRefused(fileWith("{" + entry("a", "F32", "[1]", 8, 4) + "}", 8), "data_offsets [8,4] end before they begin");
    }

    @Test
    void negativeSizeInShapeIsRefused() {
        assertRefused(fileWith("{" + entry("a", "F32", "[-1]", 0, 0) + "}", 0), "has size -1 at dimension 0");
    }

    @Test
    void fractionalSizeInShapeIsRefused() {
        assertRefused(fileWith("{" + entry("a", "F32", "[2.5]", 0, 10) + "}", 10), "has size 2.5 at dimension 0");
    }

    @Test
    void shapeWithTooManyElementsForAJavaArrayIsRefused() {
        long bytes = 65536L * 65536L * 4;
        assertRefused(fileWith("{" + entry("a", "F32", "[65536,65536]", 0, bytes) + "}", 0),
                "has more than 2^31-1 elements");
    }

    @Test
    void offsetsLargerThanALongAreRefused() {
        assertRefused(fileWith("{" + entry("a", "I8", "[1]", 0, Long.MAX_VALUE).replace(
                String.valueOf(Long.MAX_VALUE), "99999999999999999999") + "}", 0), "must hold integers from 0 to");
    }

    @Test
    void dataOffsetsNeedExactlyTwoNumbers() {
        assertRefused(fileWith("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4),
                "data_offsets must be [begin, end], got [0]");
    }

    @Test
    void missingDtypeIsRefused() {
        assertRefused(fileWith("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "tensor \"a\" has no \"dtype\"");
    }

    @Test
    void unknownFieldInAnEntryIsRefused() {
        assertRefused(fileWith("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"stride\":[1]}}", 4),
                "tensor \"a\" has an unknown field \"stride\"");
    }

    @Test
    void entryThatIsNotAnObjectIsRefused() {
        assertRefused(fileWith("{\"a\":[1,2,3]}", 0), "tensor \"a\" must be an object", "array [1,2,3]");
    }

    @Test
    void metadataValuesMustBeStrings() {
        assertRefused(fileWith("{\"__metadata__\":{\"epoch\":3}}", 0), "__metadata__ value of \"epoch\" must be a string");
    }

    @Test
    void metadataMustBeAnObject() {
        assertRefused(fileWith("{\"__metadata__\":\"v1\"}", 0), "__metadata__ must be an object of strings");
    }

    @Test
    void fileCutShortInItsDataIsRefused() throws IOException {
        Checkpoint c = new Checkpoint().put("w", Tensor.arange(10));
        byte[] whole = SafeTensorsTestSupport.bytesOf(c);
        assertRefused(Arrays.copyOf(whole, whole.length - 1), "reach past the data buffer", "(file truncated?)");
    }

    @Test
    void fileCutShortInItsHeaderIsRefused() throws IOException {
        byte[] whole = SafeTensorsTestSupport.bytesOf(new Checkpoint().put("w", Tensor.arange(10)));
        assertRefused(Arrays.copyOf(whole, 20), "exceeds the 12 bytes that follow it (file truncated?)");
    }

    @Test
    void loadRefusesIntegerEntriesAndPointsToRead(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("q.safetensors");
        SafeTensors.write(p, new Checkpoint().put("q", TensorEntry.ofBytes(new byte[] {1, 2}, 2)));
        SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.load(p));
        assertTrue(e.getMessage().contains("tensor \"q\" is I8[2]; load() returns float tensors only, use SafeTensors.read()"),
                e.getMessage());
    }

    @Test
    void aFileThatIsNotThereIsAPlainIoErrorNotAFormatError(@TempDir Path dir) {
        IOException e = assertThrows(IOException.class, () -> SafeTensors.load(dir.resolve("missing.safetensors")));
        assertTrue(!(e instanceof SafeTensorsFormatException), "a missing file is not a format problem: " + e);
    }

    @Test
    void aTextFileIsRefusedAsNotSafetensors(@TempDir Path dir) throws IOException {
        Path p = dir.resolve("notes.txt");
        Files.writeString(p, "These are not the tensors you are looking for.\n");
        SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.load(p));
        assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());
    }

    @Test
    void shapeWhoseRunningProductPassesTheIntRangeIsRefusedEvenWithAZeroLater() {
        // Its product is 0, but a Pare tensor cannot take the shape: refused here, not deep in Tensor.
        String m = String.valueOf(Integer.MAX_VALUE);
        assertRefused(fileWith("{" + entry("a", "I8", "[" + m + "," + m + "," + m + ",0]", 0, 0) + "}", 0),
                "shape [2147483647, 2147483647, 2147483647, 0] has more than 2^31-1 elements");
    }
}
