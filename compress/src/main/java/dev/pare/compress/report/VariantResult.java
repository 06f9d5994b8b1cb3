package dev.pare.compress.report;

/**
 * What the trade-off report measures of one model variant.
 *
 * @param name               short name, e.g. {@code "student int8"}
 * @param recipe             how it was made, e.g. {@code "distil T=2 a=0.5 → prune 80% → int8"}
 * @param accuracy           top-1 test accuracy in [0, 1]
 * @param parameters         weights and biases the architecture has (dense count)
 * @param nonZeros           of those, how many are stored non-zero
 * @param fileBytes          size of the saved file, bytes
 * @param batch1             latency of one forward pass on one image
 * @param batch256PerSecond  throughput at batch 256, images per second
 */
public record VariantResult(String name, String recipe, double accuracy, long parameters, long nonZeros,
                            long fileBytes, LatencyStats batch1, double batch256PerSecond) {
    public VariantResult {
        if (!(accuracy >= 0 && accuracy <= 1) || parameters < 0 || nonZeros < 0 || nonZeros > parameters
                || fileBytes <= 0 || !(batch256PerSecond > 0)) {
            throw new IllegalArgumentException("VariantResult " + name + ": accuracy " + accuracy + ", parameters "
                    + parameters + ", non-zeros " + nonZeros + ", file bytes " + fileBytes + ", batch-256 throughput "
                    + batch256PerSecond + ": expected accuracy in [0, 1], 0 <= non-zeros <= parameters, bytes > 0 and "
                    + "throughput > 0");
        }
    }
}
