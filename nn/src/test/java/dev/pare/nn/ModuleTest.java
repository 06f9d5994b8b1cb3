package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModuleTest {

    /** A small CNN with nesting: a Sequential inside a custom module, and a BatchNorm. */
    static final class Net extends Module {
        final Sequential features;
        final Linear head;

        Net(Rng rng) {
            features = registerModule("features", new Sequential(
                    new Conv2d(1, 4, 3, 1, 1, rng),
                    new BatchNorm2d(4),
                    new ReLU(),
                    new MaxPool2d(2)));
            head = registerModule("head", new Linear(4 * 4 * 4, 3, rng));
        }

        @Override
        public Tensor forward(Tensor x) {
            return head.forward(features.forward(x).flatten(1, -1));
        }
    }

    @Test
    void stateDictUsesPyTorchDottedNamesInRegistrationOrder() {
        Net net = new Net(new Rng(1));
        assertEquals(List.of(
                "features.0.weight", "features.0.bias",
                "features.1.weight", "features.1.bias",
                "features.1.running_mean", "features.1.running_var", "features.1.num_batches_tracked",
                "head.weight", "head.bias"), new ArrayList<>(net.stateDict().keySet()));
        assertArrayEquals(new int[0], net.stateDict().get("features.1.num_batches_tracked").shape());
    }

    @Test
    void namedParametersExcludeBuffersAndParametersRequireGrad() {
        Net net = new Net(new Rng(1));
        LinkedHashMap<String, Tensor> params = net.namedParameters();
        assertEquals(List.of("features.0.weight", "features.0.bias", "features.1.weight", "features.1.bias",
                "head.weight", "head.bias"), new ArrayList<>(params.keySet()));
        for (Tensor p : net.parameters()) {
            assertTrue(p.requiresGrad());
            assertTrue(p.isLeaf());
        }
        assertEquals(List.of("features.1.running_mean", "features.1.running_var", "features.1.num_batches_tracked"),
                new ArrayList<>(net.namedBuffers().keySet()));
        for (Tensor b : net.namedBuffers().values()) {
            assertFalse(b.requiresGrad());
        }
    }

    @Test
    void numParametersCountsEveryLearnableScalar() {
        Net net = new Net(new Rng(1));
        long expected = (4 * 1 * 9 + 4) + (4 + 4) + (64 * 3 + 3);
        assertEquals(expected, net.numParameters());
    }

    @Test
    void sharedParameterIsListedOnce() {
        Linear shared = new Linear(3, 3, new Rng(2));
        Sequential twice = new Sequential(shared, new ReLU(), shared);
        assertEquals(2, twice.parameters().size());
        assertEquals(12, twice.numParameters());
        assertEquals(4, twice.stateDict().size(), "a state dict lists every name, as PyTorch's does");
    }

    @Test
    void trainAndEvalPropagateToEveryDescendant() {
        Net net = new Net(new Rng(1));
        assertTrue(net.isTraining());
        net.eval();
        for (Module m : net.namedModules().values()) {
            assertFalse(m.isTraining(), m.toString());
        }
        net.train();
        for (Module m : net.namedModules().values()) {
            assertTrue(m.isTraining(), m.toString());
        }
        net.setTraining(false);
        assertFalse(net.features.get(1).isTraining());
    }

    @Test
    void zeroGradClearsEveryGradient() {
        Net net = new Net(new Rng(1));
        net.forward(Tensor.randn(new Rng(2), 2, 1, 8, 8)).sum().backward();
        for (Tensor p : net.parameters()) {
            assertNotNull(p.grad());
        }
        net.zeroGrad();
        for (Tensor p : net.parameters()) {
            assertNull(p.grad());
        }
    }

    @Test
    void stateDictRoundTripReproducesOutputsExactly() {
        Net a = new Net(new Rng(1));
        a.forward(Tensor.randn(new Rng(5), 4, 1, 8, 8)); // moves the running statistics
        Net b = new Net(new Rng(99));
        LoadResult r = b.loadStateDict(a.stateDict(), true);
        assertTrue(r.isClean());
        a.eval();
        b.eval();
        Tensor x = Tensor.randn(new Rng(6), 3, 1, 8, 8);
        assertArrayEquals(a.forward(x).toArray(), b.forward(x).toArray());
        assertEquals(1f, b.stateDict().get("features.1.num_batches_tracked").item());
    }

    @Test
    void stateDictSharesStorageWithTheModule() {
        Linear fc = new Linear(2, 2, new Rng(1));
        Tensor w = fc.stateDict().get("weight");
        assertSame(fc.weight().storage(), w.storage());
        assertFalse(w.requiresGrad(), "state dict values are detached");
    }

    @Test
    void loadedValuesAreCopiesNotAliases() {
        Linear a = new Linear(2, 2, new Rng(1));
        Linear b = new Linear(2, 2, new Rng(2));
        b.loadStateDict(a.stateDict(), true);
        assertFalse(a.weight().storage() == b.weight().storage());
        assertArrayEquals(a.weight().toArray(), b.weight().toArray());
    }

    @Test
    void strictLoadReportsMissingUnexpectedAndShapeMismatchesTogether() {
        Net net = new Net(new Rng(1));
        Map<String, Tensor> state = new LinkedHashMap<>(net.stateDict());
        state.remove("head.bias");
        state.remove("features.1.running_var");
        state.put("head.extra", Tensor.zeros(1));
        state.put("features.0.weight", Tensor.zeros(4, 1, 5, 5));
        float[] before = net.head.weight().toArray();
        state.put("head.weight", Tensor.full(7f, 3, 64));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.loadStateDict(state, true));
        String msg = e.getMessage();
        assertTrue(msg.contains("missing keys: [features.1.running_var, head.bias]"), msg);
        assertTrue(msg.contains("unexpected keys: [head.extra]"), msg);
        assertTrue(msg.contains("size mismatch for features.0.weight: checkpoint has [4, 1, 5, 5], module has [4, 1, 3, 3]"), msg);
        assertArrayEquals(before, net.head.weight().toArray(), "a failed load must change nothing");
    }

    @Test
    void nonStrictLoadReturnsMissingAndUnexpectedKeys() {
        Linear fc = new Linear(3, 2, new Rng(1));
        Map<String, Tensor> state = new LinkedHashMap<>();
        state.put("weight", Tensor.full(0.5f, 2, 3));
        state.put("scale", Tensor.ones(1));
        LoadResult r = fc.loadStateDict(state, false);
        assertEquals(List.of("bias"), r.missingKeys());
        assertEquals(List.of("scale"), r.unexpectedKeys());
        assertArrayEquals(Tensor.full(0.5f, 2, 3).toArray(), fc.weight().toArray());
    }

    @Test
    void nonStrictLoadStillRejectsShapeMismatch() {
        Linear fc = new Linear(3, 2, new Rng(1));
        Map<String, Tensor> state = Map.of("weight", Tensor.zeros(3, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fc.loadStateDict(state, false));
        assertTrue(e.getMessage().contains("size mismatch for weight: checkpoint has [3, 2], module has [2, 3]"),
                e.getMessage());
    }

    @Test
    void toStringPrintsTheTreeLikePyTorch() {
        Net net = new Net(new Rng(1));
        String expected = String.join("\n",
                "Net(",
                "  (features): Sequential(",
                "    (0): Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))",
                "    (1): BatchNorm2d(4, eps=1.0E-5, momentum=0.1, affine=true, track_running_stats=true)",
                "    (2): ReLU()",
                "    (3): MaxPool2d(kernel_size=2, stride=2, padding=0)",
                "  )",
                "  (head): Linear(in_features=64, out_features=3, bias=true)",
                ")");
        assertEquals(expected, net.toString());
    }

    @Test
    void replaceModuleSwapsAChildOfASequential() {
        Net net = new Net(new Rng(1));
        Module old = net.replaceModule("features.2", new GELU());
        assertTrue(old instanceof ReLU);
        assertTrue(net.getModule("features.2") instanceof GELU);
        assertTrue(net.features.get(2) instanceof GELU);
    }

    @Test
    void unknownSubmodulePathNamesTheMissingPart() {
        Net net = new Net(new Rng(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.getModule("features.9"));
        assertTrue(e.getMessage().contains("\"9\" is not a child of Sequential()"), e.getMessage());
    }

    @Test
    void registrationRejectsDuplicateAndDottedNames() {
        assertThrows(IllegalArgumentException.class, () -> new Module() {
            {
                registerParameter("w", Tensor.zeros(2));
                registerBuffer("w", Tensor.zeros(2));
            }

            @Override
            public Tensor forward(Tensor x) {
                return x;
            }
        });
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Module() {
            {
                registerModule("a.b", new ReLU());
            }

            @Override
            public Tensor forward(Tensor x) {
                return x;
            }
        });
        assertTrue(e.getMessage().contains("must be non-empty and contain no '.'"), e.getMessage());
    }

    @Test
    void sequentialChainsInOrderAndNamesChildrenByIndex() {
        Rng rng = new Rng(3);
        Sequential s = new Sequential(new Linear(4, 3, rng), new ReLU(), new Linear(3, 2, rng));
        assertEquals(List.of("0", "1", "2"), new ArrayList<>(s.namedChildren().keySet()));
        Tensor x = Tensor.randn(rng, 5, 4);
        Linear l0 = (Linear) s.get(0);
        Linear l2 = (Linear) s.get(2);
        assertArrayEquals(l2.forward(l0.forward(x).relu()).toArray(), s.forward(x).toArray());
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), new ArrayList<>(s.stateDict().keySet()));
    }

    @Test
    void aModuleTreeCannotBecomeACycle() {
        Sequential inner = new Sequential(new ReLU());
        Sequential outer = new Sequential(inner);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> inner.add(outer));
        assertTrue(e.getMessage().contains("cycles"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> outer.replaceModule("0", outer));
        assertThrows(IllegalArgumentException.class, () -> outer.replaceModule("0.0", inner));
        assertEquals(0, outer.parameters().size(), "the refused changes left the tree intact");
    }

    @Test
    void nullPathsAndStatesAreNamedErrors() {
        Sequential s = new Sequential(new ReLU());
        assertThrows(IllegalArgumentException.class, () -> s.replaceModule(null, new ReLU()));
        assertThrows(IllegalArgumentException.class, () -> s.getModule(null));
        assertThrows(IllegalArgumentException.class, () -> s.loadStateDict(null, true));
    }

    @Test
    void describeIsTheShortNameAndToStringKeepsEverySetting() {
        Rng rng = new Rng(2);
        Linear fc = new Linear(784, 256, rng);
        Conv2d conv = new Conv2d(1, 4, 3, 1, 1, rng);
        assertEquals("Linear(784 -> 256)", fc.describe());
        assertEquals("Linear(in_features=784, out_features=256, bias=true)", fc.toString());
        assertEquals("Conv2d(1 -> 4, kernel_size=3)", conv.describe());
        assertEquals("Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))", conv.toString());
        // Without an override, describe() is the leaf's toString() line.
        assertEquals("ReLU()", new ReLU().describe());
        // Module's own errors name the module the same way the layer's forward does.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fc.getModule("x"));
        assertTrue(e.getMessage().startsWith("Linear(784 -> 256): "), e.getMessage());
    }

    /**
     * The layering: the base class of every layer (and the Model interface it implements) must not
     * depend on the training loop built on top of it. A class file names every class it uses in
     * its constant pool, so the bytes of Module.class and Model.class are the oracle.
     */
    @Test
    void moduleAndModelDoNotDependOnTheTrainingPackage() throws Exception {
        for (Class<?> c : new Class<?>[] {Module.class, Model.class}) {
            try (var in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
                assertNotNull(in, c.getName() + ".class on the class path");
                String constants = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
                assertTrue(constants.contains("dev/pare/tensor/Tensor"), "the scan sees class references");
                assertFalse(constants.contains("dev/pare/nn/train/"), c.getName() + " refers to dev.pare.nn.train");
            }
        }
    }
}
