package dev.pare.nn.io;

/**
 * A file is valid safetensors but its content does not describe the model it is loaded into:
 * a tensor is missing, has the wrong dtype or shape, a metadata number does not parse, or a
 * name does not follow the layout of the format that wrote it. The message names the file, the
 * tensor (or metadata key) and the rule broken, for example
 * {@code model.safetensors: tensor "3.input_zero_point": must be I32 [1], is I32 [0]}.
 *
 * <p>Loaders throw it <em>before</em> they index anything with the file's numbers, so a
 * damaged or hand-edited file never surfaces as an {@code ArrayIndexOutOfBoundsException} from
 * deep inside, nor loads into a silently different model (a layer without its bias, one scale
 * for every channel). It is an {@link IllegalArgumentException}: the file is a bad argument.
 */
public final class CheckpointContentException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** {@code source: tensor "name": rule}. */
    public CheckpointContentException(String source, String name, String rule) {
        super(source + ": tensor \"" + name + "\": " + rule);
    }

    /** As {@link #CheckpointContentException(String, String, String)}, keeping the cause. */
    public CheckpointContentException(String source, String name, String rule, Throwable cause) {
        super(source + ": tensor \"" + name + "\": " + rule, cause);
    }

    /** {@code source: message}, keeping the cause (a lower-level check that already explains itself). */
    public CheckpointContentException(String source, String message, Throwable cause) {
        super(source + ": " + message, cause);
    }
}
