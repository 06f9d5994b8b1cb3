package dev.pare.compress.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.pare.nn.Conv2d;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The laws every space's architectures obey, over architectures drawn from both spaces. */
class SearchSpaceProperties {

    @Provide
    Arbitrary<Architecture> architectures() {
        return Arbitraries.longs().flatMap(seed -> Arbitraries.of(SearchSpace.all())
                .map(space -> space.sample(new Rng(seed))));
    }

    @Property(tries = 60)
    void decodingTheEncodingGivesAnEqualArchitectureAndTheSameModel(@ForAll("architectures") Architecture a) {
        SearchSpace space = SearchSpace.named(a.encode().substring(0, a.encode().indexOf(':')));
        Architecture back = space.decode(a.encode());
        assertEquals(a, back);
        assertEquals(a.encode(), back.encode());
        Map<String, Tensor> x = a.build(new Rng(1)).stateDict();
        Map<String, Tensor> y = back.build(new Rng(2)).stateDict();
        assertEquals(List.copyOf(x.keySet()), List.copyOf(y.keySet()));
        for (String k : x.keySet()) {
            assertArrayEquals(x.get(k).shape(), y.get(k).shape(), k);
        }
    }

    @Property(tries = 60)
    void parametersEqualTheBuiltModelsCount(@ForAll("architectures") Architecture a) {
        assertEquals(a.build(new Rng(0)).numParameters(), a.parameters(), a.encode());
    }

    @Property(tries = 60)
    void bytesCountedWithoutBuildingEqualTheBuiltStateDicts(@ForAll("architectures") Architecture a) {
        long elements = 0;
        for (Tensor t : a.build(new Rng(0)).stateDict().values()) {
            elements += t.numel();
        }
        assertEquals(4 * elements, Search.bytes(a), a.encode());
    }

    /**
     * The oracle walks the built model's convolutions and linear layers in forward order,
     * following the spatial size from each layer's own stride, padding and kernel:
     * {@code H_out·W_out·C_out·(C_in/groups)·k²} per convolution, {@code in·out} per linear.
     */
    @Property(tries = 60)
    void multiplyAddsEqualACountFromTheBuiltLayers(@ForAll("architectures") Architecture a) {
        long count = 0;
        int side = a.inputShape()[1];
        for (Module m : a.build(new Rng(0)).namedModules().values()) {
            if (m instanceof Conv2d c) {
                side = (side + 2 * c.padding() - c.dilation() * (c.kernelSize() - 1) - 1) / c.stride() + 1;
                int[] w = c.weight().shape(); // [O, C/groups, k, k]
                count += (long) side * side * w[0] * w[1] * w[2] * w[3];
            } else if (m instanceof Linear l) {
                count += (long) l.inFeatures() * l.outFeatures();
            }
        }
        assertEquals(count, a.multiplyAdds(), a.encode());
    }

    @Property(tries = 60)
    void aMutationChangesExactlyOneChoice(@ForAll("architectures") Architecture a, @ForAll long seed) {
        SearchSpace space = SearchSpace.named(a.encode().substring(0, a.encode().indexOf(':')));
        Architecture child = space.mutate(a, new Rng(seed));
        assertNotEquals(a, child);
        assertEquals(1, choicesDiffering(a, child), a.encode() + " -> " + child.encode());
    }

    /** How many choices differ: the stem and each stage's four, or the depth and each width. */
    private static int choicesDiffering(Architecture a, Architecture b) {
        if (a instanceof MobileNetArchitecture x && b instanceof MobileNetArchitecture y) {
            int d = x.stem() != y.stem() ? 1 : 0;
            for (int i = 0; i < x.stages().size(); i++) {
                MobileNetArchitecture.Stage s = x.stages().get(i);
                MobileNetArchitecture.Stage t = y.stages().get(i);
                d += (s.expansion() != t.expansion() ? 1 : 0) + (s.kernel() != t.kernel() ? 1 : 0)
                        + (s.blocks() != t.blocks() ? 1 : 0) + (s.width() != t.width() ? 1 : 0);
            }
            return d;
        }
        List<Integer> p = ((MlpArchitecture) a).hidden();
        List<Integer> q = ((MlpArchitecture) b).hidden();
        if (p.size() != q.size()) {
            // A layer added at the end or the last one removed; the common layers must be equal.
            List<Integer> shorter = p.size() < q.size() ? p : q;
            List<Integer> longer = p.size() < q.size() ? q : p;
            return longer.size() - shorter.size() == 1 && longer.subList(0, shorter.size()).equals(shorter) ? 1 : 99;
        }
        int d = 0;
        for (int i = 0; i < p.size(); i++) {
            d += p.get(i).equals(q.get(i)) ? 0 : 1;
        }
        return d;
    }

    @Property(tries = 12)
    void everyLatencyUnitBuildsAPieceThatTakesItsInputShape(@ForAll("architectures") Architecture a) {
        Map<String, int[]> seen = new LinkedHashMap<>();
        List<String> signatures = new ArrayList<>();
        for (LatencyUnit u : a.latencyUnits()) {
            int[] shape = u.inputShape();
            int[] batch = new int[shape.length + 1];
            batch[0] = 1;
            System.arraycopy(shape, 0, batch, 1, shape.length);
            Module m = u.build(new Rng(0));
            m.eval();
            m.forward(Tensor.zeros(batch));
            int[] before = seen.putIfAbsent(u.signature(), shape);
            if (before != null) {
                assertArrayEquals(before, shape, "one signature, two input shapes: " + u.signature());
            }
            signatures.add(u.signature());
        }
        assertEquals(a.latencyUnits().size(), signatures.size());
    }
}
