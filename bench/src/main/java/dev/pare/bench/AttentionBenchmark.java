package dev.pare.bench;

import dev.pare.nn.LayerNorm;
import dev.pare.nn.attention.Activation;
import dev.pare.nn.attention.MultiheadAttention;
import dev.pare.nn.attention.TransformerEncoderLayer;
import dev.pare.nn.loss.MseLoss;
import dev.pare.nn.optim.AdamW;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The layers of a small Vision Transformer at the shapes a Fashion-MNIST ViT gives them: one
 * {@link MultiheadAttention} and one pre-norm GELU {@link TransformerEncoderLayer}, plus the two
 * row-wise ops they add to a network, {@link LayerNorm} and GELU, alone.
 *
 * <p>Shapes: {@code seq} = 17 is 7×7-pixel patches (4×4 of them) plus the class token, 50 is
 * 4×4-pixel patches (7×7 of them) plus the class token; {@code d} = 64 or 128 with 4 heads and a
 * feed-forward width of 4d. Training runs at batch 128, inference at batch 1 (latency) and 256
 * (throughput), each at 1 and 2 threads. A training step is forward, a mean-squared-error loss
 * against a fixed target, backward, and an AdamW update; {@code bench/peers/torch_attention.py}
 * times the same thing in PyTorch, cell by cell.
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar AttentionBenchmark
 * java -jar bench/target/benchmarks.jar 'AttentionBenchmark.encoder' -p seq=50 -p d=64 -p threads=1 -prof gc
 * </pre>
 *
 * <p>Under {@code -prof gc} the allocation per call is the result tensors and the autograd
 * graph: a few full-size arrays per op, about proportional to batch·seq·d. Kernel loops
 * themselves allocate nothing; a figure far above that sum (vectors boxed by un-inlined code) is
 * a regression.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class AttentionBenchmark {
    static final int HEADS = 4;
    static final int TRAIN_BATCH = 128;

    @Param({"17", "50"})
    int seq;

    @Param({"64", "128"})
    int d;

    @Param({"1", "2"})
    int threads;

    MultiheadAttention attention;
    TransformerEncoderLayer encoder;
    AdamW adamW;
    MseLoss mse;
    LayerNorm norm;
    Tensor x1;
    Tensor x128;
    Tensor input128;
    Tensor x256;
    Tensor target128;
    Tensor hidden128;

    @Setup(Level.Trial)
    public void setup() {
        Parallel.setThreads(threads);
        Rng rng = new Rng(42);
        attention = new MultiheadAttention(d, HEADS, rng);
        encoder = new TransformerEncoderLayer(d, HEADS, 4 * d, 0.0, Activation.GELU, 1e-5, true, rng);
        // AdamW's two moment buffers per parameter are part of a ViT step's cost, as in TrainVit.
        adamW = new AdamW(encoder.parameters(), 1e-3);
        mse = new MseLoss();
        norm = new LayerNorm(d);
        x1 = Tensor.randn(rng, 1, seq, d);
        x128 = Tensor.randn(rng, TRAIN_BATCH, seq, d).requiresGrad(true);
        input128 = Tensor.randn(rng, TRAIN_BATCH, seq, d);   // data: no gradient, as in training
        x256 = Tensor.randn(rng, 256, seq, d);
        target128 = Tensor.randn(rng, TRAIN_BATCH, seq, d);
        hidden128 = Tensor.randn(rng, TRAIN_BATCH, seq, 4 * d).requiresGrad(true);
    }

    /** Self-attention on one sequence, no graph recorded: the latency case. */
    @Benchmark
    public Tensor attentionForwardBatch1() {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return attention.forward(x1, x1, x1, null, null);
        }
    }

    /** Self-attention on 256 sequences, no graph recorded: the throughput case. */
    @Benchmark
    public Tensor attentionForwardBatch256() {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return attention.forward(x256, x256, x256, null, null);
        }
    }

    /** Self-attention forward and backward at batch 128 (gradients of the input and weights). */
    @Benchmark
    public Tensor attentionForwardBackward() {
        attention.zeroGrad();
        x128.setGrad(null);
        attention.forward(x128, x128, x128, null, null).sum().backward();
        return x128.grad();
    }

    /** One encoder block on one sequence, eval mode, no graph recorded. */
    @Benchmark
    public Tensor encoderForwardBatch1() {
        encoder.eval();
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return encoder.forward(x1);
        }
    }

    /** One encoder block on 256 sequences, eval mode, no graph recorded. */
    @Benchmark
    public Tensor encoderForwardBatch256() {
        encoder.eval();
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return encoder.forward(x256);
        }
    }

    /** One AdamW step of the encoder block at batch 128: forward, MSE, backward, update. */
    @Benchmark
    public float encoderTrainStep() {
        encoder.train();
        adamW.zeroGrad();
        Tensor l = mse.apply(encoder.forward(input128), target128);
        l.backward();
        adamW.step();
        return l.item();
    }

    /** LayerNorm over d at batch 128, forward and backward. */
    @Benchmark
    public Tensor layerNormForwardBackward() {
        norm.zeroGrad();
        x128.setGrad(null);
        norm.forward(x128).sum().backward();
        return x128.grad();
    }

    /** GELU of the feed-forward hidden layer [128, seq, 4d], no graph recorded. */
    @Benchmark
    public Tensor geluForward() {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            return hidden128.gelu();
        }
    }

    /** GELU of the feed-forward hidden layer [128, seq, 4d], forward and backward. */
    @Benchmark
    public Tensor geluForwardBackward() {
        hidden128.setGrad(null);
        hidden128.gelu().sum().backward();
        return hidden128.grad();
    }
}
