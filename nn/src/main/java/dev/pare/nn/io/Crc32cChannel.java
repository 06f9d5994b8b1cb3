package dev.pare.nn.io;

import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.zip.CRC32C;

/**
 * A channel that stores nothing: it computes one CRC32C per tensor of a data section written
 * into it, given where each tensor ends. {@link SafeTensors#write} runs the data through it once
 * to put the checksums into the header, which comes before the data in the file.
 */
final class Crc32cChannel implements WritableByteChannel {
    private final long[] ends;
    private final String[] sums;
    private final CRC32C crc = new CRC32C();
    private int next;
    private long position;

    /** {@code ends[i]}: the data-section offset just past tensor i, non-decreasing. */
    Crc32cChannel(long[] ends) {
        this.ends = ends;
        this.sums = new String[ends.length];
        closeFinished();
    }

    @Override
    public int write(ByteBuffer src) {
        int written = src.remaining();
        while (src.hasRemaining()) {
            if (next == ends.length) {
                throw new IllegalStateException("Crc32cChannel: more data than the tensors' byte lengths");
            }
            int n = (int) Math.min(ends[next] - position, src.remaining());
            ByteBuffer part = src.slice();
            part.limit(n);
            crc.update(part);
            src.position(src.position() + n);
            position += n;
            closeFinished();
        }
        return written;
    }

    /** Records the checksum of every tensor that ends here (several, if some are empty). */
    private void closeFinished() {
        while (next < ends.length && position == ends[next]) {
            sums[next++] = hex(crc.getValue());
            crc.reset();
        }
    }

    /** The checksums in data order, as 8 hex digits each separated by a space. */
    String checksums() {
        if (next != ends.length) {
            throw new IllegalStateException("Crc32cChannel: " + (ends.length - next) + " tensors were not written in full");
        }
        return String.join(" ", sums);
    }

    static String hex(long crc) {
        return String.format("%08x", crc);
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {}
}
