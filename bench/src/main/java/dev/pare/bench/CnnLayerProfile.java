package dev.pare.bench;

import dev.pare.nn.BatchNorm;
import dev.pare.nn.Conv2d;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.nn.loss.CrossEntropyLoss;
import dev.pare.nn.optim.SGD;
import dev.pare.samples.FashionModels;
import dev.pare.tensor.GradMode;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import dev.pare.tensor.parallel.Parallel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where a CNN training step at batch 128 spends its time, layer by layer, forward and backward:
 * the table of docs/nn.md §8.
 *
 * <p>Each leaf layer of {@link FashionModels#mobileNet} (or {@link FashionModels#smallCnn}) is run
 * alone in training mode on the input it sees in the model (recorded once, under {@code noGrad}),
 * then its backward pass from a fixed random output gradient; the input of every layer but the
 * first requires a gradient, as in the model. Each figure is the fastest of the repetitions (the
 * machine is shared: the fastest is the one least disturbed), and a whole
 * {@code CnnBenchmark.trainStep} sequence is timed beside them as a check that the layers add up.
 *
 * <p>With {@code infer} after the model's name it profiles inference instead (evaluation mode,
 * no graph, batch 256 unless a batch size follows): each group of layers that {@link Sequential}
 * runs as one call (a convolution with its batch norm and ReLU, a batch norm with its ReLU) is
 * timed as a unit, on the input it sees in the model, beside a whole forward pass.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar dev.pare.bench.CnnLayerProfile [threads] [reps] [mobilenet|small] [infer [batch]]
 * </pre>
 */
public final class CnnLayerProfile {
    private CnnLayerProfile() {}

    private static void leaves(Module m, String path, List<String> names, List<Module> out) {
        if (m instanceof Sequential s) {
            for (int i = 0; i < s.size(); i++) {
                leaves(s.get(i), path.isEmpty() ? Integer.toString(i) : path + "." + i, names, out);
            }
            return;
        }
        String what = m.getClass().getSimpleName();
        if (m instanceof Conv2d) {
            String r = m.toString();
            what += r.substring(r.indexOf('('));
        }
        names.add(path + " " + what);
        out.add(m);
    }

    @SuppressWarnings("try") // the scope is used only for closing
    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 1;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        String arch = args.length > 2 ? args[2] : "mobilenet";
        Parallel.setThreads(threads);
        Rng rng = new Rng(42);
        Module model = arch.equals("small") ? FashionModels.smallCnn(rng) : FashionModels.mobileNet(rng);
        if (args.length > 3 && args[3].equals("infer")) {
            infer(model, rng, reps, threads, arch, args.length > 4 ? Integer.parseInt(args[4]) : 256);
            return;
        }
        model.train();
        List<String> names = new ArrayList<>();
        List<Module> layers = new ArrayList<>();
        leaves(model, "", names, layers);
        int count = layers.size();
        Tensor x0 = Tensor.randn(rng, 128, 1, 28, 28);
        Tensor[] inputs = new Tensor[count];
        Tensor[] gradients = new Tensor[count];
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            Tensor x = x0;
            for (int i = 0; i < count; i++) {
                inputs[i] = x;
                x = layers.get(i).forward(x);
                gradients[i] = Tensor.randn(rng, x.shape());
            }
        }
        SGD sgd = new SGD(model.parameters(), 0.05, 0.9, 0, true, 5e-4);
        CrossEntropyLoss loss = new CrossEntropyLoss();
        float[] y = new float[128];
        for (int i = 0; i < y.length; i++) {
            y[i] = rng.nextInt(10);
        }
        Tensor labels = Tensor.fromArray(y);
        double[] forward = new double[count];
        double[] backward = new double[count];
        Arrays.fill(forward, Double.MAX_VALUE);
        Arrays.fill(backward, Double.MAX_VALUE);
        double step = Double.MAX_VALUE;
        for (int r = 0; r < reps; r++) {
            for (int i = 0; i < count; i++) {
                Tensor xi = inputs[i].detach().requiresGrad(i > 0);
                long t0 = System.nanoTime();
                Tensor out = layers.get(i).forward(xi);
                long t1 = System.nanoTime();
                out.backward(gradients[i]);
                long t2 = System.nanoTime();
                forward[i] = Math.min(forward[i], (t1 - t0) / 1e6);
                backward[i] = Math.min(backward[i], (t2 - t1) / 1e6);
            }
            long t0 = System.nanoTime();
            model.train();
            sgd.zeroGrad();
            Tensor l = loss.apply(model.forward(x0), labels);
            l.backward();
            sgd.step();
            l.item();
            step = Math.min(step, (System.nanoTime() - t0) / 1e6);
        }
        double f = 0;
        double b = 0;
        System.out.printf("%s, batch 128, %d thread(s), fastest of %d (ms)%n", arch, threads, reps);
        for (int i = 0; i < count; i++) {
            System.out.printf("%-100s fwd %7.2f  bwd %7.2f%n", names.get(i), forward[i], backward[i]);
            f += forward[i];
            b += backward[i];
        }
        System.out.printf("layers: forward %.2f, backward %.2f, total %.2f; whole training step %.2f%n", f, b, f + b, step);
    }

    /** The inference profile: Sequential's fused groups timed one by one, then the whole forward pass. */
    @SuppressWarnings("try") // the scope is used only for closing
    private static void infer(Module model, Rng rng, int reps, int threads, String arch, int batch) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            model.train();
            model.forward(Tensor.randn(rng, 128, 1, 28, 28));   // running statistics away from 0 and 1
        }
        model.eval();
        List<String> names = new ArrayList<>();
        List<Module> layers = new ArrayList<>();
        leaves(model, "", names, layers);
        // The groups Sequential.forward fuses: conv → batch norm [→ ReLU], and batch norm or linear → ReLU.
        List<String> groupNames = new ArrayList<>();
        List<Module> groups = new ArrayList<>();
        for (int i = 0; i < layers.size(); ) {
            Module m = layers.get(i);
            int size = 1;
            if (m instanceof Conv2d && i + 1 < layers.size() && layers.get(i + 1) instanceof BatchNorm) {
                size = i + 2 < layers.size() && layers.get(i + 2) instanceof ReLU ? 3 : 2;
            } else if ((m instanceof BatchNorm || m instanceof Linear)
                    && i + 1 < layers.size() && layers.get(i + 1) instanceof ReLU) {
                size = 2;
            }
            groups.add(size == 1 ? m : new Sequential(layers.subList(i, i + size).toArray(new Module[0])));
            groupNames.add(size == 1 ? names.get(i) : names.get(i) + " + " + (size - 1) + " fused");
            i += size;
        }
        int count = groups.size();
        Tensor x0 = Tensor.randn(rng, batch, 1, 28, 28);
        Tensor[] inputs = new Tensor[count];
        double[] time = new double[count];
        Arrays.fill(time, Double.MAX_VALUE);
        double whole = Double.MAX_VALUE;
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            Tensor x = x0;
            for (int i = 0; i < count; i++) {
                inputs[i] = x;
                x = groups.get(i).forward(x);
            }
            for (int r = 0; r < reps; r++) {
                for (int i = 0; i < count; i++) {
                    long t0 = System.nanoTime();
                    groups.get(i).forward(inputs[i]);
                    time[i] = Math.min(time[i], (System.nanoTime() - t0) / 1e6);
                }
                long t0 = System.nanoTime();
                model.forward(x0);
                whole = Math.min(whole, (System.nanoTime() - t0) / 1e6);
            }
        }
        System.out.printf("%s, inference at batch %d, %d thread(s), fastest of %d (ms)%n", arch, batch, threads, reps);
        double sum = 0;
        for (int i = 0; i < count; i++) {
            System.out.printf("%-110s %7.2f%n", groupNames.get(i), time[i]);
            sum += time[i];
        }
        System.out.printf("groups: %.2f; whole forward %.2f%n", sum, whole);
    }
}
