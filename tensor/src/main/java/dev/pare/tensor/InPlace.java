package dev.pare.tensor;

import dev.pare.tensor.kernels.Binary;
import dev.pare.tensor.kernels.BinaryKernels;
import dev.pare.tensor.kernels.ReduceKernels;
import dev.pare.tensor.kernels.Unary;
import dev.pare.tensor.kernels.UnaryKernels;
import java.util.Arrays;

/**
 * The in-place updates behind {@code copyFrom}, {@code fill} and the {@code *InPlace} methods:
 * the destination keeps its storage and layout, the source is broadcast to its shape. Nothing
 * here is recorded for autograd; {@link Tensor} checks that before calling.
 */
final class InPlace {
    private InPlace() {}

    static void copy(Tensor dst, Tensor src) {
        // Sharing storage, the two may overlap, and a strided forward copy would read values it
        // has already overwritten: copy the source out first.
        Tensor from = dst.data == src.data && src.data.length > 0
                ? new Tensor(src.toArray(), src.shape.clone(), Shape.contiguousStrides(src.shape), 0) : src;
        int[] ss = Shape.broadcastStrides("copyFrom", from.shape, from.strides, dst.shape);
        Strided.forEachRun(dst.shape, new int[][] {dst.strides, ss}, new int[] {dst.offset, from.offset},
                (n, off, st) -> {
                    if (st[0] == 1 && st[1] == 1) {
                        System.arraycopy(from.data, off[1], dst.data, off[0], n);
                    } else {
                        for (int i = 0; i < n; i++) {
                            dst.data[off[0] + i * st[0]] = from.data[off[1] + i * st[1]];
                        }
                    }
                });
    }

    static void fill(Tensor dst, float value) {
        Strided.forEachRun(dst.shape, new int[][] {dst.strides}, new int[] {dst.offset}, (n, off, st) -> {
            if (st[0] == 1) {
                Arrays.fill(dst.data, off[0], off[0] + n, value);
            } else {
                for (int i = 0; i < n; i++) {
                    dst.data[off[0] + i * st[0]] = value;
                }
            }
        });
    }

    static void unary(Tensor dst, Unary op, float p, float q) {
        Strided.forEachRun(dst.shape, new int[][] {dst.strides}, new int[] {dst.offset},
                (n, off, st) -> UnaryKernels.apply(op, p, q, dst.data, off[0], st[0], dst.data, off[0], st[0], n));
    }

    static void binary(Tensor dst, Binary op, Tensor other) {
        int[] os = Shape.broadcastStrides(op.name().toLowerCase() + "InPlace", other.shape, other.strides, dst.shape);
        Strided.forEachRun(dst.shape, new int[][] {dst.strides, os}, new int[] {dst.offset, other.offset},
                (n, off, st) -> BinaryKernels.apply(op, dst.data, off[0], st[0], other.data, off[1], st[1],
                        dst.data, off[0], st[0], n));
    }

    /** dst += alpha · x. */
    static void axpy(Tensor dst, float alpha, Tensor x) {
        int[] xs = Shape.broadcastStrides("addInPlace", x.shape, x.strides, dst.shape);
        Strided.forEachRun(dst.shape, new int[][] {dst.strides, xs}, new int[] {dst.offset, x.offset},
                (n, off, st) -> ReduceKernels.axpy(alpha, x.data, off[1], st[1], dst.data, off[0], st[0], n));
    }
}
