package dev.pare.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** Reductions over any set of dims, on any layout, against sums computed index by index in double. */
class ReductionProperties {

    @Provide
    Arbitrary<int[]> shapes() {
        return Arbitraries.integers().between(1, 9).array(int[].class).ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<TestTensors.Layout> layouts() {
        return Arbitraries.of(TestTensors.Layout.class);
    }

    @Property(tries = 150)
    void sumAndMeanOverAnyDimsMatchAnIndexByIndexSum(@ForAll("shapes") int[] shape,
                                                     @ForAll("layouts") TestTensors.Layout layout,
                                                     @ForAll long seed, @ForAll boolean keepDim) {
        Rng rng = new Rng(seed);
        Tensor x = TestTensors.make(shape, layout, rng);
        // A random non-empty subset of dims.
        int mask = 1 + rng.nextInt((1 << shape.length) - 1);
        int[] dims = java.util.stream.IntStream.range(0, shape.length).filter(d -> (mask >> d & 1) == 1).toArray();
        Tensor sum = x.sum(dims, keepDim);
        Tensor mean = x.mean(dims, keepDim);
        int[] kept = shape.clone();
        int count = 1;
        for (int d : dims) {
            kept[d] = 1;
            count *= shape[d];
        }
        double[] expected = new double[Shape.numel(kept)];
        int[] keptStrides = Shape.contiguousStrides(kept);
        TestTensors.forEachIndex(shape, idx -> {
            int pos = 0;
            for (int d = 0; d < idx.length; d++) {
                pos += (kept[d] == 1 ? 0 : idx[d]) * keptStrides[d];
            }
            expected[pos] += x.get(idx);
        });
        Tensor s = sum.reshape(kept);
        Tensor m = mean.reshape(kept);
        int c = count;
        TestTensors.forEachIndex(kept, idx -> {
            int pos = 0;
            for (int d = 0; d < idx.length; d++) {
                pos += idx[d] * keptStrides[d];
            }
            double tol = 1e-5 * c + 1e-5;
            if (Math.abs(s.get(idx) - expected[pos]) > tol || Math.abs(m.get(idx) - expected[pos] / c) > tol) {
                fail("sum over " + TestTensors.str(dims) + " of " + TestTensors.str(shape) + " at " + TestTensors.str(idx)
                        + ": expected " + expected[pos] + ", got " + s.get(idx));
            }
        });
    }

    @Property(tries = 100)
    void maxAndArgmaxAgreeWithAScan(@ForAll("shapes") int[] shape, @ForAll("layouts") TestTensors.Layout layout,
                                    @ForAll long seed) {
        Rng rng = new Rng(seed);
        Tensor x = TestTensors.make(shape, layout, rng);
        int dim = rng.nextInt(shape.length);
        Tensor max = x.max(dim, true);
        Tensor arg = x.argmax(dim, true);
        TestTensors.forEachIndex(max.shape(), idx -> {
            int[] probe = idx.clone();
            float best = Float.NEGATIVE_INFINITY;
            int bestAt = -1;
            for (int j = 0; j < shape[dim]; j++) {
                probe[dim] = j;
                if (x.get(probe) > best) {
                    best = x.get(probe);
                    bestAt = j;
                }
            }
            if (max.get(idx) != best || arg.get(idx) != bestAt) {
                fail("max along " + dim + " at " + TestTensors.str(idx) + ": expected " + best + "@" + bestAt
                        + ", got " + max.get(idx) + "@" + arg.get(idx));
            }
        });
    }

    @Test
    void argmaxReturnsTheFirstOfEqualMaxima() {
        Tensor x = Tensor.fromArray(new float[] {1, 5, 5, 2, 7, 7}, 2, 3);
        assertArrayEquals(new float[] {1, 1}, x.argmax(1).toArray(), 0f);
        assertEquals(4f, x.argmax().item());
        assertEquals(7f, x.max().item());
        assertEquals(1f, x.min().item());
    }

    @Test
    void wholeTensorReductionsAreZeroDimensional() {
        Tensor x = Tensor.arange(12).reshape(3, 4);
        assertEquals(0, x.sum().dim());
        assertEquals(66f, x.sum().item());
        assertEquals(5.5f, x.mean().item());
        assertEquals(66f, x.sumValue());
    }
}
