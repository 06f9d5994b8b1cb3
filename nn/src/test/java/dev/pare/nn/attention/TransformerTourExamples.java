package dev.pare.nn.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Embedding;
import dev.pare.nn.LayerNorm;
import dev.pare.nn.LoadResult;
import dev.pare.nn.PositionalEmbedding;
import dev.pare.nn.io.SafeTensors;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The code samples of docs/attention.md, run with the tests so that they stay true. */
class TransformerTourExamples {
    @TempDir
    Path dir;

    @Test
    void tokensToContextualVectors() {
        // §1: ids [B, T] -> token + position vectors [B, T, E] -> a pre-norm encoder -> [B, T, E]
        Rng rng = new Rng(42);
        Embedding tokens = new Embedding(100, 32, 0, rng);           // id 0 is padding
        PositionalEmbedding positions = new PositionalEmbedding(16, 32, rng);
        TransformerEncoder encoder = new TransformerEncoder(2,
                i -> new TransformerEncoderLayer(32, 4, 128, 0.1, Activation.GELU, 1e-5, true, rng),
                new LayerNorm(32));
        Tensor ids = Tensor.fromArray(new float[] {
            5, 17, 42, 8, 0, 0,                                      // 4 tokens and 2 pads
            9, 3, 3, 61, 27, 11}, 2, 6);
        AttentionMask padding = AttentionMask.bool(ids.eq(Tensor.scalar(0f)));   // 1 where id == 0
        Tensor x = positions.forward(tokens.forward(ids));          // [2, 6, 32]
        Tensor y = encoder.forward(x, null, padding);                // [2, 6, 32]
        assertArrayEquals(new int[] {2, 6, 32}, y.shape());
    }

    @Test
    void loadAnEncoderTrainedByPyTorch() throws IOException {
        Path file = dir.resolve("encoder_pre.safetensors");
        try (InputStream in = getClass().getResourceAsStream("/fixtures/transformer/encoder_pre.safetensors")) {
            Files.write(file, in.readAllBytes());
        }
        // §7, Try it: the encoder of make_transformer_fixtures.py, written by PyTorch.
        Rng rng = new Rng(0);   // any seed: every weight is overwritten by the checkpoint
        TransformerEncoder encoder = new TransformerEncoder(2,
                i -> new TransformerEncoderLayer(16, 4, 32, 0.1, Activation.RELU, 1e-5, true, rng),
                new LayerNorm(16));
        Map<String, Tensor> state = SafeTensors.load(file);
        LoadResult r = encoder.loadStateDict(state, true);          // strict: every name must match
        encoder.eval();                                              // dropout off
        Tensor y = encoder.forward(Tensor.randn(new Rng(1), 3, 6, 16), AttentionMask.causal(6), null);
        assertTrue(r.missingKeys().isEmpty() && r.unexpectedKeys().isEmpty());
        assertEquals(26, state.size());
        assertArrayEquals(new int[] {3, 6, 16}, y.shape());
    }
}
