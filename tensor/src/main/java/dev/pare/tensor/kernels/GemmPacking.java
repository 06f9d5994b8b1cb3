package dev.pare.tensor.kernels;

import static dev.pare.tensor.kernels.GemmBlocking.LANES;
import static dev.pare.tensor.kernels.GemmBlocking.MR;
import static dev.pare.tensor.kernels.GemmBlocking.NR;
import static dev.pare.tensor.kernels.VectorConfig.FLOAT;

import jdk.incubator.vector.FloatVector;

/**
 * Copies blocks of op(A) and op(B) into the order in which {@link GemmMicroKernel} reads them.
 *
 * <p>Packed A is a sequence of micro-panels of MR rows; inside one, the MR elements of a column
 * are adjacent, so step p of the micro-kernel reads {@code ap[p·MR .. p·MR + MR)}:
 * <pre>
 *   op(A) block (rows i, cols p)        packed: panel 0            panel 1
 *   a00 a01 a02 ...                     a00 a10 .. a50 | a01 a11 .. a51 | ...   a60 a70 .. a(11)0 | ...
 *   a10 a11 a12 ...                     └── p = 0 ───┘ └── p = 1 ───┘
 * </pre>
 * Packed B is a sequence of micro-panels of NR columns; inside one, the NR elements of a row are
 * adjacent, so step p reads {@code bp[p·NR .. p·NR + NR)} with two vector loads.
 *
 * <p>Packing is where transposes disappear: whether op(A) is A or Aᵀ only changes which loop reads
 * contiguously, and the packed layout, hence the micro-kernel, is the same for all four forms.
 * It is also where edges disappear: rows of A beyond M and columns of B beyond N are packed as
 * zeros, so every micro-panel is whole; the products in the padding land in parts of the tile
 * that are never stored to C.
 */
final class GemmPacking {
    private GemmPacking() {}

    /**
     * Packs rows [i0, i0 + mc) and columns [p0, p0 + kc) of op(A) into {@code dst}, as
     * ceil(mc / MR) micro-panels of MR · kc floats each, zero-padded to whole panels.
     */
    static void packA(boolean transA, float[] a, int ao, int lda,
                      int i0, int mc, int p0, int kc, float[] dst) {
        int panels = (mc + MR - 1) / MR;
        for (int t = 0; t < panels; t++) {
            int base = t * MR * kc;
            int rows = Math.min(MR, mc - t * MR);
            int i = i0 + t * MR;
            if (transA) {
                // op(A)[i][p] = a[ao + p·lda + i]: a column of packed A is a contiguous run of a.
                for (int p = 0; p < kc; p++) {
                    int src = ao + (p0 + p) * lda + i;
                    int d = base + p * MR;
                    for (int r = 0; r < rows; r++) {
                        dst[d + r] = a[src + r];
                    }
                    for (int r = rows; r < MR; r++) {
                        dst[d + r] = 0f;
                    }
                }
            } else {
                // op(A)[i][p] = a[ao + i·lda + p]: read each row contiguously, write with stride MR.
                for (int r = 0; r < rows; r++) {
                    int src = ao + (i + r) * lda + p0;
                    for (int p = 0, d = base + r; p < kc; p++, d += MR) {
                        dst[d] = a[src + p];
                    }
                }
                for (int r = rows; r < MR; r++) {
                    for (int p = 0, d = base + r; p < kc; p++, d += MR) {
                        dst[d] = 0f;
                    }
                }
            }
        }
    }

    /**
     * Packs rows [p0, p0 + kc) and columns [j0, j0 + nc) of op(B) into {@code dst}, as
     * ceil(nc / NR) micro-panels of kc · NR floats each, zero-padded to whole panels.
     */
    static void packB(boolean transB, float[] b, int bo, int ldb,
                      int p0, int kc, int j0, int nc, float[] dst) {
        int panels = (nc + NR - 1) / NR;
        for (int u = 0; u < panels; u++) {
            int base = u * NR * kc;
            int cols = Math.min(NR, nc - u * NR);
            int j = j0 + u * NR;
            if (transB) {
                // op(B)[p][j] = b[bo + j·ldb + p]: read each stored row contiguously, write with stride NR.
                for (int jj = 0; jj < cols; jj++) {
                    int src = bo + (j + jj) * ldb + p0;
                    for (int p = 0, d = base + jj; p < kc; p++, d += NR) {
                        dst[d] = b[src + p];
                    }
                }
                for (int jj = cols; jj < NR; jj++) {
                    for (int p = 0, d = base + jj; p < kc; p++, d += NR) {
                        dst[d] = 0f;
                    }
                }
            } else if (cols == NR) {
                // op(B)[p][j] = b[bo + p·ldb + j]: a row of a micro-panel is a contiguous run of b.
                for (int p = 0; p < kc; p++) {
                    int src = bo + (p0 + p) * ldb + j;
                    int d = base + p * NR;
                    FloatVector.fromArray(FLOAT, b, src).intoArray(dst, d);
                    FloatVector.fromArray(FLOAT, b, src + LANES).intoArray(dst, d + LANES);
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = bo + (p0 + p) * ldb + j;
                    int d = base + p * NR;
                    for (int jj = 0; jj < cols; jj++) {
                        dst[d + jj] = b[src + jj];
                    }
                    for (int jj = cols; jj < NR; jj++) {
                        dst[d + jj] = 0f;
                    }
                }
            }
        }
    }
}
