package dev.pare.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * {@link Tensor#willRecord}: the one rule for "will this op be recorded for backward?" that
 * layers ask before keeping scratch for their backward pass. Its oracle is what
 * {@link Tensor#recordOp} actually does with the same inputs.
 */
class WillRecordProperties {

    private static Tensor leaf(boolean requiresGrad) {
        return Tensor.fromArray(1f, 2f).requiresGrad(requiresGrad);
    }

    @Example
    void noInputThatRequiresGradMeansNoRecording() {
        assertFalse(Tensor.willRecord(leaf(false), leaf(false)));
        assertFalse(Tensor.willRecord());
    }

    @Example
    void anyOneInputThatRequiresGradIsEnough() {
        assertTrue(Tensor.willRecord(leaf(false), leaf(true)));
        assertTrue(Tensor.willRecord(leaf(true), leaf(false)));
    }

    @Example
    void nullInputsSuchAsAMissingBiasAreIgnored() {
        assertFalse(Tensor.willRecord(leaf(false), null));
        assertTrue(Tensor.willRecord(null, leaf(true), null));
        assertFalse(Tensor.willRecord((Tensor) null));
    }

    @Example
    void noGradTurnsItOffUntilTheOutermostScopeCloses() {
        Tensor w = leaf(true);
        try (var outer = Tensor.noGrad()) {
            assertFalse(Tensor.willRecord(w));
            try (var inner = Tensor.noGrad()) {
                assertFalse(Tensor.willRecord(w));
            }
            assertFalse(Tensor.willRecord(w), "still inside the outer noGrad");
        }
        assertTrue(Tensor.willRecord(w), "every scope closed");
    }

    @Example
    void closingAScopeTwiceDoesNotReopenRecordingEarly() {
        Tensor w = leaf(true);
        try (var outer = Tensor.noGrad()) {
            GradMode.Scope inner = Tensor.noGrad();
            inner.close();
            inner.close();
            assertFalse(Tensor.willRecord(w));
        }
        assertTrue(Tensor.willRecord(w));
    }

    @Example
    void aResultComputedUnderNoGradDoesNotRequireGrad() {
        Tensor w = leaf(true);
        Tensor y;
        try (var ignored = Tensor.noGrad()) {
            y = w.mul(2f);
        }
        assertFalse(Tensor.willRecord(y), "y has no history, so an op on y alone records nothing");
        assertTrue(Tensor.willRecord(y, w));
    }

    /**
     * For any inputs (some null, some requiring grad) at any noGrad depth, the rule says yes
     * exactly when recordOp attaches a node, and that is when grad mode is on and an input
     * requires grad.
     */
    @Property(tries = 200)
    void agreesWithWhatRecordOpDoes(@ForAll @Size(max = 4) List<@IntRange(min = 0, max = 2) Integer> kinds,
                                    @ForAll @IntRange(min = 0, max = 3) int noGradDepth) {
        Tensor[] inputs = new Tensor[kinds.size()];
        boolean any = false;
        for (int i = 0; i < inputs.length; i++) {
            int kind = kinds.get(i);
            inputs[i] = kind == 0 ? null : leaf(kind == 2);
            any |= kind == 2;
        }
        List<GradMode.Scope> scopes = new ArrayList<>();
        try {
            for (int d = 0; d < noGradDepth; d++) {
                scopes.add(Tensor.noGrad());
            }
            boolean says = Tensor.willRecord(inputs);
            Tensor out = Tensor.recordOp("probe", Tensor.fromArray(0f), g -> new Tensor[inputs.length], inputs);
            assertEquals(noGradDepth == 0 && any, says, "the rule");
            assertEquals(!out.isLeaf(), says, "recordOp attached a node exactly when willRecord said so");
        } finally {
            for (int d = scopes.size() - 1; d >= 0; d--) {
                scopes.get(d).close();
            }
        }
        assertTrue(GradMode.isEnabled(), "every scope closed");
    }
}
