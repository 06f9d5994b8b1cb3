package dev.pare.bench;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** CoreToCore's probe: every sample is a real round trip, and the helper thread stops. */
class CoreToCoreTest {

    @Test
    void everySampleIsAPositiveRoundTripAndTheEchoThreadStops() throws InterruptedException {
        double[] ns = CoreToCore.measure(20);
        assertTrue(ns.length >= 1, "no sample in 20 ms");
        for (double v : ns) {
            // A round trip is two cache-line transfers: never free, and far below a millisecond
            // even when the echo thread has to wait for a core of its own.
            assertTrue(v > 0 && v < 1e6, "round trip of " + v + " ns");
        }
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            assertTrue(!t.getName().equals("core-to-core-echo") || !t.isAlive(), "the echo thread outlived its probe");
        }
    }

    @Test
    void aDurationBelowOneMillisecondIsRejectedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CoreToCore.main(new String[] {"0"}));
        assertTrue(e.getMessage().contains("CoreToCore") && e.getMessage().contains("0"), e.getMessage());
    }
}
