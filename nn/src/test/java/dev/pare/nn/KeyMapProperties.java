package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;

/** Laws of {@link KeyMap}'s index shift, over random indices, shifts and key tails. */
class KeyMapProperties {

    @Property(tries = 300)
    void shiftingByDThenByMinusDGivesTheKeyBack(@ForAll @IntRange(min = 0, max = 100_000) int index,
                                                @ForAll @IntRange(min = 1, max = 1000) int d,
                                                @ForAll @AlphaChars @StringLength(min = 0, max = 12) String tail) {
        String key = index + (tail.isEmpty() ? "" : "." + tail);
        KeyMap up = KeyMap.builder().shiftIndex(d).build();
        KeyMap down = KeyMap.builder().shiftIndex(-d).build();
        String shifted = up.map(key);
        assertEquals((index + d) + (tail.isEmpty() ? "" : "." + tail), shifted);
        assertEquals(key, down.map(shifted));
    }

    @Property(tries = 200)
    void aKeyWhoseFirstComponentIsNotAnIndexPassesThrough(@ForAll @AlphaChars @StringLength(min = 1, max = 12) String head,
                                                          @ForAll @IntRange(min = -50, max = 50) int d) {
        Assume.that(d != 0); // a shift of 0 is refused by the builder (KeyMapTest)
        String key = head + ".0.weight";
        assertEquals(key, KeyMap.builder().shiftIndex(d).build().map(key));
    }
}
