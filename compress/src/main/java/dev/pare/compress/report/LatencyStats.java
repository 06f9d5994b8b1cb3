package dev.pare.compress.report;

import dev.pare.nn.Module;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Tensor;
import java.util.Arrays;
import java.util.List;

/**
 * How long one forward pass takes: the median and the 90th percentile of many timed calls, in
 * microseconds.
 *
 * <p>Why these two and not the mean: on a shared machine a few calls are slowed down by
 * something else (another process, a GC pause), and a mean would report them as the model's
 * speed. The median is the typical call; p90 says how bad the slow tail gets. Numbers from one
 * run compare variants with each other; JMH (module bench) gives the error bars.
 *
 * <p>Before timing, the model runs untimed for a warm-up period: C2 compiles the kernels only
 * after thousands of loop iterations, and the first variant measured would otherwise look many
 * times slower than an identical one measured after it.
 *
 * @param medianMicros the median time of one call, µs
 * @param p90Micros    the 90th percentile (nearest rank), µs
 * @param calls        how many calls were timed
 */
public record LatencyStats(double medianMicros, double p90Micros, int calls) {

    /**
     * Times {@code model.forward(x)} in evaluation mode without a graph: untimed calls for at least
     * {@code warmupMillis} (and at least 10), then {@code calls} timed ones.
     */
    @SuppressWarnings("try")
    public static LatencyStats measure(Module model, Tensor x, long warmupMillis, int calls) {
        if (calls < 1 || warmupMillis < 0) {
            throw new IllegalArgumentException("LatencyStats.measure: calls = " + calls + " must be >= 1 and warm-up "
                    + warmupMillis + " ms >= 0");
        }
        model.eval();
        double[] micros = new double[calls];
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            long warmEnd = System.nanoTime() + warmupMillis * 1_000_000L;
            for (int i = 0; i < 10 || System.nanoTime() < warmEnd; i++) {
                model.forward(x);
            }
            for (int i = 0; i < calls; i++) {
                long t0 = System.nanoTime();
                model.forward(x);
                micros[i] = (System.nanoTime() - t0) / 1e3;
            }
        }
        return of(micros);
    }

    /**
     * Runs each model on each of its inputs untimed, the models in turns, two passes over all of
     * them, {@code millisEach} per model and input and pass, in evaluation mode without a graph.
     *
     * <p>Why, before timing several models one after another: each model's own warm-up
     * ({@link #measure}) is not enough. The kernels are compiled for the shapes and layer kinds
     * the models run so far showed them; a new model takes other branches, the JIT throws the
     * compiled code away and compiles it again, and a model timed just then is timed while that
     * happens, much slower than it runs. Once every model has run, the compiled code has seen them
     * all.
     *
     * @param inputs {@code inputs.get(i)}: the inputs of {@code models.get(i)}
     */
    @SuppressWarnings("try")
    public static void prewarmInTurns(List<? extends Module> models, List<? extends List<Tensor>> inputs, long millisEach) {
        if (models.size() != inputs.size()) {
            throw new IllegalArgumentException("LatencyStats.prewarmInTurns: " + models.size() + " models but "
                    + inputs.size() + " lists of inputs");
        }
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            for (int pass = 0; pass < 2; pass++) {
                for (int i = 0; i < models.size(); i++) {
                    Module m = models.get(i);
                    m.eval();
                    for (Tensor x : inputs.get(i)) {
                        long end = System.nanoTime() + millisEach * 1_000_000L;
                        do {
                            m.forward(x);
                        } while (System.nanoTime() < end);
                    }
                }
            }
        }
    }

    /** The statistics of already measured times (µs); the array is sorted in place. */
    public static LatencyStats of(double[] micros) {
        if (micros.length == 0) {
            throw new IllegalArgumentException("LatencyStats.of: no times");
        }
        Arrays.sort(micros);
        int n = micros.length;
        double median = n % 2 == 1 ? micros[n / 2] : (micros[n / 2 - 1] + micros[n / 2]) / 2;
        // Nearest rank: the smallest time at or below which at least 90% of the calls finished.
        double p90 = micros[(int) Math.ceil(0.9 * n) - 1];
        return new LatencyStats(median, p90, n);
    }
}
