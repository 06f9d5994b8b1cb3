package dev.pare.compress.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search driver and its strategies, with a stand-in evaluator (a fixed function of the
 * architecture, the fidelity and the seed) so that hundreds of evaluations take milliseconds.
 */
class SearchTest {
    @TempDir
    Path dir;

    /**
     * Accuracy that favours more multiply-adds with diminishing returns, plus a seed-dependent
     * wobble (the "noise" of a short training run) and a bonus for longer training.
     */
    static final class StandIn implements Evaluator {
        int calls;

        @Override
        public double accuracy(Architecture a, int fidelity, long seed) {
            calls++;
            double wobble = ((seed >>> 11) % 1000) / 1000.0 * 0.02;
            double base = 0.70 + 0.2 * (1 - Math.exp(-a.multiplyAdds() / 2e6)) + wobble;
            return Math.min(1, base + 0.01 * Math.log(fidelity));
        }

        @Override
        public String describe() {
            return "stand-in";
        }
    }

    /**
     * A latency model with fixed rates: these tests check the search loop, not this machine's speed,
     * and a model that measures nothing keeps them fast and the same everywhere.
     */
    static final LatencyModel FIXED_RATES = new MultiplyAddLatency(1_000, 20);

    private Search.Builder search(String space, String strategy, int budget, long seed) {
        return Search.builder(SearchSpace.named(space), SearchStrategy.named(strategy), new StandIn())
                .latency(FIXED_RATES).budget(new Budget(budget, false)).seed(seed);
    }

    /** The fields a replay must reproduce: all but the wall time. */
    private static List<String> path(List<Trial> trials) {
        List<String> out = new ArrayList<>();
        for (Trial t : trials) {
            out.add(t.index() + " " + t.encoding() + " @" + t.fidelity() + " " + t.accuracy() + " " + t.predictedMicros()
                    + " " + t.bytes());
        }
        return out;
    }

    @Test
    void theSameSeedGivesTheSameSearchForEveryStrategy() throws IOException {
        for (String strategy : SearchStrategy.names()) {
            List<String> a = path(search("mbv2", strategy, 30, 7).build().run().trials());
            List<String> b = path(search("mbv2", strategy, 30, 7).build().run().trials());
            List<String> c = path(search("mbv2", strategy, 30, 8).build().run().trials());
            assertEquals(a, b, strategy);
            assertNotEquals(a, c, strategy);
        }
    }

    @Test
    void anEvaluationBudgetCountsFidelityUnitsAndIsNeverExceeded() throws IOException {
        for (String strategy : SearchStrategy.names()) {
            Search.Result r = search("mbv2", strategy, 25, 1).build().run();
            int used = r.trials().stream().mapToInt(Trial::fidelity).sum();
            assertTrue(used <= 25 && used > 25 - 9, strategy + " used " + used);
            assertTrue(r.stopReason().contains("budget of 25 evaluations spent"), r.stopReason());
        }
        assertEquals(25, search("mbv2", "random", 25, 1).build().run().trials().size());
    }

    @Test
    void evolutionBreedsEachChildFromAMemberOfThePopulation() throws IOException {
        List<Trial> trials = search("mbv2", "evolution", 40, 3).build().run().trials();
        MobileNetSpace space = new MobileNetSpace();
        for (int i = AgingEvolution.DEFAULT_POPULATION; i < trials.size(); i++) {
            MobileNetArchitecture child = space.decode(trials.get(i).encoding());
            boolean hasParent = false;
            // The parent is an earlier trial (usually one of the last P, but a child that repeats a
            // known architecture is answered from memory and joins the population without a trial).
            for (int j = 0; j < i && !hasParent; j++) {
                hasParent = oneChoiceApart(space.decode(trials.get(j).encoding()), child);
            }
            assertTrue(hasParent, "trial " + i + " " + child.encode() + " is no member's mutation");
        }
    }

    private static boolean oneChoiceApart(MobileNetArchitecture a, MobileNetArchitecture b) {
        int d = a.stem() != b.stem() ? 1 : 0;
        for (int i = 0; i < a.stages().size(); i++) {
            MobileNetArchitecture.Stage s = a.stages().get(i);
            MobileNetArchitecture.Stage t = b.stages().get(i);
            d += (s.expansion() != t.expansion() ? 1 : 0) + (s.kernel() != t.kernel() ? 1 : 0)
                    + (s.blocks() != t.blocks() ? 1 : 0) + (s.width() != t.width() ? 1 : 0);
        }
        return d == 1;
    }

    @Test
    void halvingPromotesTheBestThirdToThreeTimesTheTraining() throws IOException {
        List<Trial> trials = search("mbv2", "halving", 18, 4).build().run().trials();
        assertEquals(12, trials.size());
        List<Trial> rung0 = trials.subList(0, 9);
        List<Trial> rung1 = trials.subList(9, 12);
        assertTrue(rung0.stream().allMatch(t -> t.fidelity() == 1));
        assertTrue(rung1.stream().allMatch(t -> t.fidelity() == 3));
        List<String> top3 = rung0.stream().sorted((p, q) -> Double.compare(q.accuracy(), p.accuracy()))
                .limit(3).map(Trial::encoding).toList();
        assertEquals(top3, rung1.stream().map(Trial::encoding).toList());
    }

    @Test
    void hardLimitsKeepOverLimitCandidatesFromBeingTrained() throws IOException {
        double limit = 800;
        Search.Result r = search("mbv2", "evolution", 30, 5)
                .objective(new Objective(limit, 200_000, 0)).build().run();
        assertEquals(30, r.trials().size());
        for (Trial t : r.trials()) {
            assertTrue(t.predictedMicros() <= limit && t.bytes() <= 200_000, t.toString());
        }
        IllegalStateException none = assertThrows(IllegalStateException.class,
                () -> search("mbv2", "random", 5, 5).objective(new Objective(1, 0, 0)).build().run());
        assertTrue(none.getMessage().contains("relax --max-latency"), none.getMessage());
    }

    @Test
    void aSearchWithoutALatencyModelIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Search.builder(
                new MlpSpace(), SearchStrategy.named("random"), new StandIn()).build());
        assertTrue(e.getMessage().contains("no latency model"), e.getMessage());
    }

    @Test
    void theSmallMlpSpaceRunsOutInsteadOfLoopingForever() throws IOException {
        Search.Result r = search("mlp", "random", 1_000, 2).build().run();
        assertEquals(155, new HashSet<>(r.trials().stream().map(Trial::encoding).toList()).size());
        assertTrue(r.stopReason().contains("exhausted"), r.stopReason());
    }

    /** A search stopped after k evaluations and resumed from its state file ends where an uninterrupted one does. */
    @Test
    void aKilledAndResumedSearchEqualsAnUninterruptedOne() throws IOException {
        for (String strategy : SearchStrategy.names()) {
            List<String> whole = path(search("mbv2", strategy, 30, 11).build().run().trials());
            Path state = dir.resolve(strategy + ".state");
            int[] fresh = {0};
            RuntimeException kill = new RuntimeException("killed");
            RuntimeException thrown = assertThrows(RuntimeException.class, () -> search("mbv2", strategy, 30, 11)
                    .stateFile(state)
                    .listener((t, replayed, s) -> {
                        if (++fresh[0] == 7) {
                            throw kill;
                        }
                    }).build().run());
            assertEquals(kill, thrown);
            assertEquals(7, SearchState.load(state).trials().size());

            StandIn evaluator = new StandIn();
            Search.Result resumed = Search.builder(new MobileNetSpace(), SearchStrategy.named(strategy), evaluator)
                    .latency(FIXED_RATES).budget(new Budget(30, false)).seed(11).stateFile(state).resume(true).build().run();
            assertEquals(whole, path(resumed.trials()), strategy);
            assertEquals(7, resumed.replayed());
            assertEquals(resumed.trials().size() - 7, evaluator.calls, "replayed trials are not trained again");
            assertEquals(whole, path(SearchState.load(state).trials()));
        }
    }

    @Test
    void aLargerBudgetOnResumeContinuesAFinishedSearch() throws IOException {
        Path state = dir.resolve("grow.state");
        search("mbv2", "evolution", 12, 3).stateFile(state).build().run();
        List<String> grown = path(search("mbv2", "evolution", 20, 3).stateFile(state).resume(true).build().run().trials());
        assertEquals(path(search("mbv2", "evolution", 20, 3).build().run().trials()), grown);
    }

    @Test
    void aStateFileIsNeverOverwrittenWithoutResumeNorResumedWithOtherSettings() throws IOException {
        Path state = dir.resolve("s.state");
        search("mbv2", "random", 3, 1).stateFile(state).build().run();
        byte[] before = Files.readAllBytes(state);
        SearchStateException exists = assertThrows(SearchStateException.class,
                () -> search("mbv2", "random", 3, 1).stateFile(state).build().run());
        assertTrue(exists.getMessage().contains("--resume"), exists.getMessage());
        SearchStateException other = assertThrows(SearchStateException.class,
                () -> search("mbv2", "random", 3, 2).stateFile(state).resume(true).build().run());
        assertTrue(other.getMessage().contains("seed was \"1\" and is now \"2\""), other.getMessage());
        SearchStateException strategy = assertThrows(SearchStateException.class,
                () -> search("mbv2", "evolution", 3, 1).stateFile(state).resume(true).build().run());
        assertTrue(strategy.getMessage().contains("strategy was \"random\""), strategy.getMessage());
        assertArrayEquals(before, Files.readAllBytes(state));
    }

    @Test
    void aCorruptStateFileIsRefusedByLineAndLeftAsItWas() throws IOException {
        Path state = dir.resolve("c.state");
        search("mbv2", "random", 3, 1).stateFile(state).build().run();
        String text = Files.readString(state);
        for (String[] c : new String[][] {
                {"garbage\n" + text, "line 1"},
                {text.replace("trial 1,", "trial 5,"), "trial 5 where trial 1 was expected"},
                {text.replace(",1,0.", ",x,0."), "trial \""},
                {text + "trial 3,mbv2:s8,1\n", "has 3"},
                {text + "what is this\n", "neither a setting nor a trial"}}) {
            Files.writeString(state, c[0], StandardCharsets.UTF_8);
            SearchStateException e = assertThrows(SearchStateException.class,
                    () -> search("mbv2", "random", 3, 1).stateFile(state).resume(true).build().run());
            assertTrue(e.getMessage().contains(c[1]) && e.getMessage().contains(state.toString()), e.getMessage());
            assertEquals(c[0], Files.readString(state));
        }
    }

    @Test
    void aStateFileReadsBackBitForBit() throws IOException {
        List<Trial> trials = List.of(
                new Trial(0, "mlp:32", 1, 0.1 + 0.2, 25_450, 25_408, 101_800, 45.123456789, Double.NaN, 1.5),
                new Trial(1, "mlp:64-32", 3, 0.8125, 52_650, 52_544, 210_600, 1e-3, 17.25, 0.25));
        Path file = dir.resolve("rt.state");
        new SearchState(java.util.Map.of("seed", "0", "space", "mlp"), trials).save(file);
        SearchState back = SearchState.load(file);
        assertEquals(trials, back.trials());
        assertEquals("mlp", back.settings().get("space"));
    }

    @Test
    void theFrontierCountsEachArchitectureAtItsLongestTraining() {
        Trial shortRun = new Trial(0, "mlp:32", 1, 0.80, 1, 1, 4, 10, Double.NaN, 0);
        Trial longRun = new Trial(1, "mlp:32", 3, 0.84, 1, 1, 4, 10, Double.NaN, 0);
        Trial slower = new Trial(2, "mlp:64", 1, 0.83, 2, 2, 8, 20, Double.NaN, 0);
        Trial better = new Trial(3, "mlp:128", 1, 0.86, 3, 3, 12, 30, Double.NaN, 0);
        assertEquals(List.of(longRun, better), SearchFrontier.latency(List.of(shortRun, longRun, slower, better)));
        Set<String> bytes = new HashSet<>(SearchFrontier.bytes(List.of(shortRun, slower, better)).stream()
                .map(Trial::encoding).toList());
        assertEquals(Set.of("mlp:32", "mlp:64", "mlp:128"), bytes);
    }
}
