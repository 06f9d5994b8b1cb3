package dev.pare.bench;

import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.io.SafeTensors.Checksums;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What verifying the checksums adds to loading the ~100 MB file of {@link ChecksumLoadBenchmark},
 * in wall-clock time and in CPU time: the measurement behind the table in docs/nn.md, made for a
 * machine shared with other jobs.
 *
 * <p>The same data is written twice, with fletcher-4 (the default) and with CRC32C, and every
 * round loads it five ways, in an order that rotates from round to round:
 * <ul>
 *   <li>{@code unverified}: the fletcher-4 file with {@link Checksums#OFF};</li>
 *   <li>{@code fletcher-4, 1 thread}: the fletcher-4 file verified with {@link Parallel#setThreads}
 *       1, so the loading thread sums each chunk as it copies the floats out;</li>
 *   <li>{@code fletcher-4, N threads}: the same with the thread count the JVM started with, so a
 *       second thread sums the floats from the arrays the loading thread has filled (when N ≥ 2);</li>
 *   <li>{@code CRC32C, 1 thread}: the CRC32C file verified with {@link Parallel#setThreads} 1, so
 *       the loading thread checksums each chunk itself;</li>
 *   <li>{@code CRC32C, N threads}: the CRC32C file verified with the thread count the JVM started
 *       with, so a second thread checksums behind the loading one (when N ≥ 2).</li>
 * </ul>
 * Each load is charged its wall-clock time, what a user waits for, and the CPU time of the
 * loading thread plus the checksum thread ({@code pare-checksum}), user and system (the copies out
 * of the page cache are system time). The CPU clocks are read after a short sleep, so that the
 * checksum thread's last chunk lands on the load that caused it. (The JDK reads the process's CPU
 * time in 10 ms steps, too coarse here.) Before each load the previous one's arrays are collected
 * ({@code System.gc()}, untimed), so that no collection lands inside a load: the collector's work
 * is the same either way, and it would only add noise. Medians over the rounds, with the
 * quartiles; each verified median over the unverified one; and the median of each round's own
 * ratio, verified over unverified, which a drifting machine disturbs less.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Xms2g -Xmx2g -cp bench/target/benchmarks.jar \
 *     dev.pare.bench.ChecksumLoadCost [rounds]
 * </pre>
 * Default 40 rounds after 10 of warm-up. A fixed heap ({@code -Xms} = {@code -Xmx}) keeps the
 * collector from resizing it between loads.
 */
public final class ChecksumLoadCost {
    private ChecksumLoadCost() {}

    public static void main(String[] args) throws IOException, InterruptedException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int threads = Parallel.threads();
        Path dir = Files.createTempDirectory("pare-crc-cost");
        Path file = dir.resolve("model.safetensors");
        Path crcFile = dir.resolve("model-crc32c.safetensors");
        try {
            Rng rng = new Rng(16);
            Checkpoint c = new Checkpoint();
            for (int i = 0; i < ChecksumLoadBenchmark.TENSORS; i++) {
                c.put("layer" + i + ".weight", Tensor.randn(rng, 1024, ChecksumLoadBenchmark.FLOATS_PER_TENSOR / 1024));
            }
            SafeTensors.write(file, c);
            SafeTensors.write(crcFile, c, Checksums.CRC32C);
            System.out.printf("per load of %d bytes, %d rounds: ms, median [p25, p75]%n", Files.size(file), rounds);

            String[] names = {"unverified", "fletcher-4, 1 thread", "fletcher-4, " + threads + " threads",
                "CRC32C, 1 thread", "CRC32C, " + threads + " threads"};
            int ways = names.length;
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            long[][] wall = new long[ways][rounds];
            long[][] cpu = new long[ways][rounds];
            long sink = 0;
            for (int r = -10; r < rounds; r++) {  // ten rounds of warm-up
                for (int k = 0; k < ways; k++) {
                    int m = (k + Math.floorMod(r, ways)) % ways; // each way takes each place in turn
                    Parallel.setThreads(m == 1 || m == 3 ? 1 : threads);
                    System.gc();
                    Thread.sleep(5);
                    long c0 = cpuTime(mx);
                    long t0 = System.nanoTime();
                    Checkpoint back = SafeTensors.read(m >= 3 ? crcFile : file, m == 0 ? Checksums.OFF : Checksums.ON);
                    long t = System.nanoTime() - t0;
                    Thread.sleep(5);
                    long cpuT = cpuTime(mx) - c0;
                    sink += back.entries().size();
                    if (r >= 0) {
                        wall[m][r] = t;
                        cpu[m][r] = cpuT;
                    }
                }
            }
            Parallel.setThreads(threads);
            double[][] medians = new double[ways][];
            for (int m = 0; m < ways; m++) {
                medians[m] = new double[] {median(wall[m]), median(cpu[m])};
                System.out.printf("%-22s wall %s   CPU %s%n", names[m], quartiles(wall[m]), quartiles(cpu[m]));
            }
            for (int m = 1; m < ways; m++) {
                System.out.printf("%-22s / unverified: wall %.3f, CPU %.3f (ratio of medians); %s, %s (median of"
                        + " each round's ratio)%n", names[m], medians[m][0] / medians[0][0], medians[m][1] / medians[0][1],
                        pairedRatio(wall[m], wall[0]), pairedRatio(cpu[m], cpu[0]));
            }
            System.out.printf("(%d entries read)%n", sink);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(crcFile);
            Files.deleteIfExists(dir);
        }
    }

    private static double median(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return s[s.length / 2] / 1e6;
    }

    /**
     * The median over the rounds of {@code a[r] / b[r]}, with its quartiles: the two loads of a
     * round ran a few hundred milliseconds apart, so a machine that drifts (another job, the
     * clock speed) moves both, and the ratio less than either.
     */
    private static String pairedRatio(long[] a, long[] b) {
        double[] q = new double[a.length];
        for (int r = 0; r < a.length; r++) {
            q[r] = (double) a[r] / b[r];
        }
        Arrays.sort(q);
        int n = q.length;
        return String.format("%.3f [%.3f, %.3f]", q[n / 2], q[n / 4], q[3 * n / 4]);
    }

    private static String quartiles(long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        int n = s.length;
        return String.format("%7.2f [%7.2f, %7.2f]", s[n / 2] / 1e6, s[n / 4] / 1e6, s[3 * n / 4] / 1e6);
    }

    /** CPU time so far of this thread and of the checksum thread, if it is running. */
    private static long cpuTime(ThreadMXBean mx) {
        long self = Thread.currentThread().getId();
        long sum = 0;
        for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (t != null && (t.getThreadId() == self || t.getThreadName().equals("pare-checksum"))) {
                sum += Math.max(0, mx.getThreadCpuTime(t.getThreadId())); // −1 if it has just ended
            }
        }
        return sum;
    }
}
