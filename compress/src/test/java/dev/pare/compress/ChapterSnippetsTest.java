package dev.pare.compress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The code a chapter of {@code docs/} marks as copied from a tour test is still, verbatim, in that
 * test. A chapter marks a copy with an HTML comment on the line before a {@code java} fence:
 *
 * <pre>
 * &lt;!-- tour: CompressTourExamples#globalPruning --&gt;
 * ```java
 * ...
 * ```
 * </pre>
 *
 * and the test class holds the same lines between {@code // tour: globalPruning} and
 * {@code // tour: end}, indented as the method body needs (the common indentation is ignored,
 * nothing else). So a renamed method or a changed argument fails here, in the build, instead of
 * leaving a learner with code that no longer compiles.
 */
class ChapterSnippetsTest {
    private static final Pattern MARKER = Pattern.compile("<!-- tour: (\\w+)#(\\w+) -->");
    private static final Pattern REGION = Pattern.compile("^\\s*// tour: (\\w+)\\s*$");

    /** The repository root: the nearest directory above the module's that holds docs/README.md. */
    private static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("docs").resolve("README.md"))) {
                return p;
            }
        }
        throw new AssertionError("no docs/README.md above " + Path.of("").toAbsolutePath());
    }

    /** One marked copy in a chapter. */
    record Quote(Path chapter, int line, String testClass, String region, List<String> lines) {}

    static List<Quote> quotes(Path chapter) {
        List<String> text = read(chapter);
        List<Quote> out = new ArrayList<>();
        for (int i = 0; i < text.size(); i++) {
            Matcher m = MARKER.matcher(text.get(i));
            if (!m.find()) {
                continue;
            }
            if (i + 1 >= text.size() || !text.get(i + 1).trim().equals("```java")) {
                fail(chapter.getFileName() + ":" + (i + 1) + ": a tour marker must be followed by a ```java fence");
            }
            List<String> code = new ArrayList<>();
            int j = i + 2;
            for (; j < text.size() && !text.get(j).trim().equals("```"); j++) {
                code.add(text.get(j));
            }
            if (j == text.size()) {
                fail(chapter.getFileName() + ":" + (i + 1) + ": the ```java fence is never closed");
            }
            out.add(new Quote(chapter, i + 1, m.group(1), m.group(2), code));
        }
        return out;
    }

    /** The regions of a test file, each with its common indentation removed. */
    static Map<String, List<String>> regions(Path testFile) {
        List<String> text = read(testFile);
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (int i = 0; i < text.size(); i++) {
            Matcher m = REGION.matcher(text.get(i));
            if (!m.matches() || m.group(1).equals("end")) {
                continue;
            }
            List<String> body = new ArrayList<>();
            int j = i + 1;
            for (; j < text.size() && !text.get(j).trim().equals("// tour: end"); j++) {
                body.add(text.get(j));
            }
            if (j == text.size()) {
                fail(testFile.getFileName() + ":" + (i + 1) + ": region " + m.group(1) + " has no // tour: end");
            }
            if (out.put(m.group(1), dedent(body)) != null) {
                fail(testFile.getFileName() + ": region " + m.group(1) + " appears twice");
            }
        }
        return out;
    }

    static List<String> dedent(List<String> lines) {
        int indent = Integer.MAX_VALUE;
        for (String l : lines) {
            if (!l.isBlank()) {
                indent = Math.min(indent, l.length() - l.stripLeading().length());
            }
        }
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            out.add(l.isBlank() ? "" : l.substring(indent));
        }
        return out;
    }

    private static Path testFile(Path root, String testClass) {
        try (Stream<Path> files = Files.walk(root, 12)) {
            List<Path> found = files.filter(p -> p.toString().contains("src" + java.io.File.separator + "test"))
                    .filter(p -> p.getFileName().toString().equals(testClass + ".java")).toList();
            assertEquals(1, found.size(), () -> "test class " + testClass + " found at " + found);
            return found.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> read(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> chapters(Path root) {
        try (Stream<Path> files = Files.list(root.resolve("docs"))) {
            List<Path> out = new ArrayList<>(files.filter(p -> p.toString().endsWith(".md")).sorted().toList());
            out.add(root.resolve("README.md"));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void everyMarkedSnippetIsVerbatimInItsTourTest() {
        Path root = root();
        List<Quote> quotes = new ArrayList<>();
        for (Path chapter : chapters(root)) {
            quotes.addAll(quotes(chapter));
        }
        assertFalse(quotes.isEmpty(), "no chapter marks a snippet with <!-- tour: Class#region -->");
        Map<String, Map<String, List<String>>> byClass = new LinkedHashMap<>();
        for (Quote q : quotes) {
            Map<String, List<String>> regions = byClass.computeIfAbsent(q.testClass(), c -> regions(testFile(root, c)));
            List<String> expected = regions.get(q.region());
            String where = root.relativize(q.chapter()) + ":" + q.line() + " quotes " + q.testClass() + "#" + q.region();
            if (expected == null) {
                fail(where + ", but the test has no such region; it has " + regions.keySet());
            }
            assertEquals(String.join("\n", expected), String.join("\n", dedent(q.lines())),
                    where + ": the chapter's copy differs from the test");
        }
    }

    @Test
    void everyCompressTourRecipeIsQuotedByAChapter() {
        Path root = root();
        Set<String> quoted = new TreeSet<>();
        for (Path chapter : chapters(root)) {
            for (Quote q : quotes(chapter)) {
                if (q.testClass().equals("CompressTourExamples")) {
                    quoted.add(q.region());
                }
            }
        }
        Set<String> regions = new TreeSet<>(regions(testFile(root, "CompressTourExamples")).keySet());
        assertEquals(Set.of("globalPruning", "gradualPruning", "staticPtq", "qat", "distillation"), regions,
                "the recipes of CompressTourExamples");
        assertTrue(quoted.containsAll(regions), () -> "recipes no chapter quotes: "
                + regions.stream().filter(r -> !quoted.contains(r)).toList());
    }

    @Test
    void aChangedLineIsCaught() {
        // The comparison itself, on a copy that differs in one argument: the check must be able to fail.
        List<String> test = dedent(List.of("        int used = Quantizer.calibrate(prepared, train, 4);"));
        List<String> chapter = dedent(List.of("int used = Quantizer.calibrate(prepared, train, 5);"));
        assertFalse(String.join("\n", test).equals(String.join("\n", chapter)));
        assertEquals(List.of("a", "  b", ""), dedent(List.of("    a", "      b", "   ")));
    }
}
