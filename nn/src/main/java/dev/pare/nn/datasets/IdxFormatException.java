package dev.pare.nn.datasets;

import java.io.IOException;

/**
 * A file is not a valid IDX file (or not a valid gzip stream around one). The message names the
 * file and the problem, e.g. {@code train-images-idx3-ubyte.gz: truncated: the file ends after
 * 1048576 of the 47040000 data bytes the header claims (dimensions [60000, 28, 28] of
 * UNSIGNED_BYTE), counted after decompression}.
 */
public final class IdxFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public IdxFormatException(String message) {
        super(message);
    }

    public IdxFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
