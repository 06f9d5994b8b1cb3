package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The passes of training-mode batch normalisation over one channel, each a single sweep on
 * vector lanes, and evaluation's per-channel affine map ({@link #evalAffine}), with scalar twins. A channel of an {@code [N, C, inner]} tensor is {@code planes}
 * runs of {@code inner} floats, run p starting at {@code off + p·stride} (stride {@code C·inner}
 * for a contiguous tensor): the kernels walk the whole channel in one call.
 *
 * <pre>
 *   forward:  μ = (1/m) Σ x,  σ² = (1/m) Σ (x − μ)²,  x̂ = (x − μ)·(1/σ),  y = act(x̂·γ + β)
 *   backward: g' = g·[y &gt; 0] (with ReLU), dβ = Σ g',  dγ = Σ g'·x̂,
 *             dx = γ/(m·σ) · (m·g' − Σ g' − x̂·Σ g'·x̂)
 * </pre>
 *
 * <p>Why whole channels: the MobileNet-style CNN's planes are 7×7 to 28×28 floats, and a call per
 * plane paid a horizontal reduction (a lane-by-lane sum, to keep the order fixed) and a scalar
 * tail for every 49 floats. Here a sum keeps float vector lanes over a few planes (a 7 × 7
 * plane is only three vectors, so moving the lanes into doubles after each one cost more than the
 * plane itself), then adds them into double lanes ({@code lanes}, one double per vector lane),
 * and adds those in lane order once per channel: a fixed order, set by the plane size and the
 * vector width, so the same bits on any thread count, and double precision across the planes of
 * a channel of millions of values.
 *
 * <p>Fusing the activation (ReLU): the forward writes {@code y < 0 ? 0 : y} in the same pass, and
 * the backward masks g where the saved output is not positive, inside its two passes, so neither
 * a ReLU output nor its gradient is a separate full-size array. Where the output is 0 the
 * gradient is 0, as PyTorch's {@code threshold_backward} gives it, even for an infinite g.
 *
 * <p>Rounding: x̂ is {@code (x − μ)·(1/σ)} and y is {@code x̂·γ + β}, each operation rounded to
 * float, no fused multiply-add, so the forward pass and the x̂ recomputed by the backward pass
 * are bit for bit those of the scalar twins. The sums add in a different order than the twins
 * (lanes, then planes), so tests compare them with a tolerance that grows with the count.
 */
public final class BatchNormKernels {
    private BatchNormKernels() {}

    /** How many doubles the {@code lanes} scratch of the sums needs: one per vector lane. */
    public static int scratchLength() {
        return FLOAT.length();
    }

    private static void checkChannel(String op, float[] x, int off, int stride, int planes, int inner) {
        if (planes < 0 || inner < 0 || off < 0 || planes > 0 && stride < inner
                || planes > 0 && (long) off + (long) (planes - 1) * stride + inner > x.length) {
            throw new IllegalArgumentException("batchNorm." + op + ": " + planes + " planes of " + inner
                    + " floats from offset " + off + " every " + stride + " do not fit in " + x.length + " floats");
        }
    }

    /**
     * How many vector additions a float lane takes, at most, before it is added into its double
     * (unless a single plane has more vectors than this): enough to share the cost of moving the
     * lanes into doubles, one scalar conversion and addition per lane, over several planes of a
     * 7 × 7 map, and few enough that each float partial sum stays within a handful of roundings.
     */
    private static final int LANE_ADDS_PER_SPILL = 16;

    /**
     * Planes whose float lanes are summed before they are added into the double lanes: as many
     * as keep each lane at most {@link #LANE_ADDS_PER_SPILL} additions, at least one. Depends on
     * the plane's size and the vector width only, so the order of the additions is fixed.
     */
    private static int planesPerSpill(int inner) {
        int vectors = inner / FLOAT.length();
        return vectors == 0 ? Integer.MAX_VALUE : Math.max(1, LANE_ADDS_PER_SPILL / vectors);
    }

    /**
     * Adds the float lanes {@code part[at + l]} into the double lanes {@code lanes[at + l]} and
     * clears them, for l below one vector's lanes.
     *
     * <p>Trap: clearing them one float at a time made the next plane's vector load of
     * {@code part} wait for those stores to reach the cache (a load can take its data from one
     * pending store, not from several), which cost more than the spill saved on 14 × 14 planes.
     */
    private static void spill(float[] part, double[] lanes, int at) {
        spillInto(part, at, lanes, at);
    }

    /** {@link #spill} from {@code part[from…]} into {@code lanes[to…]}. */
    private static void spillInto(float[] part, int from, double[] lanes, int to) {
        for (int l = 0; l < FLOAT.length(); l++) {
            lanes[to + l] += part[from + l];
        }
        FloatVector.zero(FLOAT).intoArray(part, from);
    }

    private static double sumLanes(double[] lanes) {
        double s = 0;
        for (double v : lanes) {
            s += v;
        }
        return s;
    }

    /** Scalar twin of {@link #sum}: Σ over the channel, in double, run after run. */
    public static double sumScalar(float[] x, int off, int stride, int planes, int inner) {
        checkChannel("sum", x, off, stride, planes, inner);
        double s = 0;
        for (int p = 0; p < planes; p++) {
            for (int i = 0; i < inner; i++) {
                s += x[off + p * stride + i];
            }
        }
        return s;
    }

    /**
     * Σ of the channel's {@code planes·inner} values.
     *
     * @param lanes scratch of {@link #scratchLength()} doubles (contents overwritten)
     */
    public static double sum(float[] x, int off, int stride, int planes, int inner, double[] lanes) {
        checkChannel("sum", x, off, stride, planes, inner);
        Arrays.fill(lanes, 0, FLOAT.length(), 0);
        float[] part = new float[FLOAT.length()];
        int group = planesPerSpill(inner);
        int untilSpill = group;
        int bound = FLOAT.loopBound(inner);
        double tail = 0;
        for (int p = 0; p < planes; p++) {
            int base = off + p * stride;
            // The partial sums go through part between planes: a vector carried across the
            // nested loops would be boxed by C2 (docs/kernels.md, rule 4). The first plane of a
            // group starts from zero rather than from part (zero then too), so that its sum does
            // not wait for the store that cleared part.
            FloatVector acc = untilSpill == group ? FloatVector.zero(FLOAT) : FloatVector.fromArray(FLOAT, part, 0);
            int i = 0;
            for (; i < bound; i += FLOAT.length()) {
                acc = acc.add(FloatVector.fromArray(FLOAT, x, base + i));
            }
            acc.intoArray(part, 0);
            for (; i < inner; i++) {
                tail += x[base + i];
            }
            if (--untilSpill == 0) {
                untilSpill = group;
                spill(part, lanes, 0);
            }
        }
        spill(part, lanes, 0);
        return sumLanes(lanes) + tail;
    }

    /** Scalar twin of {@link #squaredDeviations}: Σ (x − μ)², each difference and square rounded to float. */
    public static double squaredDeviationsScalar(float[] x, int off, int stride, int planes, int inner, float mean) {
        checkChannel("squaredDeviations", x, off, stride, planes, inner);
        double s = 0;
        for (int p = 0; p < planes; p++) {
            for (int i = 0; i < inner; i++) {
                float d = x[off + p * stride + i] - mean;
                s += d * d;
            }
        }
        return s;
    }

    /**
     * Σ (x − μ)² over the channel: the variance's numerator, from the mean rather than as
     * Σx² − m·μ², which cancels catastrophically when the mean is large against the spread.
     */
    public static double squaredDeviations(float[] x, int off, int stride, int planes, int inner, float mean,
                                           double[] lanes) {
        checkChannel("squaredDeviations", x, off, stride, planes, inner);
        Arrays.fill(lanes, 0, FLOAT.length(), 0);
        float[] part = new float[FLOAT.length()];
        int group = planesPerSpill(inner);
        int untilSpill = group;
        FloatVector mu = FloatVector.broadcast(FLOAT, mean);
        int bound = FLOAT.loopBound(inner);
        double tail = 0;
        for (int p = 0; p < planes; p++) {
            int base = off + p * stride;
            FloatVector acc = untilSpill == group ? FloatVector.zero(FLOAT) : FloatVector.fromArray(FLOAT, part, 0);
            int i = 0;
            for (; i < bound; i += FLOAT.length()) {
                FloatVector d = FloatVector.fromArray(FLOAT, x, base + i).sub(mu);
                acc = acc.add(d.mul(d));
            }
            acc.intoArray(part, 0);
            for (; i < inner; i++) {
                float d = x[base + i] - mean;
                tail += d * d;
            }
            if (--untilSpill == 0) {
                untilSpill = group;
                spill(part, lanes, 0);
            }
        }
        spill(part, lanes, 0);
        return sumLanes(lanes) + tail;
    }

    /**
     * Scalar twin of {@link #normalize}: {@code y = ((x − μ)·invStd)·γ + β}, then the ReLU
     * {@code y < 0 ? 0 : y} when {@code relu}: the rule of the ReLU module, so that the fused layer
     * gives its values exactly. Trap: {@code Math.max(y, 0)} would turn −0 into 0, and
     * {@code y > 0 ? y : 0} would also turn NaN into 0, hiding a diverged activation.
     */
    public static void normalizeScalar(float[] x, int xOff, float[] y, int yOff, int stride, int planes, int inner,
                                       float mean, float invStd, float gamma, float beta, boolean relu) {
        checkChannel("normalize", x, xOff, stride, planes, inner);
        checkChannel("normalize", y, yOff, stride, planes, inner);
        for (int p = 0; p < planes; p++) {
            for (int i = 0; i < inner; i++) {
                float v = (x[xOff + p * stride + i] - mean) * invStd * gamma + beta;
                y[yOff + p * stride + i] = relu && v < 0f ? 0f : v;
            }
        }
    }

    /**
     * {@code y = ((x − μ)·invStd)·γ + β} over the channel, or its ReLU when {@code relu}; x and y
     * runs share the stride (both are {@code [N, C, inner]} tensors), and may be the same array.
     */
    public static void normalize(float[] x, int xOff, float[] y, int yOff, int stride, int planes, int inner,
                                 float mean, float invStd, float gamma, float beta, boolean relu) {
        checkChannel("normalize", x, xOff, stride, planes, inner);
        checkChannel("normalize", y, yOff, stride, planes, inner);
        FloatVector mu = FloatVector.broadcast(FLOAT, mean);
        FloatVector is = FloatVector.broadcast(FLOAT, invStd);
        FloatVector gm = FloatVector.broadcast(FLOAT, gamma);
        FloatVector bt = FloatVector.broadcast(FLOAT, beta);
        int bound = FLOAT.loopBound(inner);
        for (int p = 0; p < planes; p++) {
            int xb = xOff + p * stride;
            int yb = yOff + p * stride;
            int i = 0;
            for (; i < bound; i += FLOAT.length()) {
                FloatVector v = FloatVector.fromArray(FLOAT, x, xb + i).sub(mu).mul(is).mul(gm).add(bt);
                if (relu) {
                    v = v.blend(0f, v.compare(VectorOperators.LT, 0f)); // keeps NaN and −0, as the twin
                }
                v.intoArray(y, yb + i);
            }
            for (; i < inner; i++) {
                float v = (x[xb + i] - mean) * invStd * gamma + beta;
                y[yb + i] = relu && v < 0f ? 0f : v;
            }
        }
    }

    /**
     * Scalar twin of {@link #evalAffine}: {@code y = (x − μ)/s}, times γ plus β when
     * {@code hasWeight}, then the ReLU {@code y < 0 ? 0 : y} when {@code relu}.
     */
    public static void evalAffineScalar(float[] x, int xOff, float[] y, int yOff, int stride, int planes, int inner,
                                        float mean, float scale, boolean hasWeight, float gamma, float beta,
                                        boolean relu) {
        checkChannel("evalAffine", x, xOff, stride, planes, inner);
        checkChannel("evalAffine", y, yOff, stride, planes, inner);
        for (int p = 0; p < planes; p++) {
            for (int i = 0; i < inner; i++) {
                y[yOff + p * stride + i] = evalAffineOne(x[xOff + p * stride + i], mean, scale, hasWeight, gamma, beta,
                        relu);
            }
        }
    }

    /** One value of {@link #evalAffineScalar}: the formula the twin and the kernel's tail share. */
    private static float evalAffineOne(float x, float mean, float scale, boolean hasWeight, float gamma, float beta,
                                       boolean relu) {
        float v = (x - mean) / scale;
        if (hasWeight) {
            v = v * gamma + beta;
        }
        return relu && v < 0f ? 0f : v;
    }

    /**
     * Evaluation-mode batch normalisation of one channel, with the running statistics:
     * {@code y = (x − μ)/s·γ + β} with {@code s = √(σ²_running + ε)} (just {@code (x − μ)/s} when
     * the layer has no weight), or its ReLU when {@code relu}. The same four operations, in the
     * same order, as the autograd formula a layer uses when gradients are wanted, so the two give
     * the same bits. Trap: multiplying by a precomputed 1/s would be cheaper than the division,
     * but rounds differently.
     */
    public static void evalAffine(float[] x, int xOff, float[] y, int yOff, int stride, int planes, int inner,
                                  float mean, float scale, boolean hasWeight, float gamma, float beta, boolean relu) {
        checkChannel("evalAffine", x, xOff, stride, planes, inner);
        checkChannel("evalAffine", y, yOff, stride, planes, inner);
        FloatVector mu = FloatVector.broadcast(FLOAT, mean);
        FloatVector sc = FloatVector.broadcast(FLOAT, scale);
        FloatVector gm = FloatVector.broadcast(FLOAT, gamma);
        FloatVector bt = FloatVector.broadcast(FLOAT, beta);
        int bound = FLOAT.loopBound(inner);
        for (int p = 0; p < planes; p++) {
            int xb = xOff + p * stride;
            int yb = yOff + p * stride;
            int i = 0;
            for (; i < bound; i += FLOAT.length()) {
                FloatVector v = FloatVector.fromArray(FLOAT, x, xb + i).sub(mu).div(sc);
                if (hasWeight) {
                    v = v.mul(gm).add(bt);
                }
                if (relu) {
                    v = v.blend(0f, v.compare(VectorOperators.LT, 0f)); // keeps NaN and −0, as the twin
                }
                v.intoArray(y, yb + i);
            }
            for (; i < inner; i++) {
                y[yb + i] = evalAffineOne(x[xb + i], mean, scale, hasWeight, gamma, beta, relu);
            }
        }
    }

    /**
     * Scalar twin of {@link #gradSums}: {@code sums[0] = Σ g'}, {@code sums[1] = Σ g'·x̂} with
     * {@code x̂ = (x − μ)·invStd} and, when {@code relu} (the ReLU fused after the batch norm),
     * {@code g' = g·[x̂·γ + β > 0]}, else g.
     */
    public static void gradSumsScalar(float[] g, int gOff, float[] x, int xOff, boolean relu, float gamma, float beta,
                                      int stride, int planes, int inner, float mean, float invStd, double[] sums) {
        checkChannel("gradSums", g, gOff, stride, planes, inner);
        checkChannel("gradSums", x, xOff, stride, planes, inner);
        double sg = 0;
        double sgx = 0;
        for (int p = 0; p < planes; p++) {
            for (int i = 0; i < inner; i++) {
                float gv = g[gOff + p * stride + i];
                float xhat = (x[xOff + p * stride + i] - mean) * invStd;
                if (relu && !(xhat * gamma + beta > 0f)) {
                    gv = 0f;
                }
                sg += gv;
                sgx += gv * xhat;
            }
        }
        sums[0] = sg;
        sums[1] = sgx;
    }

    /**
     * Both sums of the backward pass in one sweep over g and x: {@code sums[0] = Σ g'} (dβ) and
     * {@code sums[1] = Σ g'·x̂} (dγ), x̂ recomputed from the saved input with the forward pass's
     * float operations. When {@code relu}, g is masked where the fused ReLU's output was not
     * positive, and that output, {@code x̂·γ + β}, is recomputed too, with {@link #normalize}'s
     * operations, so the mask is the same bits as reading it back: one array less to read, in a
     * sweep that only streams memory. (The whole channel in {@link #gradSumsBlock}'s blocks; a
     * layer sums its channels block by block instead, in the same order per channel.)
     */
    public static void gradSums(float[] g, int gOff, float[] x, int xOff, boolean relu, float gamma, float beta,
                                int stride, int planes, int inner, float mean, float invStd, double[] sums) {
        checkChannel("gradSums", g, gOff, stride, planes, inner);
        checkChannel("gradSums", x, xOff, stride, planes, inner);
        double[] state = new double[gradStateLength()];
        float[] part = new float[2 * FLOAT.length()];
        int group = Math.min(planesPerBlock(inner), Math.max(1, planes));
        for (int p = 0; p < planes; p += group) {
            gradSumsBlock(g, gOff + p * stride, x, xOff + p * stride, relu, gamma, beta, stride,
                    Math.min(group, planes - p), inner, mean, invStd, part, state, 0);
        }
        finishGradSums(state, 0, sums);
    }

    /**
     * Planes per call of {@link #gradSumsBlock}: the planes whose float lanes are summed before
     * they move into doubles (16 additions a lane at most), so that a channel summed block after
     * block, whatever the caller does between its blocks, is summed in {@link #gradSums}' order.
     */
    public static int planesPerBlock(int inner) {
        return planesPerSpill(inner);
    }

    /** Doubles of one channel's running state for {@link #gradSumsBlock}: its double lanes for both sums, and their scalar tails. */
    public static int gradStateLength() {
        return 2 * FLOAT.length() + 2;
    }

    /**
     * {@link #gradSums} for {@code planes} (at most {@link #planesPerBlock}) of a channel's
     * planes, added into the channel's running state {@code state[at, at + }{@link #gradStateLength}{@code )}
     * (zeros before its first block), then {@link #finishGradSums}. {@code part} is scratch of
     * 2·lanes floats, zero on entry and left zero.
     *
     * <p>Why in blocks: a channel's planes lie one sample apart, a few cache lines each, and read
     * channel after channel they arrive one cache miss at a time, with nothing for the hardware
     * prefetchers to follow. Called for a block of samples, channel after channel, and then for
     * the next block, the sweep reads each sample's channels in the order they lie in memory. The
     * sums keep their order, hence their bits: each block is exactly one group of planes between
     * two moves of the float lanes into doubles.
     */
    public static void gradSumsBlock(float[] g, int gOff, float[] x, int xOff, boolean relu, float gamma, float beta,
                                     int stride, int planes, int inner, float mean, float invStd, float[] part,
                                     double[] state, int at) {
        checkChannel("gradSumsBlock", g, gOff, stride, planes, inner);
        checkChannel("gradSumsBlock", x, xOff, stride, planes, inner);
        int l = FLOAT.length();
        if (planes > planesPerSpill(inner) || part.length < 2 * l || at < 0 || at + gradStateLength() > state.length) {
            throw new IllegalArgumentException("batchNorm.gradSumsBlock: " + planes + " planes of " + inner
                    + " floats (at most " + planesPerSpill(inner) + " per block), scratch of " + part.length
                    + " floats (needs " + 2 * l + "), state at " + at + " in " + state.length + " doubles (needs "
                    + gradStateLength() + ")");
        }
        FloatVector mu = FloatVector.broadcast(FLOAT, mean);
        FloatVector is = FloatVector.broadcast(FLOAT, invStd);
        FloatVector gm = FloatVector.broadcast(FLOAT, gamma);
        FloatVector bt = FloatVector.broadcast(FLOAT, beta);
        FloatVector zero = FloatVector.zero(FLOAT);
        int bound = FLOAT.loopBound(inner);
        double tg = state[at + 2 * l];
        double tgx = state[at + 2 * l + 1];
        for (int p = 0; p < planes; p++) {
            int gb = gOff + p * stride;
            int xb = xOff + p * stride;
            // The block's first plane starts from zero (part is zero then): see sum.
            FloatVector ag = p == 0 ? zero : FloatVector.fromArray(FLOAT, part, 0);
            FloatVector agx = p == 0 ? zero : FloatVector.fromArray(FLOAT, part, l);
            int i = 0;
            for (; i < bound; i += l) {
                FloatVector gv = FloatVector.fromArray(FLOAT, g, gb + i);
                FloatVector xhat = FloatVector.fromArray(FLOAT, x, xb + i).sub(mu).mul(is);
                if (relu) {
                    gv = zero.blend(gv, xhat.mul(gm).add(bt).compare(VectorOperators.GT, 0f));
                }
                ag = ag.add(gv);
                agx = agx.add(gv.mul(xhat));
            }
            for (; i < inner; i++) {
                float gv = g[gb + i];
                float xhat = (x[xb + i] - mean) * invStd;
                if (relu && !(xhat * gamma + beta > 0f)) {
                    gv = 0f;
                }
                tg += gv;
                tgx += gv * xhat;
            }
            ag.intoArray(part, 0);
            agx.intoArray(part, l);
        }
        spillInto(part, 0, state, at);
        spillInto(part, l, state, at + l);
        state[at + 2 * l] = tg;
        state[at + 2 * l + 1] = tgx;
    }

    /** {@code sums[0] = Σ g'}, {@code sums[1] = Σ g'·x̂} from a channel's state after its last {@link #gradSumsBlock}. */
    public static void finishGradSums(double[] state, int at, double[] sums) {
        int l = FLOAT.length();
        double sg = state[at + 2 * l];
        double sgx = state[at + 2 * l + 1];
        for (int k = 0; k < l; k++) {
            sg += state[at + k];
            sgx += state[at + l + k];
        }
        sums[0] = sg;
        sums[1] = sgx;
    }

    /**
     * Scalar twin of {@link #inputGrad}: {@code dx = scale·(m·g' − Σg' − x̂·Σg'x̂)}, each operation
     * rounded to float.
     */
    public static void inputGradScalar(float[] g, int gOff, float[] x, int xOff, boolean relu, float gamma,
                                       float beta, float[] dx, int dxOff, int stride, int planes, int inner,
                                       float mean, float invStd, float scale, float m, float sumG, float sumGx) {
        checkChannel("inputGrad", g, gOff, stride, planes, inner);
        checkChannel("inputGrad", x, xOff, stride, planes, inner);
        checkChannel("inputGrad", dx, dxOff, stride, planes, inner);
        for (int p = 0; p < planes; p++) {
            for (int i = 0; i < inner; i++) {
                float gv = g[gOff + p * stride + i];
                float xhat = (x[xOff + p * stride + i] - mean) * invStd;
                if (relu && !(xhat * gamma + beta > 0f)) {
                    gv = 0f;
                }
                dx[dxOff + p * stride + i] = scale * (m * gv - sumG - xhat * sumGx);
            }
        }
    }

    /**
     * The input gradient over the channel, {@code dx = scale·(m·g' − Σg' − x̂·Σg'x̂)} with
     * {@code scale = γ/(m·σ)}: the second sweep of the backward pass. {@code relu}, γ and β mask
     * g as in {@link #gradSums}. Same bits as the scalar twin (no fused multiply-add).
     */
    public static void inputGrad(float[] g, int gOff, float[] x, int xOff, boolean relu, float gamma, float beta,
                                 float[] dx, int dxOff, int stride, int planes, int inner, float mean, float invStd,
                                 float scale, float m, float sumG, float sumGx) {
        checkChannel("inputGrad", g, gOff, stride, planes, inner);
        checkChannel("inputGrad", x, xOff, stride, planes, inner);
        checkChannel("inputGrad", dx, dxOff, stride, planes, inner);
        FloatVector gm = FloatVector.broadcast(FLOAT, gamma);
        FloatVector bt = FloatVector.broadcast(FLOAT, beta);
        FloatVector mu = FloatVector.broadcast(FLOAT, mean);
        FloatVector is = FloatVector.broadcast(FLOAT, invStd);
        FloatVector sc = FloatVector.broadcast(FLOAT, scale);
        FloatVector mv = FloatVector.broadcast(FLOAT, m);
        FloatVector sg = FloatVector.broadcast(FLOAT, sumG);
        FloatVector sgx = FloatVector.broadcast(FLOAT, sumGx);
        FloatVector zero = FloatVector.zero(FLOAT);
        int bound = FLOAT.loopBound(inner);
        for (int p = 0; p < planes; p++) {
            int gb = gOff + p * stride;
            int xb = xOff + p * stride;
            int db = dxOff + p * stride;
            int i = 0;
            for (; i < bound; i += FLOAT.length()) {
                FloatVector gv = FloatVector.fromArray(FLOAT, g, gb + i);
                FloatVector xhat = FloatVector.fromArray(FLOAT, x, xb + i).sub(mu).mul(is);
                if (relu) {
                    gv = zero.blend(gv, xhat.mul(gm).add(bt).compare(VectorOperators.GT, 0f));
                }
                sc.mul(mv.mul(gv).sub(sg).sub(xhat.mul(sgx))).intoArray(dx, db + i);
            }
            for (; i < inner; i++) {
                float gv = g[gb + i];
                float xhat = (x[xb + i] - mean) * invStd;
                if (relu && !(xhat * gamma + beta > 0f)) {
                    gv = 0f;
                }
                dx[db + i] = scale * (m * gv - sumG - xhat * sumGx);
            }
        }
    }
}
