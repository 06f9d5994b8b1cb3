package dev.pare.nn.optim;

import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.TensorEntry;
import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@link AdamW} over two groups of parameters, one decayed by λ and one not: PyTorch's
 * <pre>{@code
 * torch.optim.AdamW([{"params": decayed, "weight_decay": λ},
 *                    {"params": notDecayed, "weight_decay": 0}], lr, betas, eps)
 * }</pre>
 * Every parameter gets exactly AdamW's update with its group's λ; the groups share the learning
 * rate (so one {@link LrScheduler} drives both), the betas and ε.
 *
 * <p>Why two groups: weight decay pulls every weight towards 0. That is the point for the weight
 * matrices (it limits their norm), but for a bias, a LayerNorm gain or a learned position or
 * class token, 0 is not a neutral value: a LayerNorm's γ decayed to 0 switches its layer off.
 * Transformer recipes (BERT, ViT, timm) therefore exempt every 1-D parameter and the embeddings
 * of positions and special tokens. (Which parameters go where is the caller's choice.)
 *
 * <p>The parameter order, and so the indices of {@link #stateDict()}, is {@code decayed} then
 * {@code notDecayed}, as PyTorch numbers the parameters of its groups.
 */
public final class AdamWGroups extends Optimizer {
    private final int numDecayed;
    private final double weightDecay;
    private final AdamW decayed;
    private final AdamW notDecayed;

    /**
     * @param decayed     parameters decayed by {@code weightDecay}
     * @param notDecayed  parameters never decayed
     * @param weightDecay λ ≥ 0 of the first group
     * @throws IllegalArgumentException if both groups are empty, a tensor is in both, or a
     *     setting is out of range (as {@link AdamW})
     */
    public AdamWGroups(List<Tensor> decayed, List<Tensor> notDecayed, double learningRate, double beta1, double beta2,
                       double eps, double weightDecay) {
        super("AdamW", concat(decayed, notDecayed), learningRate);
        this.numDecayed = decayed.size();
        this.weightDecay = weightDecay;
        this.decayed = decayed.isEmpty() ? null : new AdamW(decayed, learningRate, beta1, beta2, eps, weightDecay);
        this.notDecayed = notDecayed.isEmpty() ? null : new AdamW(notDecayed, learningRate, beta1, beta2, eps, 0);
        if (this.decayed == null && this.notDecayed == null) {
            // concat's empty list was refused by Optimizer already; kept for the reader.
            throw new IllegalArgumentException("AdamW: both parameter groups are empty");
        }
    }

    private static List<Tensor> concat(List<Tensor> a, List<Tensor> b) {
        if (a == null || b == null) {
            throw new IllegalArgumentException("AdamW: parameter groups must not be null (pass an empty list)");
        }
        List<Tensor> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Number of parameters in the decayed group (they come first). */
    public int numDecayed() {
        return numDecayed;
    }

    @Override
    protected void update(int index, float[] p, int po, float[] g, int go, int n) {
        AdamW group = index < numDecayed ? decayed : notDecayed;
        // The scheduler sets this optimizer's rate; each group reads it afresh.
        group.setLearningRate(learningRate());
        group.update(index < numDecayed ? index : index - numDecayed, p, po, g, go, n);
    }

    @Override
    protected List<String> stateNames() {
        return List.of("exp_avg", "exp_avg_sq", "step");
    }

    @Override
    protected String hyperParameters() {
        AdamW any = decayed != null ? decayed : notDecayed;
        // Group sizes are part of the settings: a resumed run that split its parameters otherwise
        // would apply saved moments to the wrong tensors' decay.
        return any.hyperParameters().replaceFirst(" weight_decay=[^ ]*", "") + " weight_decay=" + (float) weightDecay
                + " on " + numDecayed + " tensors, 0 on " + (parameters().size() - numDecayed);
    }

    @Override
    protected void saveState(Checkpoint c) {
        copyGroup(decayed, 0, c);
        copyGroup(notDecayed, numDecayed, c);
    }

    /** Group {@code group}'s entries {@code state.j.*} as {@code state.(j + offset).*} of {@code c}. */
    private static void copyGroup(AdamW group, int offset, Checkpoint c) {
        if (group == null) {
            return;
        }
        Checkpoint own = new Checkpoint();
        group.saveState(own);
        for (Map.Entry<String, TensorEntry> e : own.entries().entrySet()) {
            c.put(shift(e.getKey(), offset), e.getValue());
        }
    }

    private static String shift(String key, int offset) {
        int dot = key.indexOf('.', "state.".length());
        int j = Integer.parseInt(key.substring("state.".length(), dot));
        return "state." + (j + offset) + key.substring(dot);
    }

    @Override
    protected void loadState(Checkpoint c) {
        Checkpoint first = new Checkpoint();
        Checkpoint second = new Checkpoint();
        for (Map.Entry<String, TensorEntry> e : c.entries().entrySet()) {
            if (!e.getKey().startsWith("state.")) {
                continue;
            }
            int j = Integer.parseInt(e.getKey().substring("state.".length(), e.getKey().indexOf('.', "state.".length())));
            if (j < numDecayed) {
                first.put(e.getKey(), e.getValue());
            } else {
                second.put(shift(e.getKey(), -numDecayed), e.getValue());
            }
        }
        // Each group checks its entries before changing anything; check both before either
        // changes, on throwaway optimizers over the same tensors (loadState touches only moments).
        if (decayed != null) {
            twin(decayed, weightDecay).loadState(first);
        }
        if (notDecayed != null) {
            twin(notDecayed, 0).loadState(second);
        }
        if (decayed != null) {
            decayed.loadState(first);
        }
        if (notDecayed != null) {
            notDecayed.loadState(second);
        }
    }

    private static AdamW twin(AdamW group, double weightDecay) {
        return new AdamW(group.parameters(), group.learningRate(), 0.9, 0.999, 1e-8, weightDecay);
    }
}
