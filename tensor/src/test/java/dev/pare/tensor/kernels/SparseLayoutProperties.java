package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pare.tensor.Rng;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The tiled transpose that moves activations to and from the batch-minor layout. */
class SparseLayoutProperties {

    @Provide
    Arbitrary<Integer> dims() {
        return SparseFixtures.dims();
    }

    @Property(tries = 200)
    void tiledTransposeEqualsTheTwinAndTransposingTwiceGivesTheInputBack(
            @ForAll("dims") int rows, @ForAll("dims") int cols, @ForAll @IntRange(max = 3) int off,
            @ForAll long seed) {
        float[] src = SparseFixtures.values(new Rng(seed), off, rows * cols);
        float[] twin = new float[off + rows * cols + 3];
        float[] fast = new float[off + rows * cols + 3];
        SparseLayout.transposeScalar(src, off, rows, cols, twin, off);
        SparseLayout.transpose(src, off, rows, cols, fast, off);
        assertArrayEquals(twin, fast, "[" + rows + ", " + cols + "] at offset " + off);
        float[] back = new float[off + rows * cols + 3];
        SparseLayout.transpose(fast, off, cols, rows, back, off);
        for (int i = 0; i < rows * cols; i++) {
            assertEquals(src[off + i], back[off + i], "element " + i);
        }
    }

    @Test
    void aShortArrayIsRejected() {
        float[] six = new float[6];
        assertThrows(IllegalArgumentException.class, () -> SparseLayout.transpose(six, 0, 2, 3, new float[5], 0));
        assertThrows(IllegalArgumentException.class, () -> SparseLayout.transpose(six, 1, 2, 3, new float[6], 0));
        assertThrows(IllegalArgumentException.class, () -> SparseLayout.transpose(six, 0, -2, 3, new float[6], 0));
    }
}
