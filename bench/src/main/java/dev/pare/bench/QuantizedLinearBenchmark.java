package dev.pare.bench;

import dev.pare.compress.quantize.Granularity;
import dev.pare.compress.quantize.QuantMode;
import dev.pare.compress.quantize.QuantParams;
import dev.pare.compress.quantize.QuantizedLinear;
import dev.pare.nn.Linear;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Pare's fp32 {@link Linear} against {@link QuantizedLinear} in its three modes, whole layers
 * (input checks, the activation quantization, the bias, the output tensor included), in the same
 * run. Cases are {@code batch x out x in}: batch 1 on 256×784, 1024×1024 and 4096×4096, batch 256
 * on 1024×1024 (the targets of docs/quantization.md), and batch 256 on 256×784 (the MLP's first layer).
 *
 * <pre>
 * mvn -o -q -pl bench -am package -DskipTests
 * java -jar bench/target/benchmarks.jar QuantizedLinearBenchmark -prof gc
 * </pre>
 *
 * <p>Everything runs under {@code Tensor.noGrad()}, as inference does. The static layer's input
 * parameters come from the min and max of the benchmark input (a calibration of one batch).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class QuantizedLinearBenchmark {
    @Param({"1x256x784", "1x1024x1024", "1x4096x4096", "256x256x784", "256x1024x1024"})
    String shape;

    Linear fp32;
    QuantizedLinear weightOnly;
    QuantizedLinear dynamic;
    QuantizedLinear staticPerChannel;
    Tensor x;
    GradMode.Scope noGrad;

    @Setup
    public void setup() {
        String[] p = shape.split("x");
        int batch = Integer.parseInt(p[0]);
        int out = Integer.parseInt(p[1]);
        int in = Integer.parseInt(p[2]);
        fp32 = new Linear(in, out, new Rng(1));
        x = Tensor.randn(new Rng(2), batch, in);
        float[] xd = x.toArray();
        float lo = 0;
        float hi = 0;
        for (float v : xd) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        weightOnly = QuantizedLinear.from(fp32, QuantMode.WEIGHT_ONLY, Granularity.PER_CHANNEL, null);
        dynamic = QuantizedLinear.from(fp32, QuantMode.DYNAMIC, Granularity.PER_CHANNEL, null);
        staticPerChannel = QuantizedLinear.from(fp32, QuantMode.STATIC, Granularity.PER_CHANNEL,
                QuantParams.affine(lo, hi));
        noGrad = Tensor.noGrad();
    }

    @TearDown
    public void tearDown() {
        noGrad.close();
    }

    @Benchmark
    public Tensor fp32Linear() {
        return fp32.forward(x);
    }

    @Benchmark
    public Tensor int8WeightOnly() {
        return weightOnly.forward(x);
    }

    @Benchmark
    public Tensor int8Dynamic() {
        return dynamic.forward(x);
    }

    @Benchmark
    public Tensor int8Static() {
        return staticPerChannel.forward(x);
    }
}
