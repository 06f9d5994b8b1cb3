package dev.pare.compress.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Linear;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class SparsityReportTest {

    @Test
    void countsParametersNonZerosAndBytesPerLayerAndInTotal() {
        Sequential m = new Sequential(new Linear(10, 8, new Rng(1)), new ReLU(), new Linear(8, 4, new Rng(2)));
        MagnitudePruner.pruneLayer(m, "0.weight", 0.75);
        m.replaceModule("2", SparseLinear.fromLinear((Linear) m.getModule("2"), SparseFormat.CSR));
        SparsityReport r = SparsityReport.of(m);

        SparsityReport.Row masked = r.rows().get(0);
        assertEquals("0", masked.layer());
        assertEquals(80, masked.parameters());
        assertEquals(20, masked.nonZeros());
        assertEquals(0.75, masked.sparsity(), 1e-12);
        assertEquals(320, masked.denseBytes());
        // Hand count: 20 values × 4 B + 20 indices × 2 B + 9 row pointers × 4 B.
        assertEquals(20 * 4 + 20 * 2 + 9 * 4, masked.sparseBytes());

        SparsityReport.Row sparse = r.rows().get(1);
        assertEquals(32, sparse.parameters());
        assertEquals(32, sparse.nonZeros());
        assertEquals(32 * 6 + 5 * 4, sparse.sparseBytes());

        SparsityReport.Row total = r.total();
        assertEquals(112, total.parameters());
        assertEquals(52, total.nonZeros());
        assertTrue(r.toString().contains("75.00%"), r.toString());
    }

    @Test
    void lotteryTicketRewindKeepsTheMaskAndRestoresTheEarlyValues() {
        Sequential m = new Sequential(new Linear(6, 4, new Rng(3)));
        float[] early = ((Linear) m.getModule("0")).weight().toArray();
        LotteryTicket ticket = LotteryTicket.snapshot(m, List.of("0.weight"));
        try (var ignored = Tensor.noGrad()) {
            ((Linear) m.getModule("0")).weight().mulInPlace(3f); // "training"
        }
        MagnitudePruner.pruneLayer(m, "0.weight", 0.5);
        float[] mask = Mask.maskOf(m.getModule("0"), "weight").toArray();
        ticket.rewind(m);
        assertArrayEquals(early, Mask.stored(m.getModule("0"), "weight").toArray());
        assertArrayEquals(mask, Mask.maskOf(m.getModule("0"), "weight").toArray());
    }
}
