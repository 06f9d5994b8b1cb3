package dev.pare.compress.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.pare.nn.attention.ViTConfig;
import dev.pare.nn.attention.VisionTransformer;
import dev.pare.nn.optim.AdamW;
import dev.pare.nn.train.FitResult;
import dev.pare.nn.train.LabeledBatch;
import dev.pare.nn.train.ProgressMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DistilBERT's recipe on a Vision Transformer, as docs/distillation.md §8 shows it: the text
 * between the {@code // tour:} markers is what the chapter quotes (ChapterSnippetsTest keeps the
 * two equal), run here on a tiny model and two random batches so that it stays correct.
 */
class DistilBertTourExamples {

    @Test
    void distilBert() {
        Rng data = new Rng(9);
        List<LabeledBatch> train = List.of(
                LabeledBatch.of(Tensor.randn(data, 8, 1, 28, 28), Tensor.fromArray(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f)),
                LabeledBatch.of(Tensor.randn(data, 8, 1, 28, 28), Tensor.fromArray(8f, 9f, 0f, 1f, 2f, 3f, 4f, 5f)));
        // tour: distilBert
        ViTConfig config = ViTConfig.fashion(7, 16, 4, 2);                 // 7×7 patches, d = 16, 4 layers, 2 heads
        VisionTransformer teacher = new VisionTransformer(config, new Rng(1));   // (trained, in a real run)
        VisionTransformer student = new VisionTransformer(config.withDepth(2), new Rng(2));
        int[] from = TeacherLayerInit.copy(teacher, student);              // {0, 2}, and everything around the encoder
        DistilBertLoss loss = new DistilBertLoss(2f, 5f, 2f, 1f, 0.1f, HiddenStatePooling.CLASS_TOKEN);
        AdamW adamW = new AdamW(student.parameters(), 1e-3);
        Distiller distiller = Distiller.builder(teacher, student, loss, adamW)
                .epochs(1).progress(ProgressMode.NONE).build();
        FitResult result = distiller.fitBatches(train, null);              // the teacher runs on every batch
        // tour: end
        assertArrayEquals(new int[] {0, 2}, from);
        assertEquals(1, result.epochs().size());
        assertFalse(Double.isNaN(result.last().trainLoss()));
        assertFalse(student.encoder().keepsHiddenStates(), "the taps are off after the fit");
    }
}
