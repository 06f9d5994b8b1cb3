package dev.pare.nn.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;

/** Helpers shared by the io tests. */
final class SafeTensorsTestSupport {
    private SafeTensorsTestSupport() {}

    /** The exact bytes {@link SafeTensors#write} puts on disk for {@code c}. */
    static byte[] bytesOf(Checkpoint c) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (WritableByteChannel ch = Channels.newChannel(out)) {
            SafeTensors.writeTo(ch, SafeTensorsHeader.encode(c), c);
        }
        return out.toByteArray();
    }

    /** Reads a checkpoint from bytes, as from a file called {@code name}. */
    static Checkpoint readBytes(byte[] bytes, String name) throws IOException {
        return SafeTensors.read(new ByteArrayChannel(bytes), name);
    }

    /** A hand-made file: the length of {@code header}, the header, then {@code dataBytes} zero bytes. */
    static byte[] fileWith(String header, int dataBytes) {
        return fileWith(header.getBytes(StandardCharsets.UTF_8), dataBytes);
    }

    static byte[] fileWith(byte[] header, int dataBytes) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        return b.array();
    }
}
