package dev.pare.compress.quantize;

/**
 * What a quantized layer does with its input. The weights are int8 in every mode.
 * <ul>
 *   <li>{@link #WEIGHT_ONLY}: the input stays float; int8 weights are widened to float inside
 *       the kernel ({@code Int8WeightGemv}); no activation error at all.</li>
 *   <li>{@link #DYNAMIC}: the input is quantized on the fly, its range taken from each batch
 *       itself (min and max of the batch); no calibration, one extra pass over the input.</li>
 *   <li>{@link #STATIC}: the input range was fixed beforehand by calibration; the forward pass
 *       only quantizes. Values outside the calibrated range saturate.</li>
 * </ul>
 */
public enum QuantMode {
    WEIGHT_ONLY("weight-only"),
    DYNAMIC("dynamic"),
    STATIC("static");

    private final String label;

    QuantMode(String label) {
        this.label = label;
    }

    /** The name used in file metadata and reports, e.g. {@code static}. */
    public String label() {
        return label;
    }

    /** The mode whose {@link #label()} is {@code label}. */
    public static QuantMode fromLabel(String label) {
        for (QuantMode m : values()) {
            if (m.label.equals(label)) {
                return m;
            }
        }
        throw new IllegalArgumentException("QuantMode: unknown label \"" + label
                + "\"; expected weight-only, dynamic or static");
    }
}
