package dev.pare.nn.train;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Small synthetic classification data for the training tests. */
final class Blobs {
    private Blobs() {}

    /**
     * {@code n} points in the plane, class k of {@code classes} drawn around the point at angle
     * 2πk/classes on a circle of radius 3 with standard deviation {@code spread}: separable by
     * a linear classifier when the spread is small.
     */
    static List<LabeledBatch> gaussian(long seed, int n, int classes, double spread, int batchSize) {
        Rng rng = new Rng(seed);
        float[] x = new float[2 * n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            int k = rng.nextInt(classes);
            double angle = 2 * Math.PI * k / classes;
            x[2 * i] = (float) (3 * Math.cos(angle) + spread * rng.nextGaussian());
            x[2 * i + 1] = (float) (3 * Math.sin(angle) + spread * rng.nextGaussian());
            y[i] = k;
        }
        return batches(x, y, 2, batchSize);
    }

    /** XOR quadrants: class 1 where x₀·x₁ &lt; 0; not linearly separable. */
    static List<LabeledBatch> xor(long seed, int n, int batchSize) {
        Rng rng = new Rng(seed);
        float[] x = new float[2 * n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            float a = rng.nextFloat() * 2 - 1;
            float b = rng.nextFloat() * 2 - 1;
            // Keep a margin around the axes so that the classes are cleanly separated.
            a += Math.signum(a) * 0.1f;
            b += Math.signum(b) * 0.1f;
            x[2 * i] = a;
            x[2 * i + 1] = b;
            y[i] = a * b < 0 ? 1 : 0;
        }
        return batches(x, y, 2, batchSize);
    }

    static List<LabeledBatch> batches(float[] x, float[] y, int features, int batchSize) {
        List<LabeledBatch> out = new ArrayList<>();
        int n = y.length;
        for (int s = 0; s < n; s += batchSize) {
            int b = Math.min(batchSize, n - s);
            float[] bx = new float[b * features];
            float[] by = new float[b];
            System.arraycopy(x, s * features, bx, 0, b * features);
            System.arraycopy(y, s, by, 0, b);
            out.add(LabeledBatch.of(Tensor.fromArray(bx, b, features), Tensor.fromArray(by)));
        }
        return out;
    }
}
