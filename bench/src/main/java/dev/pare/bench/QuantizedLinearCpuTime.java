package dev.pare.bench;

import dev.pare.compress.quantize.Granularity;
import dev.pare.compress.quantize.QuantMode;
import dev.pare.compress.quantize.QuantParams;
import dev.pare.compress.quantize.QuantizedLinear;
import dev.pare.nn.Linear;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * The layers of {@link QuantizedLinearBenchmark}, timed in <em>CPU time</em> and interleaved: a
 * cross-check of its ratios for a machine shared with other jobs, not a replacement for JMH.
 *
 * <p>Why: on 2 cores shared with other processes, JMH's wall-clock times swing by ±100 %
 * between iterations, and since JMH runs one benchmark after the other, a busy minute lands on
 * whichever layer is being measured. Here every round calls fp32, weight-only, dynamic and
 * static once each, one after the other, and charges each call the CPU time that the calling
 * thread and the worker threads of {@link Parallel} used during it, which does not grow while
 * they wait for a core. (The process CPU time would include GC and JIT, but the JDK reads it in
 * 10 ms steps.) Medians over the rounds, with the quartiles. What it cannot remove: caches and memory
 * bandwidth shared with the other jobs.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Dpare.threads=1 -cp bench/target/benchmarks.jar \
 *     dev.pare.bench.QuantizedLinearCpuTime [rounds] [shape ...]
 * </pre>
 * Shapes as in the JMH benchmark ({@code batch x out x in}); default 200 rounds, batch 256 on
 * 256×784 and 1024×1024.
 */
public final class QuantizedLinearCpuTime {
    private QuantizedLinearCpuTime() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        String[] shapes = args.length > 1 ? Arrays.copyOfRange(args, 1, args.length)
                : new String[] {"256x256x784", "256x1024x1024"};
        System.out.println("CPU time per forward call (µs, " + Parallel.threads() + " thread(s)), median [p25, p75];"
                + " ratio = fp32 median / this median");
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            for (String shape : shapes) {
                String[] p = shape.split("x");
                int batch = Integer.parseInt(p[0]);
                int out = Integer.parseInt(p[1]);
                int in = Integer.parseInt(p[2]);
                Linear fp32 = new Linear(in, out, new Rng(1));
                Tensor x = Tensor.randn(new Rng(2), batch, in);
                float[] xd = x.toArray();
                float lo = 0;
                float hi = 0;
                for (float v : xd) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
                QuantizedLinear weightOnly = QuantizedLinear.from(fp32, QuantMode.WEIGHT_ONLY, Granularity.PER_CHANNEL, null);
                QuantizedLinear dynamic = QuantizedLinear.from(fp32, QuantMode.DYNAMIC, Granularity.PER_CHANNEL, null);
                QuantizedLinear statik = QuantizedLinear.from(fp32, QuantMode.STATIC, Granularity.PER_CHANNEL,
                        QuantParams.affine(lo, hi));
                String[] names = {"fp32Linear", "int8WeightOnly", "int8Dynamic", "int8Static"};
                @SuppressWarnings("unchecked")
                Supplier<Tensor>[] calls = new Supplier[] {
                    () -> fp32.forward(x), () -> weightOnly.forward(x), () -> dynamic.forward(x), () -> statik.forward(x)};
                long[][] nanos = new long[calls.length][rounds];
                for (int r = -rounds / 4; r < rounds; r++) {   // the first quarter warms up
                    long[] threads = computeThreads();
                    for (int i = 0; i < calls.length; i++) {
                        long t0 = cpuTime(threads);
                        calls[i].get();
                        long t = cpuTime(threads) - t0;
                        if (r >= 0) {
                            nanos[i][r] = t;
                        }
                    }
                }
                double fp32Median = 0;
                for (int i = 0; i < calls.length; i++) {
                    Arrays.sort(nanos[i]);
                    double median = nanos[i][rounds / 2] / 1e3;
                    fp32Median = i == 0 ? median : fp32Median;
                    System.out.printf("%-14s %-15s %9.1f [%9.1f, %9.1f]   ratio %.2f%n", shape, names[i], median,
                            nanos[i][rounds / 4] / 1e3, nanos[i][3 * rounds / 4] / 1e3, fp32Median / median);
                }
            }
        }
    }

    /** This thread and the workers that {@link Parallel} runs chunks on (their polling between chunks counts too). */
    private static long[] computeThreads() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        return Arrays.stream(mx.getThreadInfo(mx.getAllThreadIds()))
                .filter(t -> t != null && (t.getThreadId() == self || t.getThreadName().startsWith("pare-worker-")))
                .mapToLong(ThreadInfo::getThreadId).toArray();
    }

    private static long cpuTime(long[] threads) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long id : threads) {
            sum += Math.max(0, mx.getThreadCpuTime(id));   // −1 once a thread has ended
        }
        return sum;
    }
}
