package dev.pare.nn.io;

/**
 * The data of a tensor does not match the CRC32C checksum Pare wrote for it: the file was
 * damaged after it was saved (a bad disk, an interrupted copy, a hand edit). The message names
 * the file, the tensor and the byte range in the file that holds it, for example
 * {@code m.safetensors: tensor "1.weight" (file bytes 352..31712) fails its CRC32C check}.
 */
public final class SafeTensorsChecksumException extends SafeTensorsFormatException {
    private static final long serialVersionUID = 1L;

    public SafeTensorsChecksumException(String message) {
        super(message);
    }
}
