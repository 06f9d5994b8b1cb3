package dev.pare.compress.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.Sequential;
import dev.pare.nn.attention.ViTConfig;
import dev.pare.nn.attention.VisionTransformer;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Magnitude pruning of the encoder layers' feed-forward weights. */
class FeedForwardPrunerTest {

    private static VisionTransformer vit(long seed) {
        return new VisionTransformer(new ViTConfig(8, 1, 3, 4, 12, 3, 2, 2, 0.0, ViTConfig.Pooling.MEAN), new Rng(seed));
    }

    private static long zeros(Tensor t) {
        long n = 0;
        for (float v : t.contiguous().toArray()) {
            n += v == 0f ? 1 : 0;
        }
        return n;
    }

    @Test
    void theWeightPathsAreEveryLayersLinear1AndLinear2InOrder() {
        assertEquals(List.of("encoder.layers.0.linear1.weight", "encoder.layers.0.linear2.weight",
                "encoder.layers.1.linear1.weight", "encoder.layers.1.linear2.weight",
                "encoder.layers.2.linear1.weight", "encoder.layers.2.linear2.weight"),
                FeedForwardPruner.weightPaths(vit(1)));
    }

    @Test
    void eachFeedForwardWeightGetsExactlyTheAskedSparsityAndNothingElseIsTouched() {
        VisionTransformer m = vit(2);
        Map<String, Tensor> before = m.stateDict();
        Map<String, Tensor> copy = new java.util.LinkedHashMap<>();
        before.forEach((k, v) -> copy.put(k, v.copy()));
        List<String> paths = FeedForwardPruner.prune(m, 0.6);
        for (String p : paths) {
            Module layer = m.getModule(p.substring(0, p.length() - ".weight".length()));
            assertTrue(Mask.isMasked(layer, "weight"), p + " is masked");
        }
        Mask.removeAll(m);
        assertEquals(copy.keySet(), m.stateDict().keySet(), "remove() leaves the plain keys");
        for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
            Tensor w = e.getValue();
            if (paths.contains(e.getKey())) {
                // linear1 [24, 12] and linear2 [12, 24]: 288 weights each, ⌊0.6 · 288⌋ = 172 zeros.
                assertEquals(172, zeros(w), e.getKey());
                // The survivors are the largest: every kept |w| ≥ every pruned original |w|.
                float[] orig = copy.get(e.getKey()).toArray();
                float[] now = w.toArray();
                float maxPruned = 0f;
                float minKept = Float.MAX_VALUE;
                for (int i = 0; i < orig.length; i++) {
                    if (now[i] == 0f) {
                        maxPruned = Math.max(maxPruned, Math.abs(orig[i]));
                    } else {
                        minKept = Math.min(minKept, Math.abs(now[i]));
                        assertEquals(orig[i], now[i], 0f);
                    }
                }
                assertTrue(maxPruned <= minKept, e.getKey() + ": pruned up to " + maxPruned + ", kept from " + minKept);
            } else {
                assertEquals(zeros(copy.get(e.getKey())), zeros(w), e.getKey() + " untouched");
            }
        }
    }

    @Test
    void aModelWithoutEncoderLayersIsANamedError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FeedForwardPruner.weightPaths(new Sequential(new Linear(3, 2, new Rng(0)))));
        assertTrue(e.getMessage().contains("no TransformerEncoderLayer"), e.getMessage());
    }
}
