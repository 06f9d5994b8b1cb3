package dev.pare.bench;

import dev.pare.tensor.kernels.Gemm;
import dev.pare.tensor.parallel.Parallel;
import java.util.SplittableRandom;

/**
 * What a transposed B costs: the MLP's input-gradient product dY·Wᵀ (128 × 256 by 256 × 784,
 * {@code GemmBenchmark.mlp} with {@code shape=inputGrad}), timed against the same product with
 * B stored untransposed, so that the two differ only in the transposes (docs/matmul.md, the
 * section on packing): on one thread Gemm computes this product as its transpose, which
 * transposes dY and C rather than W, and on more it transposes W as it packs it. The two are
 * timed in turns within one JVM, and each keeps its best turn: on a shared machine the best of
 * many short turns compares the code rather than the neighbours.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.pare.bench.TransposedBCost [threads] [turns]
 * </pre>
 */
public final class TransposedBCost {
    private TransposedBCost() {}

    private static final int M = 128;
    private static final int N = 784;
    private static final int K = 256;
    /** Products per turn: long enough to dwarf the clock reads, short enough for many turns. */
    private static final int CALLS = 400;

    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        int turns = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        if (threads < 1 || turns < 2) {
            throw new IllegalArgumentException("TransposedBCost: need threads >= 1 and turns >= 2; got " + threads + ", " + turns);
        }
        Parallel.setThreads(threads);
        SplittableRandom rnd = new SplittableRandom(7);
        float[] dy = GemmBenchData.random(rnd, M * K);
        float[] w = GemmBenchData.random(rnd, N * K);   // W as the layer holds it: [N, K], so B = Wᵀ
        float[] wt = new float[K * N];                  // the same B stored as [K, N]
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < K; j++) {
                wt[j * N + i] = w[i * K + j];
            }
        }
        float[] c = new float[M * N];
        long[] best = {Long.MAX_VALUE, Long.MAX_VALUE};
        // The first third of the turns is warm-up: C2 compiles both paths before any is kept.
        for (int turn = 0; turn < turns; turn++) {
            for (int v = 0; v < 2; v++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < CALLS; i++) {
                    if (v == 0) {
                        Gemm.gemm(false, true, M, N, K, dy, 0, K, w, 0, K, c, 0, N, false);
                    } else {
                        Gemm.gemm(false, false, M, N, K, dy, 0, K, wt, 0, N, c, 0, N, false);
                    }
                }
                long t = (System.nanoTime() - t0) / CALLS;
                if (turn >= turns / 3) {
                    best[v] = Math.min(best[v], t);
                }
            }
        }
        double flop = 2.0 * M * N * K;
        System.out.printf("dY·Wᵀ %d×%d·%d×%d, %d thread(s), best of %d turns of %d calls on JDK %s:%n",
                M, K, K, N, threads, turns - turns / 3, CALLS, System.getProperty("java.version"));
        System.out.printf("  B transposed (Wᵀ):  %6.1f µs  %5.1f GFLOP/s%n", best[0] / 1e3, flop / best[0]);
        System.out.printf("  B untransposed:     %6.1f µs  %5.1f GFLOP/s%n", best[1] / 1e3, flop / best[1]);
        System.out.printf("  the transpose costs %.1f µs%n", (best[0] - best[1]) / 1e3);
    }
}
