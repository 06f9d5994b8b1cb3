package dev.pare.nn.io;

/**
 * The CRC32C of a concatenation {@code A‖B} from the CRC32Cs of its parts and the length of
 * {@code B}, without the bytes: what lets {@link ChunkReader} checksum a tensor's chunks in any
 * order, on any thread, and still compare the tensor's one stored sum.
 *
 * <h2>Why it is possible</h2>
 * A CRC is the remainder of a polynomial division over GF(2), where addition is XOR. Appending
 * {@code n} bytes to {@code A} multiplies A's polynomial by x^(8n) before B's bytes are added,
 * so (the pre- and post-inversion that CRC32C adds cancel out in the algebra)
 * <pre>
 *   crc(A‖B) = crc(A) · x^(8·|B|)  mod P   ⊕   crc(B)
 * </pre>
 * with P CRC32C's (Castagnoli's) polynomial. The product is a 32-step shift-and-XOR
 * ({@link #multiply}); the power of x comes from a table of x^(2^k) by repeated squaring
 * ({@link #xPow8n}). This is zlib's {@code crc32_combine}, with CRC32C's polynomial.
 *
 * <p>Polynomials are 32-bit ints in the <em>reflected</em> order that CRC32C uses: bit 31 is
 * x^0 and bit 0 is x^31.
 */
final class Crc32cCombine {
    /** Castagnoli's polynomial 0x1EDC6F41, reflected (its x^32 term implied). */
    private static final int POLY = 0x82F63B78;

    /** {@code X2N[k]} = x^(2^k) mod P, for k = 0 … 66: enough for 8·n with any long n ≥ 0. */
    private static final int[] X2N = new int[3 + 64];

    static {
        int p = 1 << 30; // x^1 in reflected order
        X2N[0] = p;
        for (int k = 1; k < X2N.length; k++) {
            p = multiply(p, p);
            X2N[k] = p;
        }
    }

    private Crc32cCombine() {}

    /** a · b mod P (reflected order). */
    static int multiply(int a, int b) {
        if (a == 0) {
            return 0; // the loop below stops at a's last set bit, so it needs one
        }
        int m = 1 << 31; // x^0
        int p = 0;
        while (true) {
            if ((a & m) != 0) {
                p ^= b;
                if ((a & (m - 1)) == 0) {
                    return p; // no higher powers of x left in a
                }
            }
            m >>>= 1;
            b = (b & 1) != 0 ? (b >>> 1) ^ POLY : b >>> 1; // b · x mod P
        }
    }

    /**
     * x^(8·n) mod P: the operator that shifts a CRC past {@code n} bytes. Computing it costs up
     * to 64 multiplications, so a caller that shifts past the same length again and again keeps
     * it (see {@link #combineShifted}).
     *
     * @param n a length in bytes, at least 0
     */
    static int xPow8n(long n) {
        int p = 1 << 31; // x^0 = 1
        int k = 3;       // 8·n = n · 2^3
        for (long rest = n; rest != 0; rest >>>= 1, k++) {
            if ((rest & 1) != 0) {
                p = multiply(X2N[k], p);
            }
        }
        return p;
    }

    /**
     * crc(A‖B) from {@code crcA} = crc(A), {@code crcB} = crc(B) and {@code shift} =
     * {@link #xPow8n}(|B|).
     */
    static long combineShifted(long crcA, long crcB, int shift) {
        return (multiply(shift, (int) crcA) ^ (int) crcB) & 0xFFFF_FFFFL;
    }

    /** crc(A‖B) from crc(A), crc(B) and the length of B in bytes. */
    static long combine(long crcA, long crcB, long lengthB) {
        return combineShifted(crcA, crcB, xPow8n(lengthB));
    }
}
