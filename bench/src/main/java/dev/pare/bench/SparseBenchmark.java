package dev.pare.bench;

import dev.pare.tensor.Rng;
import dev.pare.tensor.kernels.BlockCsrKernels;
import dev.pare.tensor.kernels.BlockCsrMatrix;
import dev.pare.tensor.kernels.CsrKernels;
import dev.pare.tensor.kernels.CsrMatrix;
import dev.pare.tensor.kernels.Gemm;
import dev.pare.tensor.kernels.ReduceKernels;
import dev.pare.tensor.kernels.SparseLayout;
import dev.pare.tensor.parallel.Parallel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A linear layer's product y = x·Wᵀ, W [out, in] pruned to 90% sparsity, sparse kernels against
 * Pare's dense path of the same shape, in the same run:
 * <ul>
 *   <li>batch 1, unstructured CSR against a dense GEMV (one {@link ReduceKernels#dot} per row), on
 *       256×784, 1024×1024 and 4096×4096;</li>
 *   <li>batch 1, block-CSR with 1×16 and 1×8 blocks on 1024×1024 (compare with
 *       {@code denseGemv} at 1024x1024);</li>
 *   <li>batch 64, unstructured CSR batch-minor (with and without the two transposes that move
 *       activations in and out of that layout) and CSR one sample at a time, against
 *       {@link Gemm#gemm}: both as x·Wᵀ (W read transposed, what {@code x.matmul(w.transpose())}
 *       runs) and with Wᵀ stored ahead of time (the other loop of the current Gemm);</li>
 *   <li>batch 64, block-CSR 1×16 batch-minor, against the same Gemm calls.</li>
 * </ul>
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar SparseBenchmark -prof gc
 * </pre>
 *
 * <p>All kernels run on one thread ({@code threads} = 1, set through {@link Parallel}), so the
 * figures compare kernels, not thread pools; {@code -p threads=2} runs the batch-64 kernels and
 * Gemm on two. Each state builds only the shapes its benchmarks need, so the run stays short.
 *
 * <p>Trap: at 4096×4096 one call takes milliseconds, so JMH's measurement loop is compiled by
 * on-stack replacement with the kernel inlined into it, where C2 may box vectors (see
 * KernelBenchmark). If {@code gc.alloc.rate.norm} is not about 0 B/op, rerun with
 * {@code -jvmArgsAppend "--add-modules=jdk.incubator.vector -XX:-UseOnStackReplacement"}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class SparseBenchmark {
    /** Fraction of weights pruned in every benchmark: 90%, as in the targets of docs/pruning.md. */
    static final double SPARSITY = 0.9;

    static int[] parseShape(String shape) {
        String[] parts = shape.split("x");
        return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    }

    /** A dense [rows, cols] matrix of N(0, 1) weights with a random 90% of them set to zero. */
    static float[] unstructured(Rng rng, int rows, int cols) {
        float[] w = new float[rows * cols];
        for (int i = 0; i < w.length; i++) {
            float v = (float) rng.nextGaussian();
            w[i] = rng.nextDouble() < SPARSITY ? 0f : v;
        }
        return w;
    }

    /** A dense [rows, cols] matrix whose aligned 1×B blocks are dropped with probability 90%. */
    static float[] blockPruned(Rng rng, int rows, int cols, int bw) {
        float[] w = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            for (int s = 0; s < cols; s += bw) {
                if (rng.nextDouble() < SPARSITY) {
                    continue;
                }
                for (int c = s; c < Math.min(cols, s + bw); c++) {
                    w[r * cols + c] = (float) rng.nextGaussian();
                }
            }
        }
        return w;
    }

    static float[] gaussian(Rng rng, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) rng.nextGaussian();
        }
        return a;
    }

    /** Batch 1, unstructured: shapes out×in. */
    @State(Scope.Thread)
    public static class Batch1 {
        @Param({"256x784", "1024x1024", "4096x4096"})
        String shape;

        int out;
        int in;
        float[] dense;
        CsrMatrix csr;
        float[] x;
        float[] y;

        @Setup
        public void setup() {
            int[] s = parseShape(shape);
            out = s[0];
            in = s[1];
            Rng rng = new Rng(42);
            dense = unstructured(rng, out, in);
            csr = CsrMatrix.fromDense(dense, 0, out, in);
            x = gaussian(rng, in);
            y = new float[out];
        }
    }

    /** Batch 1, block-pruned: 1024×1024 with 1×16 and 1×8 blocks. */
    @State(Scope.Thread)
    public static class BlockBatch1 {
        @Param({"1024x1024"})
        String shape;

        BlockCsrMatrix block16;
        BlockCsrMatrix block8;
        float[] x;
        float[] y;

        @Setup
        public void setup() {
            int[] s = parseShape(shape);
            Rng rng = new Rng(43);
            block16 = BlockCsrMatrix.fromDense(blockPruned(rng, s[0], s[1], 16), 0, s[0], s[1], 16);
            block8 = BlockCsrMatrix.fromDense(blockPruned(rng, s[0], s[1], 8), 0, s[0], s[1], 8);
            x = gaussian(rng, s[1]);
            y = new float[s[0]];
        }
    }

    /** Batch 64, unstructured: activations batch-major X [64, in], and batch-minor Xᵀ [in, 64]. */
    @State(Scope.Thread)
    public static class Batch64 {
        @Param({"256x784", "1024x1024"})
        String shape;

        @Param({"1"})
        int threads;

        final int batch = 64;
        int out;
        int in;
        float[] dense;
        float[] denseT;
        CsrMatrix csr;
        BlockCsrMatrix block16;
        float[] x;
        float[] xT;
        float[] y;
        float[] yT;

        @Setup
        public void setup() {
            Parallel.setThreads(threads);
            int[] s = parseShape(shape);
            out = s[0];
            in = s[1];
            Rng rng = new Rng(44);
            dense = unstructured(rng, out, in);
            denseT = new float[in * out];
            SparseLayout.transpose(dense, 0, out, in, denseT, 0);
            csr = CsrMatrix.fromDense(dense, 0, out, in);
            block16 = BlockCsrMatrix.fromDense(blockPruned(rng, out, in, 16), 0, out, in, 16);
            x = gaussian(rng, batch * in);
            xT = new float[in * batch];
            SparseLayout.transpose(x, 0, batch, in, xT, 0);
            y = new float[batch * out];
            yT = new float[out * batch];
        }
    }

    // ---- batch 1 ------------------------------------------------------------------------------

    @Benchmark
    public float[] denseGemv(Batch1 s) {
        for (int r = 0; r < s.out; r++) {
            s.y[r] = ReduceKernels.dot(s.dense, r * s.in, 1, s.x, 0, 1, s.in);
        }
        return s.y;
    }

    @Benchmark
    public float[] csrGemv(Batch1 s) {
        CsrKernels.timesVector(s.csr, s.x, 0, s.y, 0);
        return s.y;
    }

    @Benchmark
    public float[] csrGemvScalarTwin(Batch1 s) {
        CsrKernels.timesVectorScalar(s.csr, s.x, 0, s.y, 0);
        return s.y;
    }

    @Benchmark
    public float[] blockCsr16Gemv(BlockBatch1 s) {
        BlockCsrKernels.timesVector(s.block16, s.x, 0, s.y, 0);
        return s.y;
    }

    @Benchmark
    public float[] blockCsr8Gemv(BlockBatch1 s) {
        BlockCsrKernels.timesVector(s.block8, s.x, 0, s.y, 0);
        return s.y;
    }

    // ---- batch 64 -----------------------------------------------------------------------------

    /** Y = X·Wᵀ, W read transposed in place: what {@code x.matmul(w.transpose())} runs today. */
    @Benchmark
    public float[] denseGemmXWt(Batch64 s) {
        Gemm.gemm(false, true, s.batch, s.out, s.in, s.x, 0, s.in, s.dense, 0, s.in, s.y, 0, s.out, false);
        return s.y;
    }

    /** Y = X·(Wᵀ) with Wᵀ [in, out] stored ahead of time, the vectorised loop of the current Gemm. */
    @Benchmark
    public float[] denseGemmXWtStored(Batch64 s) {
        Gemm.gemm(false, false, s.batch, s.out, s.in, s.x, 0, s.in, s.denseT, 0, s.out, s.y, 0, s.out, false);
        return s.y;
    }

    /** Yᵀ = W·Xᵀ with activations already batch-minor (a stack of sparse layers keeps them so). */
    @Benchmark
    public float[] csrBatchMinor(Batch64 s) {
        CsrKernels.timesBatchMinor(s.csr, s.xT, 0, s.batch, s.yT, 0);
        return s.yT;
    }

    /** The same from and to batch-major: transpose X in, multiply, transpose Yᵀ out. */
    @Benchmark
    public float[] csrBatchMinorWithTransposes(Batch64 s) {
        SparseLayout.transpose(s.x, 0, s.batch, s.in, s.xT, 0);
        CsrKernels.timesBatchMinor(s.csr, s.xT, 0, s.batch, s.yT, 0);
        SparseLayout.transpose(s.yT, 0, s.out, s.batch, s.y, 0);
        return s.y;
    }

    /** The same from and to batch-major as a layer runs it: transposes fused, reused buffers, no bias. */
    @Benchmark
    public float[] csrRowMajor(Batch64 s) {
        CsrKernels.timesRowMajor(s.csr, s.x, 0, s.batch, null, 0, s.y, 0);
        return s.y;
    }

    /** Block-CSR 1×16 at 90% of the blocks, batch-minor (the dense baseline is the same). */
    @Benchmark
    public float[] blockCsr16BatchMinor(Batch64 s) {
        BlockCsrKernels.timesBatchMinor(s.block16, s.xT, 0, s.batch, s.yT, 0);
        return s.yT;
    }

    /** CSR one sample at a time: 64 batch-1 products. */
    @Benchmark
    public float[] csrPerSample(Batch64 s) {
        for (int b = 0; b < s.batch; b++) {
            CsrKernels.timesVector(s.csr, s.x, b * s.in, s.y, b * s.out);
        }
        return s.y;
    }
}
