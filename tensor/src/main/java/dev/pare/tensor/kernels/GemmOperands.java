package dev.pare.tensor.kernels;

/**
 * What the packed {@link Gemm} multiplies, seen only through how its blocks are packed.
 *
 * <p>The blocked loops, the micro-kernel and the threads of {@link Gemm} never read A or B
 * themselves: they read the packed panels Ã and B̃, which are always float and always in the
 * layout of {@link GemmPacking}. So an operand stored in another form (int8 codes with scales)
 * needs nothing but its own packing routine, and then runs at exactly the speed of the fp32
 * product: the conversion happens in a copy that the fp32 product makes anyway.
 * <ul>
 *   <li>{@link Floats}: op(A)·op(B) with float A and B, either transposed ({@link Gemm#gemm}).</li>
 *   <li>{@link Int8Weights}: X̂·Ŵᵀ with float X and int8 W [n, k] with one scale per row
 *       ({@link Int8WeightGemm}). Each weight becomes {@code sw[j]·wq[j, p]} as B̃ is packed;
 *       X̂ is X, or, when activation parameters are given, X rounded to its int8 grid
 *       ({@link QuantizeKernels#fakeQuantize}), done in place on each packed block of Ã.</li>
 *   <li>{@link PatchColumns}: W·patches for a convolution ({@link ConvGemm}), with the patch
 *       matrix read from the image as B̃ is packed, never stored.</li>
 *   <li>{@link PatchRows}: dOut·patchesᵀ, the same convolution's weight gradient, likewise.</li>
 *   <li>{@link Prepacked}: op(A)·B̃ with B̃ packed once beforehand ({@link GemmPackedB}); the
 *       blocked loops read it in place instead of packing B.</li>
 * </ul>
 */
sealed interface GemmOperands permits GemmOperands.Floats, GemmOperands.Int8Weights,
        GemmOperands.PatchColumns, GemmOperands.PatchRows, GemmOperands.Prepacked {

    /** Packs rows [i0, i0 + mc), columns [p0, p0 + kc) of the left operand, as {@link GemmPacking#packA}. */
    void packA(int i0, int mc, int p0, int kc, float[] dst);

    /** Whether {@link #packA} writes row chunks rather than columns ({@link GemmPacking#rowChunks}). */
    boolean aRowChunks();

    /** Packs rows [p0, p0 + kc), columns [j0, j0 + nc) of the right operand, as {@link GemmPacking#packB}. */
    void packB(int p0, int kc, int j0, int nc, float[] dst);

    /** Float op(A) and op(B), with the offsets and leading dimensions of {@link GemmScalar}. */
    record Floats(boolean transA, boolean transB, float[] a, int ao, int lda, float[] b, int bo, int ldb)
            implements GemmOperands {
        @Override
        public boolean aRowChunks() {
            return GemmPacking.rowChunks(transA);
        }

        @Override
        public void packA(int i0, int mc, int p0, int kc, float[] dst) {
            GemmPacking.packA(transA, a, ao, lda, i0, mc, p0, kc, dst);
        }

        @Override
        public void packB(int p0, int kc, int j0, int nc, float[] dst) {
            GemmPacking.packB(transB, b, bo, ldb, p0, kc, j0, nc, dst);
        }

        /** The operands of the transposed product, Cᵀ = op(B)ᵀ·op(A)ᵀ. */
        Floats transposed() {
            return new Floats(!transB, !transA, b, bo, ldb, a, ao, lda);
        }
    }

    /**
     * Left: float X [m, k] at x[xo + i·ldx + p]; when {@code quantizeX}, each element is replaced
     * by its fake-quantized value with {@code xScale} and {@code xZeroPoint}. Right: Ŵᵀ, with
     * W [n, k] int8 at w[wo + j·ldw + p] and Ŵ[j, p] = wScales[j]·w[j, p].
     */
    record Int8Weights(float[] x, int xo, int ldx, boolean quantizeX, float xScale, int xZeroPoint,
                       byte[] w, int wo, int ldw, float[] wScales) implements GemmOperands {
        @Override
        public boolean aRowChunks() {
            return GemmPacking.rowChunks(false);
        }

        @Override
        public void packA(int i0, int mc, int p0, int kc, float[] dst) {
            GemmPacking.packA(false, x, xo, ldx, i0, mc, p0, kc, dst);
            if (quantizeX) {
                // Rounding is elementwise with one scale, so it commutes with the copy: doing it on
                // the packed block (hot in cache, contiguous, vectorizable) rather than on X needs
                // no array of its own. The zero padding stays 0: 0 is always on the grid.
                int padded = GemmPacking.aBlockSize(aRowChunks(), mc, kc);
                QuantizeKernels.fakeQuantize(dst, 0, dst, 0, padded, xScale, xZeroPoint);
            }
        }

        @Override
        public void packB(int p0, int kc, int j0, int nc, float[] dst) {
            GemmPacking.packBInt8Transposed(w, wo, ldw, wScales, p0, kc, j0, nc, dst);
        }
    }

    /**
     * Left: float A [m, k] at a[ao + i·lda + p] (the filters). Right: the patch matrix of a
     * zero-padded image, as defined in {@link ConvGemm}.
     */
    record PatchColumns(float[] a, int ao, int lda, ConvGemm.PaddedImage image) implements GemmOperands {
        @Override
        public boolean aRowChunks() {
            return GemmPacking.rowChunks(false);
        }

        @Override
        public void packA(int i0, int mc, int p0, int kc, float[] dst) {
            GemmPacking.packA(false, a, ao, lda, i0, mc, p0, kc, dst);
        }

        @Override
        public void packB(int p0, int kc, int j0, int nc, float[] dst) {
            GemmPacking.packPatchColumns(image, p0, kc, j0, nc, dst);
        }
    }

    /**
     * Left: float A [m, k] at a[ao + i·lda + p] (the output gradient, channel-major). Right: the
     * transposed patch matrix of a zero-padded image, as defined in {@link ConvGemm}.
     */
    record PatchRows(float[] a, int ao, int lda, ConvGemm.PaddedImage image) implements GemmOperands {
        @Override
        public boolean aRowChunks() {
            return GemmPacking.rowChunks(false);
        }

        @Override
        public void packA(int i0, int mc, int p0, int kc, float[] dst) {
            GemmPacking.packA(false, a, ao, lda, i0, mc, p0, kc, dst);
        }

        @Override
        public void packB(int p0, int kc, int j0, int nc, float[] dst) {
            GemmPacking.packPatchRows(image, p0, kc, j0, nc, dst);
        }
    }

    /**
     * Float op(A), and a B packed beforehand. {@link Gemm}'s loops read B̃ where it lies; packB is
     * a plain copy of the same panels, for any caller that wants them in its own buffer.
     */
    record Prepacked(boolean transA, float[] a, int ao, int lda, GemmPackedB b) implements GemmOperands {
        @Override
        public boolean aRowChunks() {
            return GemmPacking.rowChunks(transA);
        }

        @Override
        public void packA(int i0, int mc, int p0, int kc, float[] dst) {
            GemmPacking.packA(transA, a, ao, lda, i0, mc, p0, kc, dst);
        }

        @Override
        public void packB(int p0, int kc, int j0, int nc, float[] dst) {
            if (p0 % b.kBlock() != 0 || j0 % GemmBlocking.NR != 0 || kc != Math.min(b.kBlock(), b.k() - p0)) {
                throw new IllegalArgumentException("GemmOperands.Prepacked: block at row " + p0 + " (depth " + kc
                        + "), column " + j0 + " is not one of the pack's (K blocks of " + b.kBlock() + ")");
            }
            int panels = (nc + GemmBlocking.NR - 1) / GemmBlocking.NR;
            System.arraycopy(b.data(), b.offset(p0, j0), dst, 0, panels * GemmBlocking.NR * kc);
        }
    }
}
