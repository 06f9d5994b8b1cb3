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
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Times the forward pass of a model, or of one {@link LatencyUnit}, the way it will serve:
 * evaluation mode, no autograd graph, a warm-up first ({@link WarmUp}), then repeated timed
 * calls summarised as a median and a p90 ({@link LatencyStats}), all on the thread count of the
 * {@link MeasurementSettings}.
 *
 * <p>The weights and the input are drawn from the settings' seed: the values do not change the
 * time, but random ones avoid a trap: an all-zero input would make every ReLU output zero, and a
 * denormal-heavy one would slow the floating-point unit down.
 *
 * <p>Not thread-safe in a useful sense: two timers running at once share the cores and each
 * measures the other's interference. Time one thing at a time.
 */
public final class ForwardTimer implements LatencyMeter {
    private static final Logger LOG = LoggerFactory.getLogger(ForwardTimer.class);

    private final MeasurementSettings settings;
    private final NanoClock clock;

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
    public LatencyStats time(Module model, int[] sampleShape, int batch, String what) {
        if (batch < 1 || Arrays.stream(sampleShape).anyMatch(d -> d < 1)) {
            throw new IllegalArgumentException("ForwardTimer.time: " + what + ": batch " + batch
                    + " and sample shape " + Arrays.toString(sampleShape) + " must be positive");
        }
        int[] shape = new int[sampleShape.length + 1];
        shape[0] = batch;
        System.arraycopy(sampleShape, 0, shape, 1, sampleShape.length);
        Tensor x = Tensor.randn(new Rng(settings.seed() ^ 0x5eedL), shape);
        model.eval();
        int before = Parallel.threads();
        Parallel.setThreads(settings.threads());
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            WarmUp.Outcome warm = WarmUp.run(() -> consume(model.forward(x)), clock,
                    settings.minWarmupMillis() * 1_000_000L, settings.maxWarmupMillis() * 1_000_000L,
                    settings.settleTolerance());
            if (!warm.settled()) {
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
