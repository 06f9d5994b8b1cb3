package dev.pare.bench;

import dev.pare.tensor.Rng;
import dev.pare.tensor.kernels.Gemm;
import dev.pare.tensor.kernels.Int8Gemv;
import dev.pare.tensor.kernels.Int8GemvWeights;
import dev.pare.tensor.kernels.Int8Species;
import dev.pare.tensor.kernels.Int8WeightGemm;
import dev.pare.tensor.kernels.Int8WeightGemv;
import dev.pare.tensor.kernels.QuantizeKernels;
import dev.pare.tensor.kernels.ReduceKernels;
import dev.pare.tensor.kernels.VectorConfig;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * int8 kernels against Pare's fp32 path of the same shape, in the same run, so that the ratios
 * are fair on a noisy machine.
 *
 * <p>Batch 1 (a linear layer y = W·x, W [out, in]), single-threaded like fp32 {@link Gemm} at m = 1:
 * <ul>
 *   <li>{@code fp32Gemm}: {@code Gemm.gemm} with m = 1 and W transposed, what {@code x.matmul(wᵀ)}
 *       runs: one {@link ReduceKernels#dot} per output;</li>
 *   <li>{@code int8Int8}: quantize x (n elements), then {@link Int8Gemv#gemv} on the codes packed
 *       by {@link Int8GemvWeights}, int32 accumulation, back to float with the zero-point
 *       correction: a dynamically quantized layer;</li>
 *   <li>{@code int8Int8Widening} and {@code int8Int8ShortPairs}: not Pare kernels, two other
 *       formulations of the int32 product on row-major codes (quantizing x, without the step back
 *       to float), kept to compare against {@code int8Int8} on any machine;</li>
 *   <li>{@code int8WeightFp32}: {@link Int8WeightGemv#gemv}, weights widened in the loop.</li>
 * </ul>
 * Batch 256 on 1024×1024: {@code fp32Gemm256} against {@code int8WeightGemm256}
 * ({@link Int8WeightGemm}: the fp32 packed GEMM, converting the int8 weights while it packs
 * them); both use all threads.
 * {@code quantizeX} (the in activations) and {@code dequantizeW} (all of W, into the fp32 copy,
 * which holds the same values afterwards up to rounding) time the conversions alone.
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar Int8Benchmark -prof gc
 * java -jar bench/target/benchmarks.jar 'Int8Benchmark.(fp32Gemm|fp32Gemv4Rows|int8Int8|int8WeightFp32)$' -p shape=8192x8192 -prof gc
 * </pre>
 * Trap in reading the figures: 4096×4096 int8 weights are 16 MiB and fit in this machine's
 * 32 MiB L3, while the fp32 copy (64 MiB) streams from DRAM. The second command measures a
 * layer whose int8 weights (64 MiB) come from DRAM too.
 *
 * <p>Every state checks, after the measurement (so with C2-compiled kernels), that the int8
 * kernels still equal their scalar twins; a mismatch fails the run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class Int8Benchmark {

    /** One layer at batch 1. */
    @State(Scope.Thread)
    public static class Layer {
        @Param({"256x784", "1024x1024", "4096x4096"})
        String shape;

        int out;
        int in;
        float[] wf;
        byte[] wq;
        float[] wScales;
        int[] rowSums;
        Int8GemvWeights packed;
        float[] x;
        byte[] xq;
        float xScale;
        int xZero;
        float[] y;
        int[] acc;
        float[] expected;
        int[] twin;

        @Setup
        public void setup() {
            String[] dims = shape.split("x");
            out = Integer.parseInt(dims[0]);
            in = Integer.parseInt(dims[1]);
            Rng rng = new Rng(42);
            wf = new float[out * in];
            for (int i = 0; i < wf.length; i++) {
                wf[i] = (float) rng.nextGaussian() * 0.05f;
            }
            wScales = symmetricRowScales(wf, out, in);
            wq = new byte[out * in];
            QuantizeKernels.quantizeRowsSymmetric(wf, 0, wq, 0, out, in, wScales);
            rowSums = new int[out];
            Int8Gemv.rowSums(wq, 0, out, in, rowSums, 0);
            packed = Int8GemvWeights.pack(wq, 0, out, in);
            x = new float[in];
            for (int j = 0; j < in; j++) {
                x[j] = rng.nextFloat() * 2f;   // ReLU-like: non-negative, an asymmetric range
            }
            xScale = 2f / 255f;
            xZero = -128;
            xq = new byte[in];
            y = new float[out];
            acc = new int[out];
            expected = new float[out];
            twin = new int[out];
        }

        @TearDown(Level.Trial)
        public void checkAgainstScalarTwins(BenchmarkParams params) {
            // Trap: JMH counts what a trial tear-down allocates into the last iteration's B/op.
            // So this check allocates nothing (its arrays are made in setup), and it checks only
            // the kernel this fork measured: any other would run cold, in the interpreter, where
            // every vector is a heap object.
            String name = params.getBenchmark();
            if (name.endsWith(".int8Int8")) {
                checkInt8Int8();
            } else if (name.endsWith(".int8Int8ShortPairs")) {
                checkInt32(Int8Benchmark::shortPairsGemv, "short-pair");
            } else if (name.endsWith(".int8Int8Widening")) {
                checkInt32(Int8Benchmark::wideningGemv, "widening");
            } else if (name.endsWith(".int8WeightFp32")) {
                checkInt8WeightFp32();
            }
        }

        private void checkInt8Int8() {
            QuantizeKernels.quantize(x, 0, xq, 0, in, xScale, xZero);
            Int8Gemv.gemv(packed, wScales, xq, 0, xScale, xZero, y, 0, acc);
            Int8Gemv.gemvScalar(wq, 0, out, in, wScales, rowSums, xq, 0, xScale, xZero, expected, 0);
            for (int r = 0; r < out; r++) {
                if (Float.compare(expected[r], y[r]) != 0) {
                    throw new AssertionError("int8 gemv row " + r + ": " + y[r] + " vs scalar twin " + expected[r]);
                }
            }
        }

        private void checkInt32(RowMajorGemv kernel, String what) {
            QuantizeKernels.quantize(x, 0, xq, 0, in, xScale, xZero);
            Int8Gemv.gemvInt32Scalar(wq, 0, out, in, xq, 0, twin, 0);
            kernel.run(wq, out, in, xq, acc);
            if (!java.util.Arrays.equals(twin, acc)) {
                throw new AssertionError(what + " gemv differs from the scalar twin");
            }
        }

        private void checkInt8WeightFp32() {
            Int8WeightGemv.gemv(wq, 0, out, in, wScales, x, 0, y, 0);
            Int8WeightGemv.gemvScalar(wq, 0, out, in, wScales, x, 0, expected, 0);
            for (int r = 0; r < out; r++) {
                if (Math.abs(expected[r] - y[r]) > 1e-4f * (1 + Math.abs(expected[r]))) {
                    throw new AssertionError("int8 weight gemv row " + r + ": " + y[r] + " vs scalar twin " + expected[r]);
                }
            }
        }
    }

    /** A batch of 256 through a 1024×1024 layer. */
    @State(Scope.Thread)
    public static class Batch {
        final int batch = 256;
        final int out = 1024;
        final int in = 1024;
        float[] wf;
        byte[] wq;
        float[] wScales;
        float[] x;
        float[] c;
        float[] deq;
        float[] expected;

        @Setup
        public void setup() {
            Rng rng = new Rng(43);
            wf = new float[out * in];
            for (int i = 0; i < wf.length; i++) {
                wf[i] = (float) rng.nextGaussian() * 0.05f;
            }
            wScales = symmetricRowScales(wf, out, in);
            wq = new byte[out * in];
            QuantizeKernels.quantizeRowsSymmetric(wf, 0, wq, 0, out, in, wScales);
            x = new float[batch * in];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rng.nextGaussian();
            }
            c = new float[batch * out];
            deq = new float[out * in];
            expected = new float[batch * out];
        }

        @TearDown(Level.Trial)
        public void checkAgainstDequantizedFp32(BenchmarkParams params) {
            if (!params.getBenchmark().endsWith(".int8WeightGemm256")) {
                return;   // see Layer.checkAgainstScalarTwins
            }
            // The int8-weight GEMM must equal the fp32 GEMM of the dequantized weights.
            QuantizeKernels.dequantizeRows(wq, 0, deq, 0, out, in, wScales, null);
            Gemm.gemm(false, true, batch, out, in, x, 0, in, deq, 0, in, expected, 0, out, false);
            Int8WeightGemm.gemm(batch, out, in, x, 0, in, wq, 0, wScales, c, 0, out, false);
            for (int i = 0; i < c.length; i++) {
                if (Math.abs(expected[i] - c[i]) > 1e-4f * (1 + Math.abs(expected[i]))) {
                    throw new AssertionError("int8 weight gemm element " + i + ": " + c[i] + " vs " + expected[i]);
                }
            }
        }
    }

    /** Per-row scales max|w|/127: the usual symmetric per-channel choice (the policy, here fixed). */
    static float[] symmetricRowScales(float[] w, int rows, int cols) {
        float[] s = new float[rows];
        for (int r = 0; r < rows; r++) {
            float max = 0f;
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, Math.abs(w[r * cols + j]));
            }
            s[r] = max > 0f ? max / 127f : 1f;
        }
        return s;
    }

    @Benchmark
    public float[] fp32Gemm(Layer s) {
        Gemm.gemm(false, true, 1, s.out, s.in, s.x, 0, s.in, s.wf, 0, s.in, s.y, 0, s.out, false);
        return s.y;
    }

    /**
     * Not a Pare kernel: an fp32 GEMV blocked over four rows like the int8 kernels (each x
     * vector loaded once for four rows, one lane-order reduction per row). It separates what
     * int8 gains from what the blocking alone gains against {@code fp32Gemm}.
     */
    @Benchmark
    public float[] fp32Gemv4Rows(Layer s) {
        fp32Gemv4Rows(s.wf, s.out, s.in, s.x, s.y);
        return s.y;
    }

    static void fp32Gemv4Rows(float[] w, int rows, int cols, float[] x, float[] y) {
        VectorSpecies<Float> f = VectorConfig.FLOAT;
        int bound = f.loopBound(cols);
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int w0 = r * cols;
            FloatVector a0 = FloatVector.zero(f);
            FloatVector a1 = FloatVector.zero(f);
            FloatVector a2 = FloatVector.zero(f);
            FloatVector a3 = FloatVector.zero(f);
            int j = 0;
            for (; j < bound; j += f.length()) {
                FloatVector vx = FloatVector.fromArray(f, x, j);
                a0 = FloatVector.fromArray(f, w, w0 + j).fma(vx, a0);
                a1 = FloatVector.fromArray(f, w, w0 + cols + j).fma(vx, a1);
                a2 = FloatVector.fromArray(f, w, w0 + 2 * cols + j).fma(vx, a2);
                a3 = FloatVector.fromArray(f, w, w0 + 3 * cols + j).fma(vx, a3);
            }
            // reduceLanes, not ReduceKernels.sumLanes: this reference need not be deterministic,
            // and here (inlined into the JMH loop) sumLanes was not inlined, so its vector
            // argument was boxed and every call allocated.
            y[r] = a0.reduceLanes(VectorOperators.ADD) + ReduceKernels.dotScalar(w, w0 + j, 1, x, j, 1, cols - j);
            y[r + 1] = a1.reduceLanes(VectorOperators.ADD) + ReduceKernels.dotScalar(w, w0 + cols + j, 1, x, j, 1, cols - j);
            y[r + 2] = a2.reduceLanes(VectorOperators.ADD) + ReduceKernels.dotScalar(w, w0 + 2 * cols + j, 1, x, j, 1, cols - j);
            y[r + 3] = a3.reduceLanes(VectorOperators.ADD) + ReduceKernels.dotScalar(w, w0 + 3 * cols + j, 1, x, j, 1, cols - j);
        }
        for (; r < rows; r++) {
            y[r] = ReduceKernels.dot(w, r * cols, 1, x, 0, 1, cols);
        }
    }

    /**
     * Not a Pare kernel: the int8×int8 product of {@code int8Int8} formulated in shorts instead
     * of ints, kept here to compare the two. Bytes widen to shorts (twice the lanes of ints),
     * products are exact in 16 bits, and pairs of products are added into ints without
     * unpacking: an int seen as two shorts (lo, hi) is 65536·hi + (lo mod 2^16); after adding
     * 32768 to each low short (lo + 32768 is in [16512, 49152], so nothing borrows from hi),
     * Σ(lo + hi) = Σraw − 65535·Σ(raw &gt;&gt; 16) − 32768·pairs, exact modulo 2^32.
     */
    @Benchmark
    public int[] int8Int8ShortPairs(Layer s) {
        QuantizeKernels.quantize(s.x, 0, s.xq, 0, s.in, s.xScale, s.xZero);
        shortPairsGemv(s.wq, s.out, s.in, s.xq, s.acc);
        return s.acc;
    }

    private static final VectorSpecies<Short> SHORTS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(Math.max(128, VectorConfig.FLOAT.vectorBitSize())));
    private static final VectorSpecies<Byte> BYTES_FOR_SHORTS =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(SHORTS.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> INTS_FOR_SHORTS =
            VectorSpecies.of(int.class, VectorShape.forBitSize(SHORTS.vectorBitSize()));
    private static final short[] LOW_BIAS = new short[SHORTS.length()];

    static {
        for (int i = 0; i < LOW_BIAS.length; i += 2) {
            LOW_BIAS[i] = (short) 0x8000;   // reinterpretAsInts is little-endian: short 2i is the low half
        }
    }

    private static ShortVector widenToShorts(byte[] q, int off) {
        return (ShortVector) ByteVector.fromArray(BYTES_FOR_SHORTS, q, off).convertShape(VectorOperators.B2S, SHORTS, 0);
    }

    static void shortPairsGemv(byte[] w, int rows, int cols, byte[] x, int[] acc) {
        ShortVector bias = ShortVector.fromArray(SHORTS, LOW_BIAS, 0);
        int bound = SHORTS.loopBound(cols);
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int w0 = r * cols;
            IntVector raw0 = IntVector.zero(INTS_FOR_SHORTS);   // a constant species, or vectors get boxed
            IntVector raw1 = raw0;
            IntVector raw2 = raw0;
            IntVector raw3 = raw0;
            IntVector hi0 = raw0;
            IntVector hi1 = raw0;
            IntVector hi2 = raw0;
            IntVector hi3 = raw0;
            int j = 0;
            for (; j < bound; j += SHORTS.length()) {
                ShortVector vx = widenToShorts(x, j);
                IntVector v0 = (IntVector) widenToShorts(w, w0 + j).mul(vx).add(bias).reinterpretAsInts();
                IntVector v1 = (IntVector) widenToShorts(w, w0 + cols + j).mul(vx).add(bias).reinterpretAsInts();
                IntVector v2 = (IntVector) widenToShorts(w, w0 + 2 * cols + j).mul(vx).add(bias).reinterpretAsInts();
                IntVector v3 = (IntVector) widenToShorts(w, w0 + 3 * cols + j).mul(vx).add(bias).reinterpretAsInts();
                raw0 = raw0.add(v0);
                raw1 = raw1.add(v1);
                raw2 = raw2.add(v2);
                raw3 = raw3.add(v3);
                hi0 = hi0.add(v0.lanewise(VectorOperators.ASHR, 16));
                hi1 = hi1.add(v1.lanewise(VectorOperators.ASHR, 16));
                hi2 = hi2.add(v2.lanewise(VectorOperators.ASHR, 16));
                hi3 = hi3.add(v3.lanewise(VectorOperators.ASHR, 16));
            }
            int pairs = bound / 2;
            acc[r] = pairSum(raw0, hi0, pairs) + Int8Gemv.dotScalar(w, w0 + j, x, j, cols - j);
            acc[r + 1] = pairSum(raw1, hi1, pairs) + Int8Gemv.dotScalar(w, w0 + cols + j, x, j, cols - j);
            acc[r + 2] = pairSum(raw2, hi2, pairs) + Int8Gemv.dotScalar(w, w0 + 2 * cols + j, x, j, cols - j);
            acc[r + 3] = pairSum(raw3, hi3, pairs) + Int8Gemv.dotScalar(w, w0 + 3 * cols + j, x, j, cols - j);
        }
        for (; r < rows; r++) {
            acc[r] = Int8Gemv.dot(w, r * cols, x, 0, cols);
        }
    }

    private static int pairSum(IntVector raw, IntVector hi, int pairs) {
        return raw.reduceLanes(VectorOperators.ADD) - 65535 * hi.reduceLanes(VectorOperators.ADD) - 32768 * pairs;
    }

    /** A reference int8×int8 matrix-vector product on row-major codes: acc[r] = Σj w[r·cols + j]·x[j]. */
    @FunctionalInterface
    interface RowMajorGemv {
        void run(byte[] w, int rows, int cols, byte[] x, int[] acc);
    }

    /**
     * Not a Pare kernel: the int8×int8 product on row-major codes, each weight sign-extended to an
     * int ({@code convertShape(B2I)}), multiplied by x (widened once per call) and added, four rows
     * at a time. {@link Int8Gemv} ran this until its packed layout ({@link Int8GemvWeights}) replaced
     * it; kept here so that the two can be compared on any machine.
     */
    @Benchmark
    public int[] int8Int8Widening(Layer s) {
        QuantizeKernels.quantize(s.x, 0, s.xq, 0, s.in, s.xScale, s.xZero);
        wideningGemv(s.wq, s.out, s.in, s.xq, s.acc);
        return s.acc;
    }

    private static final VectorSpecies<Integer> INTS = Int8Species.INT_FOR_BYTE;
    private static int[] wideX = new int[0];   // JMH runs one benchmark thread per fork here

    private static IntVector widen(byte[] q, int off) {
        return (IntVector) ByteVector.fromArray(Int8Species.BYTE, q, off).convertShape(VectorOperators.B2I, INTS, 0);
    }

    static void wideningGemv(byte[] w, int rows, int cols, byte[] x, int[] acc) {
        int lanes = INTS.length();
        int bound = INTS.loopBound(cols);
        if (wideX.length < bound) {
            wideX = new int[bound];
        }
        int[] xi = wideX;
        for (int j = 0; j < bound; j += lanes) {
            widen(x, j).intoArray(xi, j);
        }
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int w0 = r * cols;
            IntVector a0 = IntVector.zero(INTS);
            IntVector a1 = IntVector.zero(INTS);
            IntVector a2 = IntVector.zero(INTS);
            IntVector a3 = IntVector.zero(INTS);
            int j = 0;
            for (; j < bound; j += lanes) {
                IntVector vx = IntVector.fromArray(INTS, xi, j);
                a0 = a0.add(widen(w, w0 + j).mul(vx));
                a1 = a1.add(widen(w, w0 + cols + j).mul(vx));
                a2 = a2.add(widen(w, w0 + 2 * cols + j).mul(vx));
                a3 = a3.add(widen(w, w0 + 3 * cols + j).mul(vx));
            }
            int tail = cols - j;
            acc[r] = a0.reduceLanes(VectorOperators.ADD) + Int8Gemv.dotScalar(w, w0 + j, x, j, tail);
            acc[r + 1] = a1.reduceLanes(VectorOperators.ADD) + Int8Gemv.dotScalar(w, w0 + cols + j, x, j, tail);
            acc[r + 2] = a2.reduceLanes(VectorOperators.ADD) + Int8Gemv.dotScalar(w, w0 + 2 * cols + j, x, j, tail);
            acc[r + 3] = a3.reduceLanes(VectorOperators.ADD) + Int8Gemv.dotScalar(w, w0 + 3 * cols + j, x, j, tail);
        }
        for (; r < rows; r++) {
            acc[r] = Int8Gemv.dot(w, r * cols, x, 0, cols);
        }
    }

    @Benchmark
    public float[] int8Int8(Layer s) {
        QuantizeKernels.quantize(s.x, 0, s.xq, 0, s.in, s.xScale, s.xZero);
        Int8Gemv.gemv(s.packed, s.wScales, s.xq, 0, s.xScale, s.xZero, s.y, 0, s.acc);
        return s.y;
    }

    @Benchmark
    public float[] int8WeightFp32(Layer s) {
        Int8WeightGemv.gemv(s.wq, 0, s.out, s.in, s.wScales, s.x, 0, s.y, 0);
        return s.y;
    }

    @Benchmark
    public byte[] quantizeX(Layer s) {
        QuantizeKernels.quantize(s.x, 0, s.xq, 0, s.in, s.xScale, s.xZero);
        return s.xq;
    }

    @Benchmark
    public float[] dequantizeW(Layer s) {
        QuantizeKernels.dequantizeRows(s.wq, 0, s.wf, 0, s.out, s.in, s.wScales, null);
        return s.wf;
    }

    @Benchmark
    public float[] fp32Gemm256(Batch s) {
        Gemm.gemm(false, true, s.batch, s.out, s.in, s.x, 0, s.in, s.wf, 0, s.in, s.c, 0, s.out, false);
        return s.c;
    }

    @Benchmark
    public float[] int8WeightGemm256(Batch s) {
        Int8WeightGemm.gemm(s.batch, s.out, s.in, s.x, 0, s.in, s.wq, 0, s.wScales, s.c, 0, s.out, false);
        return s.c;
    }
}
