package dev.pare.compress.search.latency;

import dev.pare.compress.report.LatencyStats;
import dev.pare.compress.search.Architecture;
import dev.pare.compress.search.LatencyUnit;
import dev.pare.nn.Module;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Times the forward pass of a model, or of one {@link LatencyUnit}, the way it will serve:
 * evaluation mode, no autograd graph, a warm-up first ({@link WarmUp}), then repeated timed
 * calls summarised as a median and a p90 ({@link LatencyStats}), all on the thread count of the
 * {@link MeasurementSettings}.
 *
 * <p>The weights and the input are drawn from the settings' seed. No kernel branches on the
 * values, so they do not change the time, with one trap that random normal values avoid:
 * denormal numbers (magnitudes below about 1e-38), which an input of tiny values would produce,
 * are many times slower on most CPUs.
 *
 * <p>Figures are only steady in a JVM whose heap cannot grow: see {@link SteadyHeap}, which this
 * class consults before timing and which logs a warning, once, otherwise.
 *
 * <p>Not thread-safe in a useful sense: two timers running at once share the cores and each
 * measures the other's interference. Time one thing at a time.
 */
public final class ForwardTimer implements LatencyMeter {
    private static final Logger LOG = LoggerFactory.getLogger(ForwardTimer.class);

    private final MeasurementSettings settings;
    private final NanoClock clock;

    private int unsettled;

    /** Something the JIT cannot prove unused, so that it never drops a forward pass as dead code. */
    @SuppressWarnings("unused")
    private volatile float sink;

    /** A timer on the real clock. */
    public ForwardTimer(MeasurementSettings settings) {
        this(settings, NanoClock.SYSTEM);
    }

    /** A timer reading {@code clock}; tests pass a fake one. */
    public ForwardTimer(MeasurementSettings settings, NanoClock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    public MeasurementSettings settings() {
        return settings;
    }

    /**
     * How many of this timer's measurements ended their warm-up at the maximum time without the
     * timings settling: a sign of a busy machine, worth printing next to the figures.
     */
    public synchronized int unsettledWarmUps() {
        return unsettled;
    }

    @Override
    public LatencyStats measure(Architecture architecture, int batch) {
        Module model = architecture.build(new Rng(settings.seed()));
        return time(model, architecture.inputShape(), batch, architecture.encode());
    }

    /**
     * The measured latency of {@code architecture}'s model at every batch size of the settings,
     * in their order; the model is built once.
     */
    public Map<Integer, LatencyStats> measureAll(Architecture architecture) {
        Module model = architecture.build(new Rng(settings.seed()));
        Map<Integer, LatencyStats> out = new LinkedHashMap<>();
        for (int batch : settings.batches()) {
            out.put(batch, time(model, architecture.inputShape(), batch, architecture.encode()));
        }
        return out;
    }

    /**
     * Runs every architecture's model untimed, at every batch size of the settings, in two passes
     * sharing {@code totalMillis} between them, so that the kernels all of them use are compiled
     * before anything is timed.
     *
     * <p>Why, when every timing warms up anyway: the JIT's work is not per model but per kernel,
     * and it is not monotonic. A kernel compiled while one shape ran may be thrown away
     * ("deoptimised") when another shape takes a branch it never saw, and run slowly until it is
     * compiled again; compiling a Vector API kernel with C2 takes a long time on a small machine.
     * A table entry timed during such a phase would be wrong for good, since the table is cached.
     * Running the whole workload first, twice over, lets those recompilations happen before the
     * first entry is timed.
     */
    @SuppressWarnings("try")
    public void prewarm(List<? extends Architecture> architectures, long totalMillis) {
        if (architectures.isEmpty() || totalMillis <= 0) {
            return;
        }
        SteadyHeap.check();
        long each = Math.max(1, totalMillis * 1_000_000L / (2L * architectures.size() * settings.batches().size()));
        int before = Parallel.threads();
        Parallel.setThreads(settings.threads());
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            for (int pass = 0; pass < 2; pass++) {
                for (Architecture a : architectures) {
                    Module model = a.build(new Rng(settings.seed())).eval();
                    for (int batch : settings.batches()) {
                        Tensor x = Tensor.randn(new Rng(settings.seed()), shape(batch, a.inputShape()));
                        long end = clock.nanoTime() + each;
                        do {
                            consume(model.forward(x));
                        } while (clock.nanoTime() < end);
                    }
                }
            }
        } finally {
            Parallel.setThreads(before);
        }
    }

    private static int[] shape(int batch, int[] sampleShape) {
        int[] shape = new int[sampleShape.length + 1];
        shape[0] = batch;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        return shape;
    }

    /** The measured latency of {@code unit} built alone, at batch size {@code batch}. */
    public LatencyStats time(LatencyUnit unit, int batch) {
        return time(unit.build(new Rng(settings.seed())), unit.inputShape(), batch, unit.signature());
    }

    /**
     * Times {@code model.forward(x)} for an input {@code x} of shape {@code [batch, sampleShape...]}.
     *
     * @param what names the model in errors and in the log line about an unsettled warm-up
     * @throws IllegalArgumentException if {@code batch < 1} or a dimension of {@code sampleShape}
     *                                  is not positive
     */
    @SuppressWarnings("try")
    public synchronized LatencyStats time(Module model, int[] sampleShape, int batch, String what) {
        if (batch < 1 || Arrays.stream(sampleShape).anyMatch(d -> d < 1)) {
            throw new IllegalArgumentException("ForwardTimer.time: " + what + ": batch " + batch
                    + " and sample shape " + Arrays.toString(sampleShape) + " must be positive");
        }
        SteadyHeap.check();
        int[] shape = shape(batch, sampleShape);
        Tensor x = Tensor.randn(new Rng(settings.seed() ^ 0x5eedL), shape);
        model.eval();
        int before = Parallel.threads();
        Parallel.setThreads(settings.threads());
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            WarmUp.Outcome warm = WarmUp.run(() -> consume(model.forward(x)), clock,
                    settings.minWarmupMillis() * 1_000_000L, settings.maxWarmupMillis() * 1_000_000L,
                    settings.settleTolerance());
            if (!warm.settled()) {
                unsettled++;
                // Not an error: the figure is still a median, only taken while the machine was busy
                // or the JIT still busy. Worth knowing when a table entry looks odd.
                LOG.debug("{} at batch {}: timings had not settled after {} ms of warm-up ({} calls)", what, batch,
                        warm.nanos() / 1_000_000, warm.calls());
            }
            double[] micros = new double[settings.maxCalls()];
            long budget = settings.timedMillis() * 1_000_000L;
            long start = clock.nanoTime();
            int n = 0;
            while (n < settings.maxCalls()) {
                long t0 = clock.nanoTime();
                Tensor y = model.forward(x);
                long t1 = clock.nanoTime();
                consume(y);
                micros[n++] = (t1 - t0) / 1e3;
                if (n >= settings.minCalls() && t1 - start >= budget) {
                    break;
                }
            }
            return LatencyStats.of(Arrays.copyOf(micros, n));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("ForwardTimer.time: " + what + " failed on an input of shape "
                    + Arrays.toString(shape) + ": " + e.getMessage(), e);
        } finally {
            Parallel.setThreads(before);
        }
    }

    /** Reads one output value, outside the timed interval. */
    private void consume(Tensor y) {
        if (y.numel() > 0) {
            sink = y.get(new int[y.shape().length]);
        }
    }
}
