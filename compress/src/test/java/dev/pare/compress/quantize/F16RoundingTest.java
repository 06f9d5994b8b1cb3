package dev.pare.compress.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The F16 oracle of the quantized-file tests, checked against numpy's {@code np.float16}. */
class F16RoundingTest {
    @Test
    void theOracleAgreesWithNumpyOnOrdinaryValuesTiesAndSubnormals() {
        // {float32 bits, bits of np.float32(np.float16(x))}, from /usr/bin/python3 with numpy.
        int[][] golden = {
            {0x3dcccccd, 0x3dccc000}, // 0.1
            {0x3eaaaaab, 0x3eaaa000}, // 1/3
            {0xbb23d70a, 0xbb23e000}, // -0.0025, rounded away from zero
            {0x3f803000, 0x3f804000}, // 1 + 3·2^-11: a tie, up to the even 1 + 2^-9
            {0x3f801000, 0x3f800000}, // 1 + 2^-11: a tie, down to the even 1
            {0x36eae18b, 0x36ea0000}, // 7e-6, a subnormal in F16 (step 2^-24)
            {0x33c00000, 0x34000000}, // 1.5·2^-24: a tie, up to 2·2^-24
            {0x34200000, 0x34000000}, // 2.5·2^-24: a tie, down to 2·2^-24
            {0x387ba882, 0x387bc000}, // 6e-5, just under F16's smallest normal 2^-14
            {0x449a5225, 0x449a6000}, // 1234.567: the step is 1 there
        };
        for (int[] g : golden) {
            float x = Float.intBitsToFloat(g[0]);
            assertEquals(Integer.toHexString(g[1]), Integer.toHexString(Float.floatToIntBits(F16Rounding.round(x))),
                    "F16 rounding of " + x);
        }
    }
}
