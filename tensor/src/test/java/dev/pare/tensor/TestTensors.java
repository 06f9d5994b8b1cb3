package dev.pare.tensor;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Test helpers: tensors in awkward layouts, and an index walk that reads values one by one with
 * {@link Tensor#get} (the independent oracle for anything computed with strides and kernels).
 */
final class TestTensors {
    private TestTensors() {}

    /** The layouts a tensor of a given shape is generated in. */
    enum Layout { CONTIGUOUS, TRANSPOSED, SLICED, EXPANDED }

    /**
     * A tensor of {@code shape} with values from {@code rng}, laid out as {@code layout}:
     * TRANSPOSED stores the data with the last two dims swapped, SLICED cuts it from a larger
     * tensor with a step, EXPANDED repeats a size-1 dimension with stride 0 (if the shape has a
     * dim it can broadcast; otherwise SLICED is used).
     */
    static Tensor make(int[] shape, Layout layout, Rng rng) {
        int rank = shape.length;
        switch (layout) {
            case TRANSPOSED:
                if (rank >= 2) {
                    int[] swapped = shape.clone();
                    swapped[rank - 1] = shape[rank - 2];
                    swapped[rank - 2] = shape[rank - 1];
                    return Tensor.randn(rng, swapped).transpose(rank - 1, rank - 2);
                }
                return Tensor.randn(rng, shape);
            case SLICED: {
                if (rank == 0) {
                    return Tensor.randn(rng, shape);
                }
                int[] big = shape.clone();
                big[0] = shape[0] * 2 + 1;
                if (rank > 1) {
                    big[rank - 1] = shape[rank - 1] + 3;
                }
                Tensor t = Tensor.randn(rng, big).slice(0, 1, 1 + 2 * shape[0], 2);
                return rank > 1 ? t.narrow(rank - 1, 2, shape[rank - 1]) : t;
            }
            case EXPANDED: {
                for (int d = 0; d < rank; d++) {
                    if (shape[d] > 1) {
                        int[] one = shape.clone();
                        one[d] = 1;
                        return Tensor.randn(rng, one).expand(shape);
                    }
                }
                return make(shape, Layout.SLICED, rng);
            }
            default:
                return Tensor.randn(rng, shape);
        }
    }

    /** Calls {@code body} with every index of {@code shape} in row-major order. */
    static void forEachIndex(int[] shape, Consumer<int[]> body) {
        for (int d : shape) {
            if (d == 0) {
                return;
            }
        }
        int[] idx = new int[shape.length];
        while (true) {
            body.accept(idx.clone());
            int d = shape.length - 1;
            while (d >= 0) {
                if (++idx[d] < shape[d]) {
                    break;
                }
                idx[d] = 0;
                d--;
            }
            if (d < 0) {
                return;
            }
        }
    }

    /** The value of {@code t} at the broadcast position {@code idx} of a larger shape. */
    static float getBroadcast(Tensor t, int[] idx) {
        int[] s = t.shape();
        int lead = idx.length - s.length;
        int[] own = new int[s.length];
        for (int d = 0; d < s.length; d++) {
            own[d] = s[d] == 1 ? 0 : idx[lead + d];
        }
        return t.get(own);
    }

    static String str(int[] a) {
        return Arrays.toString(a);
    }

    /** |a − b| ≤ atol + rtol·|b|, treating equal infinities and two NaNs as equal. */
    static boolean close(float a, float b, float atol, float rtol) {
        if (Float.isNaN(a) || Float.isNaN(b)) {
            return Float.isNaN(a) && Float.isNaN(b);
        }
        if (a == b) {
            return true;
        }
        return Math.abs(a - b) <= atol + rtol * Math.abs(b);
    }
}
