package dev.pare.nn;

/**
 * Per-thread scratch arrays for {@link Conv2dOp}: the patch matrix and the pixel-major product,
 * kept between calls so that a convolution whose temporaries die with the call allocates only
 * its output.
 *
 * <p>Why: at batch 256 the second convolution of the samples' small CNN unfolds a
 * {@code [50176, 288]} patch matrix and multiplies it into a {@code [50176, 64]} pixel-major
 * result, both dead as soon as the output is written; allocating them fresh on every call made
 * them a large share of what an inference allocated (docs/nn.md has the measured figures). Each
 * slot grows to the largest size seen and is then reused.
 *
 * <p>Traps, and why it is still safe:
 * <ul>
 *   <li><b>Saved tensors.</b> A buffer handed out here is overwritten by the next convolution on
 *       the same thread, so it must never be captured by a backward closure or wrapped into a
 *       returned tensor. {@link Conv2dOp} takes the patch matrix from here only when no graph is
 *       recorded; when one is, the patches are saved for the weight gradient and are allocated
 *       fresh.</li>
 *   <li><b>Larger than asked.</b> A slot may be longer than requested; callers index it by their
 *       own sizes and must write every element they later read (im2row writes the zeros of the
 *       padding too, and every matrix multiply here overwrites its result).</li>
 *   <li><b>Re-entrancy.</b> The slots belong to the thread that calls {@code conv2d}; the parallel
 *       loops inside it write into the caller's arrays but never start another convolution, so no
 *       two convolutions use the same slot at once.</li>
 *   <li><b>Memory kept.</b> A thread keeps what it last needed. Requests above {@link #MAX_KEPT}
 *       floats are served by a fresh array that is not kept, so one huge batch does not pin
 *       hundreds of megabytes for the rest of the program.</li>
 * </ul>
 */
final class ConvWorkspace {
    /** The largest slot kept between calls: 2²⁴ floats, 64 MiB. */
    static final int MAX_KEPT = 1 << 24;

    private static final ThreadLocal<ConvWorkspace> CURRENT = ThreadLocal.withInitial(ConvWorkspace::new);

    private float[] patches = new float[0];
    private float[] pixelMajor = new float[0];

    private ConvWorkspace() {}

    /** This thread's workspace. */
    static ConvWorkspace get() {
        return CURRENT.get();
    }

    /** At least {@code size} floats for a patch matrix (or its gradient); contents undefined. */
    float[] patches(int size) {
        if (patches.length >= size) {
            return patches;
        }
        float[] fresh = new float[size];
        if (size <= MAX_KEPT) {
            patches = fresh;
        }
        return fresh;
    }

    /** At least {@code size} floats for a pixel-major product (or its gradient); contents undefined. */
    float[] pixelMajor(int size) {
        if (pixelMajor.length >= size) {
            return pixelMajor;
        }
        float[] fresh = new float[size];
        if (size <= MAX_KEPT) {
            pixelMajor = fresh;
        }
        return fresh;
    }
}
