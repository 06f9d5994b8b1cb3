package dev.pare.compress.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class SearchSpaceExamples {
    private final MobileNetSpace mbv2 = new MobileNetSpace();
    private final MlpSpace mlp = new MlpSpace();

    @Test
    void aMobileNetEncodingReadsBackAndBuildsAModelOfTenLogits() {
        String e = "mbv2:s16|e6k3n2w1.0|e3k5n1w0.75|e1k3n3w1.5";
        MobileNetArchitecture a = mbv2.decode(e);
        assertEquals(e, a.encode());
        assertEquals(List.of(16, 18, 60), List.of(a.channels(0), a.channels(1), a.channels(2)));
        assertEquals(List.of(2, 10), List.of(a.build(new Rng(0)).forward(Tensor.zeros(2, 1, 28, 28)).shape()[0],
                a.build(new Rng(0)).forward(Tensor.zeros(2, 1, 28, 28)).shape()[1]));
        assertEquals("stem:c1-16:h28:k3:s2", a.latencyUnits().get(0).signature());
        assertEquals("ir:c16-16:h14:k3:s1:e6", a.latencyUnits().get(1).signature());
        assertEquals("head:c60:h7:n10", a.latencyUnits().get(a.latencyUnits().size() - 1).signature());
    }

    /** The hand-computed count of the smallest mbv2 model, term by term. */
    @Test
    void theSmallestMobileNetIsCountedByHand() {
        MobileNetArchitecture a = mbv2.decode("mbv2:s8|e1k3n1w0.5|e1k3n1w0.5|e1k3n1w0.5");
        // Channels 8 (stem), 8, 12, 20 (half of 16, 24, 40).
        // stem 9·8 + BN 16; block 8→8 s1: dw 8·9 + 16, project 8·8 + 16; 8→12 s2: dw 72 + 16, project 96 + 24;
        // 12→20 s1: dw 108 + 24, project 240 + 40; classifier 20·10 + 10.
        long params = 72 + 16 + (72 + 16 + 64 + 16) + (72 + 16 + 96 + 24) + (108 + 24 + 240 + 40) + 210;
        assertEquals(params, a.parameters());
        // stem (stride 2) 14²·9·8; block 1 at 14²: dw 8·9, project 8·8; block 2 at 7²: 8·9, 8·16;
        // block 3 at 7²: 12·9, 12·20; fc 200.
        long madds = 196L * 72 + 196L * (72 + 64) + 49L * (72 + 96) + 49L * (108 + 240) + 200;
        assertEquals(madds, a.multiplyAdds());
    }

    @Test
    void anMlpEncodingListsTheHiddenWidths() {
        MlpArchitecture a = mlp.decode("mlp:256-128");
        assertEquals(235_146, a.parameters()); // FashionModels.mlp's count
        assertEquals(784L * 256 + 256 * 128 + 128 * 10, a.multiplyAdds());
        assertEquals(List.of("fc:784-256:relu", "fc:256-128:relu", "fc:128-10"),
                a.latencyUnits().stream().map(LatencyUnit::signature).toList());
    }

    @Test
    void badEncodingsAreRefusedNamingTheirFault() {
        assertMessage(() -> mbv2.decode("mlp:256"), "must start with \"mbv2:\"");
        assertMessage(() -> mbv2.decode("mbv2:s16|e6k3n2w1.0"), "found 2 parts");
        assertMessage(() -> mbv2.decode("mbv2:s17|e6k3n2w1.0|e6k3n2w1.0|e6k3n2w1.0"), "stem channels 17 is not one of [8, 16, 24]");
        assertMessage(() -> mbv2.decode("mbv2:s16|e6k3n2w1.0|e4k3n2w1.0|e6k3n2w1.0"), "stage 2 expansion 4");
        assertMessage(() -> mbv2.decode("mbv2:s16|e6k3n2w1.0|e6k3n2w1.0|e6k7n2w1.0"), "stage 3 kernel 7");
        assertMessage(() -> mbv2.decode("mbv2:s16|e6k3n9w1.0|e6k3n2w1.0|e6k3n2w1.0"), "stage 1 blocks 9");
        assertMessage(() -> mbv2.decode("mbv2:s16|e6k3n2w1.0|e6k3n2w0.3|e6k3n2w1.0"), "stage 2 width 0.3");
        assertMessage(() -> mbv2.decode("mbv2:s16|e6k3|e6k3n2w1.0|e6k3n2w1.0"), "is not of the form e6k3n2w1.0");
        assertMessage(() -> mbv2.decode("mbv2:s99999999999|e6k3n2w1.0|e6k3n2w1.0|e6k3n2w1.0"), "too large");
        assertMessage(() -> mlp.decode("mlp:"), "\"\" is not a width");
        assertMessage(() -> mlp.decode("mlp:256-100"), "width 100 is not one of [32, 64, 128, 256, 512]");
        assertMessage(() -> mlp.decode("mlp:32-32-32-32"), "4 hidden layers");
        assertMessage(() -> SearchSpace.named("resnet"), "known spaces are mbv2 and mlp");
    }

    @Test
    void aWidthWrittenDifferentlyReadsAsTheSameChoice() {
        assertEquals(mbv2.decode("mbv2:s16|e6k3n2w1.0|e6k3n2w1.0|e6k3n2w1.0"),
                mbv2.decode("mbv2:s16|e6k3n2w1|e6k3n2w1.00|e6k3n2w1.0"));
    }

    private static void assertMessage(Runnable r, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }
}
