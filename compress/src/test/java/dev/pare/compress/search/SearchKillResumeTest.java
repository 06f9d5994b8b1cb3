package dev.pare.compress.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search state's promise, tested as it will be used: a search process killed with SIGKILL
 * ({@link Process#destroyForcibly()}: no shutdown hook, no finally block) after four trials, and
 * a new process resuming from the state file, end with exactly the trials of a search that was
 * never interrupted, and the resumed one does not train the saved trials again. The runs are
 * {@link SearchKillChild}, which really trains each candidate.
 */
class SearchKillResumeTest {
    private static final long TIMEOUT_SECONDS = 120;

    @TempDir
    Path dir;

    private ProcessBuilder child(String mode, Path state, Path out) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), SearchKillChild.class.getName(), mode, state.toString(),
                out.toString()).redirectError(dir.resolve(mode + ".err").toFile());
    }

    private String runToEnd(String mode, Path state, Path out) throws IOException, InterruptedException {
        File log = dir.resolve(mode + ".out").toFile();
        Process p = child(mode, state, out).redirectOutput(log).start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("child '" + mode + "' did not finish in " + TIMEOUT_SECONDS + " s");
        }
        String stdout = Files.readString(log.toPath());
        assertEquals(0, p.exitValue(), () -> "child '" + mode + "' failed:\n" + stdout + "\n" + readQuietly(mode + ".err"));
        return stdout;
    }

    private String readQuietly(String name) {
        try {
            return Files.readString(dir.resolve(name));
        } catch (IOException e) {
            return "(no " + name + ")";
        }
    }

    @Test
    void aSearchKilledWithSigkillAndResumedEndsWithTheTrialsOfAnUninterruptedOne() throws Exception {
        Path state = dir.resolve("search-state.txt");
        Path killedOut = dir.resolve("killed.csv");

        Process victim = child("killed", state, killedOut).start();
        // A child that hangs without printing would block readLine forever: kill it after the
        // time-out, which ends its output and so the loop below.
        Thread watchdog = new Thread(() -> {
            try {
                if (!victim.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    victim.destroyForcibly();
                }
            } catch (InterruptedException e) {
                victim.destroyForcibly();
            }
        }, "search-kill-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        String seen = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(victim.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (seen == null && (line = r.readLine()) != null) {
                if (line.equals("trial " + SearchKillChild.KILL_AFTER)) {
                    seen = line;
                }
            }
            victim.destroyForcibly(); // SIGKILL on Unix
            assertTrue(victim.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "the killed child did not end");
        }
        assertEquals("trial " + SearchKillChild.KILL_AFTER, seen,
                () -> "child output ended before trial " + SearchKillChild.KILL_AFTER + "; stderr:\n" + readQuietly("killed.err"));
        assertFalse(Files.exists(killedOut), "the killed child finished before the kill; nothing was tested");
        assertTrue(victim.exitValue() != 0, "exit value " + victim.exitValue());
        int saved = SearchState.load(state).trials().size(); // readable: a kill never leaves a torn file
        assertEquals(SearchKillChild.KILL_AFTER + 1, saved, "trials in the state file");

        Path resumedOut = dir.resolve("resumed.csv");
        String resumed = runToEnd("resume", state, resumedOut);
        assertTrue(resumed.contains("done " + saved), "replayed " + saved + " trials from the file:\n" + resumed);
        assertFalse(resumed.contains("trial " + (saved - 1) + "\n"), "a saved trial was trained again:\n" + resumed);

        Path plainOut = dir.resolve("plain.csv");
        runToEnd("plain", dir.resolve("unused.txt"), plainOut);
        List<String> expected = Files.readAllLines(plainOut);
        assertEquals(SearchKillChild.BUDGET, expected.size(), String.join("\n", expected));
        assertEquals(expected, Files.readAllLines(resumedOut));
    }
}
