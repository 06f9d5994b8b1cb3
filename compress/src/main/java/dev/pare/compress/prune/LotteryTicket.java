package dev.pare.compress.prune;

import dev.pare.nn.Module;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Lottery-ticket rewinding (Frankle and Carbin, 2019; with rewinding to an early step, Frankle et
 * al., 2020): keep the mask found by training and pruning, but reset the surviving weights to
 * the values they had at an early point, then train again.
 *
 * <pre>{@code
 * LotteryTicket early = LotteryTicket.snapshot(model, paths);   // at step 0 or after ~1 epoch
 * train(model); MagnitudePruner.pruneGlobal(model, paths, 0.9);
 * early.rewind(model);                                         // weight_orig ← early values, mask kept
 * train(model);
 * }</pre>
 */
public final class LotteryTicket {
    private final Map<String, Tensor> saved;

    private LotteryTicket(Map<String, Tensor> saved) {
        this.saved = saved;
    }

    /** Copies of the stored values of the parameters at {@code paths}, as they are now. */
    public static LotteryTicket snapshot(Module model, List<String> paths) {
        Map<String, Tensor> saved = new LinkedHashMap<>();
        for (String p : paths) {
            PruneTarget t = PruneTarget.of(model, p);
            saved.put(p, Mask.stored(t.module(), t.name()).detach().copy());
        }
        return new LotteryTicket(saved);
    }

    /** Writes the snapshot back into the stored values ({@code weight_orig} when masked); masks are kept. */
    public void rewind(Module model) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            for (Map.Entry<String, Tensor> e : saved.entrySet()) {
                PruneTarget t = PruneTarget.of(model, e.getKey());
                Mask.stored(t.module(), t.name()).copyFrom(e.getValue());
            }
        }
    }
}
