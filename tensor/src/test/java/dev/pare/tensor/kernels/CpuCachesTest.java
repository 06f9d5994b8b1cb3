package dev.pare.tensor.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How cache sizes are read from each source, and how GEMM blocks follow from them. */
class CpuCachesTest {

    @Test
    void parsesTheSizeFormsOfSysfsGetconfAndPeople() {
        assertEquals(49152, CpuCaches.parseSize("49152"));
        assertEquals(48 << 10, CpuCaches.parseSize("48K"));
        assertEquals(1 << 20, CpuCaches.parseSize("1024K"));
        assertEquals(32L << 20, CpuCaches.parseSize("32M"));
        assertEquals(2L << 20, CpuCaches.parseSize(" 2m "));
        assertEquals(-1, CpuCaches.parseSize(""));
        assertEquals(-1, CpuCaches.parseSize("K"));
        assertEquals(-1, CpuCaches.parseSize("-5K"));
        assertEquals(-1, CpuCaches.parseSize("12 KiB"));
        assertEquals(-1, CpuCaches.parseSize("99999999999999999999"));
        assertEquals(-1, CpuCaches.parseSize("99999999999G"), "overflows a long: refused, not wrapped");
    }

    @Test
    void readsDataAndUnifiedCachesFromSysfsAndSkipsInstructionCaches(@TempDir Path dir) throws IOException {
        cache(dir, 0, 1, "Data", "48K");
        cache(dir, 1, 1, "Instruction", "32K");
        cache(dir, 2, 2, "Unified", "1024K");
        cache(dir, 3, 3, "Unified", "32768K");
        assertEquals(new CpuCaches(48 << 10, 1 << 20, 32L << 20, "sysfs"), CpuCaches.fromSysfs(dir));
    }

    @Test
    void sysfsWithoutCacheDirectoriesGivesNothing(@TempDir Path dir) {
        assertNull(CpuCaches.fromSysfs(dir));
        assertNull(CpuCaches.fromSysfs(dir.resolve("missing")));
    }

    @Test
    void aCorruptSysfsEntryIsSkippedNotFatal(@TempDir Path dir) throws IOException {
        cache(dir, 0, 1, "Data", "lots");
        cache(dir, 2, 2, "Unified", "2048K");
        assertEquals(new CpuCaches(-1, 2 << 20, 0, "sysfs"), CpuCaches.fromSysfs(dir));
    }

    @Test
    void aCpuWithoutL3KeepsNoL3(@TempDir Path dir) throws IOException {
        // Many ARM cores: sysfs lists L1 and L2 and nothing more. That is an answer, not a gap.
        cache(dir, 0, 1, "Data", "32K");
        cache(dir, 2, 2, "Unified", "1024K");
        CpuCaches armLike = CpuCaches.fillFrom(CpuCaches.fromSysfs(dir), CpuCaches.FALLBACK);
        assertEquals(new CpuCaches(32 << 10, 1 << 20, 0, "sysfs"), armLike);
        GemmBlocking b = GemmBlocking.forCaches(armLike);
        assertTrue(b.nc() >= 8 * GemmBlocking.NR && b.nc() % GemmBlocking.NR == 0, b.describe());
    }

    @Test
    void readsGetconfOutput() {
        String out = "LEVEL1_ICACHE_SIZE                 32768\n"
                + "LEVEL1_DCACHE_SIZE                 49152\n"
                + "LEVEL1_DCACHE_ASSOC                12\n"
                + "LEVEL2_CACHE_SIZE                  2097152\n"
                + "LEVEL3_CACHE_SIZE                  \n"
                + "LEVEL4_CACHE_SIZE                  0\n";
        // LEVEL3 printed without a value is unknown (−1); LEVEL4 printed as 0 is absent and ignored.
        assertEquals(new CpuCaches(49152, 2 << 20, -1, "getconf"), CpuCaches.fromGetconf(out));
        assertNull(CpuCaches.fromGetconf("PAGESIZE 4096\n"));
        assertNull(CpuCaches.fromGetconf(null));
    }

    @Test
    void missingLevelsAreFilledFromTheNextSource() {
        CpuCaches partial = new CpuCaches(-1, 2 << 20, -1, "getconf");
        CpuCaches filled = CpuCaches.fillFrom(partial, CpuCaches.FALLBACK);
        assertEquals(new CpuCaches(32 << 10, 2 << 20, 8 << 20, "getconf+fallback"), filled);
        assertEquals(partial, CpuCaches.fillFrom(partial, null));
        assertEquals(CpuCaches.FALLBACK, CpuCaches.fillFrom(null, CpuCaches.FALLBACK));
    }

    @Test
    void propertiesMustBeSizes() {
        assertEquals(new CpuCaches(-1, 3 << 20, -1, "properties"), CpuCaches.fromProperties(null, "3M", null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CpuCaches.fromProperties(null, "big", null));
        assertTrue(e.getMessage().contains("pare.cache.l2") && e.getMessage().contains("'big'"), e.getMessage());
        assertNull(CpuCaches.fromProperties(null, null, null));
    }

    @Test
    void detectedSizesArePositive() {
        CpuCaches c = CpuCaches.DETECTED;
        assertTrue(c.l1d() > 0 && c.l2() > 0 && c.l3() >= 0, c.describe());
    }

    @Test
    void blocksFollowTheCachesAndKeepTheirInvariants() {
        long[] l2s = {16 << 10, 256 << 10, 512 << 10, 1 << 20, 1280 << 10, 2 << 20, 4 << 20, 1L << 30, 1L << 50};
        long[] l3s = {0, 4 << 20, 32L << 20, 512L << 20};
        for (long l2 : l2s) {
            for (long l3 : l3s) {
                CpuCaches caches = new CpuCaches(32 << 10, l2, l3, "test");
                GemmBlocking b = GemmBlocking.forCaches(caches);
                String at = caches.describe() + " → " + b.describe();
                assertTrue(b.kc() >= 128 && b.kc() <= GemmBlocking.KC_MAX, at);
                assertEquals(0, b.mc() % GemmBlocking.MR, at);
                assertEquals(0, b.nc() % GemmBlocking.NR, at);
                assertTrue(b.nc() <= GemmBlocking.NC_MAX_COLUMNS, at);
                assertTrue(b.mc() >= 2 * GemmBlocking.MR && b.mc() <= GemmBlocking.MC_MAX_ROWS, at);
                // The B micro-panel and the A block fit together in L2, with room to spare.
                long bytes = (long) Float.BYTES * b.kc() * (GemmBlocking.NR + b.mc());
                assertTrue(bytes <= l2 / 2 || b.kc() == 128 || b.mc() == 2 * GemmBlocking.MR || l2 < 64 << 10, at);
            }
        }
        // A larger L2 never gives shallower K blocks.
        int previous = 0;
        for (long l2 : l2s) {
            int kc = GemmBlocking.forCaches(new CpuCaches(32 << 10, l2, 32L << 20, "test")).kc();
            assertTrue(kc >= previous, "KC fell from " + previous + " to " + kc + " at L2 " + l2);
            previous = kc;
        }
    }

    @Test
    void rejectsBlocksThatAreNotWholeTiles() {
        assertThrows(IllegalArgumentException.class, () -> new GemmBlocking(0, GemmBlocking.MR, GemmBlocking.NR));
        assertThrows(IllegalArgumentException.class, () -> new GemmBlocking(8, GemmBlocking.MR + 1, GemmBlocking.NR));
        assertThrows(IllegalArgumentException.class, () -> new GemmBlocking(8, GemmBlocking.MR, GemmBlocking.NR - 1));
    }

    private static void cache(Path dir, int index, int level, String type, String size) throws IOException {
        Path d = Files.createDirectories(dir.resolve("index" + index));
        Files.writeString(d.resolve("level"), level + "\n");
        Files.writeString(d.resolve("type"), type + "\n");
        Files.writeString(d.resolve("size"), size + "\n");
    }
}
