package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * Max pooling over non-overlapping 2×2 windows without padding, the CNN's common case, on
 * vector lanes, with {@link #maxPool2x2Scalar} as its scalar twin and oracle; and global average
 * pooling's plane means ({@link #planeMeans}).
 *
 * <p>The rule, per window scanned in row-major order (top-left, top-right, bottom-left,
 * bottom-right): a value replaces the best so far if it is strictly greater (so the first of
 * equal values stays, as in PyTorch on CPU) or if it is the first NaN (which then stays, so that
 * max does not hide a NaN). The winner's flat index within its plane is what backward needs.
 *
 * <p>Why gathers: the outputs of a plane are the lanes, and a lane's four window values sit at
 * fixed offsets from its window's top-left corner. An output row of the small CNN is 14 or 7
 * pixels, shorter than one vector, so lanes run across output rows; the corners of one plane's
 * outputs are the same for every plane and are computed once per call ({@link #corners}). Each
 * compare in the scalar scan is a branch on random data that the predictor misses about half
 * the time; as lane masks, the same compares cost no branches.
 */
public final class PoolKernels {
    private PoolKernels() {}

    /** Whether gathers are real instructions here (AVX2 and up); elsewhere the scalar twin is faster. */
    private static final boolean GATHER = FloatVector.SPECIES_MAX.vectorBitSize() >= 256;

    /**
     * Top-left corner, within an {@code h × w} plane, of each output of a 2×2 pooling, in output
     * order: {@code 2y·w + 2x} for output (y, x).
     */
    public static int[] corners(int h, int w) {
        int oh = h / 2;
        int ow = w / 2;
        int[] c = new int[oh * ow];
        for (int y = 0, o = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++, o++) {
                c[o] = 2 * y * w + 2 * x;
            }
        }
        return c;
    }

    /**
     * Planes [lo, hi) of an {@code [planes, h, w]} input at {@code x[xo]}: {@code out[plane·OH·OW + o]}
     * = the max of output o's window, and, unless {@code argmax} is null, {@code argmax[...]} = the
     * winner's index within the plane. {@code corners} is {@link #corners}{@code (h, w)}.
     */
    public static void maxPool2x2(float[] x, int xo, int lo, int hi, int h, int w, int[] corners,
                                  float[] out, int[] argmax) {
        int pix = corners.length;
        int lanes = FLOAT.length();
        // Indices travel as floats in the vector loop; beyond 2²⁴ a float cannot hold every one.
        int bound = GATHER && (long) h * w < (1 << 24) ? FLOAT.loopBound(pix) : 0;
        float[] indices = new float[lanes];
        // The corners as floats too, loaded as such: converting int lanes to float lanes here
        // (I2F) was the only int-to-float conversion in a CNN, and a second kind of conversion
        // at the Vector API's shared conversion code made C2 give up intrinsifying the int8
        // kernels' byte-to-int widening in some JVM runs (their vectors became heap objects).
        float[] cornerValues = new float[pix];
        for (int o = 0; o < pix; o++) {
            cornerValues[o] = corners[o];
        }
        for (int plane = lo; plane < hi; plane++) {
            int in0 = xo + plane * h * w;
            int o0 = plane * pix;
            for (int o = 0; o < bound; o += lanes) {
                // Winners' indices ride along as floats (exact below 2²⁴, checked above), so that
                // the float compare masks select them directly: casting each mask to int lanes
                // is not intrinsified on every JDK, and its masks would become heap objects.
                FloatVector corner = FloatVector.fromArray(FLOAT, cornerValues, o);
                FloatVector at = corner;
                FloatVector best = FloatVector.fromArray(FLOAT, x, in0, corners, o);
                VectorMask<Float> bestNaN = best.compare(VectorOperators.NE, best);
                // The three other corners written out, not looped over: vectors and masks carried
                // around a loop become heap objects on JDK 17.
                FloatVector v = FloatVector.fromArray(FLOAT, x, in0 + 1, corners, o);
                VectorMask<Float> vNaN = v.compare(VectorOperators.NE, v);
                VectorMask<Float> wins = v.compare(VectorOperators.GT, best).or(vNaN.andNot(bestNaN));
                best = best.blend(v, wins);
                bestNaN = bestNaN.or(vNaN);
                at = at.blend(corner.add(1f), wins);
                v = FloatVector.fromArray(FLOAT, x, in0 + w, corners, o);
                vNaN = v.compare(VectorOperators.NE, v);
                wins = v.compare(VectorOperators.GT, best).or(vNaN.andNot(bestNaN));
                best = best.blend(v, wins);
                bestNaN = bestNaN.or(vNaN);
                at = at.blend(corner.add((float) w), wins);
                v = FloatVector.fromArray(FLOAT, x, in0 + w + 1, corners, o);
                vNaN = v.compare(VectorOperators.NE, v);
                wins = v.compare(VectorOperators.GT, best).or(vNaN.andNot(bestNaN));
                best = best.blend(v, wins);
                at = at.blend(corner.add((float) (w + 1)), wins);
                best.intoArray(out, o0 + o);
                if (argmax != null) {
                    // Float to int lanes one by one: JDK 17 does not intrinsify the vector F2I
                    // conversion, and would box every vector of the loop for it.
                    at.intoArray(indices, 0);
                    for (int t = 0; t < lanes; t++) {
                        argmax[o0 + o + t] = (int) indices[t];
                    }
                }
            }
            scalarOutputs(x, in0, w, corners, bound, pix, out, o0, argmax);
        }
    }

    /** The scalar twin of {@link #maxPool2x2}: the same scan, one output at a time. */
    public static void maxPool2x2Scalar(float[] x, int xo, int lo, int hi, int h, int w, int[] corners,
                                        float[] out, int[] argmax) {
        for (int plane = lo; plane < hi; plane++) {
            scalarOutputs(x, xo + plane * h * w, w, corners, 0, corners.length, out, plane * corners.length, argmax);
        }
    }

    private static void scalarOutputs(float[] x, int in0, int w, int[] corners, int from, int to,
                                      float[] out, int o0, int[] argmax) {
        for (int o = from; o < to; o++) {
            int c = corners[o];
            float best = x[in0 + c];
            int bestAt = c;
            float v = x[in0 + c + 1];
            if (beats(v, best)) {
                best = v;
                bestAt = c + 1;
            }
            v = x[in0 + c + w];
            if (beats(v, best)) {
                best = v;
                bestAt = c + w;
            }
            v = x[in0 + c + w + 1];
            if (beats(v, best)) {
                best = v;
                bestAt = c + w + 1;
            }
            out[o0 + o] = best;
            if (argmax != null) {
                argmax[o0 + o] = bestAt;
            }
        }
    }

    /**
     * Planes [lo, hi) of an {@code [planes, inner]} input at {@code x[xo]}:
     * {@code out[plane] = (1/inner) Σ_i x[xo + plane·inner + i]}, the sum on vector lanes, the
     * lanes then added in lane order in double, then the scalar tail.
     *
     * <p>A global average pooling's planes are short (7 × 7 = 49 floats in the samples' CNN: three
     * vectors and a tail), so what matters is the cost per plane: one scratch array per call, not
     * per plane, and no work beyond the lane sum.
     */
    public static void planeMeans(float[] x, int xo, int lo, int hi, int inner, float[] out) {
        checkPlanes("planeMeans", x, xo, lo, hi, inner, out);
        int lanes = FLOAT.length();
        int bound = FLOAT.loopBound(inner);
        float[] tmp = new float[lanes];
        for (int plane = lo; plane < hi; plane++) {
            int base = xo + plane * inner;
            FloatVector acc = FloatVector.zero(FLOAT);
            int i = 0;
            for (; i < bound; i += lanes) {
                acc = acc.add(FloatVector.fromArray(FLOAT, x, base + i));
            }
            acc.intoArray(tmp, 0);
            double s = 0;
            for (int l = 0; l < lanes; l++) {
                s += tmp[l];
            }
            for (; i < inner; i++) {
                s += x[base + i];
            }
            out[plane] = (float) (s / inner);
        }
    }

    /** The scalar twin of {@link #planeMeans}: each plane summed in double, in order. */
    public static void planeMeansScalar(float[] x, int xo, int lo, int hi, int inner, float[] out) {
        checkPlanes("planeMeansScalar", x, xo, lo, hi, inner, out);
        for (int plane = lo; plane < hi; plane++) {
            double s = 0;
            for (int i = 0; i < inner; i++) {
                s += x[xo + plane * inner + i];
            }
            out[plane] = (float) (s / inner);
        }
    }

    private static void checkPlanes(String op, float[] x, int xo, int lo, int hi, int inner, float[] out) {
        if (lo < 0 || hi < lo || inner < 1 || xo < 0 || (long) xo + (long) hi * inner > x.length || hi > out.length) {
            throw new IllegalArgumentException(op + ": planes [" + lo + ", " + hi + ") of " + inner + " floats from "
                    + xo + " do not fit an input of " + x.length + " floats and an output of " + out.length);
        }
    }

    private static boolean beats(float v, float best) {
        return v > best || Float.isNaN(v) && !Float.isNaN(best);
    }
}
