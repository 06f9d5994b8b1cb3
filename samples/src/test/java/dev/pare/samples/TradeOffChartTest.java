package dev.pare.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TradeOffChartTest {
    @Test
    void axisTicksShowTwoSignificantDigitsWithAnSiPrefix() {
        TradeOffChart.TwoDigits f = new TradeOffChart.TwoDigits();
        assertEquals("25k", f.format(25_118.9));
        assertEquals("1M", f.format(1_000_000));
        assertEquals("1M", f.format(999_999));
        assertEquals("400k", f.format(398_107.2));
        assertEquals("2.2", f.format(2.2387));
        assertEquals("0.5", f.format(0.5));
        assertEquals("1.3G", f.format(1.26e9));
    }
}
