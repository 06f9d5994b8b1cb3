package dev.pare.nn.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The search order, with small synthetic data sets in temporary directories and, for the
 * download, an HTTP server on the loopback address.
 */
class FashionMnistLocatorTest {
    @TempDir
    Path tmp;

    private HttpServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private final Map<String, byte[]> served = new HashMap<>();

    /** Writes a complete set of {@code n} tiny images (gzipped) into {@code dir}. */
    private static Path dataset(Path dir, int n) throws IOException {
        Files.createDirectories(dir);
        byte[][] files = IdxTestFiles.tinyFashionMnist(n);
        for (String prefix : List.of("train", "t10k")) {
            Files.write(dir.resolve(prefix + "-images-idx3-ubyte.gz"), IdxTestFiles.gzip(files[0]));
            Files.write(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), IdxTestFiles.gzip(files[1]));
        }
        return dir;
    }

    private FashionMnistLocator locator() {
        return FashionMnistLocator.defaults()
                .environment(Map.of())
                .cacheDirectory(tmp.resolve("cache"))
                .systemDirectory(tmp.resolve("system"))
                .download(false);
    }

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            String name = exchange.getRequestURI().getPath().substring(1);
            byte[] body = served.get(name);
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private URI mirror() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    /** Serves a tiny data set and returns the locator configured with its true checksums. */
    private FashionMnistLocator servingTinyDataset(int n) throws Exception {
        byte[][] files = IdxTestFiles.tinyFashionMnist(n);
        Map<String, String> md5 = new HashMap<>();
        Map<String, String> sha = new HashMap<>();
        for (String base : FashionMnist.FILES) {
            byte[] raw = base.contains("images") ? files[0] : files[1];
            byte[] gz = IdxTestFiles.gzip(raw);
            served.put(base + ".gz", gz);
            md5.put(base, hex("MD5", gz));
            sha.put(base, hex("SHA-256", raw));
        }
        return locator().download(true).mirror(mirror()).checksums(md5, sha);
    }

    private static String hex(String algorithm, byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
    }

    private List<String> filesIn(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void explicitDirectoryIsRead() throws IOException {
        FashionMnist d = locator().directory(dataset(tmp.resolve("mine"), 3)).locate();
        assertEquals(FashionMnist.Source.EXPLICIT_DIRECTORY, d.source());
        assertEquals(3, d.train().size());
        assertEquals(2 / 255f, d.train().get(2).input().get(0, 5, 5));
        assertArrayEquals(new int[] {0, 1, 2}, d.test().labels());
    }

    @Test
    void uncompressedFilesAreFoundToo() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("plain"));
        byte[][] files = IdxTestFiles.tinyFashionMnist(2);
        for (String base : FashionMnist.FILES) {
            Files.write(dir.resolve(base), base.contains("images") ? files[0] : files[1]);
        }
        assertEquals(2, locator().directory(dir).locate().test().size());
    }

    @Test
    void pareDataComesBeforeTheCacheAndTheCacheBeforeTheSystemDirectory() throws IOException {
        dataset(tmp.resolve("root").resolve("fashion-mnist"), 1);
        dataset(tmp.resolve("cache"), 2);
        dataset(tmp.resolve("system"), 3);
        FashionMnist a = locator().environment(Map.of("PARE_DATA", tmp.resolve("root").toString())).locate();
        assertEquals(FashionMnist.Source.PARE_DATA, a.source());
        assertEquals(1, a.train().size());
        FashionMnist b = locator().locate();
        assertEquals(FashionMnist.Source.USER_CACHE, b.source());
        assertEquals(2, b.train().size());
        Files.delete(tmp.resolve("cache").resolve("t10k-labels-idx1-ubyte.gz")); // an incomplete cache is skipped
        FashionMnist c = locator().locate();
        assertEquals(FashionMnist.Source.SYSTEM_PACKAGE, c.source());
        assertEquals(3, c.train().size());
    }

    @Test
    void pareDataWithoutTheFilesIsSkipped() throws IOException {
        dataset(tmp.resolve("system"), 3);
        FashionMnist d = locator().environment(Map.of("PARE_DATA", tmp.resolve("nothing-here").toString())).locate();
        assertEquals(FashionMnist.Source.SYSTEM_PACKAGE, d.source());
    }

    @Test
    void cacheDirectoryFollowsXdgCacheHome() {
        Path p = FashionMnistLocator.defaults().environment(Map.of("XDG_CACHE_HOME", "/x/cache")).cacheDirectoryInUse();
        assertEquals(Path.of("/x/cache/pare/fashion-mnist"), p);
        Path q = FashionMnistLocator.defaults().environment(Map.of()).cacheDirectoryInUse();
        assertEquals(Path.of(System.getProperty("user.home"), ".cache", "pare", "fashion-mnist"), q);
    }

    @Test
    void downloadWithMatchingChecksumsFillsTheCache() throws Exception {
        FashionMnist d = servingTinyDataset(4).locate();
        assertEquals(FashionMnist.Source.DOWNLOAD, d.source());
        assertEquals(4, d.train().size());
        assertEquals(List.of("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz",
                "train-labels-idx1-ubyte.gz"), filesIn(tmp.resolve("cache")));
        int before = requests.get();
        assertEquals(FashionMnist.Source.USER_CACHE, servingTinyDataset(4).locate().source(), "second time from the cache");
        assertEquals(before, requests.get());
    }

    @Test
    void downloadWithAWrongChecksumIsDiscardedAndTheSubsetUsed() throws Exception {
        FashionMnistLocator l = servingTinyDataset(4);
        served.put("train-labels-idx1-ubyte.gz", IdxTestFiles.gzip(IdxTestFiles.idx(0x08, new int[] {4}, new byte[] {6, 6, 6, 6})));
        FashionMnist d = l.locate();
        assertEquals(FashionMnist.Source.BUNDLED_SUBSET, d.source());
        assertEquals(List.of("train-images-idx3-ubyte.gz"), filesIn(tmp.resolve("cache")),
                "only the file that passed its check is kept; nothing half-written");
    }

    @Test
    void contentChecksumCatchesAFileWhoseDownloadChecksumWasForged() throws Exception {
        FashionMnistLocator l = servingTinyDataset(4);
        Map<String, String> md5 = new HashMap<>();
        for (String base : FashionMnist.FILES) {
            md5.put(base, hex("MD5", served.get(base + ".gz")));
        }
        Map<String, String> wrongSha = new HashMap<>();
        FashionMnist.FILES.forEach(b -> wrongSha.put(b, "00".repeat(32)));
        assertEquals(FashionMnist.Source.BUNDLED_SUBSET, l.checksums(md5, wrongSha).locate().source());
        assertEquals(List.of(), filesIn(tmp.resolve("cache")));
    }

    @Test
    void missingFileOnTheServerFallsThroughToTheSubset() throws Exception {
        FashionMnistLocator l = servingTinyDataset(4);
        served.remove("t10k-images-idx3-ubyte.gz");
        assertEquals(FashionMnist.Source.BUNDLED_SUBSET, l.locate().source());
    }

    @Test
    void unreachableMirrorFallsThroughToTheSubset() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        FashionMnist d = locator().download(true).mirror(URI.create("http://127.0.0.1:" + closedPort + "/"))
                .timeouts(Duration.ofSeconds(2), Duration.ofSeconds(2)).locate();
        assertEquals(FashionMnist.Source.BUNDLED_SUBSET, d.source());
        assertTrue(Files.notExists(tmp.resolve("cache")), "a failed first download leaves no empty cache directory");
    }

    @Test
    void pareOfflineForbidsTheDownload() throws Exception {
        FashionMnistLocator l = servingTinyDataset(4).environment(Map.of("PARE_OFFLINE", "1"));
        assertEquals(FashionMnist.Source.BUNDLED_SUBSET, l.locate().source());
        assertEquals(0, requests.get());
    }

    @Test
    void imagesOfTheWrongShapeAreRefusedWithTheFileNamed() throws IOException {
        Path dir = dataset(tmp.resolve("odd"), 2);
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"),
                IdxTestFiles.gzip(IdxTestFiles.idx(0x08, new int[] {2, 27, 27}, new byte[2 * 27 * 27])));
        FashionMnist d = locator().directory(dir).locate();
        IdxFormatException e = assertThrows(IdxFormatException.class, d::train);
        assertTrue(e.getMessage().startsWith("train-images-idx3-ubyte in " + dir
                + ": expected unsigned bytes [N, 28, 28], got UNSIGNED_BYTE [2, 27, 27]"), e.getMessage());
    }

    @Test
    void labelCountMustMatchTheImages() throws IOException {
        Path dir = dataset(tmp.resolve("odd"), 2);
        Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"),
                IdxTestFiles.gzip(IdxTestFiles.idx(0x08, new int[] {3}, new byte[3])));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> locator().directory(dir).locate().test());
        assertTrue(e.getMessage().contains("expected 2 unsigned-byte labels [2] to match the images, got UNSIGNED_BYTE [3]"),
                e.getMessage());
    }

    @Test
    void labelBeyondTheTenClassesIsRefused() throws IOException {
        Path dir = dataset(tmp.resolve("odd"), 2);
        Files.write(dir.resolve("t10k-labels-idx1-ubyte.gz"),
                IdxTestFiles.gzip(IdxTestFiles.idx(0x08, new int[] {2}, new byte[] {0, 10})));
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> locator().directory(dir).locate().test());
        assertTrue(e.getMessage().contains("label 10 of example 1 is not a class (0 to 9)"), e.getMessage());
    }
}
