package dev.pare.compress.search;

import dev.pare.nn.data.TensorDataset;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The search that {@link SearchKillResumeTest} starts in child JVMs: aging evolution over the MLP
 * space, each candidate really trained ({@link TrainingEvaluator}) on seeded synthetic images,
 * with an evaluation budget, so that the whole path is decided by the seed.
 *
 * <pre>
 * SearchKillChild plain   STATE OUT   # uninterrupted, no state file
 * SearchKillChild killed  STATE OUT   # saves its state, pauses after trial 3 (to be killed in the pause)
 * SearchKillChild resume  STATE OUT   # resumes from STATE
 * </pre>
 * It prints {@code trial <index>} after every new trial (once its state is on disk), and
 * {@code done <replayed>} once OUT holds the trials: every field but the wall time.
 */
public final class SearchKillChild {
    static final int BUDGET = 8;
    /** The index of the trial after which the parent kills the "killed" child. */
    static final int KILL_AFTER = 3;

    private SearchKillChild() {}

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Path state = Path.of(args[1]);
        Path out = Path.of(args[2]);
        Parallel.setThreads(1); // the same thread count in every child

        Rng data = new Rng(41);
        int n = 160;
        Tensor x = Tensor.randn(data, n, 1, 28, 28);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 10;
            // A class-dependent bright pixel: something for a few steps of training to learn.
            x.set(x.get(i, 0, y[i], y[i]) + 3f, i, 0, y[i], y[i]);
        }
        TensorDataset all = new TensorDataset(x, y);
        TrainingEvaluator evaluator = new TrainingEvaluator(TrainingEvaluator.slice(all, 0, 96),
                TrainingEvaluator.slice(all, 96, 64), 1, 16, 0.1);
        boolean slow = mode.equals("killed");
        Search.Builder b = Search.builder(new MlpSpace(), SearchStrategy.named("evolution"), evaluator)
                .latency(SearchTest.FIXED_RATES).budget(new Budget(BUDGET, false)).seed(5)
                .listener((t, replayed, s) -> {
                    if (!replayed) {
                        System.out.println("trial " + t.index());
                        System.out.flush();
                    }
                    if (slow) {
                        try {
                            // The parent kills this child once it reads "trial 3": a long pause then
                            // makes sure the kill lands before the search ends, however busy the
                            // machine (a pause of a second was not enough under a load of 18).
                            Thread.sleep(t.index() >= KILL_AFTER ? 60_000 : 100);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                });
        if (!mode.equals("plain")) {
            b.stateFile(state).resume(mode.equals("resume"));
        }
        Search.Result r = b.build().run();
        List<String> lines = new ArrayList<>();
        for (Trial t : r.trials()) {
            String row = t.csvRow();
            lines.add(row.substring(0, row.lastIndexOf(','))); // all but the wall time
        }
        Files.write(out, lines, StandardCharsets.UTF_8);
        System.out.println("done " + r.replayed());
    }
}
