package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Loading state dicts whose keys are named differently: rules, what they report, and the hints on a mismatch. */
class KeyMapTest {

    /** The keys of PyTorch's nn.Sequential(Linear(4, 3), ReLU(), Linear(3, 2)). */
    private static Map<String, Tensor> torchMlpState() {
        Rng rng = new Rng(7);
        return new Sequential(new Linear(4, 3, rng), new ReLU(), new Linear(3, 2, rng)).stateDict();
    }

    /** The same layers with a Flatten in front, as FashionModels.mlp builds them: keys 1.* and 3.*. */
    private static Module pareMlpWithFlatten() {
        Rng rng = new Rng(8);
        return new Sequential(new Flatten(), new Linear(4, 3, rng), new ReLU(), new Linear(3, 2, rng));
    }

    @Test
    void aMismatchSuggestsTheIndexShiftAndNamesTheFlattenThatCausesIt() {
        Module m = pareMlpWithFlatten();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.loadStateDict(torchMlpState(), true));
        String msg = e.getMessage();
        assertTrue(msg.contains("likely mapping: checkpoint \"0.*\" ↔ module \"1.*\" (both hold weight, bias): the module's 0 is Flatten"),
                msg);
        assertTrue(msg.contains("likely mapping: checkpoint \"2.*\" ↔ module \"3.*\""), msg);
        assertTrue(msg.contains("try KeyMap.builder().shiftIndex(1).build() (every index moves by 1)"), msg);
        assertTrue(m.loadStateDict(torchMlpState(), true, KeyMap.builder().shiftIndex(1).build()).isClean());
    }

    @Test
    void anIndexThatAlreadyMatchesRulesOutTheShiftAndTheRenamesAreSuggested() {
        // 0.* matches already (Linear(4, 3) in both); only the second Linear moved, from 2 to 3.
        Rng rng = new Rng(9);
        Module m = new Sequential(new Linear(4, 3, rng), new ReLU(), new Dropout(0.5, rng.fork()), new Linear(3, 2, rng));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.loadStateDict(torchMlpState(), true));
        assertTrue(e.getMessage().contains("try KeyMap.builder().rename(\"2.\", \"3.\").build()"), e.getMessage());
        assertTrue(!e.getMessage().contains("shiftIndex"), e.getMessage());
    }

    @Test
    void shiftIndexMovesOnlyLeadingIndicesAndRefusesANegativeOne() {
        KeyMap up = KeyMap.builder().shiftIndex(1).build();
        assertEquals("1.weight", up.map("0.weight"));
        assertEquals("10.bias", up.map("9.bias"));
        assertEquals("4.0.weight", up.map("3.0.weight"), "only the first component moves");
        assertEquals("fc.0.weight", up.map("fc.0.weight"));
        assertEquals("01.weight", up.map("01.weight"), "PyTorch never writes a leading zero: not an index");
        assertEquals("7", up.map("6"));
        KeyMap down = KeyMap.builder().shiftIndex(-1).build();
        assertEquals("0.weight", down.map("1.weight"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> down.map("0.weight"));
        assertTrue(e.getMessage().contains("key \"0.weight\" would get index -1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KeyMap.builder().shiftIndex(0));
        assertEquals("shiftIndex(-1)", down.toString());
    }

    @Test
    void renamingTheIndicesLoadsEveryTensorAndReportsEachRename() {
        Map<String, Tensor> state = torchMlpState();
        Module m = pareMlpWithFlatten();
        LoadResult r = m.loadStateDict(state, true, KeyMap.builder().rename("0.", "1.").rename("2.", "3.").build());
        assertTrue(r.isClean());
        assertEquals(Map.of("0.weight", "1.weight", "0.bias", "1.bias", "2.weight", "3.weight", "2.bias", "3.bias"),
                r.renamedKeys());
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), List.copyOf(r.renamedKeys().keySet()),
                "in checkpoint order");
        for (String k : List.of("weight", "bias")) {
            assertArrayEquals(state.get("0." + k).toArray(), m.stateDict().get("1." + k).toArray(), 0f, "0." + k);
            assertArrayEquals(state.get("2." + k).toArray(), m.stateDict().get("3." + k).toArray(), 0f, "2." + k);
        }
    }

    @Test
    void dataParallelPrefixIsSuggestedAndStripped() {
        Map<String, Tensor> state = new LinkedHashMap<>();
        torchMlpState().forEach((k, v) -> state.put("module." + k, v));
        Module m = new Sequential(new Linear(4, 3, new Rng(1)), new ReLU(), new Linear(3, 2, new Rng(2)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(state, true));
        assertTrue(e.getMessage().contains("try KeyMap.builder().stripPrefix(\"module.\")"), e.getMessage());
        assertTrue(m.loadStateDict(state, true, KeyMap.builder().stripPrefix("module.").build()).isClean());
    }

    @Test
    void aWholeModelLoadsAsASubmoduleWithAnAddedPrefix() {
        Linear fc = new Linear(4, 3, new Rng(3));
        Module m = new Sequential(new Linear(4, 3, new Rng(4)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(fc.stateDict(), true));
        assertTrue(e.getMessage().contains("try KeyMap.builder().addPrefix(\"0.\")"), e.getMessage());
        LoadResult r = m.loadStateDict(fc.stateDict(), true, KeyMap.builder().addPrefix("0.").build());
        assertEquals(Map.of("weight", "0.weight", "bias", "0.bias"), r.renamedKeys());
    }

    @Test
    void ignoredKeysAreDroppedBeforeMatchingAndReported() {
        Map<String, Tensor> state = new LinkedHashMap<>(torchMlpState());
        state.put("extra.step", Tensor.scalar(3f));
        Module m = new Sequential(new Linear(4, 3, new Rng(1)), new ReLU(), new Linear(3, 2, new Rng(2)));
        LoadResult r = m.loadStateDict(state, true, KeyMap.builder().ignore("extra.step").build());
        assertTrue(r.isClean());
        assertEquals(List.of("extra.step"), r.ignoredKeys());
    }

    @Test
    void twoKeysThatMapToTheSameNameAreAnErrorNamingBoth() {
        Map<String, Tensor> state = new LinkedHashMap<>();
        state.put("a.weight", Tensor.scalar(1f));
        state.put("b.weight", Tensor.scalar(2f));
        KeyMap map = KeyMap.builder().rename("a.", "c.").rename("b.", "c.").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Linear(1, 1, new Rng(1)).loadStateDict(state, false, map));
        assertTrue(e.getMessage().contains("checkpoint keys \"a.weight\" and \"b.weight\" both map to \"c.weight\""),
                e.getMessage());
    }

    @Test
    void rulesApplyInOrderEachToThePreviousResult() {
        KeyMap map = KeyMap.builder().stripPrefix("module.").rename("0.", "1.").addPrefix("backbone.").build();
        assertEquals("backbone.1.weight", map.map("module.0.weight"));
        assertEquals("backbone.10.weight", map.map("10.weight"), "\"0.\" does not match \"10.\"");
    }
}
