package dev.pare.bench;

import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.io.SafeTensors.Checksums;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The loads of {@link ChecksumLoadBenchmark}, timed in <em>CPU time</em> and interleaved: the
 * cross-check of its ratio for a machine shared with other jobs (the reason is the one given in
 * {@link QuantizedLinearCpuTime}: wall-clock times swing with the other jobs, and JMH measures
 * one benchmark after the other).
 *
 * <p>Every round loads the same ~100 MB file once verified and once not, in alternating order,
 * and charges each load the CPU time of the loading thread (user and system: the copies out of
 * the page cache are system time). Medians over the rounds, with the quartiles, and the
 * verified median over the unverified one. What it cannot remove: caches and memory bandwidth
 * shared with the other jobs, and the collector's threads (the same allocation either way).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Xmx2g -cp bench/target/benchmarks.jar \
 *     dev.pare.bench.ChecksumLoadCpuTime [rounds]
 * </pre>
 * Default 60 rounds after 10 of warm-up.
 */
public final class ChecksumLoadCpuTime {
    private ChecksumLoadCpuTime() {}

    public static void main(String[] args) throws IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        Path dir = Files.createTempDirectory("pare-crc-cpu");
        Path file = dir.resolve("model.safetensors");
        try {
            Rng rng = new Rng(16);
            Checkpoint c = new Checkpoint();
            for (int i = 0; i < ChecksumLoadBenchmark.TENSORS; i++) {
                c.put("layer" + i + ".weight", Tensor.randn(rng, 1024, ChecksumLoadBenchmark.FLOATS_PER_TENSOR / 1024));
            }
            SafeTensors.write(file, c);
            System.out.println("CPU time per load of " + Files.size(file) + " bytes (ms), median [p25, p75]");

            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            Checksums[] modes = {Checksums.ON, Checksums.OFF};
            long[][] nanos = new long[2][rounds];
            long sink = 0;
            for (int r = -10; r < rounds; r++) {  // ten rounds of warm-up
                for (int k = 0; k < 2; k++) {
                    int m = (r & 1) == 0 ? k : 1 - k; // alternate which goes first
                    long t0 = mx.getCurrentThreadCpuTime();
                    Checkpoint back = SafeTensors.read(file, modes[m]);
                    long t = mx.getCurrentThreadCpuTime() - t0;
                    sink += back.entries().size();
                    if (r >= 0) {
                        nanos[m][r] = t;
                    }
                }
            }
            double[] medians = new double[2];
            for (int m = 0; m < 2; m++) {
                Arrays.sort(nanos[m]);
                medians[m] = nanos[m][rounds / 2] / 1e6;
                System.out.printf("checksums %-3s %8.1f [%8.1f, %8.1f]%n", modes[m], medians[m],
                        nanos[m][rounds / 4] / 1e6, nanos[m][3 * rounds / 4] / 1e6);
            }
            System.out.printf("verified / unverified: %.3f   (%d entries read)%n", medians[0] / medians[1], sink);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }
}
