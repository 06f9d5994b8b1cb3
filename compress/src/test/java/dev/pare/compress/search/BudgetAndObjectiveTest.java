package dev.pare.compress.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BudgetAndObjectiveTest {

    @Test
    void aBudgetReadsEvaluationsOrTime() {
        assertEquals(new Budget(50, false), Budget.parse("50"));
        assertEquals(new Budget(90, true), Budget.parse("90s"));
        assertEquals(new Budget(1200, true), Budget.parse("20m"));
        assertEquals(new Budget(7200, true), Budget.parse("2H"));
        assertEquals("20m", Budget.parse("20m").toString());
        assertEquals("90s", Budget.parse("90s").toString());
        assertEquals("50", Budget.parse("50").toString());
        for (String bad : new String[] {"", "m", "-5", "0", "2.5", "ten", "5x"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Budget.parse(bad), bad);
            assertTrue(e.getMessage().contains("--budget \"" + bad + "\""), e.getMessage());
        }
    }

    @Test
    void anEvaluationBudgetFitsWholeEvaluationsAndATimeBudgetStopsOnceSpent() {
        Budget evaluations = new Budget(10, false);
        assertTrue(evaluations.allows(7, 3));
        assertFalse(evaluations.allows(8, 3));
        Budget time = new Budget(60, true);
        assertTrue(time.allows(59.9, 9));
        assertFalse(time.allows(60, 1));
    }

    private static Trial trial(double accuracy, double micros) {
        return new Trial(0, "mlp:32", 1, accuracy, 1, 1, 4, micros, Double.NaN, 0);
    }

    @Test
    void mnasNetsSoftTargetCostsFivePercentForTwiceTheLatency() {
        Objective o = new Objective(0, 0, 100);
        assertEquals(0.9, o.fitness(trial(0.9, 50)), 0);
        assertEquals(0.9, o.fitness(trial(0.9, 100)), 0);
        assertEquals(0.9 * Math.pow(2, -0.07), o.fitness(trial(0.9, 200)), 1e-15);
        assertEquals(0.9, Objective.accuracy().fitness(trial(0.9, 1e9)), 0);
    }

    @Test
    void hardLimitsAdmitUpToTheirValue() {
        Objective o = new Objective(100, 1000, 0);
        assertTrue(o.admits(100, 1000));
        assertFalse(o.admits(100.5, 1000));
        assertFalse(o.admits(50, 1001));
        assertTrue(Objective.accuracy().admits(1e12, Long.MAX_VALUE));
        assertThrows(IllegalArgumentException.class, () -> new Objective(-1, 0, 0));
    }
}
