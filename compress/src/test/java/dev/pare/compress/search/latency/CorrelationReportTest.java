package dev.pare.compress.search.latency;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.compress.report.LatencyStats;
import dev.pare.compress.search.Architecture;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CorrelationReportTest {

    @Test
    void measuringPredictsThenMeasuresEachArchitectureAndCorrelatesTheTwo() {
        List<Architecture> archs = ProbeArchitectures.sample(0, 4);
        // Planned figures: predicted 10, 20, 30, 40 µs; measured in the order 12, 50, 35, 41 µs.
        Map<String, double[]> planned = Map.of(archs.get(0).encode(), new double[] {10, 12},
                archs.get(1).encode(), new double[] {20, 50}, archs.get(2).encode(), new double[] {30, 35},
                archs.get(3).encode(), new double[] {40, 41});
        List<String> log = new ArrayList<>();
        CorrelationReport r = CorrelationReport.measure(archs, (a, b) -> planned.get(a.encode())[0],
                (a, b) -> new LatencyStats(planned.get(a.encode())[1], 99, 1), 1, log::add);
        assertEquals(4, log.size());
        // Ranks 1,2,3,4 against 1,4,2,3: deviations [-1.5,-0.5,0.5,1.5] and [-1.5,1.5,-0.5,0.5],
        // Σ dx·dy = 2, Σ dx² = Σ dy² = 5, so ρ = 0.4.
        assertEquals(0.4, r.spearman(), 1e-12);
        assertEquals(RankCorrelation.pearsonOfLogs(new double[] {10, 20, 30, 40}, new double[] {12, 50, 35, 41}),
                r.pearsonOfLogs());
        // Ratios 1.2, 2.5, 1.1667, 1.025: median (1.1667 + 1.2) / 2.
        assertEquals((35.0 / 30 + 1.2) / 2, r.medianRatio(), 1e-12);
        String text = r.format();
        assertTrue(text.contains("4 architectures at batch 1: Spearman rank correlation 0.400"), text);
        assertTrue(text.lines().count() == 6, text);
    }

    @Test
    void tooFewRowsGiveAnUndefinedCorrelationNotAnError() {
        CorrelationReport one = CorrelationReport.of(1, List.of(new CorrelationReport.Row("x", 1, 2)));
        assertTrue(Double.isNaN(one.spearman()));
        assertTrue(one.format().contains("Spearman rank correlation undefined"), one.format());
    }

    @Test
    void aRowWithoutAPositiveTimeIsRefusedAndNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CorrelationReport.Row("mlp:784-10", 0, 3));
        assertTrue(e.getMessage().startsWith("CorrelationReport.Row: mlp:784-10: predicted 0.0"), e.getMessage());
    }
}
