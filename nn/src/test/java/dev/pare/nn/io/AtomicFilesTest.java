package dev.pare.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A save that fails part-way leaves the previous checkpoint as it was, and no litter. */
class AtomicFilesTest {
    @TempDir
    Path dir;

    /** Passes bytes through until {@code budget} is spent, then fails like a full disk. */
    private static final class FailingChannel implements WritableByteChannel {
        private final WritableByteChannel inner;
        private long budget;

        FailingChannel(WritableByteChannel inner, long budget) {
            this.inner = inner;
            this.budget = budget;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (budget <= 0) {
                throw new IOException("No space left on device (simulated)");
            }
            int allowed = (int) Math.min(src.remaining(), budget);
            ByteBuffer slice = src.duplicate();
            slice.limit(slice.position() + allowed);
            int n = inner.write(slice);
            src.position(src.position() + n);
            budget -= n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return inner.isOpen();
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }

    private List<String> filesInDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void failureAtAnyPointOfASaveLeavesThePreviousFileIntact() throws IOException {
        Path target = dir.resolve("model.safetensors");
        SafeTensors.save(target, Map.of("w", Tensor.arange(100)));
        byte[] before = Files.readAllBytes(target);

        Checkpoint next = Checkpoint.of(Map.of("w", Tensor.randn(new Rng(3), 50, 50)));
        byte[] header = SafeTensorsHeader.encode(next);
        long total = 8L + header.length + 50 * 50 * 4;
        for (long budget : new long[] {0, 3, 8, 9, header.length + 8, total / 2, total - 1}) {
            IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(target,
                    ch -> SafeTensors.writeTo(new FailingChannel(ch, budget), header, next)));
            assertEquals("No space left on device (simulated)", e.getMessage());
            assertArrayEquals(before, Files.readAllBytes(target), "after a failure at byte " + budget);
            assertEquals(List.of("model.safetensors"), filesInDir(), "temporary file removed after failure at " + budget);
        }
        AtomicFiles.write(target, ch -> SafeTensors.writeTo(new FailingChannel(ch, total), header, next));
        assertArrayEquals(next.entry("w").tensor().toArray(), SafeTensors.load(target).get("w").toArray());
    }

    @Test
    void failureOfTheFirstSaveLeavesNoFileAtAll() throws IOException {
        Path target = dir.resolve("first.safetensors");
        assertThrows(IOException.class, () -> AtomicFiles.write(target, ch -> {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
            throw new IOException("interrupted");
        }));
        assertEquals(List.of(), filesInDir());
    }

    @Test
    void runtimeFailureInsideTheBodyAlsoCleansUp() throws IOException {
        Path target = dir.resolve("x.safetensors");
        Files.write(target, new byte[] {42});
        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(target, ch -> {
            throw new IllegalStateException("bug in a writer");
        }));
        assertArrayEquals(new byte[] {42}, Files.readAllBytes(target));
        assertEquals(List.of("x.safetensors"), filesInDir());
    }

    @Test
    void relativePathIsWrittenInItsOwnDirectory() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path target = sub.resolve("a.bin");
        AtomicFiles.write(target, ch -> ch.write(ByteBuffer.wrap(new byte[] {7})));
        assertArrayEquals(new byte[] {7}, Files.readAllBytes(target));
    }

    @Test
    void savedFileGetsTheUsualPermissionsNotThoseOfATemporaryFile() throws IOException {
        Path ordinary = Files.createFile(dir.resolve("ordinary"));
        Path saved = dir.resolve("saved.safetensors");
        SafeTensors.save(saved, Map.of("w", Tensor.zeros(1)));
        assertEquals(Files.getPosixFilePermissions(ordinary), Files.getPosixFilePermissions(saved));
    }
}
