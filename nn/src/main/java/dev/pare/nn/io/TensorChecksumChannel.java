package dev.pare.nn.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.zip.CRC32C;

/**
 * A channel that stores nothing: it computes one checksum per tensor of a data section written
 * into it, given where each tensor ends. {@link SafeTensors#write} runs the data through it once
 * to put the checksums into the header, which comes before the data in the file. The checksum is
 * {@link #fletcher4} (Pare's default) or {@link #crc32c}; the channel only cuts the stream at the
 * tensors' ends, so both share it.
 */
final class TensorChecksumChannel implements WritableByteChannel {
    private final String name;
    private final long[] ends;
    private final String[] sums;
    private final Consumer<ByteBuffer> update;
    /** The checksum of the bytes since the last call, as written in the header; starts a new one. */
    private final Supplier<String> finish;
    private int next;
    private long position;

    private TensorChecksumChannel(String name, long[] ends, Consumer<ByteBuffer> update, Supplier<String> finish) {
        this.name = name;
        this.ends = ends;
        this.sums = new String[ends.length];
        this.update = update;
        this.finish = finish;
        closeFinished();
    }

    /** One {@link Fletcher4} per tensor, each {@code a:b:c:d}; {@code ends[i]}: the data-section offset just past tensor i, non-decreasing. */
    static TensorChecksumChannel fletcher4(long[] ends) {
        Fletcher4 sum = new Fletcher4();
        return new TensorChecksumChannel("fletcher-4", ends, sum::update, () -> Fletcher4.hex(sum.finish()));
    }

    /** One CRC32C per tensor, 8 hex digits each; {@code ends} as for {@link #fletcher4}. */
    static TensorChecksumChannel crc32c(long[] ends) {
        CRC32C crc = new CRC32C();
        return new TensorChecksumChannel("CRC32C", ends, crc::update, () -> {
            String hex = crc32cHex(crc.getValue());
            crc.reset();
            return hex;
        });
    }

    static String crc32cHex(long crc) {
        return String.format("%08x", crc);
    }

    @Override
    public int write(ByteBuffer src) {
        int written = src.remaining();
        while (src.hasRemaining()) {
            if (next == ends.length) {
                throw new IllegalStateException("TensorChecksumChannel (" + name + "): more data than the tensors' byte lengths");
            }
            int n = (int) Math.min(ends[next] - position, src.remaining());
            // Fletcher-4 reads little-endian words; CRC32C reads bytes and ignores the order.
            ByteBuffer part = src.slice().order(ByteOrder.LITTLE_ENDIAN);
            part.limit(n);
            update.accept(part);
            src.position(src.position() + n);
            position += n;
            closeFinished();
        }
        return written;
    }

    /** Records the checksum of every tensor that ends here (several, if some are empty). */
    private void closeFinished() {
        while (next < ends.length && position == ends[next]) {
            sums[next++] = finish.get();
        }
    }

    /** The checksums in data order, separated by a space. */
    String checksums() {
        if (next != ends.length) {
            throw new IllegalStateException("TensorChecksumChannel (" + name + "): " + (ends.length - next)
                    + " tensors were not written in full");
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
