package dev.pare.compress.search.latency;

import dev.pare.tensor.parallel.Parallel;
import java.util.List;

/**
 * How a latency is measured: at which batch sizes, on how many threads, with how much warm-up,
 * and over how many timed calls.
 *
 * <p>The timed phase runs at least {@code minCalls} calls, then stops at {@code maxCalls} or once
 * {@code timedMillis} have passed, whichever comes first: a batch-256 call of a wide model can
 * take a large part of a second, and a fixed number of calls sized for batch 1 would then take
 * minutes.
 *
 * @param batches          the batch sizes a {@link LatencyTable} or a full measurement covers,
 *                         each at least 1 (by default 1, the latency a user waits for, and 256,
 *                         which shows throughput)
 * @param threads          the number of kernel threads ({@link Parallel#setThreads}) during the
 *                         timing; the previous count is restored afterwards
 * @param minWarmupMillis  untimed calls run at least this long (see {@link WarmUp} for why)
 * @param maxWarmupMillis  and at most this long, even if the timings never settle (a busy machine)
 * @param settleTolerance  the warm-up ends when two successive rounds' medians differ by at most
 *                         this fraction
 * @param minCalls         timed calls at least
 * @param maxCalls         timed calls at most
 * @param timedMillis      the timed phase stops after this long once {@code minCalls} are done
 * @param seed             seeds the weights and the input; latency does not depend on the values
 *                         (no kernel branches on them), but the same seed keeps runs repeatable
 */
public record MeasurementSettings(List<Integer> batches, int threads, long minWarmupMillis, long maxWarmupMillis,
                                  double settleTolerance, int minCalls, int maxCalls, long timedMillis, long seed) {

    public MeasurementSettings {
        batches = List.copyOf(batches);
        StringBuilder bad = new StringBuilder();
        if (batches.isEmpty()) {
            bad.append("; no batch sizes");
        }
        for (int b : batches) {
            if (b < 1) {
                bad.append("; batch size ").append(b).append(" < 1");
            }
        }
        if (batches.stream().distinct().count() != batches.size()) {
            bad.append("; batch sizes ").append(batches).append(" repeat");
        }
        if (threads < 1) {
            bad.append("; threads ").append(threads).append(" < 1");
        }
        if (minWarmupMillis < 0 || maxWarmupMillis < minWarmupMillis) {
            bad.append("; warm-up ").append(minWarmupMillis).append("..").append(maxWarmupMillis)
                    .append(" ms is not a range of non-negative times");
        }
        if (!(settleTolerance > 0 && settleTolerance < 1)) {
            bad.append("; settle tolerance ").append(settleTolerance).append(" is not in (0, 1)");
        }
        if (minCalls < 1 || maxCalls < minCalls) {
            bad.append("; timed calls ").append(minCalls).append("..").append(maxCalls)
                    .append(" is not a range of positive counts");
        }
        if (timedMillis < 0) {
            bad.append("; timed phase ").append(timedMillis).append(" ms < 0");
        }
        if (bad.length() > 0) {
            throw new IllegalArgumentException("MeasurementSettings:" + bad.substring(1));
        }
    }

    /**
     * Batch 1 and 256 on the current thread count; warm-up between 0.5 and 5 s, settled at 5%;
     * 10 to 500 timed calls within 2 s; seed 0. Careful figures, for the final models of a search
     * and for the docs.
     */
    public static MeasurementSettings defaults() {
        return new MeasurementSettings(List.of(1, 256), Parallel.threads(), 500, 5000, 0.05, 10, 500, 2000, 0);
    }

    /**
     * Like {@link #defaults()} with a shorter warm-up (0.2 to 2 s) and timed phase (10 to 200
     * calls within 0.3 s): for filling a latency table with dozens of units, where each entry is
     * one term of a sum and a few percent of noise in it matters little.
     */
    public static MeasurementSettings quick() {
        return new MeasurementSettings(List.of(1, 256), Parallel.threads(), 200, 2000, 0.05, 10, 200, 300, 0);
    }

    /** The same settings at other batch sizes. */
    public MeasurementSettings withBatches(Integer... sizes) {
        return new MeasurementSettings(List.of(sizes), threads, minWarmupMillis, maxWarmupMillis, settleTolerance,
                minCalls, maxCalls, timedMillis, seed);
    }

    /** The same settings on another thread count. */
    public MeasurementSettings withThreads(int n) {
        return new MeasurementSettings(batches, n, minWarmupMillis, maxWarmupMillis, settleTolerance, minCalls,
                maxCalls, timedMillis, seed);
    }
}
