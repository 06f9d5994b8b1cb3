package dev.pare.bench;

import dev.pare.nn.Module;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.optim.SGD;
import dev.pare.samples.FashionModels;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.util.Arrays;

/**
 * The distribution of single training steps of a CNN at batch 128 ({@code CnnBenchmark.trainStep}'s
 * step: forward, cross-entropy, backward, Nesterov SGD), for comparing two builds on a shared
 * machine, where a neighbour's memory traffic moves a JMH mean between forks by more than the
 * change being measured.
 *
 * <p>It warms the step for a fixed time (C2 compiles a whole model's step in seconds, not in a
 * few calls), then times each of {@code steps} steps and prints the fastest, the first quartile
 * and the median: a disturbance makes some steps slower and none faster, so the low quantiles of
 * two builds run one after the other compare their code more than their luck. It prints the
 * mean too, which like JMH's average includes the garbage collector's pauses.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.pare.bench.CnnStepTimes [threads] [mobilenet|small] [steps] [warm-up seconds]
 * </pre>
 */
public final class CnnStepTimes {
    private CnnStepTimes() {}

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        String arch = args.length > 1 ? args[1] : "mobilenet";
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 150;
        double warmUp = args.length > 3 ? Double.parseDouble(args[3]) : 8;
        if (!arch.equals("mobilenet") && !arch.equals("small")) {
            throw new IllegalArgumentException("CnnStepTimes: unknown model '" + arch + "': mobilenet or small");
        }
        if (threads < 1 || steps < 1 || !(warmUp >= 0)) {
            throw new IllegalArgumentException("CnnStepTimes: need threads >= 1, steps >= 1, warm-up >= 0 s; got "
                    + threads + ", " + steps + ", " + warmUp);
        }
        Parallel.setThreads(threads);
        Rng rng = new Rng(42);
        Module model = arch.equals("small") ? FashionModels.smallCnn(rng) : FashionModels.mobileNet(rng);
        SGD sgd = new SGD(model.parameters(), 0.05, 0.9, 0, true, 5e-4);
        CrossEntropyLoss loss = new CrossEntropyLoss();
        Tensor x = Tensor.randn(rng, 128, 1, 28, 28);
        float[] y = new float[128];
        for (int i = 0; i < y.length; i++) {
            y[i] = rng.nextInt(10);
        }
        Tensor labels = Tensor.fromArray(y);
        model.train();
        long end = System.nanoTime() + (long) (warmUp * 1e9);
        while (System.nanoTime() < end) {
            step(model, sgd, loss, x, labels);
        }
        long[] t = new long[steps];
        for (int i = 0; i < steps; i++) {
            long t0 = System.nanoTime();
            step(model, sgd, loss, x, labels);
            t[i] = System.nanoTime() - t0;
        }
        double mean = Arrays.stream(t).average().orElse(0);
        Arrays.sort(t);
        System.out.printf("%s, batch 128, %d thread(s), %d steps after %.0f s of warm-up: fastest %.2f, "
                + "first quartile %.2f, median %.2f, mean %.2f ms%n", arch, threads, steps, warmUp, t[0] / 1e6,
                t[steps / 4] / 1e6, t[steps / 2] / 1e6, mean / 1e6);
    }

    private static void step(Module model, SGD sgd, CrossEntropyLoss loss, Tensor x, Tensor labels) {
        sgd.zeroGrad();
        loss.apply(model.forward(x), labels).backward();
        sgd.step();
    }
}
