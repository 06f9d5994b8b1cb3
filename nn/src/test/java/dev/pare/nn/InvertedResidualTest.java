package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class InvertedResidualTest {

    @Test
    void stride1WithEqualChannelsAddsTheInputToTheBranch() {
        Rng rng = new Rng(1);
        InvertedResidual block = new InvertedResidual(4, 4, 3, 3, 1, rng);
        block.eval();
        Tensor x = Tensor.randn(rng, 2, 4, 5, 5);
        Tensor branch = block.getModule("conv").forward(x);
        assertTrue(block.hasResidual());
        assertArrayEquals(x.add(branch).toArray(), block.forward(x).toArray(), 0f);
    }

    @Test
    void stride2OrChangedChannelsHasNoResidualAndHalvesTheSize() {
        Rng rng = new Rng(2);
        InvertedResidual down = new InvertedResidual(4, 4, 6, 5, 2, rng);
        InvertedResidual wider = new InvertedResidual(4, 8, 1, 3, 1, rng);
        assertFalse(down.hasResidual());
        assertFalse(wider.hasResidual());
        assertArrayEquals(new int[] {2, 4, 4, 4}, down.forward(Tensor.randn(rng, 2, 4, 7, 7)).shape());
        assertArrayEquals(new int[] {2, 8, 7, 7}, wider.forward(Tensor.randn(rng, 2, 4, 7, 7)).shape());
    }

    @Test
    void expansionOneSkipsTheExpandingConvolution() {
        Rng rng = new Rng(3);
        List<String> withExpand = List.copyOf(new InvertedResidual(4, 6, 6, 3, 1, rng).stateDict().keySet());
        List<String> without = List.copyOf(new InvertedResidual(4, 6, 1, 3, 1, rng).stateDict().keySet());
        assertEquals("conv.0.weight", withExpand.get(0));
        assertTrue(withExpand.contains("conv.7.running_var"));
        assertEquals("conv.0.weight", without.get(0));
        assertTrue(without.contains("conv.4.running_var"));
        assertFalse(without.stream().anyMatch(k -> k.startsWith("conv.5")));
        // conv.0 is the depthwise filter without expansion: one 3×3 filter per input channel.
        assertArrayEquals(new int[] {4, 1, 3, 3}, new InvertedResidual(4, 6, 1, 3, 1, rng).stateDict().get("conv.0.weight").shape());
    }

    @Test
    void gradientsThroughTheResidualMatchFiniteDifferences() {
        Rng rng = new Rng(4);
        InvertedResidual block = new InvertedResidual(2, 2, 3, 3, 1, rng);
        block.eval(); // BatchNorm as a fixed affine map: the finite differences see one function
        Tensor x = Tensor.randn(rng, 1, 2, 4, 4).requiresGrad(true);
        Conv2d project = (Conv2d) block.getModule("conv.6");
        GradCheck.assertGradientsMatch("InvertedResidual", in -> block.forward(in[0]), x, project.weight());
    }

    @Test
    void badSettingsAreRefusedWithTheirValues() {
        Rng rng = new Rng(5);
        IllegalArgumentException even = assertThrows(IllegalArgumentException.class,
                () -> new InvertedResidual(4, 4, 1, 4, 1, rng));
        assertTrue(even.getMessage().contains("kernel_size=4"), even.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new InvertedResidual(4, 4, 0, 3, 1, rng));
        assertThrows(IllegalArgumentException.class, () -> new InvertedResidual(4, 4, 1, 3, 3, rng));
        IllegalArgumentException channels = assertThrows(IllegalArgumentException.class,
                () -> new InvertedResidual(4, 4, 1, 3, 1, rng).forward(Tensor.zeros(1, 3, 5, 5)));
        assertTrue(channels.getMessage().contains("[1, 3, 5, 5]"), channels.getMessage());
    }
}
