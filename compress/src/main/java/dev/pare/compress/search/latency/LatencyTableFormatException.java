package dev.pare.compress.search.latency;

import java.io.IOException;

/**
 * A latency table file that cannot be used: not JSON, not a Pare latency table, of a newer format
 * version, or with a missing or impossible field. The message names the file and what is wrong.
 * {@link LatencyTable} answers it with a warning and a fresh table, never a crash: the file is
 * only a cache.
 */
public class LatencyTableFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public LatencyTableFormatException(String message) {
        super(message);
    }

    public LatencyTableFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
