package dev.pare.bench;

import dev.pare.tensor.kernels.Gemm;
import dev.pare.tensor.parallel.Parallel;
import java.util.SplittableRandom;

/**
 * Is this machine quiet? One n³ product, repeated for a number of seconds in one JVM with the
 * same arrays, the same thread and the same compiled code, printed as GFLOP/s per 0.3 s slice.
 *
 * <p>After the first second (interpreter and JIT) nothing inside the JVM changes between slices,
 * so when the slices step down by a fifth and back, the steps come from outside it: other work
 * on the host's cores or caches. A stretch can also stay low for tens of seconds, flat, so one
 * run proves little; two runs a minute apart that agree within a few per cent, at the level of
 * the machine's best, do. A JMH fork that lands in a low stretch is a "slow fork", and no change
 * to Pare's code moves it (docs/matmul.md, "Results against OpenBLAS").
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.pare.bench.GemmTimeline [n] [seconds] [threads]
 * </pre>
 */
public final class GemmTimeline {
    private GemmTimeline() {}

    /** One slice: long enough to hold many products at n = 512, short enough to see a change. */
    private static final long SLICE_NANOS = 300_000_000L;

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 512;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        if (n < 1 || n > 8192 || seconds < 1 || threads < 1) {
            throw new IllegalArgumentException("GemmTimeline: need 1 <= n <= 8192, seconds >= 1, threads >= 1; got "
                    + n + ", " + seconds + ", " + threads);
        }
        Parallel.setThreads(threads);
        SplittableRandom rnd = new SplittableRandom(11);
        float[] a = GemmBenchData.random(rnd, n * n);
        float[] b = GemmBenchData.random(rnd, n * n);
        float[] c = new float[n * n];
        double flop = 2.0 * n * n * n;
        System.out.printf("GemmTimeline: %d³, %d thread(s), JDK %s; GFLOP/s per 0.3 s slice:%n",
                n, threads, System.getProperty("java.version"));
        StringBuilder line = new StringBuilder();
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        int slices = 0;
        while (System.nanoTime() < end) {
            long t0 = System.nanoTime();
            int calls = 0;
            long t;
            do {
                Gemm.gemm(false, false, n, n, n, a, 0, n, b, 0, n, c, 0, n, false);
                calls++;
                t = System.nanoTime() - t0;
            } while (t < SLICE_NANOS);
            line.append(String.format("%6.0f", flop * calls / t));
            if (++slices % 10 == 0) {
                System.out.println(line);
                line.setLength(0);
            }
        }
        if (line.length() > 0) {
            System.out.println(line);
        }
    }
}
