package dev.pare.compress.prune;

import dev.pare.nn.Module;
import java.util.Iterator;
import java.util.List;

/**
 * Gradual magnitude pruning interleaved with training: before optimizer step t, if the
 * {@link GradualSchedule} prunes at t, the chosen parameters are pruned to s(t) (layer-wise or
 * globally). Between prunings the surviving weights train and take over the work of the removed
 * ones.
 *
 * <p>It plugs into any training loop by wrapping the batches: {@link #wrap} returns an iterable
 * that calls {@link #step} before handing out each batch, so an unchanged {@code Trainer} runs it.
 * <pre>{@code
 * GradualPruner pruner = new GradualPruner(model, List.of("1.weight", "3.weight"), false, schedule);
 * trainer.fit(pruner.wrap(trainLoader), testLoader);
 * }</pre>
 * The step counter runs on across epochs (each pass of the wrapped loader continues it).
 */
public final class GradualPruner {
    private final Module model;
    private final List<String> paths;
    private final boolean global;
    private final GradualSchedule schedule;
    private long step;
    private double applied = -1;

    /**
     * @param global true: one threshold across all {@code paths}; false: each path to s(t)
     */
    public GradualPruner(Module model, List<String> paths, boolean global, GradualSchedule schedule) {
        for (String p : paths) {
            PruneTarget.of(model, p);
        }
        this.model = model;
        this.paths = List.copyOf(paths);
        this.global = global;
        this.schedule = schedule;
    }

    /** Prunes if the schedule says so at step t; returns the sparsity in force. */
    public double step(long t) {
        double s = schedule.sparsityAt(t);
        if (schedule.prunesAt(t) && s > applied) {
            if (global) {
                MagnitudePruner.pruneGlobal(model, paths, s);
            } else {
                MagnitudePruner.pruneEachLayer(model, paths, s);
            }
            applied = s;
        }
        return Math.max(applied, 0);
    }

    /** The next step number {@link #wrap} will use. */
    public long steps() {
        return step;
    }

    /** Pruning to the schedule's final sparsity now (for a run that ends before the schedule does). */
    public void finish() {
        if (applied < schedule.target()) {
            if (global) {
                MagnitudePruner.pruneGlobal(model, paths, schedule.target());
            } else {
                MagnitudePruner.pruneEachLayer(model, paths, schedule.target());
            }
            applied = schedule.target();
        }
    }

    /** {@code batches}, with {@link #step} called before each batch is handed out. */
    public <B> Iterable<B> wrap(Iterable<B> batches) {
        return () -> {
            Iterator<B> it = batches.iterator();
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public B next() {
                    B b = it.next();
                    GradualPruner.this.step(step++);
                    return b;
                }
            };
        };
    }
}
