package dev.pare.compress.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.Linear;
import dev.pare.nn.Sequential;
import dev.pare.nn.optim.SGD;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.kernels.BlockCsrMatrix;
import dev.pare.tensor.kernels.CsrMatrix;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** A SparseLinear, in every format, computes what the masked dense Linear computes, both ways. */
class SparseLinearProperties {

    /** A pruned single-layer model: block-pruned for the block formats, magnitude-pruned for CSR. */
    static Sequential pruned(int in, int out, SparseFormat format, int percent, long seed) {
        Sequential m = new Sequential(new Linear(in, out, new Rng(seed)));
        if (format == SparseFormat.CSR || in < format.blockWidth()) {
            MagnitudePruner.pruneLayer(m, "0.weight", percent / 100.0);
        } else {
            BlockPruner.prune(m, "0.weight", percent / 100.0, format.blockWidth());
        }
        return m;
    }

    /** |a − b| within 1e-5·(n + 2)·scale, the order-of-summation bound with room to spare. */
    static void assertClose(float[] expected, float[] actual, int n, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        float scale = 1;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        float tol = 1e-5f * (n + 2) * scale;
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol,
                    what + "[" + i + "]: expected " + expected[i] + ", got " + actual[i] + " (tolerance " + tol + ")");
        }
    }

    @Property(tries = 120)
    void forwardAndBackwardEqualTheMaskedDenseLayer(@ForAll @IntRange(min = 1, max = 45) int in,
                                                   @ForAll @IntRange(min = 1, max = 21) int out,
                                                   @ForAll @IntRange(min = 1, max = 70) int batch,
                                                   @ForAll SparseFormat format,
                                                   @ForAll @IntRange(min = 0, max = 99) int percent,
                                                   @ForAll long seed) {
        checkAgainstDense(in, out, batch, format, percent, seed, false, false);
    }

    /** The same with X batch-minor (Y then comes back batch-minor), and dL/dY in either layout. */
    @Property(tries = 120)
    void batchMinorInputGivesTheSameForwardAndBackward(@ForAll @IntRange(min = 1, max = 45) int in,
                                                      @ForAll @IntRange(min = 1, max = 21) int out,
                                                      @ForAll @IntRange(min = 2, max = 70) int batch,
                                                      @ForAll SparseFormat format,
                                                      @ForAll @IntRange(min = 0, max = 99) int percent,
                                                      @ForAll boolean rowMajorGradient,
                                                      @ForAll long seed) {
        checkAgainstDense(in, out, batch, format, percent, seed, true, rowMajorGradient);
    }

    private static void checkAgainstDense(int in, int out, int batch, SparseFormat format, int percent, long seed,
                                          boolean batchMinor, boolean rowMajorGradient) {
        Sequential dense = pruned(in, out, format, percent, seed);
        Linear linear = (Linear) dense.getModule("0");
        SparseLinear sparse = SparseLinear.fromLinear(linear, format);
        Rng rng = new Rng(seed + 1);
        Tensor xd = Tensor.randn(rng, batch, in).requiresGrad(true);
        Tensor xs = (batchMinor ? SparseLinear.toBatchMinor(xd.detach()) : xd.detach().copy()).requiresGrad(true);
        assertTrue(!batchMinor || SparseLinear.isBatchMinor(xs), "input layout");
        Tensor r = Tensor.randn(rng, batch, out);

        Tensor yd = linear.forward(xd);
        Tensor ys = sparse.forward(xs);
        // (With one input feature, or one sample, the two layouts are the same array.)
        assertTrue(SparseLinear.isBatchMinor(xs) ? SparseLinear.isBatchMinor(ys) : ys.isContiguous(),
                "the output has the input's layout");
        assertClose(yd.toArray(), ys.toArray(), in, "y");

        yd.mul(r).sum().backward();
        // r · ys takes ys's layout (batch-minor dL/dY); ys · r takes r's (row-major).
        (rowMajorGradient ? r.mul(ys) : ys.mul(r)).sum().backward();
        assertClose(xd.grad().toArray(), xs.grad().toArray(), out, "dx");
        assertClose(linear.bias().grad().toArray(), sparse.bias().grad().toArray(), batch, "db");

        // dL/dW of the effective weight, Rᵀ·X (L = Σ Y∘R). Not weight_orig's gradient: that one is
        // masked, while a kept block may hold zeros of its own that the block format does train.
        float[] dW = r.t().matmul(xd.detach()).toArray();
        float[] dv = sparse.values().grad().toArray();
        float[] expected = new float[dv.length];
        if (sparse.weights() instanceof CsrWeights csr) {
            CsrMatrix w = csr.matrix();
            for (int row = 0; row < out; row++) {
                for (int k = w.rowPtr()[row]; k < w.rowPtr()[row + 1]; k++) {
                    expected[k] = dW[row * in + w.column(k)];
                }
            }
        } else {
            BlockCsrMatrix w = ((BlockCsrWeights) sparse.weights()).matrix();
            int bw = w.blockWidth();
            for (int row = 0; row < out; row++) {
                for (int b = w.blockPtr()[row]; b < w.blockPtr()[row + 1]; b++) {
                    for (int j = 0; j < bw; j++) {
                        int c = w.blockStart()[b] + j;
                        // Padding past the last column has no weight: its gradient must be exactly 0.
                        expected[b * bw + j] = c < in ? dW[row * in + c] : 0f;
                    }
                }
            }
        }
        assertClose(expected, dv, batch, "dW at stored entries");
    }

    @Property(tries = 40)
    void aBatchMinorStackWithReluEqualsTheDenseStack(@ForAll @IntRange(min = 1, max = 40) int in,
                                                    @ForAll @IntRange(min = 1, max = 30) int hidden,
                                                    @ForAll @IntRange(min = 2, max = 70) int batch,
                                                    @ForAll SparseFormat format, @ForAll long seed) {
        Linear l1 = (Linear) pruned(in, hidden, format, 80, seed).getModule("0");
        Linear l2 = (Linear) pruned(hidden, 3, format, 50, seed + 1).getModule("0");
        SparseLinear s1 = SparseLinear.fromLinear(l1, format);
        SparseLinear s2 = SparseLinear.fromLinear(l2, format);
        Tensor xd = Tensor.randn(new Rng(seed + 2), batch, in).requiresGrad(true);
        Tensor xs = xd.detach().copy().requiresGrad(true);

        Tensor yd = l2.forward(l1.forward(xd).relu());
        Tensor h = s1.forward(SparseLinear.toBatchMinor(xs)).relu();
        assertTrue(SparseLinear.isBatchMinor(h), "relu keeps the batch-minor layout");
        Tensor ys = s2.forward(h);
        assertTrue(SparseLinear.isBatchMinor(ys), "the stack ends batch-minor");
        assertClose(yd.toArray(), ys.toArray(), in * hidden, "y");

        yd.square().sum().backward();
        ys.square().sum().backward();
        assertClose(xd.grad().toArray(), xs.grad().toArray(), in * hidden, "dx through the stack");
        assertClose(l1.bias().grad().toArray(), s1.bias().grad().toArray(), batch * hidden, "db of layer 1");
    }

    @Property(tries = 30)
    void aDenseLayerAndALossAcceptTheBatchMinorOutput(@ForAll @IntRange(min = 2, max = 70) int batch,
                                                     @ForAll long seed) {
        SparseLinear s = SparseLinear.fromLinear((Linear) pruned(20, 12, SparseFormat.CSR, 80, seed).getModule("0"),
                SparseFormat.CSR);
        Linear head = new Linear(12, 5, new Rng(seed + 1));
        Tensor x = Tensor.randn(new Rng(seed + 2), batch, 20);
        float[] labels = new float[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = i % 5;
        }
        Tensor y = Tensor.fromArray(labels);
        dev.pare.nn.loss.CrossEntropyLoss ce = new dev.pare.nn.loss.CrossEntropyLoss();

        Tensor rowMajor = ce.apply(head.forward(s.forward(x).relu()), y);
        rowMajor.backward();
        float[] dHead = head.weight().grad().toArray();
        float[] dValues = s.values().grad().toArray();
        head.weight().setGrad(null);
        s.values().setGrad(null);
        Tensor batchMinor = ce.apply(head.forward(s.forward(SparseLinear.toBatchMinor(x)).relu()), y);
        batchMinor.backward();

        assertClose(new float[] {rowMajor.item()}, new float[] {batchMinor.item()}, 12 * batch, "loss");
        assertClose(dHead, head.weight().grad().toArray(), batch, "dL/dW of the dense head");
        assertClose(dValues, s.values().grad().toArray(), batch, "dL/dvalues");
    }

    @Property(tries = 40)
    void oneSampleAsAVectorGivesTheSameAnswerAsABatchOfOne(@ForAll @IntRange(min = 1, max = 40) int in,
                                                          @ForAll @IntRange(min = 1, max = 20) int out,
                                                          @ForAll SparseFormat format, @ForAll long seed) {
        SparseLinear s = SparseLinear.fromLinear((Linear) pruned(in, out, format, 80, seed).getModule("0"), format);
        Tensor x = Tensor.randn(new Rng(seed), in);
        Tensor y = s.forward(x);
        assertEquals(1, y.dim());
        assertClose(s.forward(x.reshape(1, in)).toArray(), y.toArray(), in, "y");
    }

    @Example
    void fineTuningMovesOnlyTheStoredWeights() {
        Sequential m = pruned(20, 6, SparseFormat.CSR, 90, 3);
        SparseLinear s = SparseLinear.fromLinear((Linear) m.getModule("0"), SparseFormat.CSR);
        float[] before = s.denseWeight().toArray();
        SGD sgd = new SGD(s.parameters(), 0.1, 0, 0, false, 0);
        s.forward(Tensor.randn(new Rng(4), 5, 20)).square().sum().backward();
        sgd.step();
        float[] after = s.denseWeight().toArray();
        int moved = 0;
        for (int i = 0; i < before.length; i++) {
            if (before[i] == 0f) {
                assertEquals(0f, after[i], "pruned weight " + i + " appeared");
            } else if (after[i] != before[i]) {
                moved++;
            }
        }
        assertTrue(moved > 0, "the stored weights must train");
    }

    @Example
    void wrongInputWidthIsNamed() {
        SparseLinear s = SparseLinear.fromLinear(new Linear(8, 3, new Rng(1)), SparseFormat.CSR);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> s.forward(Tensor.zeros(2, 7)));
        assertTrue(e.getMessage().contains("[2, 7]") && e.getMessage().contains("8"), e.getMessage());
        assertTrue(e.getMessage().startsWith("SparseLinear(8 -> 3, csr): "), e.getMessage());
        assertEquals("SparseLinear(8 -> 3, csr)", s.describe());
    }

    @Example
    void eachFormatSaysWhichItIsAndGivesBackItsWeight() {
        float[] w = {1, 0, 0, 2, 0, 3, 0, 0, 0, 0, 4, 0};
        SparseLinear csr = new SparseLinear(new CsrWeights(CsrMatrix.fromDense(w, 0, 2, 6)), null);
        SparseLinear b8 = new SparseLinear(new BlockCsrWeights(BlockCsrMatrix.fromDense(w, 0, 2, 6, 8)), null);
        assertEquals(SparseFormat.CSR, csr.format());
        assertEquals(SparseFormat.BLOCK_8, b8.format());
        org.junit.jupiter.api.Assertions.assertArrayEquals(w, csr.weights().toDense());
        org.junit.jupiter.api.Assertions.assertArrayEquals(w, b8.weights().toDense());
        assertEquals("SparseLinear(6 -> 2, bcsr8)", b8.describe());
    }
}
