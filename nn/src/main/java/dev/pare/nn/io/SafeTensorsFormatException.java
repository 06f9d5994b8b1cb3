package dev.pare.nn.io;

import java.io.IOException;

/**
 * A file is not a valid safetensors file, or uses a part of the format Pare does not read. The
 * message names the file and the problem, for example
 * {@code model.safetensors: tensor "fc.weight": shape [10, 784] of F32 needs 31360 bytes but
 * data_offsets [0,31000] give 31000}.
 *
 * <p>It is the only exception {@link SafeTensors#read} throws for bad content; plain
 * {@link IOException}s still mean the file system itself failed (file missing, disk error).
 */
public class SafeTensorsFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    public SafeTensorsFormatException(String message) {
        super(message);
    }

    public SafeTensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
