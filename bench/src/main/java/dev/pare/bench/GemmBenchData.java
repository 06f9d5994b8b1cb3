package dev.pare.bench;

import java.util.SplittableRandom;

/** Operands for the GEMM benchmarks: uniform in [-1, 1), from an explicit seed. */
final class GemmBenchData {
    private GemmBenchData() {}

    static float[] random(SplittableRandom rnd, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }
}
