package dev.pare.compress.search;

import dev.pare.compress.search.latency.LatencyPredictor;
import dev.pare.tensor.Rng;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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
 * network as faster than it is.
 *
 * <p><b>Where the two rates come from.</b> Not from a guess: {@link #fittedTo} fits them to a
 * per-machine latency table's predictions for a fixed, seeded sample of the space
 * ({@value #CALIBRATION_ARCHITECTURES} architectures), so the model speaks this machine's
 * microseconds and needs only those architectures' table entries (measured once, then cached).
 * It is a coarser ranking than the table itself (it cannot see that a depthwise layer runs far
 * below the GEMM rate), but it never measures anything once fitted, and it is deterministic for
 * a given table file, which a reproducible search needs. The constructor takes explicit rates
 * for tests, which need a model that measures nothing.
 */
public final class MultiplyAddLatency implements LatencyModel {
    /** How many architectures of the space the rates are fitted to: enough to span its range of costs. */
    public static final int CALIBRATION_ARCHITECTURES = 12;
    /** The seed that draws them; fixed, so that the same table gives the same rates in every run. */
    static final long CALIBRATION_SEED = 20261206L;

    private final double macsPerMicro;
    private final double microsPerUnit;
    private final String source;

    /**
     * Explicit rates (for tests, or rates the caller measured).
     *
     * @param macsPerMicro  multiply-adds done per microsecond, > 0 and finite
     * @param microsPerUnit fixed cost of each latency unit, µs, >= 0 and finite
     */
    public MultiplyAddLatency(double macsPerMicro, double microsPerUnit) {
        this(macsPerMicro, microsPerUnit, "given");
    }

    private MultiplyAddLatency(double macsPerMicro, double microsPerUnit, String source) {
        if (!(macsPerMicro > 0) || !(microsPerUnit >= 0) || Double.isInfinite(macsPerMicro)
                || Double.isInfinite(microsPerUnit)) {
            throw new IllegalArgumentException("MultiplyAddLatency: rate " + macsPerMicro + " MAC/µs must be > 0 and "
                    + "per-unit cost " + microsPerUnit + " µs >= 0, both finite");
        }
        this.macsPerMicro = macsPerMicro;
        this.microsPerUnit = microsPerUnit;
        this.source = source;
    }

    /**
     * The rates that best reproduce {@code table}'s batch-1 predictions for
     * {@value #CALIBRATION_ARCHITECTURES} architectures drawn from {@code space} with a fixed
     * seed. Least squares on <em>relative</em> errors (each architecture weighted by 1/t²), so the
     * slowest architectures do not decide the fit alone:
     * <pre>
     *   minimise Σ_i ((t_i − a·m_i − b·u_i) / t_i)²   over a &gt; 0, b ≥ 0;   macsPerMicro = 1/a, microsPerUnit = b
     * </pre>
     * with t_i the table's prediction, m_i the multiply-adds and u_i the number of units. If the
     * unconstrained optimum has b &lt; 0, b is 0 and a is refitted alone.
     *
     * @param tableName named in {@link #describe()}, e.g. the table's machine id
     * @throws IllegalStateException if the sample's latencies cannot be explained by a positive
     *                               multiply-add rate (for instance all equal multiply-adds)
     */
    public static MultiplyAddLatency fittedTo(SearchSpace space, LatencyPredictor table, String tableName) {
        Rng rng = new Rng(CALIBRATION_SEED);
        List<Architecture> sample = new ArrayList<>();
        for (int i = 0; i < CALIBRATION_ARCHITECTURES; i++) {
            sample.add(space.sample(rng));
        }
        double[] t = new double[sample.size()];
        double[] m = new double[sample.size()];
        double[] u = new double[sample.size()];
        for (int i = 0; i < sample.size(); i++) {
            t[i] = table.predictMicros(sample.get(i), 1);
            m[i] = sample.get(i).multiplyAdds();
            u[i] = sample.get(i).latencyUnits().size();
        }
        double[] ab = fit(t, m, u);
        if (!(ab[0] > 0)) {
            throw new IllegalStateException("MultiplyAddLatency: the latency table's predictions for "
                    + sample.size() + " " + space.name() + " architectures are not explained by a positive rate of "
                    + "multiply-adds; use the table itself (--latency table)");
        }
        return new MultiplyAddLatency(1 / ab[0], ab[1], String.format(Locale.ROOT, "fitted to %d %s architectures of %s",
                sample.size(), space.name(), tableName));
    }

    /** The weighted least-squares {a, b} of the class comment; package-private for its test. */
    static double[] fit(double[] t, double[] m, double[] u) {
        double smm = 0;
        double smu = 0;
        double suu = 0;
        double smt = 0;
        double sut = 0;
        for (int i = 0; i < t.length; i++) {
            if (!(t[i] > 0)) {
                throw new IllegalArgumentException("MultiplyAddLatency.fit: latency " + t[i] + " µs of sample " + i
                        + " is not positive");
            }
            double w = 1 / (t[i] * t[i]);
            smm += w * m[i] * m[i];
            smu += w * m[i] * u[i];
            suu += w * u[i] * u[i];
            smt += w * m[i] * t[i];
            sut += w * u[i] * t[i];
        }
        double det = smm * suu - smu * smu;
        // A (nearly) singular system: multiply-adds proportional to units across the sample.
        if (Math.abs(det) > 1e-12 * smm * suu) {
            double a = (smt * suu - sut * smu) / det;
            double b = (smm * sut - smu * smt) / det;
            if (a > 0 && b >= 0) {
                return new double[] {a, b};
            }
        }
        return new double[] {smm > 0 ? smt / smm : Double.NaN, 0};
    }

    /** Multiply-adds per microsecond. */
    public double macsPerMicro() {
        return macsPerMicro;
    }

    /** Fixed microseconds per latency unit. */
    public double microsPerUnit() {
        return microsPerUnit;
    }

    @Override
    public double predictMicros(Architecture a) {
        return a.multiplyAdds() / macsPerMicro + a.latencyUnits().size() * microsPerUnit;
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "multiply-adds / %.6g per µs + %.6g µs per unit (%s)", macsPerMicro,
                microsPerUnit, source);
    }
}
