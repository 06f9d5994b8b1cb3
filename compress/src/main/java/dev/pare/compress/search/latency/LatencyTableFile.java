package dev.pare.compress.search.latency;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pare.compress.report.LatencyStats;
import dev.pare.nn.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The on-disk form of a {@link LatencyTable}: a small JSON file a user can read, and delete to
 * have the table measured again.
 *
 * <pre>{@code
 * {
 *   "format": "pare-latency-table",
 *   "version": 1,
 *   "machine": {"cpu": "AMD EPYC", "vectorBits": 256, "threads": 2, "jvm": "OpenJDK 64-Bit Server VM 21.0.5+11",
 *               "code": "3f9a0c1d2e4b5a69"},
 *   "entries": {
 *     "fc:784-256:relu": {"1": {"medianMicros": 41.2, "p90Micros": 44.0, "calls": 200}, "256": {...}},
 *     ...
 *   }
 * }
 * }</pre>
 * Entries are keyed by unit signature, then by batch size; they are written sorted, so the same
 * table always gives the same bytes.
 */
public final class LatencyTableFile {
    /** The value of "format": tells a Pare latency table from any other JSON file. */
    public static final String FORMAT = "pare-latency-table";

    /** Bumped when the meaning of the fields changes; a file of a newer version is not read. */
    public static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** What a file holds: the machine it was measured on and its entries. */
    public record Contents(MachineKey key, Map<String, Map<Integer, LatencyStats>> entries) {}

    private LatencyTableFile() {}

    /**
     * Writes {@code entries} measured under {@code key} to {@code file}, atomically
     * ({@link AtomicFiles}): a crash leaves the old table or the new one, never half of one.
     * Creates the parent directories.
     */
    public static void write(Path file, MachineKey key, Map<String, Map<Integer, LatencyStats>> entries)
            throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        ObjectNode machine = root.putObject("machine");
        machine.put("cpu", key.cpu());
        machine.put("vectorBits", key.vectorBits());
        machine.put("threads", key.threads());
        machine.put("jvm", key.jvm());
        machine.put("code", key.code());
        ObjectNode all = root.putObject("entries");
        for (Map.Entry<String, Map<Integer, LatencyStats>> e : new TreeMap<>(entries).entrySet()) {
            ObjectNode unit = all.putObject(e.getKey());
            for (Map.Entry<Integer, LatencyStats> b : new TreeMap<>(e.getValue()).entrySet()) {
                ObjectNode s = unit.putObject(Integer.toString(b.getKey()));
                s.put("medianMicros", b.getValue().medianMicros());
                s.put("p90Micros", b.getValue().p90Micros());
                s.put("calls", b.getValue().calls());
            }
        }
        byte[] bytes = (JSON.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        AtomicFiles.write(file, bytes);
    }

    /**
     * Reads a table file. Does not check whose machine it was measured on: the caller compares
     * {@link Contents#key()} with its own.
     *
     * @throws LatencyTableFormatException if the file is not a well-formed Pare latency table of
     *                                     this version or older
     * @throws IOException                 if the file cannot be read at all (missing, no permission)
     */
    public static Contents read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            // Jackson's message goes on to quote its source settings; the first clause and the
            // position are what a reader needs.
            String why = e.getOriginalMessage();
            int cut = why.indexOf(" (");
            why = cut > 0 ? why.substring(0, cut) : why;
            String at = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw error(file, "not valid JSON (" + why + at + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw error(file, "not a JSON object", null);
        }
        if (!FORMAT.equals(root.path("format").asText(null))) {
            throw error(file, "\"format\" is " + root.get("format") + ", not \"" + FORMAT + "\"", null);
        }
        JsonNode version = root.path("version");
        if (!version.isInt() || version.asInt() < 1 || version.asInt() > VERSION) {
            throw error(file, "\"version\" is " + version + "; this Pare reads versions 1 to " + VERSION, null);
        }
        JsonNode m = root.path("machine");
        MachineKey key;
        try {
            // "code" came later: a file without it was measured by an older Pare, whose key is "unknown".
            String code = m.path("code").isMissingNode() ? "unknown" : text(file, m, "code");
            key = new MachineKey(text(file, m, "cpu"), integer(file, m, "vectorBits"), integer(file, m, "threads"),
                    text(file, m, "jvm"), code);
        } catch (IllegalArgumentException e) {
            throw error(file, "\"machine\": " + e.getMessage(), e);
        }
        JsonNode all = root.path("entries");
        if (!all.isObject()) {
            throw error(file, "\"entries\" is missing or not an object", null);
        }
        Map<String, Map<Integer, LatencyStats>> entries = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = all.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> unit = it.next();
            if (!unit.getValue().isObject()) {
                throw error(file, "entry \"" + unit.getKey() + "\" is not an object", null);
            }
            Map<Integer, LatencyStats> byBatch = new TreeMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> bt = unit.getValue().fields(); bt.hasNext(); ) {
                Map.Entry<String, JsonNode> b = bt.next();
                String where = "entry \"" + unit.getKey() + "\", batch \"" + b.getKey() + "\"";
                int batch;
                try {
                    batch = Integer.parseInt(b.getKey());
                } catch (NumberFormatException e) {
                    throw error(file, where + ": the batch size is not an integer", e);
                }
                JsonNode s = b.getValue();
                double median = s.path("medianMicros").asDouble(Double.NaN);
                double p90 = s.path("p90Micros").asDouble(Double.NaN);
                int calls = s.path("calls").isInt() ? s.path("calls").asInt() : 0;
                // A negative or non-finite time, p90 below the median, or no calls: not a measurement.
                if (batch < 1 || !s.path("medianMicros").isNumber() || !s.path("p90Micros").isNumber()
                        || !(median >= 0) || !(p90 >= median) || Double.isInfinite(p90) || calls < 1) {
                    throw error(file, where + ": " + s + " is not a measurement (need batch >= 1, "
                            + "0 <= medianMicros <= p90Micros, calls >= 1)", null);
                }
                byBatch.put(batch, new LatencyStats(median, p90, calls));
            }
            entries.put(unit.getKey(), byBatch);
        }
        return new Contents(key, entries);
    }

    private static String text(Path file, JsonNode obj, String field) throws LatencyTableFormatException {
        JsonNode n = obj.path(field);
        if (!n.isTextual()) {
            throw error(file, "\"machine\".\"" + field + "\" is missing or not a string", null);
        }
        return n.asText();
    }

    private static int integer(Path file, JsonNode obj, String field) throws LatencyTableFormatException {
        JsonNode n = obj.path(field);
        if (!n.isInt()) {
            throw error(file, "\"machine\".\"" + field + "\" is missing or not an integer", null);
        }
        return n.asInt();
    }

    private static LatencyTableFormatException error(Path file, String what, Throwable cause) {
        return new LatencyTableFormatException("latency table " + file + ": " + what, cause);
    }
}
