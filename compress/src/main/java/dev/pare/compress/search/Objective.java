package dev.pare.compress.search;

/**
 * What the search optimises: accuracy, optionally traded against latency (MnasNet's soft
 * target), within optional hard limits on latency and bytes.
 *
 * <p>The fitness of a trial is
 * <pre>
 *   fitness = accuracy · (latency / target)^w    with w = −0.07 when latency &gt; target, 0 otherwise
 * </pre>
 * without a target it is the accuracy itself. MnasNet's exponent (Tan et al., 2019, section 3):
 * a model twice as slow as the target must be about 5% more accurate (2^0.07 ≈ 1.05) to rank
 * equal; faster than the target earns nothing, so the search does not trade accuracy for speed it
 * was not asked for. The hard limits act before training: a candidate over them is never
 * evaluated. The latency used is the <em>predicted</em> one, so the ranking is reproducible.
 *
 * @param maxLatencyMicros    hard limit on predicted batch-1 latency, µs; 0 for none
 * @param maxBytes            hard limit on the model's bytes; 0 for none
 * @param targetLatencyMicros MnasNet's soft target, µs; 0 for none
 */
public record Objective(double maxLatencyMicros, long maxBytes, double targetLatencyMicros) {
    /** MnasNet's exponent for models slower than the target. */
    static final double SLOWER_EXPONENT = -0.07;

    public Objective {
        if (!(maxLatencyMicros >= 0) || maxBytes < 0 || !(targetLatencyMicros >= 0)) {
            throw new IllegalArgumentException("Objective: limits " + maxLatencyMicros + " µs, " + maxBytes
                    + " bytes and target " + targetLatencyMicros + " µs must be >= 0 (0 means none)");
        }
    }

    /** Accuracy alone, no limits. */
    public static Objective accuracy() {
        return new Objective(0, 0, 0);
    }

    /** Whether a candidate with this predicted latency and size may be evaluated at all. */
    public boolean admits(double predictedMicros, long bytes) {
        return (maxLatencyMicros == 0 || predictedMicros <= maxLatencyMicros) && (maxBytes == 0 || bytes <= maxBytes);
    }

    /** The value the strategies maximise. */
    public double fitness(Trial t) {
        if (targetLatencyMicros == 0 || t.predictedMicros() <= targetLatencyMicros) {
            return t.accuracy();
        }
        return t.accuracy() * Math.pow(t.predictedMicros() / targetLatencyMicros, SLOWER_EXPONENT);
    }

    /** The settings, for the state file and the log. */
    public String describe() {
        return "max-latency " + maxLatencyMicros + " µs, max-bytes " + maxBytes + ", target " + targetLatencyMicros + " µs";
    }
}
