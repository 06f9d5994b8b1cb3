package dev.pare.compress.search.latency;

import dev.pare.tensor.kernels.VectorConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Everything a latency table's figures depend on besides the units themselves: which CPU, how
 * wide Pare's vectors are on it, how many threads the kernels use, and which JVM compiled them.
 * A table measured under one key says little about another: a different CPU has other caches
 * and clock rates, a forced narrower vector width ({@code -Dpare.vector.bits}) halves the SIMD
 * work per instruction, two threads split a big GEMM but only add hand-off costs to a small one,
 * and another JVM's C2 may compile the kernels differently.
 *
 * @param cpu        the CPU model, e.g. {@code "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz"}
 * @param vectorBits the width of Pare's float vectors ({@link VectorConfig#FLOAT})
 * @param threads    the kernel thread count
 * @param jvm        the JVM's name and full version
 */
public record MachineKey(String cpu, int vectorBits, int threads, String jvm) {

    public MachineKey {
        if (cpu == null || cpu.isBlank() || jvm == null || jvm.isBlank() || vectorBits < 1 || threads < 1) {
            throw new IllegalArgumentException("MachineKey: cpu '" + cpu + "', vector bits " + vectorBits
                    + ", threads " + threads + ", jvm '" + jvm + "': all must be given and positive");
        }
    }

    /** This machine and JVM, with {@code threads} kernel threads. */
    public static MachineKey current(int threads) {
        String jvm = System.getProperty("java.vm.name", "unknown JVM") + " "
                + System.getProperty("java.runtime.version", Runtime.version().toString());
        return new MachineKey(cpuModel(), VectorConfig.FLOAT.vectorBitSize(), threads, jvm);
    }

    /**
     * A short, stable name for this key: the first 16 hex digits of the SHA-256 of its fields.
     * It names the cache file, so two keys share a file only by a (negligible) collision; the
     * file also stores the full key, and a reader checks it.
     */
    public String id() {
        String canonical = cpu + "\n" + vectorBits + "\n" + threads + "\n" + jvm;
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                s.append(String.format(Locale.ROOT, "%02x", d[i]));
            }
            return s.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM, which every Java SE must provide", e);
        }
    }

    /** One line for logs and reports. */
    public String describe() {
        return cpu + ", " + vectorBits + "-bit vectors, " + threads + (threads == 1 ? " thread, " : " threads, ") + jvm;
    }

    /**
     * The CPU model: the first "model name" of /proc/cpuinfo (Linux on x86), else lscpu's
     * "Model name" (which also knows ARM cores), else the OS name and architecture with the
     * processor count: a coarse key, but one that still separates the machines it can.
     */
    static String cpuModel() {
        try {
            String fromProc = modelName(Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8),
                    "model name");
            if (fromProc != null) {
                return fromProc;
            }
        } catch (IOException | RuntimeException e) {
            // Not Linux, or /proc unreadable: try the next source.
        }
        try {
            Process p = new ProcessBuilder("lscpu").redirectErrorStream(true).start();
            List<String> lines;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                lines = r.lines().toList();
            }
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
                String fromLscpu = modelName(lines, "model name");
                if (fromLscpu != null) {
                    return fromLscpu;
                }
            }
        } catch (IOException | RuntimeException e) {
            // No lscpu on this system.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return System.getProperty("os.name", "unknown OS") + " " + System.getProperty("os.arch", "unknown arch")
                + ", " + Runtime.getRuntime().availableProcessors() + " processors";
    }

    /** The value of the first {@code "<field> : value"} line (case-insensitive, spaces trimmed), or null. */
    static String modelName(List<String> lines, String field) {
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(field)) {
                String value = line.substring(colon + 1).trim().replaceAll("\\s+", " ");
                if (!value.isEmpty()) {
                    return value;
                }
            }
        }
        return null;
    }
}
