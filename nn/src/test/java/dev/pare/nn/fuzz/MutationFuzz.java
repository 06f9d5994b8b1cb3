package dev.pare.nn.fuzz;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Runs a loader over seeded mutants of valid files and counts the outcomes: {@code loaded}, each
 * named refusal (by exception class), and {@code unnamed failure} (anything else: an index,
 * number-format, state or null-pointer exception, an {@code OutOfMemoryError}...). Any unnamed
 * failure fails the test, after the counts are printed.
 *
 * <p>Mutant {@code i} of a run with seed {@code s} is made from {@code new Random(s * 1_000_003 + i)}
 * alone, so a failure names the one mutant to replay. The number of mutants is the test's CI
 * default unless the system property {@code pare.fuzz.mutants} says otherwise: the long run of
 * {@code docs/nn.md} §5 passes {@code -Dpare.fuzz.mutants=100000}.
 *
 * @param <T> what a mutant is (the bytes of a file, a path)
 */
public final class MutationFuzz<T> {
    /** Makes mutant {@code r}'s file, and says in {@code what} how it differs from the original. */
    @FunctionalInterface
    public interface Mutator<T> {
        T mutate(Random r, StringBuilder what) throws Exception;
    }

    /** Loads a mutant; returns normally if it loaded. */
    @FunctionalInterface
    public interface Loader<T> {
        void load(T mutant) throws Exception;
    }

    private final String name;
    private final long seed;
    private final List<Class<? extends Throwable>> named;

    /**
     * @param name the loader's name, for the printed counts
     * @param named the exception types that count as a named refusal (subclasses included, each
     *     counted under its own class name)
     */
    @SafeVarargs
    public MutationFuzz(String name, long seed, Class<? extends Throwable>... named) {
        this.name = name;
        this.seed = seed;
        this.named = List.of(named);
    }

    /** The number of mutants to run: {@code -Dpare.fuzz.mutants}, else {@code ciDefault}. */
    public static int mutants(int ciDefault) {
        return Integer.getInteger("pare.fuzz.mutants", ciDefault);
    }

    /** Runs {@code count} mutants; returns the counts by outcome, and fails if any was unnamed. */
    public Map<String, Integer> run(int count, Mutator<T> mutator, Loader<T> loader) throws Exception {
        Map<String, Integer> counts = new TreeMap<>();
        List<String> unnamed = new ArrayList<>();
        Throwable firstUnnamed = null;
        for (int i = 0; i < count; i++) {
            Random r = new Random(seed * 1_000_003 + i);
            StringBuilder what = new StringBuilder();
            T mutant = mutator.mutate(r, what);
            String outcome;
            try {
                loader.load(mutant);
                outcome = "loaded";
            } catch (Throwable t) {
                if (named.stream().anyMatch(c -> c.isInstance(t))) {
                    outcome = t.getClass().getSimpleName();
                } else {
                    outcome = "unnamed failure";
                    if (unnamed.size() < 5) {
                        unnamed.add("mutant " + i + " (" + what + "): " + t);
                    }
                    if (firstUnnamed == null) {
                        firstUnnamed = t;
                    }
                }
            }
            counts.merge(outcome, 1, Integer::sum);
        }
        System.out.println("fuzz " + name + ": " + count + " mutants (seed " + seed + "): " + counts);
        if (!unnamed.isEmpty()) {
            AssertionError e = new AssertionError(name + ": " + counts.get("unnamed failure") + " of " + count
                    + " mutants failed without a named exception, e.g.\n  " + String.join("\n  ", unnamed));
            e.initCause(firstUnnamed);
            throw e;
        }
        return counts;
    }

    /** Flips 1 to 4 bits; with probability {@code headerBias} each lands in the first {@code headerBytes} bytes. */
    public static byte[] flipBits(byte[] file, Random r, int headerBytes, double headerBias, StringBuilder what) {
        byte[] b = file.clone();
        int flips = 1 + r.nextInt(4);
        for (int i = 0; i < flips; i++) {
            int at = r.nextDouble() < headerBias ? r.nextInt(Math.min(b.length, headerBytes)) : r.nextInt(b.length);
            b[at] ^= (byte) (1 << r.nextInt(8));
        }
        what.append(flips).append(" bit flips");
        return b;
    }

    /** Cuts the file to a random shorter length, or appends 1 to 16 random bytes. */
    public static byte[] cutOrExtend(byte[] file, Random r, StringBuilder what) {
        if (r.nextBoolean()) {
            int len = r.nextInt(file.length);
            what.append("cut to ").append(len).append(" bytes");
            return java.util.Arrays.copyOf(file, len);
        }
        byte[] extra = new byte[1 + r.nextInt(16)];
        r.nextBytes(extra);
        byte[] b = java.util.Arrays.copyOf(file, file.length + extra.length);
        System.arraycopy(extra, 0, b, file.length, extra.length);
        what.append(extra.length).append(" bytes appended");
        return b;
    }

    /** Numbers that break parsers and size arithmetic. */
    public static final long[] AWKWARD = {0, 1, 2, 3, 7, 8, 255, 256, 65535, 65536, Integer.MAX_VALUE,
        1L << 31, (1L << 32) - 1, 1L << 32, 1L << 40, Long.MAX_VALUE, -1, -2, Integer.MIN_VALUE, Long.MIN_VALUE};
}
