package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import jdk.incubator.vector.FloatVector;

/**
 * The SGD update (PyTorch's {@code torch.optim.SGD}) over one parameter's storage, in one pass:
 * weight decay, momentum buffer, Nesterov look-ahead and the step, for every element before the
 * next. The formula and its traps are documented in {@code dev.pare.nn.optim.SGD}, which calls this.
 *
 * <p>For i &lt; n, with θ = p[po + i], g = g[go + i] and b = buf[bo + i]:
 * <pre>
 *   d ← g + λ·θ                          (if λ ≠ 0)
 *   b ← d  on the first step, else μ·b + (1 − τ)·d     (if a buffer is given)
 *   d ← d + μ·b  (Nesterov)  or  d ← b                   (if a buffer is given)
 *   θ ← θ + (−η)·d
 * </pre>
 * The vector loop uses separate multiplies and adds, never a fused multiply-add, in the order the
 * scalar twin writes them: every lane rounds exactly as the scalar code does, so the result is
 * bit for bit {@link #sgdScalar}'s, whatever the vector width.
 */
public final class SgdKernels {
    private SgdKernels() {}

    /**
     * Scalar twin of {@link #sgd}, and the definition of the update.
     *
     * @param buf          momentum buffer (n floats from {@code bo}), or null for plain SGD (μ = 0)
     * @param first        whether this is the first step, when the buffer is set to d
     * @param oneMinusTau  1 − τ, the dampening complement
     */
    public static void sgdScalar(float[] p, int po, float[] g, int go, float[] buf, int bo, int n, float lr, float wd,
                                 float mu, float oneMinusTau, boolean nesterov, boolean first) {
        float step = -lr;
        for (int i = 0; i < n; i++) {
            float d = g[go + i];
            if (wd != 0f) {
                d += wd * p[po + i];
            }
            if (buf != null) {
                float b = first ? d : mu * buf[bo + i] + oneMinusTau * d;
                buf[bo + i] = b;
                d = nesterov ? d + mu * b : b;
            }
            p[po + i] += step * d;
        }
    }

    /** {@link #sgdScalar} on the Vector API, with the same arguments and the same bits. */
    public static void sgd(float[] p, int po, float[] g, int go, float[] buf, int bo, int n, float lr, float wd,
                           float mu, float oneMinusTau, boolean nesterov, boolean first) {
        if (n < 0 || po < 0 || go < 0 || bo < 0 || po > p.length - n || go > g.length - n
                || buf != null && bo > buf.length - n) {
            throw new IllegalArgumentException("sgd: " + n + " elements at offsets " + po + " (parameters of length "
                    + p.length + "), " + go + " (gradients of length " + g.length + ")"
                    + (buf == null ? "" : " and " + bo + " (momentum buffer of length " + buf.length + ")"));
        }
        float step = -lr;
        int lanes = FLOAT.length();
        int bound = FLOAT.loopBound(n);
        int i = 0;
        // The flags are the same for every element: C2 unswitches the loop on them, so each
        // combination runs as its own branch-free loop.
        for (; i < bound; i += lanes) {
            FloatVector theta = FloatVector.fromArray(FLOAT, p, po + i);
            FloatVector d = FloatVector.fromArray(FLOAT, g, go + i);
            if (wd != 0f) {
                d = d.add(theta.mul(wd));
            }
            if (buf != null) {
                FloatVector b = first ? d : FloatVector.fromArray(FLOAT, buf, bo + i).mul(mu).add(d.mul(oneMinusTau));
                b.intoArray(buf, bo + i);
                d = nesterov ? d.add(b.mul(mu)) : b;
            }
            theta.add(d.mul(step)).intoArray(p, po + i);
        }
        sgdScalar(p, po + i, g, go + i, buf, bo + i, n - i, lr, wd, mu, oneMinusTau, nesterov, first);
    }
}
