package dev.pare.compress.search;

import java.io.IOException;

/** A search state file that cannot be read, or that belongs to another search; the message says which line or setting. */
public final class SearchStateException extends IOException {
    private static final long serialVersionUID = 1L;

    public SearchStateException(String message) {
        super(message);
    }
}
