package dev.pare.nn;

import dev.pare.tensor.Tensor;
import java.util.Arrays;

/** The input checks shared by the pooling layers, so their error messages read the same. */
final class PoolChecks {
    private PoolChecks() {}

    /** Fails unless {@code x} is {@code [N, C, H, W]} with H and W, padded, at least the window. */
    static void check(String layer, Tensor x, int k, int padding) {
        int[] s = x.shape();
        if (s.length != 4) {
            throw new IllegalArgumentException(layer + ": input of shape " + Arrays.toString(s)
                    + ": expected 4 dimensions [N, C, H, W]");
        }
        if (s[2] + 2 * padding < k || s[3] + 2 * padding < k) {
            throw new IllegalArgumentException(layer + ": input of shape " + Arrays.toString(s) + ": spatial size "
                    + s[2] + "x" + s[3] + " plus padding " + padding + " is smaller than the window " + k + "x" + k);
        }
    }
}
