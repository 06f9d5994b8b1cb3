package dev.pare.nn.io;

/**
 * The data of a tensor does not match the checksum Pare wrote for it (fletcher-4 or CRC32C): the
 * file was damaged after it was saved (a bad disk, an interrupted copy, a hand edit). The message
 * names the file, the tensor, the byte range in the file that holds it and the checksum, for
 * example {@code m.safetensors: tensor "1.weight" (file bytes 352..31712) fails its fletcher-4 check}.
 */
public final class SafeTensorsChecksumException extends SafeTensorsFormatException {
    private static final long serialVersionUID = 1L;

    public SafeTensorsChecksumException(String message) {
        super(message);
    }
}
