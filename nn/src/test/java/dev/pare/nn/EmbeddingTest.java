package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Embedding lookup and its scatter-add backward, with the one-hot matrix product as the
 * independent oracle ({@code onehot(idx) · W} is the same function, differentiated by matmul),
 * and PyTorch 1.13's values for token and position embeddings together.
 */
class EmbeddingTest {

    private static Tensor oneHot(float[] idx, int n) {
        Tensor h = Tensor.zeros(idx.length, n);
        for (int p = 0; p < idx.length; p++) {
            h.set(1f, p, (int) idx[p]);
        }
        return h;
    }

    @Test
    void lookupAndGradientEqualTheOneHotProduct() {
        Embedding emb = new Embedding(6, 5, new Rng(3));
        float[] idx = {4, 1, 4, 0, 5, 4};           // 4 three times: its gradient is a sum of three
        Tensor ids = Tensor.fromArray(idx, 2, 3);
        Tensor g = Tensor.randn(new Rng(8), 2, 3, 5);
        Tensor y = emb.forward(ids);
        assertArrayEquals(new int[] {2, 3, 5}, y.shape());
        y.backward(g);

        Tensor w = emb.weight().detach().copy().requiresGrad(true);
        Tensor expected = oneHot(idx, 6).matmul(w);
        expected.backward(g.reshape(6, 5));
        assertArrayEquals(expected.toArray(), y.reshape(6, 5).toArray(), 0f, "rows are copied exactly");
        assertArrayEquals(w.grad().toArray(), emb.weight().grad().toArray(), 1e-6f);
        assertArrayEquals(new float[5], emb.weight().grad().select(0, 2).toArray(), 0f, "row 2 was never read");
    }

    @Test
    void tokenAndPositionEmbeddingsMatchPyTorch() {
        Fixtures f = Fixtures.load("/fixtures/transformer.txt");
        Embedding emb = new Embedding(10, 6, 0, new Rng(0));
        PositionalEmbedding pos = new PositionalEmbedding(8, 6, new Rng(0));
        f.copyInto("emb.weight", emb.weight());
        f.copyInto("emb.pos", pos.weight());
        Tensor y = pos.forward(emb.forward(f.get("emb.ids")));
        f.assertMatches("emb.y", y, 0, 0);   // a copy and one addition: the same bits
        y.backward(f.get("emb.g"));
        f.assertMatches("emb.d.weight", emb.weight().grad(), 1e-6, 1e-6);   // row 1 sums three positions
        f.assertMatches("emb.d.pos", pos.weight().grad(), 1e-6, 1e-6);
    }

    @Test
    void paddingRowStartsAtZeroAndNeverLearns() {
        Embedding emb = new Embedding(5, 3, 0, new Rng(4));
        assertArrayEquals(new float[3], emb.weight().select(0, 0).toArray(), 0f);
        Tensor y = emb.forward(Tensor.fromArray(0f, 2f, 0f, 2f));
        y.backward(Tensor.ones(4, 3));
        assertArrayEquals(new float[3], emb.weight().grad().select(0, 0).toArray(), 0f, "padding row");
        assertArrayEquals(new float[] {2f, 2f, 2f}, emb.weight().grad().select(0, 2).toArray(), 0f, "used twice");
    }

    @Test
    void negativePaddingIndexCountsFromTheEnd() {
        assertEquals(4, new Embedding(5, 3, -1, new Rng(1)).paddingIdx());
        assertEquals(-1, new Embedding(5, 3, new Rng(1)).paddingIdx());
        assertThrows(IllegalArgumentException.class, () -> new Embedding(5, 3, 5, new Rng(1)));
        assertThrows(IllegalArgumentException.class, () -> new Embedding(5, 3, -6, new Rng(1)));
    }

    @Test
    void badIndicesAreRefusedWithTheirValueAndPosition() {
        Embedding emb = new Embedding(10, 2, new Rng(1));
        for (float bad : new float[] {10f, -1f, 2.5f, Float.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> emb.forward(Tensor.fromArray(new float[] {1f, bad, 3f}, 3)));
            assertTrue(e.getMessage().contains("index " + bad) && e.getMessage().contains("position 1")
                    && e.getMessage().contains("[0, 10)"), e.getMessage());
        }
    }

    @Test
    void sameSeedGivesTheSameTableAndStateDictIsTorchs() {
        assertArrayEquals(new Embedding(7, 4, new Rng(9)).weight().toArray(),
                new Embedding(7, 4, new Rng(9)).weight().toArray(), 0f);
        Embedding emb = new Embedding(7, 4, 2, new Rng(9));
        assertEquals(List.of("weight"), List.copyOf(emb.stateDict().keySet()));
        assertEquals("Embedding(7, 4, padding_idx=2)", emb.toString());
    }

    @Test
    void positionalEmbeddingAddsOneRowPerPositionAndSumsItsGradientOverTheBatch() {
        PositionalEmbedding pos = new PositionalEmbedding(8, 3, new Rng(2));
        Tensor x = Tensor.randn(new Rng(3), 2, 5, 3);
        Tensor y = pos.forward(x);
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < 5; t++) {
                for (int e = 0; e < 3; e++) {
                    assertEquals(x.get(b, t, e) + pos.weight().get(t, e), y.get(b, t, e), 0f);
                }
            }
        }
        y.backward(Tensor.ones(2, 5, 3));
        Tensor gw = pos.weight().grad();
        assertArrayEquals(new float[] {2f, 2f, 2f}, gw.select(0, 4).toArray(), 0f, "two sequences use position 4");
        assertArrayEquals(new float[3], gw.select(0, 5).toArray(), 0f, "position 5 is past T");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pos.forward(Tensor.zeros(1, 9, 3)));
        assertTrue(e.getMessage().contains("T <= 8"), e.getMessage());
    }
}
