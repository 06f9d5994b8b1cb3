package dev.pare.nn.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pare.tensor.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON header of a safetensors file, both ways: {@link #encode} writes it, {@link #parse}
 * reads it and checks every rule before the caller allocates anything.
 *
 * <h2>The rules a header must pass</h2>
 * <ol>
 *   <li>It is UTF-8 JSON, one object, with no name twice.</li>
 *   <li>The optional {@code __metadata__} is an object of strings.</li>
 *   <li>Every other key is a tensor: an object with exactly {@code dtype} (one Pare reads),
 *       {@code shape} (integers ≥ 0) and {@code data_offsets} ({@code [begin, end]}, integers
 *       with begin ≤ end).</li>
 *   <li>{@code end − begin = Π shape × bytes per element}: the header cannot claim more
 *       values than it pays for.</li>
 *   <li>Sorted by {@code begin}, the tensors tile the data buffer exactly: the first starts at 0,
 *       each starts where the previous ended, the last ends at the end of the file. No overlap
 *       (two names for the same bytes would alias), no gap (bytes no tensor owns).</li>
 * </ol>
 * Rule 5 ties every size to the file's real length, which is why a reader can trust the sizes
 * afterwards: nothing claimed can exceed what is on disk.
 */
final class SafeTensorsHeader {
    /**
     * The largest header Pare reads: the limit of the reference implementation. A real header
     * needs about 100 bytes per tensor, so this allows a million tensors, yet stops a forged
     * length from making the reader allocate gigabytes.
     */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    /** Headers are padded with spaces to a multiple of this, so the data buffer starts 8-aligned. */
    static final int ALIGNMENT = 8;

    private static final JsonFactory JSON = new JsonFactory();
    /**
     * JSON lets a name appear twice in an object and most parsers keep the last one silently; a
     * checkpoint with two "fc.weight" entries is ambiguous, so top-level names are checked in
     * {@link #parse} (to name the tensor) and nested ones by the tree reader.
     */
    private static final ObjectMapper MAPPER = new ObjectMapper(JSON)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    /** Where one tensor's bytes lie in the data buffer. */
    static final class Slot {
        final String name;
        final DType dtype;
        final int[] shape;
        final long begin;
        final long end;

        Slot(String name, DType dtype, int[] shape, long begin, long end) {
            this.name = name;
            this.dtype = dtype;
            this.shape = shape;
            this.begin = begin;
            this.end = end;
        }
    }

    /** A parsed, checked header: slots in data order, and the metadata. */
    final List<Slot> slots;
    final Map<String, String> metadata;

    private SafeTensorsHeader(List<Slot> slots, Map<String, String> metadata) {
        this.slots = slots;
        this.metadata = metadata;
    }

    // ---------------------------------------------------------------- writing

    /**
     * The header bytes for {@code checkpoint}, padded with spaces to a multiple of
     * {@link #ALIGNMENT}. Tensors are laid out back to back in the checkpoint's order.
     */
    static byte[] encode(Checkpoint checkpoint) {
        ObjectNode root = MAPPER.createObjectNode();
        if (!checkpoint.metadata().isEmpty()) {
            ObjectNode meta = root.putObject(Checkpoint.METADATA_KEY);
            checkpoint.metadata().forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, TensorEntry> e : checkpoint.entries().entrySet()) {
            TensorEntry t = e.getValue();
            ObjectNode node = root.putObject(e.getKey());
            node.put("dtype", t.dtype().name());
            ArrayNode shape = node.putArray("shape");
            for (int d : t.shape()) {
                shape.add(d);
            }
            ArrayNode offsets = node.putArray("data_offsets");
            offsets.add(offset);
            offset += t.byteLength();
            offsets.add(offset);
        }
        byte[] json;
        try {
            json = MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("safetensors: could not encode the header", e); // only strings and numbers: cannot happen
        }
        int padded = (json.length + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    // ---------------------------------------------------------------- reading

    /**
     * Parses and checks {@code header}, whose data buffer is {@code dataLength} bytes long.
     *
     * @param file name used in messages
     * @throws SafeTensorsFormatException naming {@code file} and the first rule broken
     */
    static SafeTensorsHeader parse(byte[] header, long dataLength, String file) throws SafeTensorsFormatException {
        String text = decodeUtf8(header, file);
        if (!text.startsWith("{")) {
            throw error(file, "header does not start with '{' (" + (header.length == 0 ? "it is empty"
                    : "first byte 0x" + Integer.toHexString(header[0] & 0xFF)) + "): not a safetensors file");
        }
        List<Slot> slots = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(text)) {
            p.nextToken(); // the '{' checked above
            Set<String> seen = new HashSet<>();
            String name;
            while ((name = p.nextFieldName()) != null) {
                if (!seen.add(name)) {
                    throw error(file, "duplicate name \"" + name + "\" in the header");
                }
                p.nextToken();
                JsonNode value = MAPPER.readTree(p);
                if (Checkpoint.METADATA_KEY.equals(name)) {
                    readMetadata(value, metadata, file);
                } else {
                    slots.add(readSlot(name, value, file));
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT) {
                throw error(file, "header is not valid JSON: expected a name or '}' at " + p.currentLocation().toString());
            }
            if (p.nextToken() != null) {
                throw error(file, "header has text after its closing '}'");
            }
        } catch (SafeTensorsFormatException e) {
            throw e;
        } catch (IOException e) {
            // Jackson's own message ends with a location and sometimes a source excerpt; keep line one.
            String msg = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            throw new SafeTensorsFormatException(file + ": header is not valid JSON: " + msg, e);
        }
        checkTiling(slots, dataLength, file);
        return new SafeTensorsHeader(slots, metadata);
    }

    private static String decodeUtf8(byte[] header, String file) throws SafeTensorsFormatException {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(header))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new SafeTensorsFormatException(file + ": header is not valid UTF-8", e);
        }
    }

    private static void readMetadata(JsonNode value, Map<String, String> metadata, String file)
            throws SafeTensorsFormatException {
        if (!value.isObject()) {
            throw error(file, Checkpoint.METADATA_KEY + " must be an object of strings, got " + kind(value));
        }
        for (Map.Entry<String, JsonNode> e : value.properties()) {
            if (!e.getValue().isTextual()) {
                throw error(file, Checkpoint.METADATA_KEY + " value of \"" + e.getKey() + "\" must be a string, got "
                        + kind(e.getValue()));
            }
            metadata.put(e.getKey(), e.getValue().textValue());
        }
    }

    private static Slot readSlot(String name, JsonNode value, String file) throws SafeTensorsFormatException {
        String where = "tensor \"" + name + "\"";
        if (!value.isObject()) {
            throw error(file, where + " must be an object with dtype, shape and data_offsets, got " + kind(value));
        }
        for (Iterator<String> it = value.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!field.equals("dtype") && !field.equals("shape") && !field.equals("data_offsets")) {
                throw error(file, where + " has an unknown field \"" + field + "\" (expected dtype, shape, data_offsets)");
            }
        }
        JsonNode dtypeNode = required(value, "dtype", where, file);
        if (!dtypeNode.isTextual()) {
            throw error(file, where + ": dtype must be a string, got " + kind(dtypeNode));
        }
        String dtypeName = dtypeNode.textValue();
        DType dtype = DType.fromHeaderName(dtypeName);
        if (dtype == null) {
            throw error(file, where + ": " + (DType.SPEC_NAMES.contains(dtypeName)
                    ? "dtype " + dtypeName + " is valid safetensors but Pare reads only " + Arrays.toString(DType.values())
                    : "unknown dtype \"" + dtypeName + "\" (the format defines " + DType.SPEC_NAMES + ")"));
        }

        JsonNode shapeNode = required(value, "shape", where, file);
        if (!shapeNode.isArray()) {
            throw error(file, where + ": shape must be an array of integers, got " + kind(shapeNode));
        }
        int[] shape = new int[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0 || d.longValue() > Integer.MAX_VALUE) {
                throw error(file, where + ": shape " + abbreviate(shapeNode.toString()) + " has size " + d + " at dimension " + i
                        + "; sizes must be integers from 0 to " + Integer.MAX_VALUE);
            }
            shape[i] = d.intValue();
        }
        // Pare's tensors count elements in an int and refuse a shape as soon as the running
        // product passes 2^31-1, even if a later size is 0, so the same rule applies here. Each
        // factor is below 2^31 and so is the running product, so the long never overflows.
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            numel *= shape[i];
            if (numel > Integer.MAX_VALUE) {
                throw error(file, where + ": shape " + Shape.str(shape)
                        + " has more than 2^31-1 elements, too many for a Pare tensor");
            }
        }

        JsonNode offsets = required(value, "data_offsets", where, file);
        if (!offsets.isArray() || offsets.size() != 2) {
            throw error(file, where + ": data_offsets must be [begin, end], got " + offsets);
        }
        long begin = offset(offsets.get(0), where, offsets, file);
        long end = offset(offsets.get(1), where, offsets, file);
        if (end < begin) {
            throw error(file, where + ": data_offsets " + offsets + " end before they begin");
        }
        long needed = numel * dtype.byteSize();
        if (end - begin != needed) {
            throw error(file, where + ": shape " + Shape.str(shape) + " of " + dtype + " needs " + needed
                    + " bytes but data_offsets " + offsets + " give " + (end - begin));
        }
        return new Slot(name, dtype, shape, begin, end);
    }

    private static long offset(JsonNode n, String where, JsonNode offsets, String file) throws SafeTensorsFormatException {
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            throw error(file, where + ": data_offsets " + offsets + " must hold integers from 0 to " + Long.MAX_VALUE);
        }
        return n.longValue();
    }

    private static JsonNode required(JsonNode obj, String field, String where, String file) throws SafeTensorsFormatException {
        JsonNode n = obj.get(field);
        if (n == null) {
            throw error(file, where + " has no \"" + field + "\"");
        }
        return n;
    }

    /** Rule 5: sorted by begin, the slots cover [0, dataLength) with no gap and no overlap. */
    private static void checkTiling(List<Slot> slots, long dataLength, String file) throws SafeTensorsFormatException {
        // Stable sort: empty tensors share an offset with their neighbour and keep header order.
        slots.sort(Comparator.comparingLong(s -> s.begin));
        long expected = 0;
        Slot previous = null;
        for (Slot s : slots) {
            if (s.end > dataLength) {
                throw error(file, "tensor \"" + s.name + "\": data_offsets [" + s.begin + ", " + s.end
                        + "] reach past the data buffer of " + dataLength + " bytes (file truncated?)");
            }
            if (s.begin < expected) {
                throw error(file, "tensors \"" + previous.name + "\" [" + previous.begin + ", " + previous.end
                        + "] and \"" + s.name + "\" [" + s.begin + ", " + s.end + "] overlap");
            }
            if (s.begin > expected) {
                throw error(file, "bytes [" + expected + ", " + s.begin + ") of the data buffer belong to no tensor"
                        + " (gap before \"" + s.name + "\")");
            }
            expected = s.end;
            previous = s;
        }
        if (expected != dataLength) {
            throw error(file, "the data buffer is " + dataLength + " bytes but the tensors cover only " + expected
                    + " (" + (dataLength - expected) + " bytes after the last tensor)");
        }
    }

    private static String kind(JsonNode n) {
        return n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + " " + abbreviate(n.toString());
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    private static SafeTensorsFormatException error(String file, String message) {
        return new SafeTensorsFormatException(file + ": " + message);
    }
}
