package dev.pare.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.attention.ViTConfig;
import dev.pare.tensor.Rng;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FashionModelsTest {

    @Test
    void mlpLinearPathsNameEveryLinearOfTheMlpInOrder() {
        for (int hidden = 0; hidden <= 3; hidden++) {
            int[] sizes = new int[hidden];
            java.util.Arrays.fill(sizes, 5);
            Module mlp = FashionModels.mlp(new Rng(0), sizes);
            List<String> linears = new ArrayList<>();
            for (Map.Entry<String, Module> e : mlp.namedModules().entrySet()) {
                if (e.getValue() instanceof Linear) {
                    linears.add(e.getKey());
                }
            }
            assertEquals(linears, FashionModels.mlpLinearPaths(hidden), hidden + " hidden layers");
            for (String p : FashionModels.mlpLinearPaths(hidden)) {
                assertInstanceOf(Linear.class, mlp.getModule(p));
            }
        }
        assertEquals(List.of("1", "3", "5"), FashionModels.mlpLinearPaths(2));
    }

    /** The ViT's size counted by hand from its parts, for both tokenisations the issue names. */
    @Test
    void vitHasTheParametersOfItsPartsCountedByHand() {
        for (int patch : new int[] {7, 4}) {
            int d = 64, depth = 6, f = 2 * d, tokens = (28 / patch) * (28 / patch) + 1;
            long patchEmbed = (long) d * patch * patch + d;
            long layer = (3L * d * d + 3 * d) + (d * d + d) + (d * f + f) + (f * d + d) + 4 * d;
            long expected = patchEmbed + d + (long) tokens * d + depth * layer + 2 * d + (10L * d + 10);
            assertEquals(expected, FashionModels.vit(new Rng(0), ViTConfig.fashion(patch, d, depth, 4)).numParameters(),
                    "patch " + patch);
        }
        assertEquals(FashionModels.vit(new Rng(0)).numParameters(),
                FashionModels.vit(new Rng(0), ViTConfig.fashion(7, 64, 6, 4)).numParameters());
        assertThrows(IllegalArgumentException.class, () -> FashionModels.vit(new Rng(0),
                new ViTConfig(32, 3, 10, 4, 64, 6, 4, 2, 0.0, ViTConfig.Pooling.CLASS_TOKEN)));
    }
}
