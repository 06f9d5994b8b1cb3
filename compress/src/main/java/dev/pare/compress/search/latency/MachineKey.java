package dev.pare.compress.search.latency;

import dev.pare.tensor.kernels.VectorConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Everything a latency table's figures depend on besides the units themselves: which CPU, how
 * wide Pare's vectors are on it, how many threads the kernels use, and which JVM compiled them.
 * A table measured under one key says little about another: a different CPU has other caches
 * and clock rates, a forced narrower vector width ({@code -Dpare.vector.bits}) halves the SIMD
 * work per instruction, two threads split a big GEMM but only add hand-off costs to a small one,
 * another JVM's C2 may compile the kernels differently, and another build of Pare may have
 * faster kernels (a table measured before an upgrade would keep predicting the old latencies).
 *
 * @param cpu        the CPU model, e.g. {@code "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz"}
 * @param vectorBits the width of Pare's float vectors ({@link VectorConfig#FLOAT})
 * @param threads    the kernel thread count
 * @param jvm        the JVM's name and full version
 * @param code       a fingerprint of Pare's own classes ({@link #codeFingerprint}), or
 *                   {@code "unknown"} where they cannot be read
 */
public record MachineKey(String cpu, int vectorBits, int threads, String jvm, String code) {

    public MachineKey {
        if (cpu == null || cpu.isBlank() || jvm == null || jvm.isBlank() || code == null || code.isBlank()
                || vectorBits < 1 || threads < 1) {
            throw new IllegalArgumentException("MachineKey: cpu '" + cpu + "', vector bits " + vectorBits
                    + ", threads " + threads + ", jvm '" + jvm + "', code '" + code
                    + "': all must be given and positive");
        }
    }

    /** This machine and JVM, with {@code threads} kernel threads. */
    public static MachineKey current(int threads) {
        String jvm = System.getProperty("java.vm.name", "unknown JVM") + " "
                + System.getProperty("java.runtime.version", Runtime.version().toString());
        return new MachineKey(cpuModel(), VectorConfig.FLOAT.vectorBitSize(), threads, jvm, Code.FINGERPRINT);
    }

    /** Computed once per JVM, on first use. */
    private static final class Code {
        static final String FINGERPRINT = codeFingerprint();
    }

    /**
     * The first 16 hex digits of the SHA-256 of the compiled classes that decide a latency (every
     * class file of {@link #TIMED_PACKAGES}, by name and content, in name order) in the jars or
     * class directories that hold the tensor kernels, the layers and this class: the same for two
     * builds of the same code, different as soon as a kernel changes. {@code "unknown"} if they
     * cannot be read.
     *
     * <p>Only those packages: in the samples' single jar everything else of Pare sits beside them
     * too, and a change to a command-line option there would otherwise throw the table away, and
     * refuse to resume a search that a fix to its report needs to finish.
     */
    static final List<String> TIMED_PACKAGES = List.of("dev/pare/tensor/", "dev/pare/nn/", "dev/pare/compress/");

    private static boolean timed(String classFile) {
        return classFile.endsWith(".class") && TIMED_PACKAGES.stream().anyMatch(classFile::startsWith);
    }

    static String codeFingerprint() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            Set<Path> seen = new LinkedHashSet<>();
            for (Class<?> c : new Class<?>[] {VectorConfig.class, dev.pare.nn.Module.class, MachineKey.class}) {
                CodeSource source = c.getProtectionDomain().getCodeSource();
                if (source == null || source.getLocation() == null) {
                    return "unknown";
                }
                Path where = Path.of(source.getLocation().toURI());
                if (seen.add(where)) {
                    addClasses(md, where);
                }
            }
            return hex(md.digest());
        } catch (IOException | URISyntaxException | NoSuchAlgorithmException | RuntimeException e) {
            return "unknown";
        }
    }

    private static void addClasses(MessageDigest md, Path where) throws IOException {
        TreeMap<String, byte[]> classes = new TreeMap<>();
        if (Files.isDirectory(where)) {
            Path root = where.resolve("dev").resolve("pare");
            if (Files.isDirectory(root)) {
                try (Stream<Path> files = Files.walk(root)) {
                    for (Path f : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                        String name = where.relativize(f).toString().replace('\\', '/');
                        if (timed(name)) {
                            classes.put(name, Files.readAllBytes(f));
                        }
                    }
                }
            }
        } else {
            try (JarFile jar = new JarFile(where.toFile())) {
                for (JarEntry e : Collections.list(jar.entries())) {
                    if (timed(e.getName())) {
                        try (InputStream in = jar.getInputStream(e)) {
                            classes.put(e.getName(), in.readAllBytes());
                        }
                    }
                }
            }
        }
        for (Map.Entry<String, byte[]> c : classes.entrySet()) {
            md.update(c.getKey().getBytes(StandardCharsets.UTF_8));
            md.update(c.getValue());
        }
    }

    private static String hex(byte[] digest) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            s.append(String.format(Locale.ROOT, "%02x", digest[i]));
        }
        return s.toString();
    }

    /**
     * A short, stable name for this key: the first 16 hex digits of the SHA-256 of its fields.
     * It names the cache file, so two keys share a file only by a (negligible) collision; the
     * file also stores the full key, and a reader checks it.
     */
    public String id() {
        String canonical = cpu + "\n" + vectorBits + "\n" + threads + "\n" + jvm + "\n" + code;
        try {
            return hex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM, which every Java SE must provide", e);
        }
    }

    /** One line for logs and reports. */
    public String describe() {
        return cpu + ", " + vectorBits + "-bit vectors, " + threads + (threads == 1 ? " thread, " : " threads, ") + jvm
                + ", Pare classes " + code;
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
