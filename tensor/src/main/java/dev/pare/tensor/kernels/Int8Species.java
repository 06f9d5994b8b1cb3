package dev.pare.tensor.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species of the int8 kernels, all derived from the bit size of
 * {@link VectorConfig#FLOAT}, so that forcing narrow vectors ({@code -Dpare.vector.bits=128})
 * narrows the int8 kernels too.
 *
 * <p>An int8 kernel widens bytes before it computes, so it needs two species that hold the
 * <em>same number of lanes</em>: a narrow one to load bytes and a wide one to compute in.
 * <ul>
 *   <li>Integer kernels widen bytes to shorts (×2): {@link #SHORT} has the float width W,
 *       {@link #BYTE_FOR_SHORT} has W/2 bits. With W = 512: 32 bytes become 32 shorts.</li>
 *   <li>Float kernels widen bytes to floats (×4): {@link #FLOAT_FOR_BYTE} has the float width W,
 *       {@link #BYTE_FOR_FLOAT} has W/4 bits. With W = 512: 16 bytes become 16 floats.</li>
 * </ul>
 *
 * <p>Trap: the smallest byte vector is 64 bits (8 lanes). With 128-bit floats (4 lanes) the
 * byte species would need 32 bits, which does not exist; the float side is then widened to
 * 256 bits (8 lanes) instead. Likewise a 64-bit float width is raised to 128 bits for shorts.
 * Every kernel stays correct; only the narrowest settings run a little wider than asked.
 */
public final class Int8Species {
    private Int8Species() {}

    /** Bits of the compute species: the float width, but at least 128 (see the trap above). */
    private static final int SHORT_BITS = Math.max(128, VectorConfig.FLOAT.vectorBitSize());

    /** Shorts to compute int8×int8 products in (each product fits: |−128·−128| = 2^14). */
    public static final VectorSpecies<Short> SHORT =
            VectorSpecies.of(short.class, VectorShape.forBitSize(SHORT_BITS));

    /** Bytes loaded before widening to {@link #SHORT}: same lane count, half the bits. */
    public static final VectorSpecies<Byte> BYTE_FOR_SHORT =
            VectorSpecies.of(byte.class, VectorShape.forBitSize(SHORT_BITS / 2));

    /** The ints a {@link #SHORT} vector reinterprets as: half as many lanes, each two shorts. */
    public static final VectorSpecies<Integer> INT =
            VectorSpecies.of(int.class, VectorShape.forBitSize(SHORT_BITS));

    /** Bytes loaded before widening to floats: a quarter of the float width, at least 64 bits. */
    public static final VectorSpecies<Byte> BYTE_FOR_FLOAT = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(Math.max(64, VectorConfig.FLOAT.vectorBitSize() / 4)));

    /** Floats with as many lanes as {@link #BYTE_FOR_FLOAT}. */
    public static final VectorSpecies<Float> FLOAT_FOR_BYTE = VectorSpecies.of(float.class,
            VectorShape.forBitSize(BYTE_FOR_FLOAT.length() * Float.SIZE));

    /** A one-line description for test messages and benchmark headers. */
    public static String describe() {
        return "shorts " + SHORT.length() + " lanes, byte→float " + FLOAT_FOR_BYTE.length() + " lanes";
    }

    static {
        // The kernels pair these species lane for lane; a mismatch would be a silent wrong answer.
        if (BYTE_FOR_SHORT.length() != SHORT.length() || FLOAT_FOR_BYTE.length() != BYTE_FOR_FLOAT.length()
                || INT.length() * 2 != SHORT.length()) {
            throw new AssertionError("Int8Species: lane counts do not pair up: " + describe());
        }
        if (FloatVector.SPECIES_MAX.vectorBitSize() < FLOAT_FOR_BYTE.vectorBitSize()
                || ByteVector.SPECIES_MAX.vectorBitSize() < SHORT_BITS / 2
                || IntVector.SPECIES_MAX.vectorBitSize() < SHORT_BITS) {
            org.slf4j.LoggerFactory.getLogger(Int8Species.class).warn(
                    "Pare int8 kernels: {} is wider than this CPU's vectors; they will be correct but slow", describe());
        }
    }
}
