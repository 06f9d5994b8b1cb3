package dev.pare.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.pare.nn.Linear;
import dev.pare.nn.Module;
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
}
