package dev.pare.compress.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Linear;
import dev.pare.nn.Sequential;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import org.junit.jupiter.api.Test;

class BlockPrunerTest {

    @Test
    void theExampleOfTheJavadocRemovesTheThreeSmallestBlocks() {
        // W [2, 20], B = 8: blocks at columns 0-7, 8-15, 16-19; every weight of a block equals
        // its norm / √width, so the block norms are the ones in the class comment.
        float[][] norms = {{0.9f, 0.1f, 0.4f}, {0.2f, 1.3f, 0.3f}};
        float[] w = new float[40];
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 20; c++) {
                int b = c / 8;
                int width = b == 2 ? 4 : 8;
                w[r * 20 + c] = norms[r][b] / (float) Math.sqrt(width);
            }
        }
        Sequential m = new Sequential(new Linear(20, 2, new Rng(1)));
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            ((Linear) m.getModule("0")).weight().copyFrom(Tensor.fromArray(w, 2, 20));
        }
        BlockPruner.prune(m, "0.weight", 0.5, 8);
        float[] mask = Mask.maskOf(m.getModule("0"), "weight").toArray();
        boolean[][] kept = {{true, false, true}, {false, true, false}};
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 20; c++) {
                assertEquals(kept[r][c / 8] ? 1f : 0f, mask[r * 20 + c], "row " + r + " column " + c);
            }
        }
    }

    @Test
    void blocksAreKeptOrRemovedWholeAndTheirCountIsExact() {
        for (int bw : new int[] {8, 16}) {
            for (int cols : new int[] {16, 17, 33, 40}) {
                for (int percent : new int[] {0, 30, 50, 90, 99}) {
                    Sequential m = new Sequential(new Linear(cols, 7, new Rng(cols * 100 + percent)));
                    BlockPruner.prune(m, "0.weight", percent / 100.0, bw);
                    float[] mask = Mask.maskOf(m.getModule("0"), "weight").toArray();
                    int perRow = (cols + bw - 1) / bw;
                    int removed = 0;
                    for (int r = 0; r < 7; r++) {
                        for (int b = 0; b < perRow; b++) {
                            float first = mask[r * cols + b * bw];
                            for (int c = b * bw; c < Math.min(cols, (b + 1) * bw); c++) {
                                assertEquals(first, mask[r * cols + c], "block split: B=" + bw + " cols=" + cols);
                            }
                            if (first == 0f) {
                                removed++;
                            }
                        }
                    }
                    assertEquals(percent * 7 * perRow / 100, removed, "B=" + bw + " cols=" + cols + " " + percent + "%");
                }
            }
        }
    }

    @Test
    void aBlockSizeThatDoesNotFitIsRefused() {
        Sequential m = new Sequential(new Linear(12, 4, new Rng(1)));
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
                () -> BlockPruner.prune(m, "0.weight", 0.5, 4));
        assertTrue(width.getMessage().contains("block width 4"), width.getMessage());
        IllegalArgumentException tooWide = assertThrows(IllegalArgumentException.class,
                () -> BlockPruner.prune(m, "0.weight", 0.5, 16));
        assertTrue(tooWide.getMessage().contains("1x16") && tooWide.getMessage().contains("12"), tooWide.getMessage());
        IllegalArgumentException notTwoD = assertThrows(IllegalArgumentException.class,
                () -> BlockPruner.prune(m, "0.bias", 0.5, 8));
        assertTrue(notTwoD.getMessage().contains("[4]"), notTwoD.getMessage());
        IllegalArgumentException sparsity = assertThrows(IllegalArgumentException.class,
                () -> BlockPruner.prune(m, "0.weight", 1.0, 8));
        assertTrue(sparsity.getMessage().contains("outside [0, 1)"), sparsity.getMessage());
    }
}
