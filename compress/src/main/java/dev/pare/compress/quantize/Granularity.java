package dev.pare.compress.quantize;

/**
 * How many weight scales a layer has: one for the whole weight, or one per output channel (one
 * per row of a Linear's {@code [out, in]} weight, one per filter of a Conv2d).
 *
 * <p>Per channel is more accurate: a row of small weights no longer shares the step size of the
 * row with the largest weight. It costs one float per output channel, and nothing in the kernels,
 * which take one scale per row in both cases.
 */
public enum Granularity {
    PER_TENSOR("per-tensor"),
    PER_CHANNEL("per-channel");

    private final String label;

    Granularity(String label) {
        this.label = label;
    }

    /** The name used in file metadata and reports, e.g. {@code per-channel}. */
    public String label() {
        return label;
    }

    /** The granularity whose {@link #label()} is {@code label}. */
    public static Granularity fromLabel(String label) {
        for (Granularity g : values()) {
            if (g.label.equals(label)) {
                return g;
            }
        }
        throw new IllegalArgumentException("Granularity: unknown label \"" + label + "\"; expected per-tensor or per-channel");
    }
}
