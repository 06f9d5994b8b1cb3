package dev.pare.tensor.kernels;

/**
 * Int8-weight matrix multiply for batches: C = X̂·Ŵᵀ with X float [batch, in] and W int8
 * [out, in] (symmetric, one scale per row), with its scalar twins.
 * <pre>
 *   C[b, r] = Σj X̂[b, j] · (sw[r]·wq[r, j])
 *   X̂ = X                                        ({@link #gemm}: weight-only)
 *   X̂ = (clamp(rint(X / sx) + zx) − zx) · sx      ({@link #gemmQuantizedInput}: dynamic, static)
 * </pre>
 *
 * <p>With a batch of many rows, every weight is used {@code batch} times, so the product is
 * compute-bound, and on a CPU without int8 dot-product instructions the fastest int8
 * arithmetic is no arithmetic (docs/int8-kernels.md): the product runs on the fp32 packed
 * {@link Gemm}, and the int8 weights become floats while {@link Gemm} packs its panels of B
 * ({@link GemmPacking#packBInt8Transposed}), a copy it makes anyway. No float copy of W exists
 * beyond the packed panel, so the weights keep their 4× smaller footprint, and the product
 * runs at fp32 GEMM speed. With activation parameters, X is rounded to its int8 grid in the
 * same way, on each packed block of X ({@link GemmOperands.Int8Weights}): no array per call.
 *
 * <p>Results: every element is bit for bit what {@link Gemm#gemm} gives on float copies
 * X̂ = {@link QuantizeKernels#fakeQuantize}(X) and Ŵ = {@link QuantizeKernels#dequantizeRows}(W)
 * whenever that call takes its packed path (m, n ≥ 2 and m·n·k above
 * {@code GemmBlocking.DIRECT_MAX_WORK}). Unlike {@link Gemm#gemm}, tiny products and single rows
 * also take the packed path here, so their last bits may differ from the direct path. The result
 * is the same for any number of threads, as for {@link Gemm}.
 */
public final class Int8WeightGemm {
    private Int8WeightGemm() {}

    /**
     * Scalar twin of {@link #gemm}: dequantize all of W, then {@link GemmScalar} (which rounds
     * each product before adding, where the kernel fuses them: compare with a tolerance).
     */
    public static void gemmScalar(int batch, int out, int in, float[] x, int xo, int ldx,
                                  byte[] w, int wo, float[] wScales, float[] c, int co, int ldc, boolean accumulate) {
        float[] wf = new float[out * in];
        QuantizeKernels.dequantizeRows(w, wo, wf, 0, out, in, wScales, null);
        GemmScalar.gemm(false, true, batch, out, in, x, xo, ldx, wf, 0, in, c, co, ldc, accumulate);
    }

    /**
     * Scalar twin of {@link #gemmQuantizedInput}: X quantized and dequantized element by element
     * ({@link QuantizeKernels#fakeQuantizeOne}), then {@link #gemmScalar}.
     */
    public static void gemmQuantizedInputScalar(int batch, int out, int in, float[] x, int xo, int ldx,
                                                float xScale, int xZeroPoint, byte[] w, int wo, float[] wScales,
                                                float[] c, int co, int ldc, boolean accumulate) {
        float[] xf = new float[batch * in];
        for (int b = 0; b < batch; b++) {
            QuantizeKernels.fakeQuantizeScalar(x, xo + b * ldx, xf, b * in, in, xScale, xZeroPoint);
        }
        gemmScalar(batch, out, in, xf, 0, in, w, wo, wScales, c, co, ldc, accumulate);
    }

    /**
     * Weight-only: C[co + b·ldc + r] (+)= Σj x[xo + b·ldx + j]·sw[r]·w[wo + r·in + j], for
     * b &lt; batch, r &lt; out. Threads: those of {@link Gemm}.
     *
     * @throws IllegalArgumentException if a shape is negative, a leading dimension too small, a
     *     scale missing, or an array too short
     */
    public static void gemm(int batch, int out, int in, float[] x, int xo, int ldx,
                            byte[] w, int wo, float[] wScales, float[] c, int co, int ldc, boolean accumulate) {
        gemm(batch, out, in, x, xo, ldx, w, wo, wScales, c, co, ldc, accumulate, GemmEpilogue.NONE);
    }

    /**
     * {@link #gemm(int, int, int, float[], int, int, byte[], int, float[], float[], int, int, boolean)}
     * followed by {@code epilogue} on every element of C (a layer's bias, and ReLU), applied by
     * {@link Gemm} to each tile as it is finished, as for {@link Gemm#gemm}.
     *
     * @throws IllegalArgumentException as the plain form, or if the bias does not cover out columns
     */
    public static void gemm(int batch, int out, int in, float[] x, int xo, int ldx,
                            byte[] w, int wo, float[] wScales, float[] c, int co, int ldc, boolean accumulate,
                            GemmEpilogue epilogue) {
        check(batch, out, in, x, xo, ldx, w, wo, wScales, c, co, ldc);
        epilogue.check(out);
        Gemm.packedProduct(batch, out, in, new GemmOperands.Int8Weights(x, xo, ldx, false, 1f, 0, w, wo, in, wScales),
                c, co, ldc, accumulate, GemmBlocking.DEFAULT, epilogue);
    }

    /**
     * Dynamic and static: as {@link #gemm}, with each x replaced by its fake-quantized value
     * {@code (clamp(rint(x / xScale) + xZeroPoint, −128, 127) − xZeroPoint)·xScale}, the input an
     * int8 kernel would see. X itself is not modified.
     *
     * @throws IllegalArgumentException as {@link #gemm}, or if the scale is not positive and
     *     finite or the zero point is outside [−128, 127]
     */
    public static void gemmQuantizedInput(int batch, int out, int in, float[] x, int xo, int ldx,
                                          float xScale, int xZeroPoint, byte[] w, int wo, float[] wScales,
                                          float[] c, int co, int ldc, boolean accumulate) {
        gemmQuantizedInput(batch, out, in, x, xo, ldx, xScale, xZeroPoint, w, wo, wScales, c, co, ldc, accumulate,
                GemmEpilogue.NONE);
    }

    /**
     * {@link #gemmQuantizedInput(int, int, int, float[], int, int, float, int, byte[], int, float[], float[], int, int, boolean)}
     * followed by {@code epilogue}, as {@link #gemm(int, int, int, float[], int, int, byte[], int, float[], float[], int, int, boolean, GemmEpilogue)}.
     */
    public static void gemmQuantizedInput(int batch, int out, int in, float[] x, int xo, int ldx,
                                          float xScale, int xZeroPoint, byte[] w, int wo, float[] wScales,
                                          float[] c, int co, int ldc, boolean accumulate, GemmEpilogue epilogue) {
        QuantizeKernels.checkParams("int8 weight gemm", xScale, xZeroPoint, QuantizeKernels.QMIN, QuantizeKernels.QMAX);
        check(batch, out, in, x, xo, ldx, w, wo, wScales, c, co, ldc);
        epilogue.check(out);
        Gemm.packedProduct(batch, out, in,
                new GemmOperands.Int8Weights(x, xo, ldx, true, xScale, xZeroPoint, w, wo, in, wScales),
                c, co, ldc, accumulate, GemmBlocking.DEFAULT, epilogue);
    }

    private static void check(int batch, int out, int in, float[] x, int xo, int ldx,
                              byte[] w, int wo, float[] wScales, float[] c, int co, int ldc) {
        if (batch < 0 || out < 0 || in < 0 || (long) out * in > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("int8 weight gemm: bad shape batch " + batch + ", W [" + out + ", " + in + "]");
        }
        if (ldx < in || ldc < out) {
            throw new IllegalArgumentException("int8 weight gemm: leading dimensions ldx " + ldx + " < in " + in
                    + " or ldc " + ldc + " < out " + out);
        }
        if (wScales.length < out) {
            throw new IllegalArgumentException("int8 weight gemm: " + out + " rows but " + wScales.length + " scales");
        }
        QuantizeKernels.checkRun("int8 weight gemm", "w", w.length, wo, out * in);
        if (batch > 0) {
            QuantizeKernels.checkRun("int8 weight gemm", "x", x.length, xo, (int) Math.min(Integer.MAX_VALUE, (long) (batch - 1) * ldx + in));
            QuantizeKernels.checkRun("int8 weight gemm", "c", c.length, co, (int) Math.min(Integer.MAX_VALUE, (long) (batch - 1) * ldc + out));
        }
    }
}
