package dev.pare.nn.io;

import dev.pare.tensor.kernels.Fletcher4Kernels;
import dev.pare.tensor.parallel.Parallel;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;

/**
 * Reads the data section of a safetensors file in chunks of at most {@link #CHUNK_BYTES}, for
 * {@link SafeTensors#read} to decode, and verifies each tensor's checksums on the way.
 *
 * <h2>Fletcher-4: summed behind the decoder, from the arrays it fills</h2>
 * A file Pare wrote by default has a fletcher-4 per tensor ({@link Fletcher4}). With a second
 * thread (see {@link #helperWanted}), the decoder only copies each F32 chunk into its tensor's
 * array, and the helper follows, summing the floats from that array
 * ({@link dev.pare.tensor.kernels.Fletcher4Kernels#updateFloats}); chunks of other dtypes (F16,
 * BF16, the integers) are summed by the decoder just before it decodes them. Each chunk gets its
 * own sums, and the decoder appends them in order into each tensor's
 * ({@link dev.pare.tensor.kernels.Fletcher4Kernels#append}). Alone, the decoder sums each chunk
 * while it is in cache: {@link #readFloats} copies an F32 chunk into its array and sums it with
 * {@link dev.pare.tensor.kernels.Fletcher4Kernels#copyFloats}; sums then continue from chunk to
 * chunk. Either way the chunks are cut at multiples of 64 KiB, so the sum is the one of the
 * tensor's bytes in one piece.
 *
 * <p>Why the helper reads the arrays and not the file, unlike CRC32C's: the arrays are written
 * once and never again, so the cache lines the helper reads never have to go back to the
 * decoder's core, and nothing is read from the file twice. The helper's reads come from the
 * cache the two cores share, a few chunks behind the decoder.
 *
 * <h2>CRC32C: on a second thread that follows the decoder</h2>
 * A file written with {@link SafeTensors.Checksums#CRC32C} (and files written before fletcher-4
 * became the default) has a CRC32C per tensor: checksummed on a second thread that follows the
 * decoder when there is one, otherwise on the decoding thread while each chunk is still in cache.
 *
 * <h2>How the work is split</h2>
 * The data section is cut into chunks (each tensor into {@code ⌈bytes / CHUNK_BYTES⌉}, an empty
 * tensor into one empty chunk), numbered in file order, and each chunk is checksummed on its own,
 * once, by whoever <em>claims</em> it in {@link #sums} (CRC32C; {@link #f4Claims} for
 * fletcher-4 summed behind, where the helper sums from the arrays as described above):
 * <ul>
 *   <li>the decoder reads each chunk into its buffer and decodes it. Alone, it checksums every
 *       chunk just after reading it, while it is in cache.</li>
 *   <li>With a helper (a second thread, see {@link #helperWanted}), the decoder only reads and
 *       decodes. The helper follows a few chunks behind: it claims each chunk the decoder has
 *       read, reads it again from the file into a buffer of its own with a positional read, and
 *       checksums it. Should it fall {@link #MAX_LAG} chunks behind (its core is busy with
 *       something else), the decoder claims and checksums chunks itself again until it catches up.</li>
 * </ul>
 * The decoder then folds the chunks' sums into each tensor's sum, in order
 * ({@link Crc32cCombine}), and compares it with the stored one. A chunk whose sum is not there
 * yet when the decoder needs it is read again and checksummed by the decoder rather than waited
 * for, so the decoder never waits for the helper.
 *
 * <h2>Why the helper reads the file again, a few chunks behind</h2>
 * Two other splits were measured and lost. Checksumming the decoder's own buffers on the helper
 * was slower than no helper at all: every chunk then travels between the two cores' caches, and
 * the decoder's next write into a buffer the helper has read must first take its cache lines back,
 * which costs more than checksumming the chunk in place (CRC32C is one instruction per 8 bytes,
 * cheaper per byte than moving the byte between cores). A helper that reads ahead of the decoder doubles the traffic to memory
 * and slows the decoder's own copies. Following a few chunks behind, the helper reads pages of
 * the page cache that the decoder has just brought into the shared cache, and that nobody
 * writes, so the decoder's work is almost exactly that of a load without verification. The price
 * is CPU time on the second core: the helper copies the data a second time.
 *
 * <h2>Order of errors</h2>
 * Tensors are verified in file order, whichever thread checksummed them, and every tensor read so
 * far is verified before its values are checked for meaning ({@link #verifyReadSoFar}), so
 * damage is reported as damage, always for the first damaged tensor.
 */
final class ChunkReader {
    /**
     * The most bytes read, checksummed and decoded at a time: small enough that a chunk is still
     * in the core's cache when it is checksummed and decoded, large enough that each read's system
     * call is a small part of it.
     */
    static final int CHUNK_BYTES = 1 << 16;

    /**
     * Data sections smaller than this are checksummed on the decoding thread alone: waking the
     * helper, and its first chunks, cost about what checksumming this much on the spot does.
     */
    static final long MIN_BYTES_FOR_HELPER = 4L << 20;

    /**
     * How many chunks (2 MiB) the helper may fall behind before the decoder checksums chunks
     * itself: enough to ride out the helper's sleeps ({@link #POLL_NANOS}), little enough that
     * what it reads is still in the shared cache.
     */
    static final int MAX_LAG = 32;

    /**
     * How long the helper sleeps when it has caught up with the decoder. Waking it from the
     * decoder instead would put a system call on the decoder's path; spinning would hold a core
     * for the whole load. A short sleep lets the decoder read a few chunks ahead, well within
     * {@link #MAX_LAG}.
     */
    static final long POLL_NANOS = 50_000;

    /** A chunk's entry in {@link #sums} once its CRC32C (the low 32 bits) is known. */
    private static final long DONE = 1L << 32;
    /** A chunk's entry in {@link #sums} while the helper checksums it; 0 before anyone has claimed it. */
    private static final long CLAIMED = 1L << 33;

    /**
     * The helper threads, shared by all reads: two, so that a read that follows another at once
     * gets a helper while the last one's is still finishing its chunk; a read that finds both busy
     * checksums on its own thread. Idle for a minute, a thread ends.
     */
    private static final ThreadPoolExecutor HELPERS = new ThreadPoolExecutor(0, 2, 60, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "pare-checksum");
                t.setDaemon(true);
                return t;
            });

    /** The decoder's buffer of a finished read, kept for the next: a read then allocates no buffer. */
    private static final AtomicReference<ByteBuffer> SPARE = new AtomicReference<>();
    /** Each helper thread's buffer. */
    private static final ThreadLocal<ByteBuffer> HELPER_BUFFER =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(CHUNK_BYTES));

    private final SeekableByteChannel ch;
    private final String name;
    private final long dataStart;
    private final List<SafeTensorsHeader.Slot> slots;
    /** One stored CRC32C per tensor, or null: no CRC32C to verify. */
    private final long[] expected;
    /** Four stored fletcher-4 sums per tensor (a, b, c, d of tensor t at 4t), or null: none to verify. */
    private final long[] expectedF4;
    /** {@code firstChunk[t]}: the number of tensor t's first chunk; {@code firstChunk[slots.size()]}: the number of chunks. */
    private final long[] firstChunk;

    /** For tests: the data size from which a helper is used. */
    long minBytesForHelper = MIN_BYTES_FOR_HELPER;
    /** For tests: run by the helper before each chunk, to make it slow or erratic. */
    Runnable beforeHelperChunk;

    // ---- shared by the decoder and the helper
    /** Per chunk: 0, {@link #CLAIMED}, or {@link #DONE} | its CRC32C; null if not verifying. */
    private final AtomicLongArray sums;
    /** Chunks the decoder has read. */
    private volatile long readCount;
    /** Chunks the helper has passed (checksummed, or found claimed by the decoder). */
    private volatile long helperAt;
    private volatile boolean stopped;
    private volatile Thread helperThread;

    // ---- the decoder's alone
    private boolean helped;
    private ByteBuffer buf;
    private final CRC32C crc = new CRC32C();
    private int tensor = -1;
    private long chunk;
    private int chunksOfTensor;
    /** Chunks folded into their tensors' sums so far, and the tensor being folded. */
    private long folded;
    private int foldTensor;
    private long tensorSum;
    /**
     * With fletcher-4 summed behind the decoder: per chunk, the array its floats were copied into
     * and where (null for a chunk of another dtype, which the decoder sums as it reads it); the
     * chunk's own fletcher-4 (a, b, c, d at 4k, from a fresh state) once {@link #f4Claims} says
     * DONE; and per chunk 0, {@link #CLAIMED} or {@link #DONE}. All null otherwise.
     */
    private float[][] chunkFloats;
    private int[] chunkOffset;
    private long[] chunkF4;
    private AtomicLongArray f4Claims;
    /** The tensor being folded's fletcher-4 so far, from its chunks' sums; one chunk's sums. */
    private final long[] foldF4 = new long[4];
    private final long[] chunkSum = new long[4];

    /** The current tensor's fletcher-4 so far, summed by the decoder as it decodes. */
    private final long[] f4 = new long[4];
    /** Each ended tensor's fletcher-4 (4 per tensor), kept until it is compared, in file order. */
    private final long[] f4Computed;
    private int tensorsEnded;
    private int f4Verified;

    ChunkReader(SeekableByteChannel ch, String name, long dataStart, List<SafeTensorsHeader.Slot> slots, long[] expected,
                long[] expectedF4) {
        this.ch = ch;
        this.name = name;
        this.dataStart = dataStart;
        this.slots = slots;
        this.expected = expected;
        this.expectedF4 = expectedF4;
        this.f4Computed = expectedF4 == null ? null : new long[expectedF4.length];
        this.firstChunk = new long[slots.size() + 1];
        for (int t = 0; t < slots.size(); t++) {
            firstChunk[t + 1] = firstChunk[t] + Math.max(1, (tensorBytes(t) + CHUNK_BYTES - 1) / CHUNK_BYTES);
        }
        // 8 bytes per 64 KiB of data; the header's checks have tied the sizes to the file's length.
        this.sums = expected == null ? null : new AtomicLongArray(Math.toIntExact(firstChunk[slots.size()]));
    }

    /** What {@link #run} runs on the decoding thread. */
    @FunctionalInterface
    interface Decoder<T> {
        T decode(ChunkReader in) throws IOException;
    }

    /**
     * Runs {@code decoder} on this thread, with the helper checksumming behind it if it is
     * wanted and free, and returns the decoder's result once every tensor is verified.
     *
     * @throws SafeTensorsChecksumException for the first tensor (in file order) whose bytes fail their checksum
     */
    <T> T run(Decoder<T> decoder) throws IOException {
        buf = takeBuffer();
        if (helperWanted()) {
            if (expected == null) {
                int chunks = Math.toIntExact(firstChunk[slots.size()]);
                chunkFloats = new float[chunks][];
                chunkOffset = new int[chunks];
                chunkF4 = new long[4 * chunks];
                f4Claims = new AtomicLongArray(chunks);
            }
            helped = startHelper();
        }
        try {
            T t = decoder.decode(this);
            verifyReadSoFar();
            return t;
        } finally {
            stopped = true; // the helper finishes the chunk in hand, if any, and takes no more
            LockSupport.unpark(helperThread); // if it sleeps, it ends now rather than after its sleep
            if (buf.capacity() == CHUNK_BYTES) {
                SPARE.set(buf);
            }
        }
    }

    /** Whether the helper checksummed (some of) this read's chunks, for tests. */
    boolean helped() {
        return helped;
    }

    /**
     * Whether to ask for the helper: only when the data is large enough and
     * {@link Parallel#threads()} allows a second thread; for CRC32Cs, only if the channel is a
     * file too (the helper reads with positional reads, which a file channel allows from two
     * threads at once). A file with both sums has its CRC32Cs checksummed behind and its
     * fletcher-4s summed as it is decoded.
     */
    private boolean helperWanted() {
        return dataBytes() >= minBytesForHelper && Parallel.threads() > 1
                && (expected != null ? ch instanceof FileChannel : expectedF4 != null);
    }

    /** Whether fletcher-4 is summed behind the decoder, from the arrays it fills. */
    private boolean f4Behind() {
        return f4Claims != null && helped;
    }

    private boolean startHelper() {
        try {
            HELPERS.execute(expected != null ? this::checksumBehind : this::sumFloatsBehind);
            return true;
        } catch (RejectedExecutionException busy) {
            return false; // both helpers are helping other reads: this one checksums as it decodes
        }
    }

    /**
     * A direct buffer for the chunks (the channel reads into it without a copy through a
     * temporary one): the spare one, or a new one no larger than the largest tensor, since tiny
     * files are read by the thousand in the fuzz tests.
     */
    private ByteBuffer takeBuffer() {
        ByteBuffer b = SPARE.getAndSet(null);
        if (b == null) {
            long largest = 0;
            for (int t = 0; t < slots.size(); t++) {
                largest = Math.max(largest, tensorBytes(t));
            }
            b = ByteBuffer.allocateDirect((int) Math.min(CHUNK_BYTES, largest));
        }
        return b.order(ByteOrder.LITTLE_ENDIAN);
    }

    private long dataBytes() {
        return slots.isEmpty() ? 0 : slots.get(slots.size() - 1).end;
    }

    private long tensorBytes(int t) {
        return slots.get(t).end - slots.get(t).begin;
    }

    // ---------------------------------------------------------------- the decoder's side

    /** Positions the channel at tensor {@code t}'s first byte; its chunks follow with {@link #read}. */
    void startTensor(int t) throws IOException {
        tensor = t;
        chunk = firstChunk[t];
        chunksOfTensor = 0;
        java.util.Arrays.fill(f4, 0);
        ch.position(dataStart + slots.get(t).begin);
    }

    /**
     * Reads the next {@code bytes} of the current tensor and returns them as a little-endian
     * buffer from position 0 to {@code bytes}, valid until the next call. A tensor is read in
     * chunks of exactly {@link #CHUNK_BYTES}, the last one shorter, so that the chunks here are
     * those the helper reads.
     */
    ByteBuffer read(int bytes) throws IOException {
        ByteBuffer b = readChunk(bytes);
        if (f4Behind()) {
            // Not floats the helper could find in an array: summed here, on its own, in cache.
            long k = chunk - 1;
            long[] s = sumChunk(b, bytes);
            System.arraycopy(s, 0, chunkF4, (int) (4 * k), 4);
            f4Claims.set((int) k, DONE);
            readCount = k + 1;
        } else if (expectedF4 != null) {
            // The chunks are cut at multiples of 64 KiB, so only a tensor's last chunk can end in
            // part of a word, which fletcher-4 pads with zero bytes.
            Fletcher4Kernels.update(f4, b, 0, bytes / 4);
            if (bytes % 4 != 0) {
                Fletcher4.addPaddedTail(f4, b, bytes - bytes % 4, bytes % 4);
            }
        }
        return b;
    }

    /**
     * Reads the next {@code n} floats of the current tensor, an F32 one, into {@code dst} from
     * {@code off}: {@code n · 4} bytes, as for {@link #read}. With fletcher-4 to verify, the
     * words are summed just after the copy, while they are in cache
     * ({@link Fletcher4Kernels#copyFloats}).
     */
    void readFloats(float[] dst, int off, int n) throws IOException {
        ByteBuffer b = readChunk(n * Float.BYTES);
        if (f4Behind()) {
            int k = (int) (chunk - 1);
            b.asFloatBuffer().get(dst, off, n);
            chunkFloats[k] = dst;
            chunkOffset[k] = off;
            if (k - helperAt >= MAX_LAG && f4Claims.compareAndSet(k, 0, CLAIMED)) {
                // The helper is far behind (its core is busy): sum this chunk here, in cache.
                System.arraycopy(sumChunk(b, n * Float.BYTES), 0, chunkF4, 4 * k, 4);
                f4Claims.set(k, DONE);
            }
            readCount = k + 1; // publishes the floats and where they are to the helper
        } else if (expectedF4 != null) {
            Fletcher4Kernels.copyFloats(f4, b, 0, dst, off, n);
        } else {
            b.asFloatBuffer().get(dst, off, n);
        }
    }

    /** {@link #read} without the fletcher-4 sums: the chunk's I/O and its CRC32C. */
    private ByteBuffer readChunk(int bytes) throws IOException {
        long k = chunk++;
        chunksOfTensor++;
        long left = tensorBytes(tensor) - (k - firstChunk[tensor]) * CHUNK_BYTES;
        if (bytes != Math.min(CHUNK_BYTES, left)) {
            throw new IllegalStateException("ChunkReader: chunk " + (k - firstChunk[tensor]) + " of tensor \""
                    + slots.get(tensor).name + "\" read as " + bytes + " bytes, not " + Math.min(CHUNK_BYTES, left));
        }
        buf.clear().limit(bytes);
        readFully(buf, -1);
        buf.flip();
        if (sums != null) {
            if (!helped || (k - helperAt >= MAX_LAG && sums.compareAndSet((int) k, 0, CLAIMED))) {
                sums.set((int) k, DONE | checksum(buf)); // now, while the bytes are in cache
                buf.rewind();
            }
            if (helped) {
                readCount = k + 1;
            }
        }
        return buf;
    }

    /** Ends the current tensor, whose bytes have all been read. */
    void endTensor() throws IOException {
        if (chunksOfTensor == 0) {
            read(0); // an empty tensor still has a sum (0) to compare, in its place in the order
        }
        if (expectedF4 != null && !f4Behind()) {
            System.arraycopy(f4, 0, f4Computed, 4 * tensor, 4);
        }
        tensorsEnded = tensor + 1;
    }

    /**
     * Verifies every tensor ended so far: called before a tensor's values are checked for
     * meaning, so that damage is reported as damage, and once at the end.
     */
    void verifyReadSoFar() throws IOException {
        if (tensor < 0) {
            return;
        }
        if (f4Behind()) {
            foldFletcher4();
            return;
        }
        if (sums == null) {
            while (expectedF4 != null && f4Verified < tensorsEnded) {
                verifyFletcher4(f4Verified++);
            }
            return;
        }
        long end = Math.min(chunk, firstChunk[tensor + 1]);
        for (; folded < end; folded++) {
            long sum = sumOf(folded);
            long first = firstChunk[foldTensor];
            if (folded == first) {
                tensorSum = sum;
            } else {
                long length = Math.min(CHUNK_BYTES, tensorBytes(foldTensor) - (folded - first) * CHUNK_BYTES);
                tensorSum = Crc32cCombine.combine(tensorSum, sum, length);
            }
            if (folded + 1 == firstChunk[foldTensor + 1]) {
                verify(foldTensor, tensorSum);
                foldTensor++;
            }
        }
    }

    /** The sum of chunk k (of tensor {@link #foldTensor}): whoever's it is, or if it is not there yet, computed now. */
    private long sumOf(long k) throws IOException {
        long v = sums.get((int) k);
        if ((v & DONE) != 0) {
            return v & 0xFFFF_FFFFL;
        }
        // Not done: the helper has not reached it, or is on it. Checksum it here rather than wait.
        long offset = (k - firstChunk[foldTensor]) * CHUNK_BYTES;
        buf.clear().limit((int) Math.min(CHUNK_BYTES, tensorBytes(foldTensor) - offset));
        readFully(buf, dataStart + slots.get(foldTensor).begin + offset);
        buf.flip();
        long sum = checksum(buf);
        sums.set((int) k, DONE | sum); // the helper, if it is on this chunk, stores the same
        return sum;
    }

    /**
     * Folds the chunks' fletcher-4s, in order, into their tensors' sums, for every tensor ended
     * so far, and verifies each tensor as its last chunk comes in. A chunk the helper has not
     * summed yet is summed here, from its array, rather than waited for.
     */
    private void foldFletcher4() throws SafeTensorsChecksumException {
        long end = firstChunk[tensorsEnded];
        long[] mine = chunkSum;
        for (; folded < end; folded++) {
            int k = (int) folded;
            long first = firstChunk[foldTensor];
            if (folded == first) {
                java.util.Arrays.fill(foldF4, 0);
            }
            int bytes = (int) Math.min(CHUNK_BYTES, tensorBytes(foldTensor) - (folded - first) * CHUNK_BYTES);
            long words = (bytes + 3) / 4;
            if (f4Claims.get(k) == DONE) {
                Fletcher4Kernels.append(foldF4, chunkF4[4 * k], chunkF4[4 * k + 1], chunkF4[4 * k + 2], chunkF4[4 * k + 3], words);
            } else {
                // Only float chunks are left to the helper; the helper, if it is on this one, stores the same sums.
                java.util.Arrays.fill(mine, 0);
                Fletcher4Kernels.updateFloats(mine, chunkFloats[k], chunkOffset[k], bytes / Float.BYTES);
                Fletcher4Kernels.append(foldF4, mine[0], mine[1], mine[2], mine[3], words);
            }
            if (folded + 1 == firstChunk[foldTensor + 1]) {
                System.arraycopy(foldF4, 0, f4Computed, 4 * foldTensor, 4);
                verifyFletcher4(foldTensor);
                foldTensor++;
            }
        }
    }

    /** The fletcher-4 of one chunk's {@code bytes} bytes in {@code b}, from a fresh state, the last word padded. */
    private long[] sumChunk(ByteBuffer b, int bytes) {
        long[] s = chunkSum;
        java.util.Arrays.fill(s, 0);
        Fletcher4Kernels.update(s, b, 0, bytes / 4);
        if (bytes % 4 != 0) {
            Fletcher4.addPaddedTail(s, b, bytes - bytes % 4, bytes % 4);
        }
        return s;
    }

    private long checksum(ByteBuffer b) {
        crc.reset();
        crc.update(b);
        return crc.getValue();
    }

    /** Compares the CRC32C of tensor {@code t} with the one stored for it, then its fletcher-4 if it has one. */
    private void verify(int t, long actual) throws SafeTensorsChecksumException {
        if (actual != expected[t]) {
            throw damaged(t, "CRC32C", Crc32cChannel.hex(expected[t]), Crc32cChannel.hex(actual));
        }
        if (expectedF4 != null) {
            verifyFletcher4(t);
        }
    }

    /** Compares the fletcher-4 of tensor {@code t} (ended) with the one stored for it. */
    private void verifyFletcher4(int t) throws SafeTensorsChecksumException {
        if (!java.util.Arrays.equals(f4Computed, 4 * t, 4 * t + 4, expectedF4, 4 * t, 4 * t + 4)) {
            long[] stored = java.util.Arrays.copyOfRange(expectedF4, 4 * t, 4 * t + 4);
            long[] computed = java.util.Arrays.copyOfRange(f4Computed, 4 * t, 4 * t + 4);
            throw damaged(t, "fletcher-4", Fletcher4.hex(stored), Fletcher4.hex(computed));
        }
    }

    private SafeTensorsChecksumException damaged(int t, String algorithm, String stored, String computed) {
        SafeTensorsHeader.Slot s = slots.get(t);
        return new SafeTensorsChecksumException(name + ": tensor \"" + s.name + "\" (file bytes "
                + (dataStart + s.begin) + ".." + (dataStart + s.end) + ") fails its " + algorithm + " check: stored "
                + stored + ", computed " + computed
                + "; the file was damaged after it was written (read it with Checksums.OFF to salvage it)");
    }

    /** Fills {@code b} from the channel's position, or, if {@code at} is not -1, with positional reads from {@code at}. */
    private void readFully(ByteBuffer b, long at) throws IOException {
        long pos = at;
        while (b.hasRemaining()) {
            int n = at < 0 ? ch.read(b) : ((FileChannel) ch).read(b, pos);
            if (n < 0) {
                // Sizes were checked against size(), so only a file that shrank while open gets here.
                throw new SafeTensorsFormatException(name + ": file ended early, at byte "
                        + (at < 0 ? ch.position() : pos), new EOFException());
            }
            pos += n;
        }
    }

    // ---------------------------------------------------------------- the helper's side

    /** What the helper does with a chunk it has claimed: tensor t's chunk k, {@code bytes} bytes from {@code offset} in the tensor. */
    @FunctionalInterface
    private interface ChunkJob {
        void run(int k, int t, long offset, int bytes) throws IOException;
    }

    /**
     * The helper's loop: follows the decoder, claims in {@code claims} each chunk the decoder has
     * read and runs {@code job} on it, until all are done or the decoder has finished. A failure
     * (the channel closed as the decoder finished, the file shrank) just ends it: the decoder
     * checksums whatever is left and reports what matters.
     */
    private void follow(AtomicLongArray claims, ChunkJob job) {
        helperThread = Thread.currentThread();
        long total = firstChunk[slots.size()];
        int t = 0;
        try {
            for (long k = 0; k < total && !stopped; ) {
                if (k >= readCount) {
                    LockSupport.parkNanos(this, POLL_NANOS); // caught up: let the decoder read on
                    continue;
                }
                if (beforeHelperChunk != null) {
                    beforeHelperChunk.run();
                }
                if (claims.compareAndSet((int) k, 0, CLAIMED)) {
                    while (firstChunk[t + 1] <= k) {
                        t++;
                    }
                    long offset = (k - firstChunk[t]) * CHUNK_BYTES;
                    job.run((int) k, t, offset, (int) Math.min(CHUNK_BYTES, tensorBytes(t) - offset));
                }
                helperAt = ++k;
            }
        } catch (IOException | RuntimeException e) {
            // Nothing is lost by stopping: the decoder checksums every chunk left unclaimed or unfinished.
        }
    }

    /**
     * CRC32C: each chunk the decoder has read, read again from the file into the helper's own
     * buffer and checksummed.
     */
    private void checksumBehind() {
        ByteBuffer mine = HELPER_BUFFER.get();
        CRC32C c = new CRC32C();
        follow(sums, (k, t, offset, bytes) -> {
            mine.clear().limit(bytes);
            readFully(mine, dataStart + slots.get(t).begin + offset);
            mine.flip();
            c.reset();
            c.update(mine);
            sums.set(k, DONE | c.getValue());
        });
    }

    /**
     * Fletcher-4: each float chunk summed from the array the decoder has copied it into
     * ({@link Fletcher4Kernels#updateFloats}). Chunks of other dtypes are found done (the decoder
     * sums them as it reads them), so a claimed chunk always has its array.
     */
    private void sumFloatsBehind() {
        long[] s = new long[4];
        follow(f4Claims, (k, t, offset, bytes) -> {
            java.util.Arrays.fill(s, 0);
            Fletcher4Kernels.updateFloats(s, chunkFloats[k], chunkOffset[k], bytes / Float.BYTES);
            System.arraycopy(s, 0, chunkF4, 4 * k, 4);
            f4Claims.set(k, DONE);
        });
    }
}
