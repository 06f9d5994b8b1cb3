package dev.pare.nn.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pare.nn.io.SafeTensors;
import dev.pare.tensor.Tensor;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The promise of {@link TrainingCheckpoint}, tested as it will be used: a training process killed
 * with SIGKILL ({@link Process#destroyForcibly()}, no shutdown hook, no finally block) in the
 * middle of an epoch, and a new process resuming from its last checkpoint, end with the weights
 * of a process that was never interrupted, bit for bit. The runs are {@link KillResumeChild}.
 */
class KillResumeTest {
    private static final long TIMEOUT_SECONDS = 60;

    @TempDir
    Path dir;

    private ProcessBuilder child(String mode, Path checkpoint, Path out) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "-XX:TieredStopAtLevel=1", // these short runs finish sooner without C2's compile time
                "-cp", System.getProperty("java.class.path"), KillResumeChild.class.getName(),
                mode, checkpoint.toString(), out.toString()));
        return new ProcessBuilder(cmd).redirectError(dir.resolve(mode + ".err").toFile());
    }

    /** Runs a child to the end and returns its standard output. */
    private String runToEnd(String mode, Path checkpoint, Path out) throws IOException, InterruptedException {
        File log = dir.resolve(mode + ".out").toFile();
        Process p = child(mode, checkpoint, out).redirectOutput(log).start();
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
    void aRunKilledMidEpochAndResumedEndsBitForBitAsAnUninterruptedRun() throws Exception {
        Path checkpoint = dir.resolve("run.ckpt.safetensors");
        Path killedOut = dir.resolve("killed.safetensors");

        // Killed: as soon as the first checkpoint (step 10, inside epoch 1) is on disk.
        Process victim = child("killed", checkpoint, killedOut).start();
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
        }, "kill-resume-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        String first = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(victim.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while (first == null && (line = r.readLine()) != null) {
                if (line.startsWith("checkpoint ")) {
                    first = line;
                }
            }
            victim.destroyForcibly(); // SIGKILL on Unix: the child gets no chance to tidy up
            assertTrue(victim.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "the killed child did not end");
        }
        assertEquals("checkpoint epoch 1 of 3, after batch 10 of 30 (step 10)", first,
                () -> "child output ended without a checkpoint; stderr:\n" + readQuietly("killed.err"));
        assertFalse(Files.exists(killedOut), "the killed child finished before the kill; nothing was tested");
        assertTrue(victim.exitValue() != 0, "exit value " + victim.exitValue());
        TrainingCheckpoint left = TrainingCheckpoint.read(checkpoint); // intact, whatever moment the kill hit
        assertTrue(left.step() >= 10 && left.step() % 10 == 0 && left.step() < 90, left.position());

        Path resumedOut = dir.resolve("resumed.safetensors");
        String resumed = runToEnd("resume", checkpoint, resumedOut);
        assertTrue(resumed.startsWith("resumed from " + left.position()), resumed);
        assertTrue(resumed.contains("done"), resumed);

        Path plainOut = dir.resolve("plain.safetensors");
        runToEnd("plain", dir.resolve("unused.safetensors"), plainOut);

        Map<String, Tensor> expected = SafeTensors.load(plainOut);
        Map<String, Tensor> actual = SafeTensors.load(resumedOut);
        assertEquals(expected.keySet(), actual.keySet());
        for (String k : expected.keySet()) {
            float[] a = expected.get(k).toArray();
            float[] b = actual.get(k).toArray();
            for (int i = 0; i < a.length; i++) {
                int at = i;
                assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]),
                        () -> k + "[" + at + "]: uninterrupted " + a[at] + ", killed and resumed " + b[at]);
            }
        }
    }
}
