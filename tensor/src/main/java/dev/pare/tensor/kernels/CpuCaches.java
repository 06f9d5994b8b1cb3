package dev.pare.tensor.kernels;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data-cache sizes of one core, as the operating system reports them: what {@link GemmBlocking}
 * sizes its blocks from, so that the packed GEMM fits the machine it runs on rather than the one it
 * was written on.
 *
 * <p>Where the sizes come from, first found wins:
 * <ol>
 *   <li>the system properties {@code pare.cache.l1d}, {@code pare.cache.l2} and {@code pare.cache.l3}
 *       (bytes, or with a K/M suffix: {@code -Dpare.cache.l2=2M}), for experiments and for machines
 *       that report nothing;</li>
 *   <li>Linux's {@code /sys/devices/system/cpu/cpu0/cache/index*}: one directory per cache, with
 *       its {@code level}, {@code type} (Data, Instruction, Unified) and {@code size};</li>
 *   <li>{@code getconf -a}, which glibc answers from the CPUID instruction. Virtual machines often
 *       hide the sysfs directory but pass CPUID through;</li>
 *   <li>{@link #FALLBACK}, modest sizes that every x86 core of the last decade meets or exceeds:
 *       a block sized for a smaller cache than the real one is re-read a little more often, while
 *       one sized for a bigger cache is evicted before it is reused, which costs far more.</li>
 * </ol>
 * A level that a source does not report (−1) is taken from the next source; a level a source
 * reports as absent (0, e.g. no L3 on many ARM cores) stays absent. The L3 is shared by many
 * cores; its size here is the whole cache, as reported, not one core's share.
 *
 * <p>Trap: the blocks of the GEMM, and so the rounding of its sums, follow these sizes. A machine
 * whose sources answer differently from one run to the next (a {@code getconf} that times out
 * once) would round differently; a warning is logged whenever the fallback is used, and setting
 * the three properties pins the sizes, hence the bits.
 *
 * @param l1d    level-1 data cache, bytes (−1: not reported)
 * @param l2     level-2 cache, bytes (−1: not reported)
 * @param l3     level-3 cache, bytes (0: the CPU has none; −1: not reported)
 * @param source where the sizes came from, for logs and benchmark headers
 */
public record CpuCaches(long l1d, long l2, long l3, String source) {
    private static final Logger LOG = LoggerFactory.getLogger(CpuCaches.class);

    /** Used for any level that no source reports: 32 KiB L1d, 512 KiB L2, 8 MiB L3. */
    public static final CpuCaches FALLBACK = new CpuCaches(32 << 10, 512 << 10, 8 << 20, "fallback");

    /** This machine's caches, detected once. */
    public static final CpuCaches DETECTED = detect();

    /** A one-line description, e.g. {@code "L1d 48 KiB, L2 1024 KiB, L3 32768 KiB (sysfs)"}. */
    public String describe() {
        return "L1d " + (l1d >> 10) + " KiB, L2 " + (l2 >> 10) + " KiB, L3 " + (l3 >> 10) + " KiB (" + source + ")";
    }

    private static CpuCaches detect() {
        CpuCaches found = fromProperties(System.getProperty("pare.cache.l1d"), System.getProperty("pare.cache.l2"),
                System.getProperty("pare.cache.l3"));
        found = fillFrom(found, fromSysfs(Paths.get("/sys/devices/system/cpu/cpu0/cache")));
        if (found == null || found.l1d < 0 || found.l2 < 0 || found.l3 < 0) {
            found = fillFrom(found, fromGetconf(runGetconf()));
        }
        found = fillFrom(found, FALLBACK);
        if (found.source.contains("fallback")) {
            LOG.warn("Pare kernels: the OS did not report every cache size; GEMM blocks assume {} "
                    + "(set pare.cache.l1d, pare.cache.l2 and pare.cache.l3 to give them)", found.describe());
        } else {
            LOG.debug("Pare kernels: caches {}", found.describe());
        }
        return found;
    }

    /** Keeps what {@code known} has, takes the levels it lacks from {@code more}. */
    static CpuCaches fillFrom(CpuCaches known, CpuCaches more) {
        if (more == null) {
            return known;
        }
        if (known == null) {
            return more;
        }
        boolean used = known.l1d < 0 && more.l1d >= 0 || known.l2 < 0 && more.l2 >= 0 || known.l3 < 0 && more.l3 >= 0;
        return new CpuCaches(known.l1d >= 0 ? known.l1d : more.l1d, known.l2 >= 0 ? known.l2 : more.l2,
                known.l3 >= 0 ? known.l3 : more.l3, used ? known.source + "+" + more.source : known.source);
    }

    /** The three properties; null when none is set. */
    static CpuCaches fromProperties(String l1d, String l2, String l3) {
        if (l1d == null && l2 == null && l3 == null) {
            return null;
        }
        return new CpuCaches(propertySize("pare.cache.l1d", l1d), propertySize("pare.cache.l2", l2),
                propertySize("pare.cache.l3", l3), "properties");
    }

    private static long propertySize(String name, String value) {
        if (value == null) {
            return -1;
        }
        long size = parseSize(value);
        if (size <= 0) {
            throw new IllegalArgumentException(name + ": expected a size in bytes such as 49152, 48K or 2M, got '"
                    + value + "'");
        }
        return size;
    }

    /**
     * Reads Linux's cache directories under {@code dir} (index0, index1, ...); null when there are
     * none. Instruction caches are skipped; a unified L1 counts as the data cache. When the
     * directory lists caches but no level 3, the CPU has none: that L3 is 0, not unknown.
     */
    static CpuCaches fromSysfs(Path dir) {
        long l1d = -1;
        long l2 = -1;
        long l3 = -1;
        for (int i = 0; i < 16; i++) {
            Path index = dir.resolve("index" + i);
            if (!Files.isDirectory(index)) {
                continue;
            }
            try {
                String type = Files.readString(index.resolve("type")).trim();
                int level = Integer.parseInt(Files.readString(index.resolve("level")).trim());
                long size = parseSize(Files.readString(index.resolve("size")).trim());
                if (type.equalsIgnoreCase("Instruction") || size <= 0) {
                    continue;
                }
                if (level == 1) {
                    l1d = size;
                } else if (level == 2) {
                    l2 = size;
                } else if (level == 3) {
                    l3 = size;
                }
            } catch (IOException | RuntimeException e) {
                // An unreadable or odd entry (some kernels expose partial directories) is skipped;
                // the next source fills the gap.
                LOG.debug("Pare kernels: skipping {}: {}", index, e.toString());
            }
        }
        if (l1d < 0 && l2 < 0 && l3 < 0) {
            return null;
        }
        return new CpuCaches(l1d, l2, Math.max(l3, 0), "sysfs");
    }

    /**
     * Parses the LEVEL1_DCACHE_SIZE, LEVEL2_CACHE_SIZE and LEVEL3_CACHE_SIZE lines; null when none
     * has a value. A level printed as 0 is absent; one printed with no value is unknown.
     */
    static CpuCaches fromGetconf(String output) {
        if (output == null) {
            return null;
        }
        long l1d = -1;
        long l2 = -1;
        long l3 = -1;
        for (String line : output.split("\n")) {
            String[] parts = line.trim().split("\\s+");
            if (parts.length != 2) {
                continue;
            }
            long size = parseSize(parts[1]);
            switch (parts[0]) {
                case "LEVEL1_DCACHE_SIZE" -> l1d = size;
                case "LEVEL2_CACHE_SIZE" -> l2 = size;
                case "LEVEL3_CACHE_SIZE" -> l3 = size;
                default -> { }
            }
        }
        return l1d > 0 || l2 > 0 || l3 > 0 ? new CpuCaches(l1d, l2, l3, "getconf") : null;
    }

    /**
     * Runs {@code getconf -a}; null if it is missing, fails or takes more than two seconds. Its
     * output goes to a temporary file, not a pipe, so that the wait for it is bounded: reading a
     * pipe would block for as long as anything holds its other end open.
     */
    private static String runGetconf() {
        // An interrupt pending on the thread that happens to load this class must not turn a
        // machine's cache sizes into the fallback (and so change how its sums round): set it
        // aside while getconf runs, and restore it afterwards.
        boolean interrupted = Thread.interrupted();
        Path out = null;
        try {
            out = Files.createTempFile("pare-getconf", ".txt");
            Process p = new ProcessBuilder("getconf", "-a").redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(2, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? Files.readString(out, StandardCharsets.UTF_8) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        } catch (InterruptedException e) {
            interrupted = true;
            return null;
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a temporary file left behind is harmless
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * "49152", "48K", "1024K", "32M" (the forms sysfs, getconf and people write) → bytes; -1 for
     * anything else, including sizes that do not fit in a long.
     */
    static long parseSize(String text) {
        String s = text.trim().toUpperCase(Locale.ROOT);
        if (s.endsWith("B")) {
            s = s.substring(0, s.length() - 1);
        }
        long unit = 1;
        if (s.endsWith("K")) {
            unit = 1L << 10;
        } else if (s.endsWith("M")) {
            unit = 1L << 20;
        } else if (s.endsWith("G")) {
            unit = 1L << 30;
        }
        if (unit != 1) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.isEmpty() || s.length() > 12 || !s.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        try {
            return Math.multiplyExact(Long.parseLong(s), unit);
        } catch (ArithmeticException e) {
            return -1;
        }
    }
}
