package dev.pare.compress.prune;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** The checks and the arithmetic every pruner shares: a sparsity in [0, 1) and ⌊s·n⌋. */
final class Sparsity {
    private Sparsity() {}

    /** Fails unless {@code 0 ≤ s < 1}: pruning everything leaves no network. */
    static void check(String op, double s) {
        if (!(s >= 0 && s < 1)) {
            throw new IllegalArgumentException(op + ": sparsity " + s + " is outside [0, 1)");
        }
    }

    /**
     * ⌊s·n⌋, computed on the decimal value of {@code s} as written ({@link BigDecimal#valueOf}).
     * Why not {@code (long) Math.floor(s * n)}: 0.29 is stored as 0.28999999999999998, so
     * {@code 0.29 * 100} is 28.999999999999996 and would prune 28 weights where 29 were asked.
     */
    static long count(double s, long n) {
        return BigDecimal.valueOf(s).multiply(BigDecimal.valueOf(n)).setScale(0, RoundingMode.FLOOR).longValueExact();
    }
}
