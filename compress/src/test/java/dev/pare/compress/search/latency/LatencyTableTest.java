package dev.pare.compress.search.latency;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.compress.report.LatencyStats;
import dev.pare.compress.search.Architecture;
import dev.pare.compress.search.LatencyUnit;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import dev.pare.nn.Sequential;
import dev.pare.tensor.Rng;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The table with an injected unit timer whose "latencies" are planned figures, so that every
 * assertion is exact and nothing depends on the machine's speed.
 */
class LatencyTableTest {
    @TempDir
    Path dir;

    static final MachineKey HERE = new MachineKey("Test CPU 3000", 256, 2, "Test VM 17.0.1", "code-1");

    /** A unit that is never built here: the fake timer only reads its signature. */
    record FakeUnit(String signature, int features) implements LatencyUnit {
        @Override
        public int[] inputShape() {
            return new int[] {features};
        }

        @Override
        public Module build(Rng rng) {
            return new Sequential(new Linear(features, features, rng));
        }
    }

    record FakeArchitecture(List<LatencyUnit> latencyUnits) implements Architecture {
        @Override
        public String encode() {
            return String.join("|", latencyUnits.stream().map(LatencyUnit::signature).toList());
        }

        @Override
        public int[] inputShape() {
            return latencyUnits.get(0).inputShape();
        }

        @Override
        public Module build(Rng rng) {
            throw new AssertionError("a prediction must not build the model");
        }

        @Override
        public long parameters() {
            return 0;
        }

        @Override
        public long multiplyAdds() {
            return 0;
        }
    }

    /** Planned medians: 10 µs for "a", 20 for "b", 40 for "c", times the batch size; records every call. */
    static final class PlannedTimer implements LatencyTable.UnitTimer {
        final List<String> calls = new ArrayList<>();

        @Override
        public LatencyStats time(LatencyUnit unit, int batch) {
            calls.add(unit.signature() + "@" + batch);
            double base = switch (unit.signature()) {
                case "a" -> 10;
                case "b" -> 20;
                case "c" -> 40;
                default -> throw new AssertionError(unit.signature());
            };
            return new LatencyStats(base * batch, base * batch * 1.25, 7);
        }
    }

    static LatencyUnit a = new FakeUnit("a", 4);
    static LatencyUnit b = new FakeUnit("b", 5);
    static LatencyUnit c = new FakeUnit("c", 6);

    @Test
    void thePredictionIsTheSumOfTheUnitsMediansCountingRepeatedUnitsEachTime() {
        PlannedTimer timer = new PlannedTimer();
        LatencyTable t = LatencyTable.open(null, HERE, timer);
        Architecture abba = new FakeArchitecture(List.of(a, b, b, a));
        assertEquals(10 + 20 + 20 + 10, t.predictMicros(abba, 1));
        assertEquals(256 * 60.0, t.predictMicros(abba, 256));
        assertEquals(10 + 40, t.predictMicros(new FakeArchitecture(List.of(a, c)), 1));
    }

    @Test
    void eachSignatureIsMeasuredOnceAndOnlyAtTheBatchSizesAskedFor() {
        PlannedTimer timer = new PlannedTimer();
        LatencyTable t = LatencyTable.open(null, HERE, timer);
        t.predictMicros(new FakeArchitecture(List.of(a, b, b, a)), 1);
        t.predictMicros(new FakeArchitecture(List.of(b, a)), 1);
        assertEquals(List.of("a@1", "b@1"), timer.calls);
        t.predictMicros(new FakeArchitecture(List.of(b)), 256);
        assertEquals(List.of("a@1", "b@1", "b@256"), timer.calls);
        assertEquals(2, t.size());
        assertEquals(3, t.measuredEntries());
    }

    @Test
    void aSavedTableIsReadBackExactlyAndNothingIsMeasuredAgain() throws IOException {
        Path file = dir.resolve("cache").resolve("latency-test.json");
        LatencyTable first = LatencyTable.open(file, HERE, new PlannedTimer());
        Architecture abc = new FakeArchitecture(List.of(a, b, c));
        double predicted = first.predictMicros(abc, 1);
        first.entry(a, 256);
        assertTrue(Files.exists(file), "saved after each new entry");

        PlannedTimer second = new PlannedTimer();
        LatencyTable reopened = LatencyTable.open(file, HERE, second);
        assertEquals(first.entries(), reopened.entries());
        assertEquals(predicted, reopened.predictMicros(abc, 1));
        assertEquals(first.entry(a, 256), reopened.entry(a, 256));
        assertEquals(List.of(), second.calls);
    }

    @Test
    void aFileFromAnotherCpuIsRejectedAndLeftUntouched() throws IOException {
        Path file = dir.resolve("latency.json");
        LatencyTable.open(file, HERE, new PlannedTimer()).predictMicros(new FakeArchitecture(List.of(a)), 1);
        byte[] before = Files.readAllBytes(file);

        MachineKey elsewhere = new MachineKey("Other CPU 1000", 256, 2, "Test VM 17.0.1", HERE.code());
        PlannedTimer timer = new PlannedTimer();
        LatencyTable t = LatencyTable.open(file, elsewhere, timer);
        assertEquals(0, t.size(), "no entry of another machine is used");
        assertFalse(t.isSaving());
        t.predictMicros(new FakeArchitecture(List.of(a, b)), 1);
        assertEquals(List.of("a@1", "b@1"), timer.calls, "measured afresh");
        assertArrayEquals(before, Files.readAllBytes(file), "the other machine's table is not overwritten");
    }

    @Test
    void anotherThreadCountOrVectorWidthIsAnotherMachineToo() throws IOException {
        Path file = dir.resolve("latency.json");
        LatencyTable.open(file, HERE, new PlannedTimer()).predictMicros(new FakeArchitecture(List.of(a)), 1);
        assertEquals(0, LatencyTable.open(file, new MachineKey(HERE.cpu(), 256, 1, HERE.jvm(), HERE.code()), new PlannedTimer()).size());
        assertEquals(0, LatencyTable.open(file, new MachineKey(HERE.cpu(), 128, 2, HERE.jvm(), HERE.code()), new PlannedTimer()).size());
        assertEquals(0, LatencyTable.open(file, new MachineKey(HERE.cpu(), 256, 2, "Test VM 21", HERE.code()), new PlannedTimer()).size());
        assertEquals(0, LatencyTable.open(file, new MachineKey(HERE.cpu(), 256, 2, HERE.jvm(), "code-2"), new PlannedTimer()).size(),
                "another build of Pare's kernels must measure afresh");
        assertEquals(1, LatencyTable.open(file, HERE, new PlannedTimer()).size());
    }

    @Test
    void aCorruptFileIsMovedAsideAndTheTableIsRebuiltNotACrash() throws IOException {
        Path file = dir.resolve("latency.json");
        Files.writeString(file, "{\"format\": \"pare-latency-table\", \"version\": 1, \"machine\": {\"cpu\": ",
                StandardCharsets.UTF_8);
        PlannedTimer timer = new PlannedTimer();
        LatencyTable t = LatencyTable.open(file, HERE, timer);
        assertEquals(0, t.size());
        assertTrue(Files.exists(dir.resolve("latency.json.corrupt")), "the damaged file is kept for a look");
        assertEquals(30, t.predictMicros(new FakeArchitecture(List.of(a, b)), 1));
        assertEquals(2, LatencyTableFile.read(file).entries().size(), "rebuilt in place");
    }

    @Test
    void entriesAnotherProcessSavedMeanwhileAreKeptWhenSaving() throws IOException {
        Path file = dir.resolve("latency.json");
        LatencyTable mine = LatencyTable.open(file, HERE, new PlannedTimer());
        // Another search on the same machine writes its entry after this one opened the file.
        LatencyTableFile.write(file, HERE, Map.of("c", Map.of(1, new LatencyStats(41, 42, 3))));
        mine.entry(a, 1);
        assertEquals(Map.of("a", Map.of(1, new LatencyStats(10, 12.5, 7)), "c", Map.of(1, new LatencyStats(41, 42, 3))),
                LatencyTableFile.read(file).entries());
    }

    @Test
    void oneSignatureForUnitsOfDifferentShapesIsACallersBugAndNamedSo() {
        LatencyTable t = LatencyTable.open(null, HERE, new PlannedTimer());
        t.entry(new FakeUnit("a", 4), 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.entry(new FakeUnit("a", 8), 1));
        assertEquals("LatencyTable: signature \"a\" names units of input shapes [4] and [8]; a signature must name "
                + "everything a unit's cost depends on", e.getMessage());
    }

    @Test
    void theDefaultFileIsNamedAfterTheMachineKeyInTheChosenDirectory() {
        String old = System.getProperty(LatencyTable.CACHE_DIR_PROPERTY);
        System.setProperty(LatencyTable.CACHE_DIR_PROPERTY, dir.toString());
        try {
            assertEquals(dir.resolve("latency-" + HERE.id() + ".json"), LatencyTable.defaultFile(HERE));
        } finally {
            if (old == null) {
                System.clearProperty(LatencyTable.CACHE_DIR_PROPERTY);
            } else {
                System.setProperty(LatencyTable.CACHE_DIR_PROPERTY, old);
            }
        }
    }

    @Test
    void aBatchBelowOneIsRefused() {
        LatencyTable t = LatencyTable.open(null, HERE, new PlannedTimer());
        assertThrows(IllegalArgumentException.class, () -> t.predictMicros(new FakeArchitecture(List.of(a)), 0));
    }
}
