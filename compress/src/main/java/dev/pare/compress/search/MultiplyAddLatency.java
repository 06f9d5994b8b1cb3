package dev.pare.compress.search;

/**
 * The simplest latency model: time proportional to multiply-adds, plus a fixed cost per layer
 * piece ({@link Architecture#latencyUnits()}).
 *
 * <pre>
 *   predicted µs = multiplyAdds / macsPerMicro + units · microsPerUnit
 * </pre>
 *
 * <p>Why the second term: a small layer does little arithmetic but still pays for its dispatch,
 * its allocations and a pass over memory, so counting multiply-adds alone ranks a deep thin
 * network as faster than it is. Both rates are placeholders the caller chooses, not a
 * measurement of this machine; a per-layer table measured on Pare's own kernels (FBNet's lookup
 * table, see docs/search.md) predicts better and can replace this class behind
 * {@link LatencyModel}. The prediction is deterministic, which is all the search needs for
 * reproducibility.
 */
public final class MultiplyAddLatency implements LatencyModel {
    private final double macsPerMicro;
    private final double microsPerUnit;

    /**
     * @param macsPerMicro  multiply-adds done per microsecond, > 0
     * @param microsPerUnit fixed cost of each latency unit, µs, >= 0
     */
    public MultiplyAddLatency(double macsPerMicro, double microsPerUnit) {
        if (!(macsPerMicro > 0) || !(microsPerUnit >= 0)) {
            throw new IllegalArgumentException("MultiplyAddLatency: rate " + macsPerMicro + " MAC/µs must be > 0 and "
                    + "per-unit cost " + microsPerUnit + " µs >= 0");
        }
        this.macsPerMicro = macsPerMicro;
        this.microsPerUnit = microsPerUnit;
    }

    @Override
    public double predictMicros(Architecture a) {
        return a.multiplyAdds() / macsPerMicro + a.latencyUnits().size() * microsPerUnit;
    }

    @Override
    public String describe() {
        return "multiply-adds / " + macsPerMicro + " per µs + " + microsPerUnit + " µs per unit";
    }
}
