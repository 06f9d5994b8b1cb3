package dev.pare.compress.search.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.compress.report.LatencyStats;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LatencyTableFileTest {
    @TempDir
    Path dir;

    static final MachineKey KEY = new MachineKey("Test CPU \"quoted\" @ 3.0GHz", 512, 1, "Test VM 17", "0123456789abcdef");

    @Test
    void writeThenReadGivesTheSameKeyAndEntriesToTheLastBit() throws IOException {
        Map<String, Map<Integer, LatencyStats>> entries = new TreeMap<>();
        entries.put("sep:c16-32:h28:k5:s2", Map.of(1, new LatencyStats(0.1 + 0.2, Math.PI, 10),
                256, new LatencyStats(1e6 / 3, 1e6 / 3 + 1, 11)));
        entries.put("fc:784-256:relu", Map.of(1, new LatencyStats(41, 41, 200)));
        Path file = dir.resolve("a").resolve("b.json");
        LatencyTableFile.write(file, KEY, entries);
        LatencyTableFile.Contents c = LatencyTableFile.read(file);
        assertEquals(KEY, c.key());
        assertEquals(entries, c.entries());
    }

    @Test
    void theSameTableAlwaysGivesTheSameBytes() throws IOException {
        Map<String, Map<Integer, LatencyStats>> entries = Map.of("b", Map.of(256, new LatencyStats(2, 3, 4),
                1, new LatencyStats(1, 1, 1)), "a", Map.of(1, new LatencyStats(5, 6, 7)));
        LatencyTableFile.write(dir.resolve("1.json"), KEY, entries);
        LatencyTableFile.write(dir.resolve("2.json"), KEY, new TreeMap<>(entries));
        assertEquals(Files.readString(dir.resolve("1.json")), Files.readString(dir.resolve("2.json")));
    }

    private String refusal(String json) throws IOException {
        Path f = dir.resolve("bad.json");
        Files.writeString(f, json, StandardCharsets.UTF_8);
        LatencyTableFormatException e = assertThrows(LatencyTableFormatException.class, () -> LatencyTableFile.read(f));
        assertTrue(e.getMessage().startsWith("latency table " + f + ": "), e.getMessage());
        return e.getMessage().substring(("latency table " + f + ": ").length());
    }

    private static final String MACHINE = "\"machine\": {\"cpu\": \"X\", \"vectorBits\": 256, \"threads\": 2, \"jvm\": \"J\"}";

    @Test
    void aDamagedOrForeignFileIsRefusedWithTheFileAndTheReasonNamed() throws IOException {
        assertTrue(refusal("{\"format\": \"pare-latency-table\", \"vers").startsWith("not valid JSON"));
        assertEquals("not a JSON object", refusal("[1, 2]"));
        assertEquals("\"format\" is \"safetensors\", not \"pare-latency-table\"", refusal("{\"format\": \"safetensors\"}"));
        assertEquals("\"version\" is 2; this Pare reads versions 1 to 1",
                refusal("{\"format\": \"pare-latency-table\", \"version\": 2}"));
        assertEquals("\"machine\".\"threads\" is missing or not an integer",
                refusal("{\"format\": \"pare-latency-table\", \"version\": 1, \"machine\": {\"cpu\": \"X\", "
                        + "\"vectorBits\": 256, \"jvm\": \"J\"}, \"entries\": {}}"));
        assertEquals("\"entries\" is missing or not an object",
                refusal("{\"format\": \"pare-latency-table\", \"version\": 1, " + MACHINE + "}"));
        assertEquals("entry \"u\", batch \"one\": the batch size is not an integer",
                refusal("{\"format\": \"pare-latency-table\", \"version\": 1, " + MACHINE
                        + ", \"entries\": {\"u\": {\"one\": {}}}}"));
        assertTrue(refusal("{\"format\": \"pare-latency-table\", \"version\": 1, " + MACHINE
                + ", \"entries\": {\"u\": {\"1\": {\"medianMicros\": 5, \"p90Micros\": 4, \"calls\": 3}}}}")
                .startsWith("entry \"u\", batch \"1\": "));
        assertTrue(refusal("{\"format\": \"pare-latency-table\", \"version\": 1, " + MACHINE
                + ", \"entries\": {\"u\": {\"1\": {\"medianMicros\": -1, \"p90Micros\": 4, \"calls\": 3}}}}")
                .contains("is not a measurement"));
        assertTrue(refusal("{\"format\": \"pare-latency-table\", \"version\": 1, " + MACHINE
                + ", \"entries\": {\"u\": {\"1\": {\"medianMicros\": \"5\", \"p90Micros\": 6, \"calls\": 3}}}}")
                .contains("is not a measurement"));
        assertTrue(refusal("{\"format\": \"pare-latency-table\", \"version\": 1, " + MACHINE
                + ", \"entries\": {\"u\": {\"0\": {\"medianMicros\": 5, \"p90Micros\": 6, \"calls\": 3}}}}")
                .contains("is not a measurement"));
        assertTrue(refusal("").startsWith("not a JSON object") || refusal("").startsWith("not valid JSON"));
    }

    @Test
    void aFileFromBeforeTheCodeFingerprintReadsAsUnknownCode() throws IOException {
        Path f = dir.resolve("old.json");
        Files.writeString(f, "{\"format\": \"pare-latency-table\", \"version\": 1, " + MACHINE + ", \"entries\": {}}");
        assertEquals("unknown", LatencyTableFile.read(f).key().code());
    }
}
