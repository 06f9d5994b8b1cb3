package dev.pare.tensor.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that chooses the vector width every float kernel uses.
 *
 * <p>By default the width is {@link FloatVector#SPECIES_PREFERRED}: the widest the CPU supports
 * (8 floats with AVX2, 16 with AVX-512). The system property {@code pare.vector.bits} (64, 128,
 * 256 or 512) forces a narrower species; the test suite runs the kernel tests a second time with
 * {@code -Dpare.vector.bits=128} so that every loop tail and narrow path is exercised.
 *
 * <p>Why a {@code static final} field: C2 treats it as a constant, so {@code FLOAT.length()} and
 * {@code FLOAT.loopBound(n)} fold into the loop and vectors stay in registers. A species held in
 * a non-final field, or passed as an argument, defeats that and vectors become heap objects.
 */
public final class VectorConfig {
    private static final Logger LOG = LoggerFactory.getLogger(VectorConfig.class);

    /** The float species every float kernel in this package uses. */
    public static final VectorSpecies<Float> FLOAT = chooseFloatSpecies();

    /** Number of float lanes in {@link #FLOAT}. */
    public static final int FLOAT_LANES = FLOAT.length();

    private VectorConfig() {}

    private static VectorSpecies<Float> chooseFloatSpecies() {
        String forced = System.getProperty("pare.vector.bits");
        VectorSpecies<Float> species;
        if (forced == null || forced.isBlank()) {
            species = FloatVector.SPECIES_PREFERRED;
        } else {
            int bits;
            try {
                bits = Integer.parseInt(forced.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "pare.vector.bits: expected 64, 128, 256 or 512, got '" + forced + "'", e);
            }
            if (bits != 64 && bits != 128 && bits != 256 && bits != 512) {
                throw new IllegalArgumentException(
                        "pare.vector.bits: expected 64, 128, 256 or 512, got " + bits);
            }
            species = VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
        }
        // A species of one or two lanes means the JVM found no useful SIMD unit (or runs without
        // C2): every kernel still gives the right answer, only slowly. Say so once, loudly.
        if (species.vectorBitSize() < 128) {
            LOG.warn("Pare kernels: the Vector API offers only {}-bit float vectors here; "
                    + "kernels are correct but will not run at SIMD speed", species.vectorBitSize());
        } else {
            LOG.debug("Pare kernels: float species {} ({} lanes{})", species, species.length(),
                    forced == null ? "" : ", forced by pare.vector.bits");
        }
        return species;
    }

    /** A one-line description for logs and benchmark headers, e.g. {@code "512-bit (16 floats)"}. */
    public static String describe() {
        return FLOAT.vectorBitSize() + "-bit (" + FLOAT_LANES + " floats)";
    }
}
