package dev.pare.compress.quantize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A safetensors header read with plain Jackson, not Pare's reader: what each tensor is stored as
 * on disk. (Pare's reader widens F16 and BF16 entries to F32 in memory, so their dtype is only
 * in the header.)
 */
record FileHeader(String dtype, long bytes) {
    /** Each tensor's dtype and data bytes, by name, in header order; {@code __metadata__} left out. */
    static Map<String, FileHeader> of(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = new ObjectMapper().readTree(new String(all, 8, (int) n, StandardCharsets.UTF_8));
        Map<String, FileHeader> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getKey().equals("__metadata__")) {
                JsonNode offsets = e.getValue().get("data_offsets");
                out.put(e.getKey(), new FileHeader(e.getValue().get("dtype").asText(),
                        offsets.get(1).asLong() - offsets.get(0).asLong()));
            }
        }
        return out;
    }
}
