package dev.pare.compress.search;

/**
 * One evaluation of the search: an architecture trained at one fidelity, and what it cost.
 *
 * @param index           the evaluation's place in the search, from 0
 * @param encoding        the architecture ({@link Architecture#encode()})
 * @param fidelity        how much training it got, in multiples of the base recipe's epochs
 * @param accuracy        validation accuracy after that training, in [0, 1]
 * @param parameters      {@link Architecture#parameters()}
 * @param multiplyAdds    {@link Architecture#multiplyAdds()} of one sample's forward pass
 * @param bytes           the model's float32 state (parameters and buffers), in bytes: what a
 *                        safetensors file holds, without its header
 * @param predictedMicros batch-1 latency the {@link LatencyModel} predicts, µs
 * @param measuredMicros  batch-1 latency measured on the built model (median), µs; NaN if not measured
 * @param seconds         wall time the evaluation took
 */
public record Trial(int index, String encoding, int fidelity, double accuracy, long parameters, long multiplyAdds,
                    long bytes, double predictedMicros, double measuredMicros, double seconds) {
    public Trial {
        if (!(accuracy >= 0 && accuracy <= 1) || fidelity < 1 || parameters < 0 || multiplyAdds < 0 || bytes < 0
                || !(predictedMicros >= 0)) {
            throw new IllegalArgumentException("Trial " + index + " " + encoding + ": accuracy " + accuracy + ", fidelity "
                    + fidelity + ", parameters " + parameters + ", multiply-adds " + multiplyAdds + ", bytes " + bytes
                    + ", predicted " + predictedMicros + " µs: expected accuracy in [0, 1], fidelity >= 1, the counts "
                    + ">= 0 and a latency >= 0");
        }
    }

    /** The CSV header matching {@link #csvRow()}. */
    public static String csvHeader() {
        return "index,encoding,fidelity,accuracy,parameters,multiply_adds,bytes,predicted_us,measured_us,seconds";
    }

    /** The fields, comma-separated; doubles in full precision (Java's shortest round-trip form). */
    public String csvRow() {
        return index + "," + encoding + "," + fidelity + "," + accuracy + "," + parameters + "," + multiplyAdds + ","
                + bytes + "," + predictedMicros + "," + (Double.isNaN(measuredMicros) ? "" : measuredMicros) + ","
                + seconds;
    }
}
