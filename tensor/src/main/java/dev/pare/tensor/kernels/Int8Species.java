package dev.pare.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector species of the int8 kernels, all derived from the bit size of
 * {@link VectorConfig#FLOAT}, so that forcing narrow vectors ({@code -Dpare.vector.bits=128})
 * narrows the int8 kernels too.
 *
 * <p>An int8 kernel widens bytes before it computes, so it needs species that hold the
 * <em>same number of lanes</em>: a narrow one to load bytes and a wide one to compute in.
 * {@link #BYTE} has a quarter of the float width W, and {@link #INT_FOR_BYTE} and
 * {@link #FLOAT_FOR_BYTE} have as many lanes, 32 bits each. With W = 512: 16 bytes are loaded
 * and become 16 ints or 16 floats.
 *
 * <p>Trap: every int8 kernel loads its bytes through {@link #BYTE}, even where a wider byte
 * vector would suit it better. A second byte-vector size in the same program makes the Vector
 * API's shared code see two vector classes at one call site, and C2 may then compile the kernels
 * with their vectors as heap objects, several times slower, in some runs and not others (see
 * {@link GemmPacking#REGISTER_BLOCKS}; docs/int8-kernels.md describes a kernel dropped for it).
 *
 * <p>Trap: the smallest byte vector is 64 bits (8 lanes). With 128-bit floats (4 lanes) the byte
 * species would need 32 bits, which does not exist; the int and float sides are then 256 bits
 * (8 lanes) instead. Every kernel stays correct; only that setting runs wider than asked.
 */
public final class Int8Species {
    private Int8Species() {}

    /** Bytes loaded before widening: a quarter of the float width, at least 64 bits. */
    public static final VectorSpecies<Byte> BYTE = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(Math.max(64, VectorConfig.FLOAT.vectorBitSize() / 4)));

    /** Ints with as many lanes as {@link #BYTE}. */
    public static final VectorSpecies<Integer> INT_FOR_BYTE = VectorSpecies.of(int.class,
            VectorShape.forBitSize(BYTE.length() * Integer.SIZE));

    /** Floats with as many lanes as {@link #BYTE}. */
    public static final VectorSpecies<Float> FLOAT_FOR_BYTE = VectorSpecies.of(float.class,
            VectorShape.forBitSize(BYTE.length() * Float.SIZE));

    /** A one-line description for test messages and benchmark headers. */
    public static String describe() {
        return "int8 kernels: " + BYTE.length() + " lanes, " + FLOAT_FOR_BYTE.vectorBitSize() + "-bit ints and floats";
    }

    static {
        if (FloatVector.SPECIES_MAX.vectorBitSize() < FLOAT_FOR_BYTE.vectorBitSize()) {
            org.slf4j.LoggerFactory.getLogger(Int8Species.class).warn(
                    "Pare int8 kernels: {} are wider than this CPU's vectors; they will be correct but slow", describe());
        }
    }
}
