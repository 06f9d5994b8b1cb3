package dev.pare.compress.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Linear;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

class MagnitudePrunerProperties {

    /**
     * Two layers whose weights are drawn from only {@code levels} distinct magnitudes (with random
     * signs), so that ties are common.
     */
    static Sequential net(int in, int hidden, int out, int levels, long seed) {
        Rng rng = new Rng(seed);
        Sequential m = new Sequential(new Linear(in, hidden, rng), new ReLU(), new Linear(hidden, out, rng));
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            for (String p : List.of("0", "2")) {
                Tensor w = ((Linear) m.getModule(p)).weight();
                float[] v = new float[w.numel()];
                for (int i = 0; i < v.length; i++) {
                    float mag = (1 + (int) (rng.nextFloat() * levels)) / (float) levels;
                    v[i] = rng.nextFloat() < 0.5f ? -mag : mag;
                }
                w.copyFrom(Tensor.fromArray(v, w.shape()));
            }
        }
        return m;
    }

    static int zeros(Tensor mask) {
        int z = 0;
        for (float v : mask.toArray()) {
            if (v == 0f) {
                z++;
            }
        }
        return z;
    }

    @Property(tries = 80)
    void theSparsityAskedIsExactlyTheSparsityGot(@ForAll @IntRange(min = 1, max = 17) int in,
                                                @ForAll @IntRange(min = 1, max = 13) int hidden,
                                                @ForAll @IntRange(min = 0, max = 99) int percent,
                                                @ForAll @IntRange(min = 1, max = 5) int levels, @ForAll long seed) {
        Sequential m = net(in, hidden, 3, levels, seed);
        MagnitudePruner.pruneLayer(m, "0.weight", percent / 100.0);
        int n = in * hidden;
        // Oracle: integer arithmetic, ⌊percent·n / 100⌋.
        assertEquals(percent * n / 100, zeros(Mask.maskOf(m.getModule("0"), "weight")));
    }

    @Property(tries = 80)
    void globalThresholdIsTheKthSmallestMagnitudeAndSeparatesRemovedFromKept(
            @ForAll @IntRange(min = 1, max = 17) int in, @ForAll @IntRange(min = 1, max = 13) int hidden,
            @ForAll @IntRange(min = 1, max = 99) int percent, @ForAll @IntRange(min = 1, max = 50) int levels,
            @ForAll long seed) {
        Sequential m = net(in, hidden, 4, levels, seed);
        float[] a = ((Linear) m.getModule("0")).weight().toArray();
        float[] b = ((Linear) m.getModule("2")).weight().toArray();
        float[] all = new float[a.length + b.length];
        for (int i = 0; i < a.length; i++) {
            all[i] = Math.abs(a[i]);
        }
        for (int i = 0; i < b.length; i++) {
            all[a.length + i] = Math.abs(b[i]);
        }
        Arrays.sort(all);
        int k = percent * all.length / 100;

        float threshold = MagnitudePruner.pruneGlobal(m, List.of("0.weight", "2.weight"), percent / 100.0);

        assertEquals(k == 0 ? 0f : all[k - 1], threshold);
        int removed = 0;
        for (String p : List.of("0", "2")) {
            float[] w = ((Linear) m.getModule(p)).weight().toArray();
            float[] mk = Mask.maskOf(m.getModule(p), "weight").toArray();
            for (int i = 0; i < w.length; i++) {
                if (mk[i] == 0f) {
                    removed++;
                    assertTrue(Math.abs(w[i]) <= threshold, p + "[" + i + "] removed with |w| above the threshold");
                } else {
                    assertTrue(Math.abs(w[i]) >= threshold, p + "[" + i + "] kept with |w| below the threshold");
                }
            }
        }
        assertEquals(k, removed);
    }

    @Property(tries = 40)
    void raisingTheSparsityKeepsEveryEarlierZero(@ForAll @IntRange(min = 1, max = 17) int in,
                                                @ForAll @IntRange(min = 1, max = 13) int hidden,
                                                @ForAll @IntRange(min = 0, max = 60) int first,
                                                @ForAll @IntRange(min = 0, max = 39) int more,
                                                @ForAll long seed) {
        Sequential m = net(in, hidden, 3, 4, seed);
        MagnitudePruner.pruneLayer(m, "0.weight", first / 100.0);
        float[] before = Mask.maskOf(m.getModule("0"), "weight").toArray();
        MagnitudePruner.pruneLayer(m, "0.weight", (first + more) / 100.0);
        float[] after = Mask.maskOf(m.getModule("0"), "weight").toArray();
        for (int i = 0; i < before.length; i++) {
            if (before[i] == 0f) {
                assertEquals(0f, after[i], "weight " + i + " came back");
            }
        }
        assertEquals((first + more) * in * hidden / 100, zeros(Mask.maskOf(m.getModule("0"), "weight")));
    }

    @Example
    void equalMagnitudesAreRemovedInRowMajorOrderLayerByLayer() {
        Sequential m = net(3, 2, 2, 1, 5); // every |w| is 1
        MagnitudePruner.pruneGlobal(m, List.of("0.weight", "2.weight"), 0.7); // 6 + 4 weights: 7 go
        assertEquals(List.of(0f, 0f, 0f, 0f, 0f, 0f), asList(Mask.maskOf(m.getModule("0"), "weight")));
        assertEquals(List.of(0f, 1f, 1f, 1f), asList(Mask.maskOf(m.getModule("2"), "weight")));
    }

    @Example
    void loweringTheSparsityOfAMaskedLayerIsRefused() {
        Sequential m = net(4, 4, 2, 3, 1);
        MagnitudePruner.pruneLayer(m, "0.weight", 0.5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MagnitudePruner.pruneLayer(m, "0.weight", 0.25));
        assertTrue(e.getMessage().contains("already masked"), e.getMessage());
    }

    private static List<Float> asList(Tensor t) {
        float[] v = t.toArray();
        Float[] out = new Float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return List.of(out);
    }
}
