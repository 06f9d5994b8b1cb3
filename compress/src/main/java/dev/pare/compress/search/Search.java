package dev.pare.compress.search;

import dev.pare.compress.search.latency.LatencyMeter;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One architecture search: a space, a strategy, an evaluator, a latency model, an objective and a
 * budget, run from a seed, with its state saved after every evaluation.
 *
 * <pre>{@code
 * Search.Result r = Search.builder(new MobileNetSpace(), SearchStrategy.named("evolution"), evaluator)
 *         .latency(LatencyModel.of(LatencyTable.forThisMachine(settings), "latency table"))
 *         .budget(Budget.parse("50"))
 *         .seed(0)
 *         .stateFile(dir.resolve("search-state.txt"))
 *         .build()
 *         .run();
 * }</pre>
 *
 * <p><b>Reproducible.</b> The strategy draws from {@code new Rng(seed)}; each evaluation trains
 * with a seed mixed from the search seed and the architecture's encoding (so an architecture
 * gets the same initial weights whichever strategy proposes it, and at whatever point). The same
 * seed and thread count therefore give the same trials, with an evaluation budget.
 *
 * <p><b>Resumable.</b> With a state file and {@code resume}, the strategy is rerun from the
 * start and the saved trials answer its first evaluations (see {@link SearchContext}); the
 * settings in the file must match this search's, except the budget, which may grow.
 */
public final class Search {
    /** Told about every trial, replayed or new, with the search's status after it. */
    public interface Listener {
        void onTrial(Trial trial, boolean replayed, Status status);
    }

    /**
     * The search after a trial.
     *
     * @param used         evaluations (in fidelity units) or seconds spent so far
     * @param budget       the budget
     * @param best         the trial of highest fitness so far
     * @param bestFitness  its fitness
     * @param frontierSize how many architectures are on the accuracy–latency frontier
     */
    public record Status(double used, Budget budget, Trial best, double bestFitness, int frontierSize) {
        /** The fraction of the budget spent, in [0, 1]. */
        public double fraction() {
            return Math.min(1, used / budget.amount());
        }
    }

    /**
     * What a search produced.
     *
     * @param trials     every evaluation, in order
     * @param replayed   how many of them came from the state file
     * @param stopReason why the search stopped
     */
    public record Result(List<Trial> trials, int replayed, String stopReason) {}

    /** What the context asks of the search; an interface so the context never sees the evaluator. */
    interface Step {
        double predictMicros(Architecture a);

        void replayed(Trial t);

        Trial evaluate(Architecture a, int fidelity, int index);
    }

    private final SearchSpace space;
    private final SearchStrategy strategy;
    private final Evaluator evaluator;
    private final LatencyModel latency;
    private final LatencyMeter meter;
    private final Objective objective;
    private final Budget budget;
    private final long seed;
    private final Path stateFile;
    private final boolean resume;
    private final Listener listener;

    private Search(Builder b) {
        this.space = b.space;
        this.strategy = b.strategy;
        this.evaluator = b.evaluator;
        this.latency = b.latency;
        this.meter = b.meter;
        this.objective = b.objective;
        this.budget = b.budget;
        this.seed = b.seed;
        this.stateFile = b.stateFile;
        this.resume = b.resume;
        this.listener = b.listener;
    }

    public static Builder builder(SearchSpace space, SearchStrategy strategy, Evaluator evaluator) {
        return new Builder(space, strategy, evaluator);
    }

    /**
     * The settings that decide the search's path, as saved in the state file. The thread count is
     * one of them: Pare's kernels sum in a different order on another count, so training, and the
     * path, can differ in the last bits.
     */
    public Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("space", space.name());
        s.put("strategy", strategy.describe());
        s.put("seed", Long.toString(seed));
        s.put("threads", Integer.toString(Parallel.threads()));
        s.put("evaluator", evaluator.describe());
        s.put("latency", latency.describe());
        s.put("objective", objective.describe());
        return s;
    }

    /**
     * Runs the search until the budget is spent (or the space is exhausted).
     *
     * @throws SearchStateException if the state file is unreadable, or belongs to another search
     * @throws IOException          if the state cannot be saved
     */
    public Result run() throws IOException {
        List<Trial> saved = List.of();
        Map<String, String> settings = settings();
        if (stateFile != null && Files.exists(stateFile)) {
            if (!resume) {
                throw new SearchStateException(stateFile + " exists: resume it (--resume) or choose another place; "
                        + "a new search would overwrite it");
            }
            SearchState state = SearchState.load(stateFile);
            String difference = state.difference(settings);
            if (difference != null) {
                throw new SearchStateException(stateFile + ": cannot resume: " + difference);
            }
            saved = state.trials();
        }
        List<Trial> trials = new ArrayList<>();
        double[] used = {0};
        Step step = new Step() {
            @Override
            public double predictMicros(Architecture a) {
                return latency.predictMicros(a);
            }

            @Override
            public void replayed(Trial t) {
                used[0] += budget.timed() ? t.seconds() : t.fidelity();
                trials.add(t);
                listener.onTrial(t, true, status(trials, used[0]));
            }

            @Override
            public Trial evaluate(Architecture a, int fidelity, int index) {
                if (!budget.allows(used[0], fidelity)) {
                    throw new SearchContext.Stop("budget of " + budget + (budget.timed() ? "" : " evaluations") + " spent");
                }
                // The clock covers the prediction and the measurement too: a latency table measures
                // its missing entries on first use, and a time budget must pay for that.
                long t0 = System.nanoTime();
                double accuracy = evaluator.accuracy(a, fidelity, evaluationSeed(seed, a));
                double predicted = latency.predictMicros(a);
                double measured = meter == null ? Double.NaN : meter.measure(a, 1).medianMicros();
                double seconds = (System.nanoTime() - t0) / 1e9;
                Trial t = new Trial(index, a.encode(), fidelity, accuracy, a.parameters(), a.multiplyAdds(), bytes(a),
                        predicted, measured, seconds);
                used[0] += budget.timed() ? seconds : fidelity;
                trials.add(t);
                if (stateFile != null) {
                    try {
                        new SearchState(settings, trials).save(stateFile);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                listener.onTrial(t, false, status(trials, used[0]));
                return t;
            }
        };
        SearchContext ctx = new SearchContext(space, objective, saved, step);
        String reason;
        try {
            strategy.run(ctx, new Rng(seed));
            reason = "the strategy finished";
        } catch (SearchContext.Stop stop) {
            reason = stop.getMessage();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        if (trials.size() < saved.size()) {
            throw new SearchStateException(stateFile + ": holds " + saved.size() + " trials but the search replayed only "
                    + trials.size() + " of them before it stopped");
        }
        return new Result(List.copyOf(trials), saved.size(), reason);
    }

    private Status status(List<Trial> trials, double used) {
        Trial best = null;
        for (Trial t : trials) {
            if (best == null || objective.fitness(t) > objective.fitness(best)) {
                best = t;
            }
        }
        return new Status(used, budget, best, objective.fitness(best), SearchFrontier.latency(trials).size());
    }

    /**
     * The training seed of {@code a}: the search seed mixed with the encoding's hash (SplitMix64's
     * finaliser, so that neighbouring encodings get unrelated seeds).
     */
    static long evaluationSeed(long seed, Architecture a) {
        long z = seed + 0x9E3779B97F4A7C15L * (a.encode().hashCode() + 1L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The bytes of {@code a}'s float32 state: every parameter and buffer, 4 bytes an element.
     * Counted without building for the two known spaces (the strategies ask for every draw);
     * any other architecture is built once to count.
     */
    public static long bytes(Architecture a) {
        if (a instanceof MobileNetArchitecture m) {
            return m.stateBytes();
        }
        if (a instanceof MlpArchitecture m) {
            return m.stateBytes();
        }
        long n = 0;
        for (Tensor t : a.build(new Rng(0)).stateDict().values()) {
            n += t.numel();
        }
        return 4 * n;
    }

    /**
     * Settings of a {@link Search}; space, strategy, evaluator and latency model are required, the
     * rest have defaults. There is no default latency model: any fixed rate would be a guess about
     * a machine the code has never seen.
     */
    public static final class Builder {
        private final SearchSpace space;
        private final SearchStrategy strategy;
        private final Evaluator evaluator;
        private LatencyModel latency;
        private LatencyMeter meter;
        private Objective objective = Objective.accuracy();
        private Budget budget = new Budget(50, false);
        private long seed;
        private Path stateFile;
        private boolean resume;
        private Listener listener = (t, replayed, s) -> {};

        private Builder(SearchSpace space, SearchStrategy strategy, Evaluator evaluator) {
            if (space == null || strategy == null || evaluator == null) {
                throw new IllegalArgumentException("Search: space, strategy and evaluator must not be null");
            }
            this.space = space;
            this.strategy = strategy;
            this.evaluator = evaluator;
        }

        /**
         * The latency model that predicts, filters and ranks: a per-machine table
         * ({@link LatencyModel#of}) or a multiply-add proxy fitted to one
         * ({@link MultiplyAddLatency#fittedTo}). Required.
         */
        public Builder latency(LatencyModel latency) {
            this.latency = latency;
            return this;
        }

        /**
         * Measures each evaluated architecture's batch-1 latency for the report, e.g. a
         * {@link dev.pare.compress.search.latency.ForwardTimer} (default: not measured).
         */
        public Builder meter(LatencyMeter meter) {
            this.meter = meter;
            return this;
        }

        public Builder objective(Objective objective) {
            this.objective = objective;
            return this;
        }

        public Builder budget(Budget budget) {
            this.budget = budget;
            return this;
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Where the state is saved after every evaluation (default: nowhere). */
        public Builder stateFile(Path stateFile) {
            this.stateFile = stateFile;
            return this;
        }

        /** Continue from the state file if it exists (default: refuse to overwrite it). */
        public Builder resume(boolean resume) {
            this.resume = resume;
            return this;
        }

        public Builder listener(Listener listener) {
            this.listener = listener;
            return this;
        }

        public Search build() {
            if (latency == null) {
                throw new IllegalArgumentException("Search: no latency model; give one with latency(...): a table "
                        + "(LatencyModel.of(LatencyTable.forThisMachine(settings), ...)) or MultiplyAddLatency.fittedTo(...)");
            }
            if (objective == null || budget == null || listener == null) {
                throw new IllegalArgumentException("Search: objective, budget and listener must not be null");
            }
            return new Search(this);
        }
    }
}
