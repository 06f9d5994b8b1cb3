package dev.pare.nn.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 16: a save removes its target's temporary files left by dead processes, and only those. */
class AtomicFilesLitterTest {
    @TempDir
    Path dir;

    /** The pid of a process that has ended (a child started and waited for). */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        long pid = p.pid();
        assertFalse(ProcessHandle.of(pid).isPresent(), "the child " + pid + " should be gone");
        return pid;
    }

    @Test
    void aSaveRemovesTheTemporaryFileOfADeadWriter() throws Exception {
        Path stale = Files.createFile(dir.resolve(".m.safetensors." + deadPid() + "-3.tmp"));
        AtomicFiles.write(dir.resolve("m.safetensors"), new byte[] {1});
        assertFalse(Files.exists(stale), "left by a dead process: removed");
        assertArrayEquals(new byte[] {1}, Files.readAllBytes(dir.resolve("m.safetensors")));
    }

    @Test
    void aSaveKeepsTheTemporaryFilesOfLiveWriters() throws Exception {
        Path ours = Files.createFile(dir.resolve(".m.safetensors." + ProcessHandle.current().pid() + "-999999.tmp"));
        Process child = new ProcessBuilder("sleep", "30").start();
        try {
            Path childs = Files.createFile(dir.resolve(".m.safetensors." + child.pid() + "-1.tmp"));
            AtomicFiles.write(dir.resolve("m.safetensors"), new byte[] {2});
            assertTrue(Files.exists(ours), "this JVM's other save in progress");
            assertTrue(Files.exists(childs), "a live process's save in progress");
        } finally {
            child.destroy();
        }
    }

    @Test
    void aSaveLeavesOtherTargetsAndOtherNamesAlone() throws Exception {
        long dead = deadPid();
        Path other = Files.createFile(dir.resolve(".n.safetensors." + dead + "-1.tmp"));
        Path notOurs = Files.createFile(dir.resolve(".m.safetensors.backup.tmp"));
        AtomicFiles.write(dir.resolve("m.safetensors"), new byte[] {3});
        assertTrue(Files.exists(other), "another target's temporary file");
        assertTrue(Files.exists(notOurs), "a name not of the form .<name>.<pid>-<n>.tmp");
    }
}
