package dev.pare.nn.io;

import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * A channel that stores nothing: it computes one {@link Fletcher4} per tensor of a data section
 * written into it, given where each tensor ends, as {@link Crc32cChannel} does for CRC32C.
 * {@link SafeTensors#write} runs the data through it once to put the checksums into the header,
 * which comes before the data in the file.
 */
final class Fletcher4Channel implements WritableByteChannel {
    private final long[] ends;
    private final String[] sums;
    private final Fletcher4 sum = new Fletcher4();
    private int next;
    private long position;

    /** {@code ends[i]}: the data-section offset just past tensor i, non-decreasing. */
    Fletcher4Channel(long[] ends) {
        this.ends = ends;
        this.sums = new String[ends.length];
        closeFinished();
    }

    @Override
    public int write(ByteBuffer src) {
        int written = src.remaining();
        while (src.hasRemaining()) {
            if (next == ends.length) {
                throw new IllegalStateException("Fletcher4Channel: more data than the tensors' byte lengths");
            }
            int n = (int) Math.min(ends[next] - position, src.remaining());
            ByteBuffer part = src.slice().order(java.nio.ByteOrder.LITTLE_ENDIAN);
            part.limit(n);
            sum.update(part);
            src.position(src.position() + n);
            position += n;
            closeFinished();
        }
        return written;
    }

    /** Records the checksum of every tensor that ends here (several, if some are empty). */
    private void closeFinished() {
        while (next < ends.length && position == ends[next]) {
            sums[next++] = Fletcher4.hex(sum.finish());
        }
    }

    /** The checksums in data order, each {@code a:b:c:d}, separated by a space. */
    String checksums() {
        if (next != ends.length) {
            throw new IllegalStateException("Fletcher4Channel: " + (ends.length - next) + " tensors were not written in full");
        }
        return String.join(" ", sums);
    }

    @Override
    public boolean isOpen() {
        return true;
    }

    @Override
    public void close() {}
}
