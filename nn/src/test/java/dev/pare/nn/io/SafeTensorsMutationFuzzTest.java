package dev.pare.nn.io;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.BatchNorm1d;
import dev.pare.nn.Flatten;
import dev.pare.nn.Linear;
import dev.pare.nn.ReLU;
import dev.pare.nn.Sequential;
import dev.pare.nn.StateDictMismatchException;
import dev.pare.nn.fuzz.MutationFuzz;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutation fuzzing of the safetensors reader and of state-dict loading (issue 16): files holding
 * every dtype Pare reads, with and without checksums, are damaged at random (bit flips, cuts,
 * edits of the JSON header, a forged header length, damaged data, renamed, retyped, reshaped,
 * removed or copied tensors), and each mutant is read (checksums verified or not) and turned into
 * float tensors as {@link SafeTensors#load} does; for the state dict, loaded strictly into the
 * model it came from. Each must load or be refused by a named exception: a
 * {@link SafeTensorsFormatException} (its {@link SafeTensorsChecksumException} counted apart) or a
 * {@link StateDictMismatchException}.
 *
 * <p>CI runs 1,500 and 600 mutants; {@code -Dpare.fuzz.mutants=100000} runs that many of each
 * and prints the counts by outcome (see {@link MutationFuzz}).
 */
class SafeTensorsMutationFuzzTest {
    private static final String[] DTYPE_NAMES = {"F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "BOOL",
        "U16", "U32", "U64", "F8_E5M2", "F8_E4M3", "f32", "", "F32 ", "INT8"};

    @TempDir
    static Path dir;

    /**
     * A file of every dtype with fletcher-4 checksums (the default), with CRC32C ones, without,
     * and a BatchNorm model's state dict in F32 and BF16.
     */
    private static byte[] everyDtype;
    private static byte[] everyDtypeCrc32c;
    private static byte[] everyDtypeUnchecked;
    private static byte[] stateDictF32;
    private static byte[] stateDictBf16;

    static Sequential model(long seed) {
        Rng rng = new Rng(seed);
        return new Sequential(new Flatten(), new Linear(12, 8, rng), new BatchNorm1d(8), new ReLU(),
                new Linear(8, 4, rng));
    }

    @BeforeAll
    static void originals() throws Exception {
        Random r = new Random(16);
        Checkpoint c = new Checkpoint().putMetadata("arch", "every-dtype");
        int i = 0;
        int[][] shapes = {{}, {0}, {3}, {2, 3}, {1, 2, 2}};
        for (DType d : DType.values()) {
            for (int[] shape : new int[][] {shapes[i % shapes.length], shapes[(i + 2) % shapes.length]}) {
                c.put(d + "." + Arrays.toString(shape), randomEntry(d, shape, r));
            }
            i++;
        }
        Path f = dir.resolve("every-dtype.safetensors");
        SafeTensors.write(f, c);
        everyDtype = Files.readAllBytes(f);
        SafeTensors.write(f, c, SafeTensors.Checksums.CRC32C);
        everyDtypeCrc32c = Files.readAllBytes(f);
        SafeTensors.write(f, c, SafeTensors.Checksums.OFF);
        everyDtypeUnchecked = Files.readAllBytes(f);

        Sequential m = model(1);
        SafeTensors.save(f, m.stateDict());
        stateDictF32 = Files.readAllBytes(f);
        SafeTensors.save(f, m.stateDict(), DType.BF16);
        stateDictBf16 = Files.readAllBytes(f);
    }

    /** A random entry of {@code dtype}; values within what a valid file of that dtype holds. */
    static TensorEntry randomEntry(DType dtype, int[] shape, Random r) {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        switch (dtype) {
            case I8:
            case U8:
            case BOOL: {
                byte[] b = new byte[n];
                for (int i = 0; i < n; i++) {
                    b[i] = (byte) (dtype == DType.BOOL ? r.nextInt(2) : r.nextInt(256));
                }
                return TensorEntry.ofBytes(dtype, b, shape);
            }
            case I16: {
                short[] s = new short[n];
                for (int i = 0; i < n; i++) {
                    s[i] = (short) r.nextInt();
                }
                return TensorEntry.ofShorts(s, shape);
            }
            case I32: {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) {
                    v[i] = r.nextInt();
                }
                return TensorEntry.ofInts(v, shape);
            }
            case I64: {
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = r.nextInt(1000);
                }
                return TensorEntry.ofLongs(v, shape);
            }
            default: {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (float) r.nextGaussian();
                }
                return TensorEntry.of(Tensor.fromArray(v, shape), dtype);
            }
        }
    }

    // ---------------------------------------------------------------- mutations

    private static int headerEnd(byte[] file) {
        long len = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return (int) (8 + len);
    }

    /** The file with {@code header} in place of its own, behind a length that matches it. */
    private static byte[] withHeader(byte[] file, String header) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int end = headerEnd(file);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + file.length - end).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(file, end, file.length - end);
        return b.array();
    }

    private static final Pattern NUMBER = Pattern.compile("-?[0-9]+");
    private static final Pattern DTYPE = Pattern.compile("\"dtype\":\"[^\"]*\"");
    private static final Pattern HEX8 = Pattern.compile("[0-9a-f]{8}");

    /** One edit of the JSON header: a dtype, a number, a checksum digit, a character. */
    private static String editHeader(String h, Random r, StringBuilder what) {
        switch (r.nextInt(5)) {
            case 0: {
                String to = DTYPE_NAMES[r.nextInt(DTYPE_NAMES.length)];
                what.append("a dtype -> ").append(to);
                return replaceOne(h, DTYPE, "\"dtype\":\"" + to + "\"", r);
            }
            case 1: {
                long v = r.nextBoolean() ? MutationFuzz.AWKWARD[r.nextInt(MutationFuzz.AWKWARD.length)] : r.nextInt(200);
                String to = r.nextInt(8) == 0 ? v + ".5" : r.nextInt(8) == 0 ? "1e3" : Long.toString(v);
                what.append("a number -> ").append(to);
                return replaceOne(h, NUMBER, to, r);
            }
            case 2: {
                String to = String.format("%08x", r.nextInt());
                what.append("a checksum -> ").append(to);
                return replaceOne(h, HEX8, to, r);
            }
            case 3: {
                int at = r.nextInt(h.length());
                what.append("char ").append(at).append(" deleted");
                return h.substring(0, at) + h.substring(at + 1);
            }
            default: {
                String chars = "{}[],:\"0-9aé\\ ";
                char c = chars.charAt(r.nextInt(chars.length()));
                int at = r.nextInt(h.length() + 1);
                what.append("'").append(c).append("' inserted at ").append(at);
                return h.substring(0, at) + c + h.substring(at);
            }
        }
    }

    private static String replaceOne(String h, Pattern p, String to, Random r) {
        List<int[]> hits = new ArrayList<>();
        Matcher m = p.matcher(h);
        while (m.find()) {
            hits.add(new int[] {m.start(), m.end()});
        }
        if (hits.isEmpty()) {
            return h;
        }
        int[] hit = hits.get(r.nextInt(hits.size()));
        return h.substring(0, hit[0]) + to + h.substring(hit[1]);
    }

    /** A tensor renamed, retyped, reshaped, removed or copied; written without checksums. */
    private static byte[] editTensors(byte[] file, Random r, StringBuilder what) throws Exception {
        Checkpoint c = SafeTensors.read(new ByteArrayChannel(file), "original");
        Map<String, TensorEntry> entries = new LinkedHashMap<>(c.entries());
        List<String> names = new ArrayList<>(entries.keySet());
        String name = names.get(r.nextInt(names.size()));
        TensorEntry e = entries.get(name);
        switch (r.nextInt(5)) {
            case 0: {
                String to = r.nextBoolean() ? name.toUpperCase() : name.substring(0, r.nextInt(name.length()) + 1);
                Map<String, TensorEntry> copy = new LinkedHashMap<>();
                entries.forEach((k, v) -> copy.put(k.equals(name) ? to : k, v));
                entries = copy;
                what.append("rename ").append(name).append(" -> ").append(to);
                break;
            }
            case 1: {
                DType to = DType.values()[r.nextInt(DType.values().length)];
                entries.put(name, randomEntry(to, e.shape(), r));
                what.append("dtype of ").append(name).append(" -> ").append(to);
                break;
            }
            case 2: {
                int[] shape = e.shape().length == 0 ? new int[] {2} : Arrays.copyOf(e.shape(), e.shape().length - r.nextInt(2));
                if (shape.length > 0) {
                    int i = r.nextInt(shape.length);
                    shape[i] = Math.max(0, shape[i] + (r.nextBoolean() ? 1 : -1));
                }
                entries.put(name, randomEntry(e.dtype(), shape, r));
                what.append("shape of ").append(name).append(" -> ").append(Arrays.toString(shape));
                break;
            }
            case 3:
                entries.remove(name);
                what.append("remove ").append(name);
                break;
            default: {
                String to = names.get(r.nextInt(names.size()));
                entries.put(to, e);
                what.append("copy ").append(name).append(" over ").append(to);
            }
        }
        Checkpoint out = new Checkpoint();
        c.metadata().forEach(out::putMetadata);
        entries.forEach(out::put);
        return SafeTensorsTestSupport.bytesOf(out);
    }

    /** A damaged copy of {@code original}. */
    static byte[] mutate(byte[] original, Random r, StringBuilder what) throws Exception {
        int end = headerEnd(original);
        switch (r.nextInt(7)) {
            case 0:
                return MutationFuzz.flipBits(original, r, end, 0.7, what);
            case 1:
                return MutationFuzz.cutOrExtend(original, r, what);
            case 2:
            case 3:
                return withHeader(original, editHeader(new String(original, 8, end - 8, StandardCharsets.UTF_8), r, what));
            case 4: {
                byte[] b = original.clone();
                long len = r.nextBoolean() ? MutationFuzz.AWKWARD[r.nextInt(MutationFuzz.AWKWARD.length)]
                        : end - 8 + r.nextInt(17) - 8;
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, len);
                what.append("header length -> ").append(len);
                return b;
            }
            case 5: {
                byte[] b = original.clone();
                if (b.length > end) {
                    int at = end + r.nextInt(b.length - end);
                    b[at] ^= (byte) (1 + r.nextInt(255));
                    what.append("data byte ").append(at).append(" changed");
                }
                return b;
            }
            default:
                return editTensors(original, r, what);
        }
    }

    // ---------------------------------------------------------------- the fuzz runs

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES) // hang protection, also for the long run
    void aMutatedFileOfEveryDtypeLoadsOrIsRefusedByName() throws Exception {
        MutationFuzz<byte[]> fuzz = new MutationFuzz<>("SafeTensors.read/load", 16, SafeTensorsFormatException.class);
        boolean[] verify = new boolean[1];
        Map<String, Integer> counts = fuzz.run(MutationFuzz.mutants(1500), (r, what) -> {
            verify[0] = r.nextInt(4) != 0;
            what.append(verify[0] ? "checksums ON, " : "checksums OFF, ");
            int which = r.nextInt(3);
            return mutate(which == 0 ? everyDtypeUnchecked : which == 1 ? everyDtype : everyDtypeCrc32c, r, what);
        }, bytes -> {
            Checkpoint c = SafeTensors.read(new ByteArrayChannel(bytes), "mutant",
                    verify[0] ? SafeTensors.Checksums.ON : SafeTensors.Checksums.OFF);
            // load() refuses I8, I16 and I32 by design; the others go through its conversion
            // (an I64 beyond 2^24, a BOOL) as they would in a state dict.
            Checkpoint floats = new Checkpoint();
            c.entries().forEach((k, v) -> {
                if (v.dtype() != DType.I8 && v.dtype() != DType.I16 && v.dtype() != DType.I32) {
                    floats.put(k, v);
                }
            });
            SafeTensors.floatTensors(floats, "mutant");
        });
        assertTrue(counts.containsKey("SafeTensorsChecksumException") && counts.containsKey("loaded"),
                "the mutants should reach the checksum check, and some load: " + counts);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.MINUTES)
    void aMutatedStateDictLoadsIntoItsModelOrIsRefusedByName() throws Exception {
        MutationFuzz<byte[]> fuzz = new MutationFuzz<>("state dict into a model", 17, SafeTensorsFormatException.class,
                StateDictMismatchException.class);
        Sequential model = model(2);
        Map<String, Integer> counts = fuzz.run(MutationFuzz.mutants(600),
                (r, what) -> mutate(r.nextBoolean() ? stateDictF32 : stateDictBf16, r, what),
                bytes -> model.loadStateDict(SafeTensors.floatTensors(
                        SafeTensors.read(new ByteArrayChannel(bytes), "mutant"), "mutant"), true));
        assertTrue(counts.containsKey("StateDictMismatchException"), "no mutant reached the model: " + counts);
    }
}
