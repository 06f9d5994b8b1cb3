package dev.pare.samples;

import dev.pare.nn.Module;
import dev.pare.nn.datasets.FashionMnist;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.train.FitResult;
import dev.pare.tensor.parallel.Parallel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The few steps every training sample shares: finding the data, and the closing report. */
final class SampleSupport {
    private SampleSupport() {}

    static FashionMnist loadData(TrainingOptions options) throws IOException {
        if (options.subset && options.data != null) {
            throw new IllegalArgumentException("--subset and --data " + options.data + " exclude each other");
        }
        FashionMnist data = options.subset ? FashionMnist.bundledSubset()
                : options.data == null ? FashionMnist.load() : FashionMnist.load(options.data);
        System.out.println("data: " + data);
        return data;
    }

    /** Prints what was measured, saves the weights with metadata, and says where. */
    static void report(String arch, Module model, FitResult result, FashionMnist data, TrainingOptions options,
                       String defaultFile) throws IOException {
        report(arch, model, result, data, options, defaultFile, Map.of());
    }

    /** As above, with {@code extra} entries added to the file's metadata (a model's sizes, say). */
    static void report(String arch, Module model, FitResult result, FashionMnist data, TrainingOptions options,
                       String defaultFile, Map<String, String> extra) throws IOException {
        double accuracy = result.finalEvaluation().accuracy();
        System.out.println();
        System.out.println(model);
        System.out.printf(Locale.ROOT, "%s: %,d parameters, %d epochs, %.1f s, %,.0f training samples/s at %d thread(s)%n",
                arch, model.numParameters(), result.epochs().size(), result.seconds(), result.samplesPerSecond(),
                Parallel.threads());
        System.out.printf(Locale.ROOT, "test accuracy: %.4f on %,d images%s%n", accuracy, result.finalEvaluation().samples(),
                data.isSubset() ? " (bundled subset: install dataset-fashion-mnist or set PARE_DATA for the full set)" : "");
        System.out.println(result.finalEvaluation().confusion());

        Path out = options.out != null ? options.out : Path.of(defaultFile);
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("architecture", arch);
        metadata.put("test_accuracy", String.format(Locale.ROOT, "%.4f", accuracy));
        metadata.put("epochs", Integer.toString(result.epochs().size()));
        metadata.put("seed", Long.toString(options.seed));
        metadata.put("dataset", data.isSubset() ? "fashion-mnist-subset" : "fashion-mnist");
        metadata.putAll(extra);
        SafeTensors.save(out, model.stateDict(), metadata);
        System.out.printf(Locale.ROOT, "saved %s (%,d bytes)%n", out, Files.size(out));
    }
}
