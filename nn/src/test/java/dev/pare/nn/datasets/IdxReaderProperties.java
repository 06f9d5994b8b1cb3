package dev.pare.nn.datasets;

import static dev.pare.nn.datasets.IdxTestFiles.gzip;
import static dev.pare.nn.datasets.IdxTestFiles.idx;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Whatever the bytes, the reader returns the array or throws {@link IdxFormatException}. */
class IdxReaderProperties {
    private static void readsOrRefusesCleanly(byte[] bytes) {
        try {
            IdxReader.read(bytes, "fuzz");
        } catch (IdxFormatException expected) {
            // the documented outcome for bad input
        } catch (Throwable t) {
            throw new AssertionError("reading " + bytes.length + " bytes threw " + t, t);
        }
    }

    @Property(tries = 300)
    void validFilesReadBackTheirBytes(@ForAll @Size(max = 3) List<@IntRange(min = 0, max = 6) Integer> dims,
            @ForAll boolean gzipped) throws IOException {
        int[] d = dims.isEmpty() ? new int[] {0} : dims.stream().mapToInt(Integer::intValue).toArray();
        int n = Arrays.stream(d).reduce(1, (a, b) -> a * b);
        byte[] data = new byte[n];
        for (int i = 0; i < n; i++) {
            data[i] = (byte) (i * 37);
        }
        byte[] file = idx(0x08, d, data);
        IdxArray a = IdxReader.read(gzipped ? gzip(file) : file, "ok");
        assertArrayEquals(d, a.dims());
        assertArrayEquals(data, a.data());
    }

    @Property(tries = 500)
    void randomBytesAreReadOrRefusedCleanly(@ForAll @Size(max = 100) byte[] bytes) {
        readsOrRefusesCleanly(bytes);
    }

    @Property(tries = 500)
    void damagedFilesAreReadOrRefusedCleanly(@ForAll boolean gzipped, @ForAll @IntRange(min = 0, max = 400) int cut,
            @ForAll @Size(max = 3) List<@IntRange(min = 0, max = 10_000) Integer> flips) {
        byte[] file = idx(0x08, new int[] {4, 5, 5}, new byte[100]);
        byte[] f = gzipped ? gzip(file) : file;
        f = Arrays.copyOf(f, Math.max(0, f.length - cut % (f.length + 1)));
        for (int p : flips) {
            if (f.length > 0) {
                f[p % f.length] ^= (byte) (p | 1);
            }
        }
        readsOrRefusesCleanly(f);
    }
}
