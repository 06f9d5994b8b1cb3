package dev.pare.compress.search.latency;

import dev.pare.compress.report.LatencyStats;
import dev.pare.compress.search.Architecture;
import dev.pare.compress.search.LatencyUnit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FBNet's latency lookup table: every distinct {@link LatencyUnit#signature()} is built alone and
 * timed once per machine, and a candidate's latency is predicted as the sum of its units' entries,
 *
 * <pre>
 *   predicted(a, b) = Σ_{u ∈ units(a)} median latency of u at batch b
 * </pre>
 *
 * without building the candidate. A search space of MobileNetV2-style blocks holds billions of
 * candidates but only a few hundred distinct units, so the table is small, and a prediction is a
 * few map look-ups where a measurement takes seconds.
 *
 * <p><b>What the sum ignores.</b> Timed alone in a loop, a unit finds its own weights and input
 * in cache from its previous call; inside the model, the previous layer has just filled the cache
 * with other data, though its output, the unit's input, may still be there. Whatever runs between
 * units (the model's own dispatch, a view, a layer no unit covers) is in no entry. So the sum is
 * not the model's latency, and its error varies between candidates: it is a ranking signal, and
 * docs/search.md reports how well it ranks.
 *
 * <p><b>Lazy and cached.</b> An entry is measured the first time a prediction needs it (for the
 * asked batch size only), and the table is then saved atomically, so a killed search loses no
 * measurement. The file is keyed by {@link MachineKey}: by default
 * {@code ~/.cache/pare/latency-<key id>.json} (see {@link #defaultFile}); deleting it makes the
 * next search measure again. A corrupt file is moved aside to {@code <name>.corrupt} with a
 * warning, and the table starts empty; a file measured under another key is left untouched
 * (it belongs to another machine or setting) and the table then lives in memory only.
 *
 * <p>Thread-safe: predictions and measurements are serialised, since two measurements at once
 * would disturb each other.
 */
public final class LatencyTable implements LatencyPredictor {
    private static final Logger LOG = LoggerFactory.getLogger(LatencyTable.class);

    /** The system property naming the directory of the default cache file. */
    public static final String CACHE_DIR_PROPERTY = "pare.latency.cache.dir";

    /** Measures one unit at one batch size; {@link ForwardTimer#time(LatencyUnit, int)} in production. */
    @FunctionalInterface
    public interface UnitTimer {
        LatencyStats time(LatencyUnit unit, int batch);
    }

    private final MachineKey key;
    private final Path file;
    private final UnitTimer timer;
    private boolean saving;
    private final Map<String, Map<Integer, LatencyStats>> entries = new TreeMap<>();
    /** The input shape seen with each signature in this run: equal signatures must mean equal work. */
    private final Map<String, int[]> shapes = new HashMap<>();
    private int measured;

    private LatencyTable(MachineKey key, Path file, UnitTimer timer) {
        this.key = key;
        this.file = file;
        this.timer = timer;
    }

    /**
     * The table of this machine at the settings' thread count, cached in {@link #defaultFile},
     * measured with a {@link ForwardTimer} of {@code settings}.
     */
    public static LatencyTable forThisMachine(MeasurementSettings settings) {
        MachineKey key = MachineKey.current(settings.threads());
        ForwardTimer t = new ForwardTimer(settings);
        return open(defaultFile(key), key, t::time);
    }

    /**
     * A table cached in {@code file} (null: in memory only), for the machine {@code key},
     * measuring missing entries with {@code timer}. Reads {@code file} if it exists; never fails
     * because of what the file holds (see the class comment).
     */
    public static LatencyTable open(Path file, MachineKey key, UnitTimer timer) {
        LatencyTable t = new LatencyTable(key, file, timer);
        t.saving = file != null;
        if (file == null) {
            return t;
        }
        try {
            LatencyTableFile.Contents c = LatencyTableFile.read(file);
            if (!c.key().equals(key)) {
                t.saving = false;
                LOG.warn("latency table {} was measured on another machine or setting ({}), not on this one ({}); "
                        + "it is left as it is and this run's table is kept in memory only", file,
                        c.key().describe(), key.describe());
            } else {
                t.entries.putAll(c.entries());
                LOG.debug("latency table {}: {} unit signatures loaded", file, c.entries().size());
            }
        } catch (NoSuchFileException e) {
            // The first search on this machine: nothing to load.
        } catch (LatencyTableFormatException e) {
            Path aside = file.resolveSibling(file.getFileName() + ".corrupt");
            try {
                Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
                LOG.warn("{}; moved to {}, the table is measured again", e.getMessage(), aside);
            } catch (IOException moveFailed) {
                t.saving = false;
                LOG.warn("{}; it could not be moved aside ({}), so this run's table is kept in memory only",
                        e.getMessage(), moveFailed.toString());
            }
        } catch (IOException e) {
            t.saving = false;
            LOG.warn("latency table {} cannot be read ({}); this run's table is kept in memory only", file,
                    e.toString());
        }
        return t;
    }

    /**
     * {@code <dir>/latency-<key id>.json}, where {@code dir} is the system property
     * {@value #CACHE_DIR_PROPERTY} if set, else {@code $XDG_CACHE_HOME/pare}, else
     * {@code ~/.cache/pare}.
     */
    public static Path defaultFile(MachineKey key) {
        String prop = System.getProperty(CACHE_DIR_PROPERTY);
        Path dir;
        if (prop != null && !prop.isBlank()) {
            dir = Path.of(prop);
        } else {
            String xdg = System.getenv("XDG_CACHE_HOME");
            dir = xdg != null && !xdg.isBlank() ? Path.of(xdg, "pare")
                    : Path.of(System.getProperty("user.home"), ".cache", "pare");
        }
        return dir.resolve("latency-" + key.id() + ".json");
    }

    @Override
    public synchronized double predictMicros(Architecture architecture, int batch) {
        double sum = 0;
        for (LatencyUnit u : architecture.latencyUnits()) {
            sum += entry(u, batch).medianMicros();
        }
        return sum;
    }

    /**
     * The table's entry for {@code unit} at batch size {@code batch}, measured now if missing (and
     * then saved).
     *
     * @throws IllegalArgumentException if {@code batch < 1}, or if {@code unit}'s signature was
     *                                  seen in this run with another input shape (two units that
     *                                  share a signature must do the same work)
     */
    public synchronized LatencyStats entry(LatencyUnit unit, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("LatencyTable.entry: " + unit.signature() + ": batch " + batch + " < 1");
        }
        String sig = unit.signature();
        int[] shape = unit.inputShape();
        int[] seen = shapes.putIfAbsent(sig, shape.clone());
        if (seen != null && !Arrays.equals(seen, shape)) {
            throw new IllegalArgumentException("LatencyTable: signature \"" + sig + "\" names units of input shapes "
                    + Arrays.toString(seen) + " and " + Arrays.toString(shape)
                    + "; a signature must name everything a unit's cost depends on");
        }
        LatencyStats s = entries.getOrDefault(sig, Map.of()).get(batch);
        if (s == null) {
            s = timer.time(unit, batch);
            entries.computeIfAbsent(sig, k -> new TreeMap<>()).put(batch, s);
            measured++;
            save();
        }
        return s;
    }

    /** Writes the table now, adding first any entries another process saved to the file meanwhile. */
    private void save() {
        if (!saving) {
            return;
        }
        try {
            try {
                LatencyTableFile.Contents other = LatencyTableFile.read(file);
                if (other.key().equals(key)) {
                    other.entries().forEach((sig, byBatch) -> byBatch.forEach((b, s) ->
                            entries.computeIfAbsent(sig, k -> new TreeMap<>()).putIfAbsent(b, s)));
                }
            } catch (IOException e) {
                // Missing or unreadable: this run's entries replace it.
            }
            LatencyTableFile.write(file, key, entries);
        } catch (IOException e) {
            saving = false;
            LOG.warn("latency table {} cannot be written ({}); this run's table is kept in memory only", file,
                    e.toString());
        }
    }

    /** The machine this table is for. */
    public MachineKey key() {
        return key;
    }

    /** Where the table is cached; null when it lives in memory only. */
    public Path file() {
        return file;
    }

    /** Whether new entries are being written to {@link #file()}. */
    public synchronized boolean isSaving() {
        return saving;
    }

    /** Number of distinct unit signatures with at least one entry. */
    public synchronized int size() {
        return entries.size();
    }

    /** Number of entries this object has measured (rather than loaded). */
    public synchronized int measuredEntries() {
        return measured;
    }

    /** A copy of all entries: signature, then batch size. */
    public synchronized Map<String, Map<Integer, LatencyStats>> entries() {
        Map<String, Map<Integer, LatencyStats>> copy = new TreeMap<>();
        entries.forEach((k, v) -> copy.put(k, new TreeMap<>(v)));
        return copy;
    }
}
