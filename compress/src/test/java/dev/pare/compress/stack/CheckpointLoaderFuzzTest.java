package dev.pare.compress.stack;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.compress.prune.MagnitudePruner;
import dev.pare.compress.prune.Mask;
import dev.pare.compress.prune.SparseCheckpoint;
import dev.pare.compress.prune.SparseFormat;
import dev.pare.compress.prune.SparseLinear;
import dev.pare.compress.quantize.Granularity;
import dev.pare.compress.quantize.MinMaxObserver;
import dev.pare.compress.quantize.QuantizedCheckpoint;
import dev.pare.compress.quantize.Quantizer;
import dev.pare.nn.Flatten;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.CheckpointContentException;
import dev.pare.nn.io.DType;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.io.SafeTensorsChecksumException;
import dev.pare.nn.io.SafeTensorsFormatException;
import dev.pare.nn.io.TensorEntry;
import dev.pare.nn.train.LabeledBatch;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Mutation fuzzing of the compressed-checkpoint loaders (issue 16): a pruned, an int8 and a
 * stacked (pruned + low-bit + packed) file are damaged at random, by byte flips, tensor renames,
 * dtype swaps (to any dtype, F16, BF16, F64, I64, U8 and BOOL included), shape edits, removed or
 * copied tensors and edited metadata, and each loader must then either load the file or refuse it
 * with a named exception ({@link SafeTensorsFormatException}, its
 * {@link SafeTensorsChecksumException}, or {@link CheckpointContentException}); never an index,
 * number-format, state or null-pointer exception, an out-of-memory error or a hang.
 *
 * <p>Every mutant is given to all three loaders, and the outcomes are counted per loader and
 * printed. Mutant {@code i} comes from {@code new Random(16 * 1_000_003 + i)} alone, so a failure
 * names the one mutant to replay. CI runs 1,500 mutants; {@code -Dpare.fuzz.mutants=100000} runs
 * that many (the long run of {@code docs/nn.md} §5). The files live in {@code /dev/shm} where
 * there is one, so that the {@code fsync} of each save costs nothing.
 */
class CheckpointLoaderFuzzTest {
    private static final String[] BAD_NUMBERS = {"", "10", "785", "DENSE", "10,,128", "2147483648", "-1", "0",
        "0,16", "16,0", "1,1,1", "99999999,99999999", "2147483647", "3", "sparse", "csr", "bcsr8", "bcsr16",
        "relative", "bitmap", "dense", "static", "dynamic", "per-channel", "per-tensor"};

    private static final String[] LOADERS = {"SparseCheckpoint", "QuantizedCheckpoint", "CompressedCheckpoint"};

    private static Path dir;
    private static List<Path> sources;
    private static List<Checkpoint> originals;

    static Sequential mlp(long seed) {
        Rng rng = new Rng(seed);
        return new Sequential(new Flatten(), new Linear(24, 16, rng), new ReLU(), new Linear(16, 12, rng), new ReLU(),
                new Linear(12, 10, rng));
    }

    private static synchronized List<Path> sources() throws IOException {
        if (sources != null) {
            return sources;
        }
        Path shm = Path.of("/dev/shm");
        dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "pare-fuzz")
                : Files.createTempDirectory("pare-fuzz");
        Sequential pruned = mlp(1);
        MagnitudePruner.pruneLayer(pruned, "1.weight", 0.8);
        MagnitudePruner.pruneLayer(pruned, "5.weight", 0.5);
        pruned.replaceModule("1", SparseLinear.fromLinear((Linear) pruned.getModule("1"), SparseFormat.CSR));
        pruned.replaceModule("5", SparseLinear.fromLinear((Linear) pruned.getModule("5"), SparseFormat.BLOCK_8));
        Path sparse = dir.resolve("pruned.safetensors");
        SparseCheckpoint.save(sparse, pruned, Map.of());

        Sequential floatModel = mlp(2);
        MagnitudePruner.pruneGlobal(floatModel, List.of("1.weight", "3.weight"), 0.7);
        Mask.removeAll(floatModel);
        Sequential copy = mlp(3);
        copy.loadStateDict(floatModel.stateDict(), true);
        Module prepared = Quantizer.prepareStatic(copy, MinMaxObserver::new);
        Tensor x = Tensor.randn(new Rng(4), 8, 24);
        Quantizer.calibrate(prepared, List.of(LabeledBatch.of(x, Tensor.zeros(8))), 1);
        Module q = Quantizer.convertStatic(prepared, Granularity.PER_CHANNEL);
        Path int8 = dir.resolve("int8.safetensors");
        QuantizedCheckpoint.save(int8, q);
        Path stacked = dir.resolve("stacked.safetensors");
        CompressedCheckpoint.save(stacked, LowBitWeights.requantizeAll(q, floatModel, 4), 4, Map.of());
        sources = List.of(sparse, int8, stacked);
        originals = new ArrayList<>();
        for (Path p : sources) {
            originals.add(SafeTensors.read(p));
        }
        return sources;
    }

    @AfterAll
    static void removeFiles() throws IOException {
        if (dir != null) {
            try (java.util.stream.Stream<Path> files = Files.list(dir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.MINUTES) // hang protection, also for the long run
    void aMutatedFileLoadsOrIsRefusedByNameByEveryLoader() throws Exception {
        List<Path> src = sources();
        int count = Integer.getInteger("pare.fuzz.mutants", 1500);
        List<Map<String, Integer>> counts = new ArrayList<>();
        for (int loader = 0; loader < LOADERS.length; loader++) {
            counts.add(new TreeMap<>());
        }
        List<String> unnamed = new ArrayList<>();
        Throwable firstUnnamed = null;
        Path mutant = dir.resolve("mutant.safetensors");
        for (int i = 0; i < count; i++) {
            Random r = new Random(16 * 1_000_003L + i);
            int source = r.nextInt(src.size());
            String what = mutate(src.get(source), originals.get(source), mutant, r) + " of " + src.get(source).getFileName();
            for (int loader = 0; loader < LOADERS.length; loader++) {
                String outcome;
                try {
                    load(loader, mutant);
                    outcome = "loaded";
                } catch (SafeTensorsFormatException | CheckpointContentException named) {
                    outcome = named.getClass().getSimpleName(); // the contract: a named refusal
                } catch (Throwable other) {
                    outcome = "unnamed failure";
                    if (unnamed.size() < 5) {
                        unnamed.add(LOADERS[loader] + " on mutant " + i + " (" + what + "): " + other);
                    }
                    firstUnnamed = firstUnnamed == null ? other : firstUnnamed;
                }
                counts.get(loader).merge(outcome, 1, Integer::sum);
            }
        }
        for (int loader = 0; loader < LOADERS.length; loader++) {
            System.out.println("fuzz " + LOADERS[loader] + ": " + count + " mutants (seed 16): " + counts.get(loader));
        }
        if (!unnamed.isEmpty()) {
            AssertionError e = new AssertionError("mutants failed without a named exception, e.g.\n  "
                    + String.join("\n  ", unnamed));
            e.initCause(firstUnnamed);
            throw e;
        }
        for (int loader = 0; loader < LOADERS.length; loader++) {
            assertTrue(counts.get(loader).containsKey("loaded") && counts.get(loader).containsKey("CheckpointContentException"),
                    LOADERS[loader] + ": some mutants should load and some reach the content checks: " + counts.get(loader));
        }
    }

    private static void load(int loader, Path file) throws Exception {
        switch (loader) {
            case 0 -> SparseCheckpoint.load(file, mlp(5));
            case 1 -> QuantizedCheckpoint.load(file, mlp(5));
            default -> CompressedCheckpoint.load(file, mlp(5));
        }
    }

    /** Writes a damaged copy of {@code original} to {@code mutant}; returns what was done. */
    private static String mutate(Path original, Checkpoint c, Path mutant, Random r) throws IOException {
        if (r.nextInt(4) == 0) {
            byte[] b = Files.readAllBytes(original);
            int flips = 1 + r.nextInt(4);
            // Most flips land in the header (its first few hundred bytes), where they change names,
            // dtypes, shapes and offsets; the rest anywhere.
            for (int i = 0; i < flips; i++) {
                int at = r.nextBoolean() ? r.nextInt(Math.min(b.length, 600)) : r.nextInt(b.length);
                b[at] ^= (byte) (1 << r.nextInt(8));
            }
            Files.write(mutant, b);
            return flips + " byte flips";
        }
        Map<String, TensorEntry> entries = new LinkedHashMap<>(c.entries());
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        List<String> names = new ArrayList<>(entries.keySet());
        String name = names.get(r.nextInt(names.size()));
        TensorEntry e = entries.get(name);
        String what;
        switch (r.nextInt(7)) {
            case 0 -> {
                String to = renamed(name, r);
                Map<String, TensorEntry> copy = new LinkedHashMap<>();
                entries.forEach((k, v) -> copy.put(k.equals(name) ? to : k, v));
                entries = copy;
                what = "rename " + name + " -> " + to;
            }
            case 1 -> {
                DType to = DType.values()[r.nextInt(DType.values().length)];
                entries.put(name, withShape(to, e.shape(), r));
                what = "dtype of " + name + " -> " + to;
            }
            case 2 -> {
                int[] shape = editedShape(e.shape(), r);
                entries.put(name, withShape(e.dtype(), shape, r));
                what = "shape of " + name + " -> " + java.util.Arrays.toString(shape);
            }
            case 3 -> {
                entries.remove(name);
                what = "remove " + name;
            }
            case 4 -> {
                String to = names.get(r.nextInt(names.size()));
                entries.put(to, e);
                what = "copy " + name + " over " + to;
            }
            default -> {
                if (meta.isEmpty()) {
                    entries.remove(name);
                    what = "remove " + name;
                } else {
                    List<String> keys = new ArrayList<>(meta.keySet());
                    String key = keys.get(r.nextInt(keys.size()));
                    String value = r.nextInt(3) == 0 ? Integer.toString(r.nextInt()) : BAD_NUMBERS[r.nextInt(BAD_NUMBERS.length)];
                    if (r.nextInt(5) == 0) {
                        meta.remove(key);
                        what = "remove metadata " + key;
                    } else {
                        meta.put(key, value);
                        what = "metadata " + key + " = \"" + value + "\"";
                    }
                }
            }
        }
        Checkpoint out = new Checkpoint();
        meta.forEach(out::putMetadata);
        entries.forEach(out::put);
        SafeTensors.write(mutant, out);
        return what;
    }

    private static String renamed(String name, Random r) {
        return switch (r.nextInt(5)) {
            case 0 -> name.replace("weight", "bias");
            case 1 -> name.toUpperCase();
            case 2 -> name + ".csr_values";
            case 3 -> name.replace("1.", "3.");
            default -> name.substring(0, r.nextInt(name.length()) + 1);
        };
    }

    private static int[] editedShape(int[] shape, Random r) {
        switch (r.nextInt(5)) {
            case 0:
                return new int[0];
            case 1:
                return new int[] {0};
            case 2: {
                int[] s = java.util.Arrays.copyOf(shape, shape.length + 1);
                s[shape.length] = 1 + r.nextInt(3);
                return s;
            }
            case 3:
                return shape.length == 0 ? new int[] {2} : java.util.Arrays.copyOf(shape, shape.length - 1);
            default: {
                int[] s = shape.length == 0 ? new int[] {1} : shape.clone();
                int i = r.nextInt(s.length);
                s[i] = Math.max(0, s[i] + (r.nextBoolean() ? 1 : -1));
                return s;
            }
        }
    }

    /** A random entry of {@code dtype} and {@code shape} (small values, as a bad file might hold). */
    private static TensorEntry withShape(DType dtype, int[] shape, Random r) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        switch (dtype) {
            case I8, U8, BOOL -> {
                byte[] b = new byte[n];
                for (int i = 0; i < n; i++) {
                    b[i] = (byte) (dtype == DType.BOOL ? r.nextInt(2) : r.nextInt(256));
                }
                return TensorEntry.ofBytes(dtype, b, shape);
            }
            case I16 -> {
                short[] s = new short[n];
                for (int i = 0; i < n; i++) {
                    s[i] = (short) r.nextInt(40);
                }
                return TensorEntry.ofShorts(s, shape);
            }
            case I32 -> {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) {
                    v[i] = r.nextInt(40) - 2;
                }
                return TensorEntry.ofInts(v, shape);
            }
            case I64 -> {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = r.nextInt(40);
                }
                return TensorEntry.ofLongs(v, shape);
            }
            default -> {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (float) r.nextGaussian();
                }
                return TensorEntry.of(Tensor.fromArray(v, shape), dtype);
            }
        }
    }
}
