package dev.pare.nn.datasets;

import static dev.pare.nn.datasets.IdxTestFiles.gzip;
import static dev.pare.nn.datasets.IdxTestFiles.idx;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.fuzz.MutationFuzz;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Mutation fuzzing of the IDX reader (issue 16): small IDX files of every element type, plain and
 * gzipped, are damaged at random (bit flips, cuts, appended bytes, edited element type, number of
 * dimensions or sizes, then gzipped again or not), and each must load, with as many bytes as its
 * dimensions need, or be refused with an {@link IdxFormatException}.
 *
 * <p>CI runs 1,500 mutants; {@code -Dpare.fuzz.mutants=100000} runs that many and prints the
 * counts by outcome (see {@link MutationFuzz}).
 */
class IdxMutationFuzzTest {
    private static final List<byte[]> ORIGINALS = List.of(
            idx(0x08, new int[] {3, 4, 5}, ramp(60, 1)),
            idx(0x09, new int[] {2, 2}, ramp(4, 1)),
            idx(0x0B, new int[] {3}, ramp(6, 2)),
            idx(0x0C, new int[] {4}, ramp(16, 4)),
            idx(0x0D, new int[] {2, 3}, ramp(24, 4)),
            idx(0x0E, new int[] {2}, ramp(16, 8)),
            idx(0x08, new int[] {0}, new byte[0]));

    private static byte[] ramp(int n, int step) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 37 / step);
        }
        return b;
    }

    /** The raw file with its type, rank or one size edited (the data is left as it was). */
    private static byte[] editHeader(byte[] raw, Random r, StringBuilder what) {
        byte[] b = raw.clone();
        int ndims = b[3] & 0xFF;
        switch (r.nextInt(3)) {
            case 0:
                b[2] = (byte) (r.nextBoolean() ? r.nextInt(256) : new int[] {0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E}[r.nextInt(6)]);
                what.append("type -> 0x").append(Integer.toHexString(b[2] & 0xFF));
                return b;
            case 1:
                b[3] = (byte) (r.nextBoolean() ? r.nextInt(256) : Math.max(0, ndims + r.nextInt(3) - 1));
                what.append("ndims -> ").append(b[3] & 0xFF);
                return b;
            default: {
                int d = r.nextInt(ndims);
                int old = ByteBuffer.wrap(b).getInt(4 + 4 * d);
                long v = r.nextBoolean() ? MutationFuzz.AWKWARD[r.nextInt(MutationFuzz.AWKWARD.length)]
                        : old + r.nextInt(5) - 2;
                ByteBuffer.wrap(b).putInt(4 + 4 * d, (int) v);
                what.append("size ").append(d).append(" -> ").append((int) v);
                return b;
            }
        }
    }

    static byte[] mutate(Random r, StringBuilder what) {
        byte[] raw = ORIGINALS.get(r.nextInt(ORIGINALS.size()));
        boolean gz = r.nextBoolean();
        what.append(gz ? "gzip, " : "plain, ");
        switch (r.nextInt(4)) {
            case 0: {
                byte[] f = gz ? gzip(raw) : raw;
                // Plain: most flips in the 4 + 4n header bytes; gzipped: anywhere in the stream.
                return MutationFuzz.flipBits(f, r, gz ? f.length : 4 + 4 * (raw[3] & 0xFF), 0.7, what);
            }
            case 1:
                return MutationFuzz.cutOrExtend(gz ? gzip(raw) : raw, r, what);
            default: {
                byte[] edited = editHeader(raw, r, what);
                if (r.nextInt(4) == 0) {
                    edited = MutationFuzz.cutOrExtend(edited, r, what.append(", "));
                }
                return gz ? gzip(edited) : edited;
            }
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES) // hang protection, also for the long run
    void aMutatedIdxFileLoadsWholeOrIsRefusedByName() throws Exception {
        MutationFuzz<byte[]> fuzz = new MutationFuzz<>("IdxReader", 18, IdxFormatException.class);
        Map<String, Integer> counts = fuzz.run(MutationFuzz.mutants(1500), IdxMutationFuzzTest::mutate, bytes -> {
            IdxArray a = IdxReader.read(bytes, "mutant");
            long numel = Arrays.stream(a.dims()).asLongStream().reduce(1, (x, y) -> x * y);
            if (numel != a.numel() || a.data().length != numel * a.type().byteSize()) {
                throw new AssertionError("loaded " + a + " with " + a.data().length + " data bytes");
            }
        });
        assertTrue(counts.containsKey("loaded") && counts.containsKey("IdxFormatException"), counts.toString());
    }
}
