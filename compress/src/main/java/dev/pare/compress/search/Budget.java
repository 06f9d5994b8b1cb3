package dev.pare.compress.search;

import java.util.Locale;

/**
 * How much a search may spend: a number of evaluations, or wall time.
 *
 * <p>Evaluations are counted in units of the cheapest recipe: an evaluation at fidelity k costs
 * k, so successive halving, which trains its survivors longer, gets the same compute as random
 * search and evolution, not more. An evaluation budget makes a search reproducible; a time budget
 * stops at the first evaluation that starts after the time is up (so it may overrun by one), and
 * counts only the time spent evaluating, which a resumed search carries over.
 *
 * @param amount evaluations, or seconds
 * @param timed  true for seconds
 */
public record Budget(double amount, boolean timed) {
    public Budget {
        if (!(amount > 0) || Double.isInfinite(amount)) {
            throw new IllegalArgumentException("Budget: " + amount + (timed ? " s" : " evaluations") + " must be positive");
        }
    }

    /**
     * Reads {@code --budget}: {@code 50} (evaluations), {@code 90s}, {@code 20m} or {@code 2h}.
     *
     * @throws IllegalArgumentException naming the text and the accepted forms
     */
    public static Budget parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        double scale = 1;
        boolean timed = true;
        if (t.endsWith("s")) {
            t = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            scale = 60;
            t = t.substring(0, t.length() - 1);
        } else if (t.endsWith("h")) {
            scale = 3600;
            t = t.substring(0, t.length() - 1);
        } else {
            timed = false;
        }
        try {
            double v = Double.parseDouble(t);
            if (!timed && v != Math.rint(v)) {
                throw new NumberFormatException();
            }
            return new Budget(v * scale, timed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--budget \"" + text + "\": expected a positive number of evaluations (50) "
                    + "or a time (90s, 20m, 2h)");
        }
    }

    /** Whether {@code used} (evaluations or seconds) leaves room for an evaluation costing {@code cost}. */
    boolean allows(double used, int cost) {
        return timed ? used < amount : used + cost <= amount;
    }

    @Override
    public String toString() {
        if (!timed) {
            return Long.toString((long) amount);
        }
        if (amount % 60 == 0) {
            return (long) (amount / 60) + "m";
        }
        return amount == Math.rint(amount) ? (long) amount + "s" : amount + "s";
    }
}
