package dev.pare.compress.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.compress.prune.HeadPruner;
import dev.pare.nn.Conv2d;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.attention.MultiheadAttention;
import dev.pare.nn.attention.ViTConfig;
import dev.pare.nn.attention.VisionTransformer;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.CheckpointContentException;
import dev.pare.nn.io.DType;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.io.TensorEntry;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dynamic int8 of a transformer (PyTorch's {@code quantize_dynamic} on every Linear, plus
 * attention's packed input projection), checked against an independent fake-quantization twin
 * written here with plain {@code Math.rint}, against the fp32 model within the bound the scales
 * imply, and through its checkpoint.
 */
class TransformerQuantizationTest {
    @TempDir
    Path dir;

    /** 8×8 images in 2×2 patches (16 tokens and a class token), D = 16, 2 layers of 4 heads. */
    private static final ViTConfig CONFIG = new ViTConfig(8, 1, 5, 2, 16, 2, 4, 2, 0.0, ViTConfig.Pooling.CLASS_TOKEN);

    private static VisionTransformer vit(long seed) {
        return new VisionTransformer(CONFIG, new Rng(seed));
    }

    @SuppressWarnings("try") // the scope is used only for closing
    private static Tensor run(Module m, Tensor x) {
        m.eval();
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return m.forward(x);
        }
    }

    private static Tensor images(long seed, int n) {
        return Tensor.randn(new Rng(seed), n, 1, 8, 8);
    }

    private static VisionTransformer copyOf(VisionTransformer m, long seed) {
        VisionTransformer c = vit(seed);
        c.loadStateDict(m.stateDict(), true);
        return c;
    }

    // ------------------------------------------------------------ the oracle: fake quantization by hand

    /** x rounded to the int8 grid of its own range, as dynamic quantization does, written out. */
    static float[] fakeQuantizeDynamic(float[] x) {
        float lo = 0f;
        float hi = 0f;
        for (float v : x) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        double s = ((double) hi - lo) / 255;
        float scale = s >= Float.MIN_NORMAL ? (float) s : 1f;
        int zero = s >= Float.MIN_NORMAL ? (int) Math.max(-128, Math.min(127, -128 - Math.round(Math.rint(lo / scale))))
                : -128;
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            float t = Math.min(Math.max(x[i] / scale, -128 - zero), 127 - zero);
            out[i] = (float) Math.rint(t) * scale;   // (q − z)·s with q = rint(t) + z
        }
        return out;
    }

    /** W rounded per row to symmetric int8: s_r = max|w_r|/127, ŵ = rint(w/s_r)·s_r. */
    static float[] fakeQuantizeRows(float[] w, int rows, int cols) {
        float[] out = new float[w.length];
        for (int r = 0; r < rows; r++) {
            float m = 0f;
            for (int j = 0; j < cols; j++) {
                m = Math.max(m, Math.abs(w[r * cols + j]));
            }
            float s = m / 127 >= Float.MIN_NORMAL ? m / 127 : 1f;
            for (int j = 0; j < cols; j++) {
                float t = Math.min(Math.max(w[r * cols + j] / s, -127), 127);
                out[r * cols + j] = (float) Math.rint(t) * s;
            }
        }
        return out;
    }

    /** A float layer computing x̂·Ŵᵀ + b: what an int8 dynamic layer computes, by another route. */
    static final class FakeDynamicLinear extends Module {
        private final Tensor weight;
        private final Tensor bias;

        FakeDynamicLinear(Tensor weight, Tensor bias) {
            int rows = weight.size(0);
            int cols = weight.size(1);
            this.weight = Tensor.fromArray(fakeQuantizeRows(weight.contiguous().toArray(), rows, cols), rows, cols);
            this.bias = bias == null ? null : bias.detach().copy();
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor xq = Tensor.fromArray(fakeQuantizeDynamic(x.contiguous().toArray()), x.shape());
            Tensor y = xq.matmul(weight.t());
            return bias == null ? y : y.add(bias);
        }
    }

    /** A float convolution of x̂ by Ŵ: what a dynamic int8 convolution computes, by another route. */
    static final class FakeDynamicConv extends Module {
        private final Conv2d conv;

        FakeDynamicConv(Conv2d from) {
            int[] shape = from.weight().shape();
            int rows = shape[0];
            int cols = from.weight().numel() / rows;
            conv = new Conv2d(shape[1], shape[0], shape[2], from.stride(), from.padding(), new Rng(0));
            conv.loadStateDict(Map.of("weight", Tensor.fromArray(fakeQuantizeRows(from.weight().contiguous().toArray(),
                    rows, cols), shape), "bias", from.bias().detach().copy()), true);
        }

        @Override
        public Tensor forward(Tensor x) {
            return conv.forward(Tensor.fromArray(fakeQuantizeDynamic(x.contiguous().toArray()), x.shape()));
        }
    }

    /** {@code m} with every Linear and every packed projection replaced by its fake-quantized twin. */
    private static Module fakeQuantized(VisionTransformer m) {
        List<String> linears = new ArrayList<>();
        for (Map.Entry<String, Module> e : m.namedModules().entrySet()) {
            if (e.getValue() instanceof Linear) {
                linears.add(e.getKey());
            }
        }
        for (String p : linears) {
            Linear l = (Linear) m.getModule(p);
            m.replaceModule(p, new FakeDynamicLinear(l.weight(), l.bias()));
        }
        for (MultiheadAttention a : HeadPruner.attentionLayers(m).values()) {
            a.setInProjection(new FakeDynamicLinear(a.inProjWeight(), a.inProjBias()));
        }
        return m;
    }

    // ------------------------------------------------------------ tests

    @Test
    void dynamicLinearQuantizesEveryLinearAndEveryPackedProjectionButNotTheConvolution() {
        VisionTransformer m = vit(1);
        Quantizer.dynamicLinear(m, Granularity.PER_CHANNEL);
        int linears = 0;
        for (Module x : m.namedModules().values()) {
            assertTrue(!(x instanceof Linear), "no float Linear is left: " + x.describe());
            if (x instanceof QuantizedLinear q) {
                assertEquals(QuantMode.DYNAMIC, q.mode());
                linears++;
            }
        }
        // Per layer: in_proj, out_proj, linear1, linear2; and the head.
        assertEquals(2 * 4 + 1, linears);
        assertInstanceOf(Conv2d.class, m.patchEmbedding().proj());
        for (MultiheadAttention a : HeadPruner.attentionLayers(m).values()) {
            QuantizedLinear in = assertInstanceOf(QuantizedLinear.class, a.inProjection());
            assertEquals(48, in.outFeatures());
            assertEquals(16, in.inFeatures());
        }
    }

    @Test
    void theInt8ViTComputesWhatFakeQuantizationComputes() {
        VisionTransformer fp32 = vit(2);
        Tensor x = images(3, 4);
        Tensor expected = run(fakeQuantized(copyOf(fp32, 50)), x);
        Tensor actual = run(Quantizer.dynamicLinear(copyOf(fp32, 51), Granularity.PER_CHANNEL), x);
        // The same rounded operands, summed in a different order: float rounding only, unless an
        // input lands within rounding of a grid midpoint and rounds the other way (one step s).
        assertArrayEquals(expected.toArray(), actual.toArray(), 1e-4f);
        // Not vacuous: the rounding moves the fp32 logits by far more than that tolerance.
        float[] ref = run(fp32, x).toArray();
        float moved = 0f;
        for (int i = 0; i < ref.length; i++) {
            moved = Math.max(moved, Math.abs(ref[i] - expected.toArray()[i]));
        }
        assertTrue(moved > 1e-3f, "fake quantization moved the logits by only " + moved);
    }

    @Test
    void dynamicAlsoQuantizesThePatchEmbeddingAndItsInt8ConvolutionIsWhatRuns() {
        VisionTransformer fp32 = vit(16);
        Tensor x = images(17, 4);
        VisionTransformer twin = (VisionTransformer) fakeQuantized(copyOf(fp32, 53));
        twin.patchEmbedding().replaceModule("proj", new FakeDynamicConv(twin.patchEmbedding().proj()));
        Module q = Quantizer.dynamic(copyOf(fp32, 54), Granularity.PER_CHANNEL);
        assertEquals(QuantMode.DYNAMIC, assertInstanceOf(QuantizedConv2d.class, q.getModule("patch_embed.proj")).mode());
        float[] expected = run(twin, x).toArray();
        assertArrayEquals(expected, run(q, x).toArray(), 1e-4f);
        // Not vacuous: rounding the images and the filters moves the logits of the model whose
        // convolution stays float by far more than that tolerance.
        float[] convFloat = run(Quantizer.dynamicLinear(copyOf(fp32, 55), Granularity.PER_CHANNEL), x).toArray();
        float moved = 0f;
        for (int i = 0; i < expected.length; i++) {
            moved = Math.max(moved, Math.abs(convFloat[i] - expected[i]));
        }
        assertTrue(moved > 1e-3f, "quantizing the patch embedding moved the logits by only " + moved);
    }

    @Test
    void thePackedProjectionStaysWithinTheBoundItsScalesImply() {
        VisionTransformer fp32 = vit(4);
        MultiheadAttention a = HeadPruner.attentionLayers(fp32).values().iterator().next();
        float[] w = a.inProjWeight().contiguous().toArray();
        float[] b = a.inProjBias().toArray();
        Tensor x = Tensor.randn(new Rng(5), 2, 17, 16);
        float[] xs = x.toArray();
        QuantizedLinear q = QuantizedLinear.fromWeight(a.inProjWeight(), a.inProjBias(), QuantMode.DYNAMIC,
                Granularity.PER_CHANNEL, null);
        float[] y = run(q, x).toArray();
        float[] sw = q.weightScales();
        float lo = 0f;
        float hi = 0f;
        for (float v : xs) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        float sx = (hi - lo) / 255;
        for (int t = 0; t < 34; t++) {
            for (int r = 0; r < 48; r++) {
                double exact = b[r];
                double bound = 1e-5;
                for (int j = 0; j < 16; j++) {
                    double wv = w[r * 16 + j];
                    double xv = xs[t * 16 + j];
                    exact += wv * xv;
                    bound += Math.abs(wv) * sx / 2 + Math.abs(xv) * sw[r] / 2 + sw[r] * sx / 4;
                }
                double err = Math.abs(y[t * 48 + r] - exact);
                assertTrue(err <= bound, "token " + t + ", row " + r + ": |int8 − fp32| = " + err + " > bound " + bound);
            }
        }
    }

    @Test
    void theInt8ViTStaysCloseToTheFp32One() {
        // Loose, as against PyTorch: the per-layer errors above compound through softmax and
        // LayerNorm; the logits should still move by a small fraction of their spread.
        VisionTransformer fp32 = vit(6);
        Tensor x = images(7, 8);
        float[] ref = run(fp32, x).toArray();
        float[] q = run(Quantizer.dynamicLinear(copyOf(fp32, 52), Granularity.PER_CHANNEL), x).toArray();
        float spread = 0f;
        float worst = 0f;
        for (int i = 0; i < ref.length; i++) {
            spread = Math.max(spread, Math.abs(ref[i]));
            worst = Math.max(worst, Math.abs(ref[i] - q[i]));
        }
        assertTrue(worst < 0.05f * spread, "max |Δlogit| " + worst + " vs max |logit| " + spread);
    }

    @Test
    void aDynamicViTSavesAsInt8AndLoadsBackIdentically() throws Exception {
        VisionTransformer m = vit(8);
        Quantizer.dynamicLinear(m, Granularity.PER_CHANNEL);
        Path file = dir.resolve("vit-int8.safetensors");
        long bytes = QuantizedCheckpoint.save(file, m);
        Checkpoint c = SafeTensors.read(file);
        assertEquals("dynamic-per-channel-int8", c.metadata().get(QuantizedCheckpoint.SCHEME_KEY));
        assertEquals(DType.I8, c.entry("encoder.layers.0.self_attn.in_proj.weight").dtype());
        assertArrayEquals(new int[] {48, 16}, c.entry("encoder.layers.0.self_attn.in_proj.weight").shape());
        assertArrayEquals(new int[] {48}, c.entry("encoder.layers.0.self_attn.in_proj.weight_scale").shape());
        assertEquals(DType.F32, c.entry("encoder.layers.0.self_attn.in_proj.bias").dtype());
        assertEquals(DType.I8, c.entry("encoder.layers.1.self_attn.out_proj.weight").dtype());
        assertEquals(DType.I8, c.entry("encoder.layers.1.linear2.weight").dtype());
        assertEquals(DType.F32, c.entry("patch_embed.proj.weight").dtype());
        assertTrue(!c.entries().containsKey("encoder.layers.0.self_attn.in_proj_weight"));
        Path fp32 = dir.resolve("vit.safetensors");
        SafeTensors.save(fp32, vit(8).stateDict());
        assertTrue(bytes < Files.size(fp32), "the int8 file is smaller");

        VisionTransformer loaded = vit(99);
        QuantizedCheckpoint.load(file, loaded);
        Tensor x = images(9, 3);
        assertArrayEquals(run(m, x).toArray(), run(loaded, x).toArray(), 0f);
        assertInstanceOf(QuantizedLinear.class, HeadPruner.attentionLayers(loaded).get("encoder.layers.1.self_attn")
                .inProjection());
    }

    /**
     * The twin of a quantized ViT with every float it holds rounded to F16 by the oracle: the
     * float tensors of its state dict (norms, embeddings, class token), and each quantized
     * layer's scales and bias; the int8 codes are kept.
     */
    private static VisionTransformer roundedTwin(Module q, long seed) {
        VisionTransformer twin = vit(seed);
        for (Map.Entry<String, Module> e : q.namedModules().entrySet()) {
            if (e.getValue() instanceof QuantizedLinear l) {
                QuantizedLinear r = new QuantizedLinear(l.inFeatures(), l.outFeatures(), l.weightCodes(),
                        F16Rounding.round(l.weightScales()), F16Rounding.round(l.bias()), l.mode(), l.granularity(), null);
                if (e.getKey().endsWith(".in_proj")) {
                    // The attention keeps its projection in a field: install it, as loading does.
                    String attention = e.getKey().substring(0, e.getKey().length() - ".in_proj".length());
                    ((MultiheadAttention) twin.getModule(attention)).setInProjection(r);
                } else {
                    twin.replaceModule(e.getKey(), r);
                }
            } else if (e.getValue() instanceof QuantizedConv2d c) {
                twin.replaceModule(e.getKey(), new QuantizedConv2d(c.weightShape(), c.weightCodes(),
                        F16Rounding.round(c.weightScales()), F16Rounding.round(c.bias()), c.stride(), c.padding(),
                        c.dilation(), c.groups(), c.mode(), c.granularity(), null));
            }
        }
        Map<String, Tensor> rounded = new java.util.LinkedHashMap<>();
        q.stateDict().forEach((k, v) -> rounded.put(k, Tensor.fromArray(F16Rounding.round(v.contiguous().toArray()),
                v.shape())));
        twin.loadStateDict(rounded, true);
        return twin;
    }

    @Test
    void aViTSavedWithF16FloatsLoadsAsItsTwinRoundedToF16ByHand() throws Exception {
        // dynamicLinear leaves the patch embedding float (F16 in the file), dynamic makes it int8.
        for (boolean convolutionToo : new boolean[] {false, true}) {
            VisionTransformer m = vit(13);
            if (convolutionToo) {
                Quantizer.dynamic(m, Granularity.PER_CHANNEL);
            } else {
                Quantizer.dynamicLinear(m, Granularity.PER_CHANNEL);
            }
            Path file = dir.resolve("vit-int8-f16-" + convolutionToo + ".safetensors");
            QuantizedCheckpoint.save(file, m, DType.F16);
            Map<String, FileHeader> header = FileHeader.of(file);
            assertEquals("I8", header.get("encoder.layers.0.self_attn.in_proj.weight").dtype());
            assertEquals(convolutionToo ? "I8" : "F16", header.get("patch_embed.proj.weight").dtype());
            for (String name : new String[] {"encoder.layers.0.self_attn.in_proj.weight_scale",
                    "encoder.layers.0.self_attn.in_proj.bias", "encoder.layers.1.linear2.weight_scale", "head.bias",
                    "encoder.layers.0.norm1.weight", "pos_embed.weight", "cls_token.token", "patch_embed.proj.bias"}) {
                assertEquals("F16", header.get(name).dtype(), name);
            }

            VisionTransformer loaded = vit(92);
            QuantizedCheckpoint.load(file, loaded);
            assertEquals(convolutionToo, loaded.getModule("patch_embed.proj") instanceof QuantizedConv2d);
            Tensor x = images(14, 3);
            float[] fromFile = run(loaded, x).toArray();
            // Same values, same kernels: the outputs are equal to the last bit.
            assertArrayEquals(run(roundedTwin(m, 91), x).toArray(), fromFile, 0f);
            // Not vacuous: the rounding moves the outputs of the model kept in F32.
            float[] inMemory = run(m, x).toArray();
            float moved = 0f;
            for (int i = 0; i < inMemory.length; i++) {
                moved = Math.max(moved, Math.abs(inMemory[i] - fromFile[i]));
            }
            assertTrue(moved > 0f, "F16 rounding changed no output");
        }
    }

    @Test
    void f16FloatsSaveTwoBytesPerFloatValueAndKeepTheInt8Codes() throws Exception {
        Module m = Quantizer.dynamicLinear(vit(15), Granularity.PER_CHANNEL);
        Path f32 = dir.resolve("f32-rest.safetensors");
        Path f16 = dir.resolve("f16-rest.safetensors");
        long f32Bytes = QuantizedCheckpoint.save(f32, m);
        long f16Bytes = QuantizedCheckpoint.save(f16, m, DType.F16);
        Map<String, FileHeader> a = FileHeader.of(f32);
        Map<String, FileHeader> b = FileHeader.of(f16);
        assertEquals(a.keySet(), b.keySet());
        Checkpoint codesA = SafeTensors.read(f32);
        Checkpoint codesB = SafeTensors.read(f16);
        long floats = 0;
        long dataA = 0;
        long dataB = 0;
        for (String name : a.keySet()) {
            dataA += a.get(name).bytes();
            dataB += b.get(name).bytes();
            if (a.get(name).dtype().equals("I8")) {
                assertEquals("I8", b.get(name).dtype(), name);
                assertArrayEquals(codesA.entry(name).bytes(), codesB.entry(name).bytes(), name);
            } else {
                assertEquals("F32", a.get(name).dtype(), name);
                assertEquals("F16", b.get(name).dtype(), name);
                floats += a.get(name).bytes() / 4;
            }
        }
        assertTrue(floats > 0);
        assertEquals(2 * floats, dataA - dataB, "2 bytes less for each of the " + floats + " float values");
        assertTrue(f16Bytes < f32Bytes, f16Bytes + " bytes with F16 floats, " + f32Bytes + " with F32");
    }

    @Test
    void aPrunedAndQuantizedViTLoadsIntoAnArchitectureShapedByMatchHeads() throws Exception {
        VisionTransformer m = vit(10);
        HeadPruner.pruneHeads(m, Map.of("encoder.layers.0.self_attn", new int[] {1, 3},
                "encoder.layers.1.self_attn", new int[] {0}));
        Quantizer.dynamicLinear(m, Granularity.PER_CHANNEL);
        Path file = dir.resolve("pruned-int8.safetensors");
        QuantizedCheckpoint.save(file, m);
        CheckpointContentException unshaped = assertThrows(CheckpointContentException.class,
                () -> QuantizedCheckpoint.load(file, vit(98)));
        assertTrue(unshaped.getMessage().contains("\"encoder.layers.0.self_attn\" has 2 heads in the file")
                && unshaped.getMessage().contains("HeadPruner.matchHeads"), unshaped.getMessage());

        VisionTransformer arch = vit(97);
        HeadPruner.matchHeads(arch, SafeTensors.read(file), file.toString());
        assertEquals(Map.of("encoder.layers.0.self_attn", 2, "encoder.layers.1.self_attn", 3),
                HeadPruner.headCounts(arch));
        QuantizedCheckpoint.load(file, arch);
        Tensor x = images(11, 2);
        assertArrayEquals(run(m, x).toArray(), run(arch, x).toArray(), 0f);
    }

    @Test
    void aDamagedPackedProjectionIsRefusedNamingTheEntry() throws Exception {
        Module m = Quantizer.dynamicLinear(vit(12), Granularity.PER_CHANNEL);
        Checkpoint good = QuantizedCheckpoint.toCheckpoint(m);
        String w = "encoder.layers.1.self_attn.in_proj.weight";

        Checkpoint noScale = copyWithout(good, w + "_scale");
        CheckpointContentException e1 = assertThrows(CheckpointContentException.class,
                () -> QuantizedCheckpoint.fromCheckpoint(noScale, "no-scale", vit(96)));
        assertTrue(e1.getMessage().contains(w + "_scale"), e1.getMessage());

        Checkpoint cut = copyWithout(good, w);
        cut.put(w, TensorEntry.ofBytes(new byte[47 * 16], 47, 16));
        CheckpointContentException e2 = assertThrows(CheckpointContentException.class,
                () -> QuantizedCheckpoint.fromCheckpoint(cut, "cut", vit(95)));
        assertTrue(e2.getMessage().contains(w) && e2.getMessage().contains("[47, 16]"), e2.getMessage());

        Checkpoint noBias = copyWithout(good, "encoder.layers.0.self_attn.in_proj.bias");
        CheckpointContentException e3 = assertThrows(CheckpointContentException.class,
                () -> QuantizedCheckpoint.fromCheckpoint(noBias, "no-bias", vit(94)));
        assertTrue(e3.getMessage().contains("encoder.layers.0.self_attn.in_proj.bias"), e3.getMessage());

        Checkpoint badRows = copyWithout(good, w);
        badRows.put(w, TensorEntry.ofBytes(new byte[40 * 16], 40, 16));
        CheckpointContentException e4 = assertThrows(CheckpointContentException.class,
                () -> HeadPruner.matchHeads(vit(93), badRows, "bad-rows"));
        assertTrue(e4.getMessage().contains(w) && e4.getMessage().contains("[40, 16]"), e4.getMessage());
    }

    private static Checkpoint copyWithout(Checkpoint c, String name) {
        Checkpoint out = new Checkpoint();
        c.entries().forEach((k, v) -> {
            if (!k.equals(name)) {
                out.put(k, v);
            }
        });
        c.metadata().forEach(out::putMetadata);
        return out;
    }
}
