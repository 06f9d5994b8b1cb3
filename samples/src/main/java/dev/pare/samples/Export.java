package dev.pare.samples;

import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.DType;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.io.SafeTensorsFormatException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Writes any model file of Pare's as the state dict of its PyTorch twin, in safetensors.
 *
 * <pre>
 * ./pare train-mlp --out mlp.safetensors && ./pare export mlp.safetensors     # writes mlp.torch.safetensors
 * ./pare export pipeline-report/models/stacked.safetensors --dtype BF16
 * </pre>
 *
 * <p>Then, in Python ({@code pip install safetensors}):
 * <pre>
 * import torch, torch.nn as nn
 * from safetensors.torch import load_file
 * model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
 * model.load_state_dict(load_file("mlp.torch.safetensors"), strict=True)
 * logits = model(images.flatten(1))     # images: [B, 1, 28, 28], normalised as Pare's FashionMnist
 * </pre>
 *
 * <p>{@link ModelFile} reads the file whatever its format; {@link TorchExport} makes the state
 * dict; the write is atomic, so an existing file of that name is replaced only by a complete one.
 */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a model file of Pare's as a PyTorch state dict in safetensors: the names, dtypes and "
                + "layouts of its torch.nn twin, which loads it with load_state_dict(strict=True).",
                "Reads the files of train-mlp, train-cnn and distill, and every file in pipeline's models/ (dense, "
                        + "pruned, int8, stacked): the small CNN, MobileNet, or an MLP of any widths. Pruned weights "
                        + "are written dense, int8 and low-bit weights dequantized (scale * code); the input scales "
                        + "of static int8 layers are dropped. The metadata names the source file, its SHA-256 and "
                        + "format, and the torch.nn code of the twin."},
        footer = {"", "Examples:",
                "  ./pare export mlp.safetensors                       # writes mlp.torch.safetensors beside it",
                "  ./pare export pipeline-report/models/stacked.safetensors --dtype BF16 -o stacked-bf16.safetensors",
                "It prints the PyTorch lines that load the file (pip install safetensors for load_file)."})
public final class Export implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "A model file written by a Pare command.")
    Path model;

    @Option(names = {"-o", "--out"}, paramLabel = "FILE",
            description = "Where to write (default: MODEL with .torch.safetensors in place of .safetensors, beside it).")
    Path out;

    @Option(names = "--dtype", paramLabel = "TYPE",
            description = "F32 (exact), F16 or BF16 (half the bytes, rounded to nearest even; F16 refuses a weight "
                    + "beyond 65504). BatchNorm's running statistics stay F32 and num_batches_tracked I64 "
                    + "(default: ${DEFAULT-VALUE}).")
    String dtype = "F32";

    @Option(names = "--mlp-names", paramLabel = "STYLE",
            description = "The MLP's names: plain = nn.Sequential(nn.Linear(784, H), nn.ReLU(), ...) with the images "
                    + "flattened before the model: 0.weight, 2.weight, ...; flatten = nn.Sequential(nn.Flatten(), "
                    + "nn.Linear(784, H), ...): 1.weight, 3.weight, ..., Pare's indices. The CNNs' names do not "
                    + "depend on it (default: ${DEFAULT-VALUE}).")
    String mlpNames = "plain";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Export()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        try {
            return export();
        } catch (SafeTensorsFormatException | IllegalArgumentException | IllegalStateException ex) {
            // Every message names the file and what is wrong with it; a stack trace would bury it.
            err.println("export: " + ex.getMessage());
            err.flush();
            return 1;
        } catch (IOException ex) {
            // The JDK's file errors carry only the path (AccessDeniedException: "mlp.safetensors"); the type says what.
            err.println("export: " + ex.getClass().getSimpleName() + ": " + ex.getMessage());
            err.flush();
            return 1;
        }
    }

    private int export() throws IOException {
        DType type = dtype();
        TorchExport.MlpNames names = mlpNames();
        Path target = out != null ? out : defaultOut(model);
        if (Files.isRegularFile(model) && Files.exists(target) && Files.isSameFile(model, target)) {
            throw new IllegalArgumentException(model + ": --out names the model file itself; the export would replace it");
        }
        if (Files.isDirectory(target)) {
            throw new IllegalArgumentException("--out " + target + " is a directory; give a file name");
        }
        Path parent = target.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IllegalArgumentException("--out " + target + ": the directory " + parent + " does not exist");
        }
        ModelFile source = ModelFile.read(model);
        Checkpoint c = TorchExport.checkpoint(source, type, names);
        SafeTensors.write(target, c);

        System.out.printf(Locale.ROOT, "read  %s: %s, %s%n", model, source.format.description, source.architecture);
        System.out.printf(Locale.ROOT, "wrote %s: %d tensors, %s, %,d bytes%n", target, c.entries().size(), type,
                Files.size(target));
        if (c.metadata().containsKey("pare.dropped")) {
            System.out.println("dropped " + c.metadata().get("pare.dropped"));
        }
        boolean plainMlp = source.architecture.kind() == ModelFile.Kind.MLP && names == TorchExport.MlpNames.PLAIN;
        System.out.println("load it in PyTorch (pip install safetensors):");
        System.out.println("  import torch, torch.nn as nn");
        System.out.println("  from safetensors.torch import load_file");
        System.out.println("  model = " + c.metadata().get("pare.torch_module"));
        System.out.println("  model.load_state_dict(load_file(\"" + target.getFileName() + "\"), strict=True)");
        System.out.println("  logits = model.eval()(" + (plainMlp ? "images.flatten(1)" : "images") + ")   # images: [B, 1, 28, 28]");
        return 0;
    }

    private DType dtype() {
        switch (dtype.toUpperCase(Locale.ROOT)) {
            case "F32": return DType.F32;
            case "F16": return DType.F16;
            case "BF16": return DType.BF16;
            default: throw new IllegalArgumentException("--dtype " + dtype + ": expected F32, F16 or BF16");
        }
    }

    private TorchExport.MlpNames mlpNames() {
        switch (mlpNames.toLowerCase(Locale.ROOT)) {
            case "plain": return TorchExport.MlpNames.PLAIN;
            case "flatten": return TorchExport.MlpNames.FLATTEN;
            default: throw new IllegalArgumentException("--mlp-names " + mlpNames + ": expected plain or flatten");
        }
    }

    /** {@code dir/name.safetensors} → {@code dir/name.torch.safetensors}. */
    static Path defaultOut(Path model) {
        String name = model.getFileName().toString();
        String stem = name.endsWith(".safetensors") ? name.substring(0, name.length() - ".safetensors".length()) : name;
        return model.resolveSibling(stem + ".torch.safetensors");
    }
}
