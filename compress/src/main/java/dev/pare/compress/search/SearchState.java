package dev.pare.compress.search;

import dev.pare.nn.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A search's state on disk: the settings that decide its path, and every trial so far. Written
 * atomically after every evaluation ({@link AtomicFiles}), so a search killed at any moment
 * leaves the state of its last finished evaluation, never a torn file.
 *
 * <p>The format is text a person can read and diff:
 * <pre>
 * pare-search-state 1
 * setting space=mbv2
 * setting strategy=evolution population 8 sample 3
 * …
 * trial 0,mbv2:s16|e6k3n2w1.0|…,1,0.8125,…      (the fields of {@link Trial#csvRow()})
 * </pre>
 * The settings are all the state a strategy needs: it replays its path from the seed and the
 * trials (see {@link SearchStrategy}). Doubles are written in Java's shortest round-trip form, so
 * a replayed trial is bit for bit the one that was saved.
 *
 * @param settings what the search was started with, by name
 * @param trials   the evaluations, in order
 */
public record SearchState(Map<String, String> settings, List<Trial> trials) {
    static final String MAGIC = "pare-search-state 1";

    public SearchState {
        settings = Map.copyOf(settings);
        trials = List.copyOf(trials);
    }

    /** Writes the state to {@code file}, replacing it atomically. */
    public void save(Path file) throws IOException {
        StringBuilder sb = new StringBuilder(MAGIC).append('\n');
        new LinkedHashMap<>(new java.util.TreeMap<>(settings)).forEach((k, v) -> sb.append("setting ").append(k)
                .append('=').append(v).append('\n'));
        for (Trial t : trials) {
            sb.append("trial ").append(t.csvRow()).append('\n');
        }
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        AtomicFiles.write(file, sb.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads a state file.
     *
     * @throws SearchStateException naming the file, the line and what is wrong with it
     * @throws NoSuchFileException  if there is no file
     */
    public static SearchState load(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).equals(MAGIC)) {
            throw new SearchStateException(file + ": line 1 is \"" + (lines.isEmpty() ? "" : abbreviate(lines.get(0)))
                    + "\", expected \"" + MAGIC + "\": not a search state file, or one from another version");
        }
        Map<String, String> settings = new LinkedHashMap<>();
        List<Trial> trials = new ArrayList<>();
        for (int n = 1; n < lines.size(); n++) {
            String line = lines.get(n);
            String where = file + ": line " + (n + 1);
            if (line.startsWith("setting ")) {
                int eq = line.indexOf('=');
                if (eq < 0) {
                    throw new SearchStateException(where + ": a setting without '=': \"" + abbreviate(line) + "\"");
                }
                settings.put(line.substring("setting ".length(), eq), line.substring(eq + 1));
            } else if (line.startsWith("trial ")) {
                Trial t = parseTrial(where, line.substring("trial ".length()));
                if (t.index() != trials.size()) {
                    throw new SearchStateException(where + ": trial " + t.index() + " where trial " + trials.size()
                            + " was expected");
                }
                trials.add(t);
            } else if (!line.isEmpty()) {
                throw new SearchStateException(where + ": \"" + abbreviate(line) + "\" is neither a setting nor a trial");
            }
        }
        return new SearchState(settings, trials);
    }

    private static Trial parseTrial(String where, String row) throws SearchStateException {
        String[] f = row.split(",", -1);
        if (f.length != 10) {
            throw new SearchStateException(where + ": a trial has 10 fields (" + Trial.csvHeader() + "), this one has "
                    + f.length);
        }
        try {
            return new Trial(Integer.parseInt(f[0]), f[1], Integer.parseInt(f[2]), Double.parseDouble(f[3]),
                    Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]), Double.parseDouble(f[7]),
                    f[8].isEmpty() ? Double.NaN : Double.parseDouble(f[8]), Double.parseDouble(f[9]));
        } catch (IllegalArgumentException e) {
            throw new SearchStateException(where + ": trial \"" + abbreviate(row) + "\": " + e.getMessage());
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "…";
    }

    /** The first setting whose value differs from {@code expected}'s, as a sentence; null if they agree. */
    String difference(Map<String, String> expected) {
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String saved = settings.get(e.getKey());
            if (!e.getValue().equals(saved)) {
                return e.getKey() + " was \"" + saved + "\" and is now \"" + e.getValue() + "\"";
            }
        }
        for (String k : settings.keySet()) {
            if (!expected.containsKey(k)) {
                return "the file has a setting " + k + " this search does not know";
            }
        }
        return null;
    }
}
