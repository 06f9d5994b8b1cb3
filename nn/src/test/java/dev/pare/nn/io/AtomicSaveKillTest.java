package dev.pare.nn.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pare.tensor.Tensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: a save killed with SIGKILL at any moment leaves the target exactly as it was before
 * or exactly as the save meant it, and its litter is cleared by the next save of another process.
 *
 * <p>Child JVMs ({@link SaveLoopChild}) save a 4 MiB model to one target in a loop, alternating
 * two contents. Twenty times, one is killed ({@link Process#destroyForcibly}, SIGKILL on POSIX)
 * at a seeded moment once its temporary file exists, that is in the middle of a save: at once,
 * or up to 40 ms later, which lands anywhere in writing, {@code fsync}, rename or the next save.
 * After each kill:
 * <ul>
 *   <li>the target loads, checksums verified, and is bit for bit one of the two contents;</li>
 *   <li>once the next process has completed a save, no temporary file of a dead process is left.</li>
 * </ul>
 * Throughout, a third process sits inside a save of the same target (a live writer): its
 * temporary file must survive every other process's saves, and go only once it has died.
 *
 * <p>Tagged {@code processes}: it starts 22 JVMs. It runs with the rest of the suite; exclude it
 * with {@code -DexcludedGroups=processes} where child processes cannot be started.
 */
@Tag("processes")
class AtomicSaveKillTest {
    private static final int KILLS = 20;
    /** Hang protection only: a child that says nothing for this long has failed. */
    private static final long PATIENCE_SECONDS = 60;

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();

    /** A child JVM running {@link SaveLoopChild} on the test's class path, its output in {@code lines}. */
    private Process start(BlockingQueue<String> lines, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector",
                // A short-lived child: quick start-up and a small heap are all it needs.
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), SaveLoopChild.class.getName()));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        started.add(p);
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the child was killed mid-line: nothing more to read
            }
            lines.add("<end of output>");
        }, "child-" + p.pid() + "-output");
        reader.setDaemon(true);
        reader.start();
        return p;
    }

    /** Waits for the line {@code expected}; fails with everything the child printed if it never comes. */
    private static void await(BlockingQueue<String> lines, String expected, Process p) throws InterruptedException {
        List<String> seen = new ArrayList<>();
        while (true) {
            String line = lines.poll(PATIENCE_SECONDS, TimeUnit.SECONDS);
            if (line == null || line.equals("<end of output>")) {
                fail("child " + p.pid() + " did not print \"" + expected + "\"" + (line == null ? " within "
                        + PATIENCE_SECONDS + " s" : " before its output ended") + "; it printed " + seen);
            }
            if (line.equals(expected)) {
                return;
            }
            seen.add(line);
        }
    }

    /** The pids named by the target's temporary files {@code .model.safetensors.<pid>-<n>.tmp}. */
    private List<Long> temporaryFilePids() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(f -> f.startsWith(".model.safetensors.") && f.endsWith(".tmp"))
                    .map(f -> Long.parseLong(f.substring(".model.safetensors.".length(), f.indexOf('-'))))
                    .collect(Collectors.toList());
        }
    }

    private static float[][] values(Map<String, Tensor> stateDict) {
        return stateDict.values().stream().map(Tensor::toArray).toArray(float[][]::new);
    }

    private void assertOldOrNew(Path target, float[][] c0, float[][] c1, int kill) throws IOException {
        float[][] loaded = values(SafeTensors.load(target));
        assertTrue(Arrays.deepEquals(loaded, c0) || Arrays.deepEquals(loaded, c1),
                "after kill " + kill + " the target is neither content 0 nor content 1");
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void aSaveKilledAtAnyMomentLeavesTheOldOrTheNewFileAndNoLitterAfterTheNextSave() throws Exception {
        Path target = dir.resolve("model.safetensors");
        float[][] c0 = values(SaveLoopChild.content(0));
        float[][] c1 = values(SaveLoopChild.content(1));
        SafeTensors.save(target, SaveLoopChild.content(0));
        Random random = new Random(16);
        try {
            BlockingQueue<String> holderLines = new LinkedBlockingQueue<>();
            Process holder = start(holderLines, "hold", target.toString());
            await(holderLines, "holding", holder);
            assertEquals(List.of(holder.pid()), temporaryFilePids(), "the live writer's temporary file");

            int killedMidSave = 0;
            for (int kill = 0; kill < KILLS; kill++) {
                BlockingQueue<String> lines = new LinkedBlockingQueue<>();
                Process writer = start(lines, "loop", target.toString(), Integer.toString(kill & 1));
                await(lines, "saved 1", writer);
                // This process has completed a save, so every dead writer's leftover is gone; the
                // holder's and this writer's own (its next save) may remain.
                for (long pid : temporaryFilePids()) {
                    assertTrue(pid == holder.pid() || pid == writer.pid(), "after kill " + kill + " and a new save,"
                            + " a temporary file of process " + pid + " remains (holder " + holder.pid()
                            + ", writer " + writer.pid() + ")");
                }
                assertTrue(temporaryFilePids().contains(holder.pid()), "the live holder's temporary file was removed");

                // Kill in the middle of a save: once its temporary file exists, then at once (every
                // fourth kill) or after a seeded delay of up to 40 ms.
                while (!temporaryFilePids().contains(writer.pid())) {
                    if (!writer.isAlive()) {
                        fail("writer " + writer.pid() + " ended by itself (exit " + writer.exitValue() + "): " + lines);
                    }
                    Thread.sleep(1); // not a spin: on a busy machine it would take the child's core
                }
                int delay = kill % 4 == 0 ? 0 : random.nextInt(40);
                if (delay > 0) {
                    Thread.sleep(delay);
                }
                writer.destroyForcibly();
                writer.waitFor();
                if (temporaryFilePids().contains(writer.pid())) {
                    killedMidSave++;
                }
                assertOldOrNew(target, c0, c1, kill);
            }
            // At least one kill left a temporary file behind, or the cleanup was never tested.
            assertTrue(killedMidSave > 0, "no kill of " + KILLS + " landed inside a save");

            // The last writer's leftover and, now that it is dead, the holder's: the next save removes both.
            holder.destroyForcibly();
            holder.waitFor();
            BlockingQueue<String> lastLines = new LinkedBlockingQueue<>();
            Process last = start(lastLines, "once", target.toString());
            await(lastLines, "saved 1", last);
            last.waitFor();
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(List.of(target), files.collect(Collectors.toList()),
                        "the next save removes the temporary files of the last writer and the dead holder");
            }
            assertOldOrNew(target, c0, c1, KILLS);
        } finally {
            for (Process p : started) {
                p.destroyForcibly();
                p.waitFor();
            }
        }
    }
}
