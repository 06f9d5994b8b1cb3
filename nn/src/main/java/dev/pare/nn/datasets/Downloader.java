package dev.pare.nn.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;

/**
 * Fetches one gzipped file over HTTP into a directory, and keeps it only if it is the file that
 * was published.
 *
 * <p>Two checks: the MD5 of the download, because that is what the dataset's authors publish,
 * and the SHA-256 of its decompressed content, because MD5 no longer resists deliberate
 * forgery. The file is written under a temporary name and renamed into place only once both
 * pass, so an interrupted download is never mistaken for a complete one.
 */
final class Downloader {
    /** No Fashion-MNIST file is over 27 million bytes; anything much larger is not the file we asked for. */
    static final long MAX_BYTES = 64L << 20;

    private final HttpClient client;
    private final Duration requestTimeout;

    Downloader(Duration connectTimeout, Duration requestTimeout) {
        this.client = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
        this.requestTimeout = requestTimeout;
    }

    /**
     * Downloads {@code url} to {@code target}.
     *
     * @param md5 expected MD5 of the downloaded bytes, hex
     * @param sha256 expected SHA-256 of the decompressed bytes, hex
     * @throws IOException naming the URL and what went wrong; {@code target} is then untouched
     */
    void fetch(URI url, Path target, String md5, String sha256) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(url).timeout(requestTimeout).GET().build();
        Path tmp = Files.createTempFile(target.toAbsolutePath().getParent(), "." + target.getFileName() + ".", ".part");
        try {
            HttpResponse<InputStream> response;
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("download of " + url + " interrupted", e);
            }
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    throw new IOException("HTTP " + response.statusCode() + " for " + url);
                }
                MessageDigest digest = digest("MD5");
                long total = 0;
                byte[] buf = new byte[1 << 16];
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    int n;
                    while ((n = body.read(buf)) > 0) {
                        total += n;
                        if (total > MAX_BYTES) {
                            throw new IOException(url + " sent more than " + MAX_BYTES + " bytes; not the expected file");
                        }
                        digest.update(buf, 0, n);
                        out.write(buf, 0, n);
                    }
                }
                String got = HexFormat.of().formatHex(digest.digest());
                if (!got.equalsIgnoreCase(md5)) {
                    throw new IOException("checksum mismatch for " + url + ": MD5 " + got + ", expected " + md5);
                }
            }
            String content = sha256OfGunzipped(tmp);
            if (!content.equalsIgnoreCase(sha256)) {
                throw new IOException("checksum mismatch for " + url + ": SHA-256 of the content " + content
                        + ", expected " + sha256);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static String sha256OfGunzipped(Path file) throws IOException {
        MessageDigest digest = digest("SHA-256");
        byte[] buf = new byte[1 << 16];
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            int n;
            while ((n = in.read(buf)) > 0) {
                digest.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is required of every Java platform", e);
        }
    }
}
