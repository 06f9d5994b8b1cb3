package dev.pare.nn.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides where {@link FashionMnist} reads its four files from, trying in order:
 * <ol>
 *   <li>an explicit {@linkplain #directory directory} (then nothing else: a directory you name
 *       and that lacks files is an error, not a reason to look elsewhere);</li>
 *   <li>{@code $PARE_DATA/fashion-mnist}, when the {@code PARE_DATA} environment variable names
 *       a root directory for Pare's data sets;</li>
 *   <li>the user cache, {@code $XDG_CACHE_HOME/pare/fashion-mnist} or
 *       {@code ~/.cache/pare/fashion-mnist};</li>
 *   <li>Debian's package location, {@code /usr/share/datasets/fashion-mnist};</li>
 *   <li>a download of the official files into the user cache, checked against their published
 *       checksums (skipped when {@code PARE_OFFLINE} is set, or {@link #download(boolean)
 *       download(false)});</li>
 *   <li>the subset bundled in the jar: the first 10,000 training and 2,000 test images.</li>
 * </ol>
 * A directory counts when it holds all four files, each gzipped or not. Their content is checked
 * when {@link FashionMnist#train()} or {@link FashionMnist#test()} reads them, and a damaged file
 * is then an error, not a silent switch to other data. The choice is logged on one line, with
 * the way to get the full set when only the subset is left.
 */
public final class FashionMnistLocator {
    private static final Logger LOG = LoggerFactory.getLogger(FashionMnistLocator.class);

    /** Environment variable naming the root directory of Pare's data sets. */
    public static final String ENV_DATA = "PARE_DATA";
    /** Environment variable that, set to anything but "0" or "false", forbids downloads. */
    public static final String ENV_OFFLINE = "PARE_OFFLINE";
    /** Where Debian's package puts the files. */
    public static final Path SYSTEM_DIRECTORY = Path.of("/usr/share/datasets/fashion-mnist");
    /** The dataset's official mirror, as given in its README. */
    public static final URI OFFICIAL_MIRROR = URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/");
    /** Where the subset lives on the class path. */
    static final String SUBSET_RESOURCE = "/dev/pare/nn/datasets/fashion-mnist-subset/";

    /** MD5 of the official gzipped files, as published in the dataset's README. */
    static final Map<String, String> OFFICIAL_MD5 = Map.of(
            FashionMnist.TRAIN_IMAGES, "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            FashionMnist.TRAIN_LABELS, "25c81989df183df01b3e8a0aad5dffbe",
            FashionMnist.TEST_IMAGES, "bef4ecab320f06d8554ea6380940ec79",
            FashionMnist.TEST_LABELS, "bb300cfdad3c16e7a12a480ee83cd310");

    /**
     * SHA-256 of the decompressed IDX files. Computed from Debian's copies, whose decompressed
     * MD5s (f4a8712d…, 9018921c…, 8181f547…, 15d48437…) equal those published for the originals.
     */
    static final Map<String, String> OFFICIAL_SHA256 = Map.of(
            FashionMnist.TRAIN_IMAGES, "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            FashionMnist.TRAIN_LABELS, "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            FashionMnist.TEST_IMAGES, "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            FashionMnist.TEST_LABELS, "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34");

    private Path directory;
    private Map<String, String> environment = System.getenv();
    private Path cacheDirectory;
    private Path systemDirectory = SYSTEM_DIRECTORY;
    private boolean download = true;
    private URI mirror = OFFICIAL_MIRROR;
    /** Short, so that an offline machine falls through to the subset in seconds. */
    private Duration connectTimeout = Duration.ofSeconds(3);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private Map<String, String> md5 = OFFICIAL_MD5;
    private Map<String, String> sha256 = OFFICIAL_SHA256;

    private FashionMnistLocator() {}

    /** The search order described above, reading the real environment. */
    public static FashionMnistLocator defaults() {
        return new FashionMnistLocator();
    }

    /** Read from this directory only. */
    public FashionMnistLocator directory(Path directory) {
        this.directory = directory;
        return this;
    }

    /** The environment to read {@code PARE_DATA}, {@code PARE_OFFLINE} and {@code XDG_CACHE_HOME} from. */
    public FashionMnistLocator environment(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
        return this;
    }

    /** The user cache directory (default {@code ~/.cache/pare/fashion-mnist}). */
    public FashionMnistLocator cacheDirectory(Path cacheDirectory) {
        this.cacheDirectory = cacheDirectory;
        return this;
    }

    /** The system directory (default {@link #SYSTEM_DIRECTORY}). */
    public FashionMnistLocator systemDirectory(Path systemDirectory) {
        this.systemDirectory = systemDirectory;
        return this;
    }

    /** Whether a download may be tried. */
    public FashionMnistLocator download(boolean download) {
        this.download = download;
        return this;
    }

    /** The base URL of the files (default {@link #OFFICIAL_MIRROR}). */
    public FashionMnistLocator mirror(URI mirror) {
        this.mirror = mirror;
        return this;
    }

    /** How long to wait for a connection (default 3 s) and for a response (default 30 s). */
    public FashionMnistLocator timeouts(Duration connect, Duration request) {
        this.connectTimeout = connect;
        this.requestTimeout = request;
        return this;
    }

    /** For tests with their own files: the checksums a download must match. */
    FashionMnistLocator checksums(Map<String, String> md5, Map<String, String> sha256) {
        this.md5 = md5;
        this.sha256 = sha256;
        return this;
    }

    /** The cache directory in use: the one set, or {@code $XDG_CACHE_HOME/pare/fashion-mnist}, or {@code ~/.cache/…}. */
    public Path cacheDirectoryInUse() {
        if (cacheDirectory != null) {
            return cacheDirectory;
        }
        String xdg = environment.get("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("pare").resolve("fashion-mnist");
    }

    /** Runs the search. */
    public FashionMnist locate() throws IOException {
        if (directory != null) {
            List<String> missing = missing(directory);
            if (!missing.isEmpty()) {
                throw new IOException("Fashion-MNIST: directory " + directory + " lacks " + missing
                        + " (each may be gzipped, with .gz)");
            }
            return found(FashionMnist.Source.EXPLICIT_DIRECTORY, directory);
        }
        List<String> looked = new ArrayList<>();
        String root = environment.get(ENV_DATA);
        if (root != null && !root.isBlank()) {
            Path dir = Path.of(root).resolve("fashion-mnist");
            if (missing(dir).isEmpty()) {
                return found(FashionMnist.Source.PARE_DATA, dir);
            }
            looked.add(dir.toString());
        }
        Path cache = cacheDirectoryInUse();
        if (missing(cache).isEmpty()) {
            return found(FashionMnist.Source.USER_CACHE, cache);
        }
        looked.add(cache.toString());
        if (missing(systemDirectory).isEmpty()) {
            return found(FashionMnist.Source.SYSTEM_PACKAGE, systemDirectory);
        }
        looked.add(systemDirectory.toString());
        if (downloadAllowed()) {
            boolean cacheExisted = Files.exists(cache);
            try {
                downloadInto(cache);
                return found(FashionMnist.Source.DOWNLOAD, cache);
            } catch (IOException e) {
                looked.add(mirror + " (" + oneLine(e) + ")");
                if (!cacheExisted) {
                    deleteIfEmpty(cache); // a failed attempt should not leave an empty directory behind
                }
            }
        }
        LOG.info(subsetNotice(looked));
        return new FashionMnist(FashionMnist.Source.BUNDLED_SUBSET, "classpath:" + SUBSET_RESOURCE, this::readSubset);
    }

    /**
     * The subset bundled in the pare-nn jar (the first 10,000 training and 2,000 test images),
     * without searching for the full set: for tests and quick runs that must not depend on what
     * is installed.
     */
    public FashionMnist bundledSubset() {
        return new FashionMnist(FashionMnist.Source.BUNDLED_SUBSET, "classpath:" + SUBSET_RESOURCE, this::readSubset);
    }

    /** The one-line message logged when only the subset is left. */
    static String subsetNotice(List<String> looked) {
        return "Fashion-MNIST: using the bundled subset (10,000 training and 2,000 test images): no full copy in "
                + String.join(", ", looked) + ". For all 70,000 put the four official .gz files in one of those"
                + " directories (or set " + ENV_DATA + " to a directory holding fashion-mnist/), or allow the download.";
    }

    private boolean downloadAllowed() {
        String offline = environment.get(ENV_OFFLINE);
        boolean forbidden = offline != null && !offline.isBlank() && !offline.equals("0") && !offline.equalsIgnoreCase("false");
        return download && !forbidden;
    }

    private void downloadInto(Path cache) throws IOException {
        Files.createDirectories(cache);
        Downloader downloader = new Downloader(connectTimeout, requestTimeout);
        for (String name : missing(cache)) {
            URI url = mirror.resolve(name + ".gz");
            LOG.info("Fashion-MNIST: downloading {} to {}", url, cache);
            downloader.fetch(url, cache.resolve(name + ".gz"), md5.get(name), sha256.get(name));
        }
    }

    private static void deleteIfEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException notEmptyOrBusy) {
            // Some files did arrive: keep them, the next attempt only fetches the rest.
        }
    }

    /** The exception's first line, or its class and that of its cause when it has no message (ConnectException). */
    private static String oneLine(Throwable e) {
        if (e.getMessage() != null && !e.getMessage().isBlank()) {
            return e.getMessage().lines().findFirst().orElse("");
        }
        return e.getClass().getSimpleName() + (e.getCause() == null ? "" : ": " + oneLine(e.getCause()));
    }

    private FashionMnist found(FashionMnist.Source source, Path dir) {
        LOG.info("Fashion-MNIST: using {} ({})", dir, source);
        return new FashionMnist(source, dir.toString(), base -> IdxReader.read(file(dir, base)));
    }

    /** The file for {@code base} in {@code dir}: the gzipped one if both exist. */
    private static Path file(Path dir, String base) {
        Path gz = dir.resolve(base + ".gz");
        return Files.isRegularFile(gz) ? gz : dir.resolve(base);
    }

    /** Base names of the files {@code dir} lacks (all four if it is not a directory). */
    static List<String> missing(Path dir) {
        List<String> out = new ArrayList<>();
        for (String base : FashionMnist.FILES) {
            if (!Files.isRegularFile(file(dir, base))) {
                out.add(base);
            }
        }
        return out;
    }

    private IdxArray readSubset(String base) throws IOException {
        String path = SUBSET_RESOURCE + base + ".gz";
        try (InputStream in = FashionMnistLocator.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("Fashion-MNIST: the bundled subset " + path + " is missing from the class path");
            }
            return IdxReader.read(in.readAllBytes(), base + ".gz (bundled subset)");
        }
    }
}
