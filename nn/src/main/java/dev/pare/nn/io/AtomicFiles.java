package dev.pare.nn.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Replacing a file so that a crash at any moment leaves either the old file or the new one,
 * never a torn mixture.
 *
 * <p>The recipe: write the new contents to a temporary file <em>in the same directory</em> (a
 * rename is only atomic within one file system), {@code fsync} it (otherwise the rename can
 * reach the disk before the data does, and a power cut leaves an empty file under the real
 * name), rename it over the target, then {@code fsync} the directory so the rename itself is
 * durable. Writing the target in place would, on a crash, destroy the last good checkpoint of a
 * run that took hours.
 */
public final class AtomicFiles {
    /** Makes temporary names unique within this JVM; the pid separates JVMs. */
    private static final AtomicLong COUNTER = new AtomicLong();

    private AtomicFiles() {}

    /** Writes the body of a file to an open channel. */
    public interface Body {
        void writeTo(FileChannel channel) throws IOException;
    }

    /**
     * Writes {@code target} atomically. If {@code body} throws, the temporary file is deleted,
     * {@code target} is untouched and the exception propagates.
     *
     * <p>First it removes the temporary files of {@code target} that a dead process left behind
     * (see {@link #removeStaleTemporaries}); another live writer's temporary file is never touched.
     */
    public static void write(Path target, Body body) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path dir = absolute.getParent();
        removeStaleTemporaries(dir, absolute.getFileName().toString());
        Path tmp = createSibling(dir, absolute.getFileName().toString());
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                body.writeTo(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot replace " + absolute + " atomically: the file system of " + dir
                        + " does not support an atomic rename", e);
            }
            done = true;
            forceDirectory(dir);
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Writes {@code bytes} to {@code target} atomically (see {@link #write(Path, Body)}). */
    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, ch -> {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b); // a channel may write fewer bytes than asked
            }
        });
    }

    /**
     * A new empty file {@code .<name>.<n>.tmp} in {@code dir}. Not {@code Files.createTempFile}:
     * that makes the file readable by its owner only (0600), and the checkpoint would keep those
     * permissions after the rename; {@code createFile} applies the usual umask instead.
     */
    private static Path createSibling(Path dir, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path p = dir.resolve("." + name + "." + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet() + ".tmp");
            try {
                return Files.createFile(p);
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 100) {
                    throw e; // a hundred leftovers with our pid and counter: something else is wrong
                }
            }
        }
    }

    /**
     * Deletes {@code .<name>.<pid>-<n>.tmp} files in {@code dir} whose process is gone: a writer
     * killed between creating its temporary file and renaming it (a crash, {@code kill -9}) leaves
     * one, and nobody else would ever remove it. The pid in the name says whose it is. A file is
     * kept when its pid is this JVM's (another thread's save in progress) or any live process's
     * ({@code ProcessHandle.of(pid).isPresent()}): if the pid has since been reused by an
     * unrelated process the file merely survives until that process ends, which is the safe way
     * to be wrong. Names of other targets, and names not of this exact form, are left alone.
     * Failing to delete is not an error: the save itself does not depend on it.
     */
    static void removeStaleTemporaries(Path dir, String name) {
        String prefix = "." + name + ".";
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) {
                String f = p.getFileName().toString();
                if (!f.startsWith(prefix) || !f.endsWith(".tmp")) {
                    continue;
                }
                String middle = f.substring(prefix.length(), f.length() - ".tmp".length());
                if (!middle.matches("[0-9]{1,18}-[0-9]{1,19}")) {
                    continue; // not one of ours, e.g. ".m.safetensors.bak.tmp" of another tool
                }
                long pid = Long.parseLong(middle.substring(0, middle.indexOf('-')));
                if (pid == self || ProcessHandle.of(pid).isPresent()) {
                    continue;
                }
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // Permissions or a race with another cleaner: the leftover stays, the save goes on.
                }
            }
        } catch (IOException e) {
            // An unlistable directory: the save will fail on its own, with a clearer message.
        }
    }

    /**
     * Makes the rename durable. POSIX systems allow opening a directory to fsync it; Windows does
     * not, and there the rename is already durable enough (NTFS journals metadata), so a failure
     * here is ignored.
     */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // See above: not supported everywhere, and the data itself is already on disk.
        }
    }
}
