package dev.pare.tensor;

import java.util.Locale;

/**
 * PyTorch-like text for tensors: {@code tensor([[1.0000, 2.0000], [3.0000, 4.0000]])}.
 * All numbers share one format: fixed with 4 decimals, or scientific when the magnitudes are
 * very large or very small. Tensors over 1,000 elements show only the first and last 3 entries
 * of every dimension, with {@code ...} between.
 */
final class TensorFormat {
    private static final int SUMMARIZE_OVER = 1000;
    private static final int EDGE = 3;

    private TensorFormat() {}

    static String format(Tensor t) {
        boolean summarize = t.numel() > SUMMARIZE_OVER;
        boolean scientific = needsScientific(t);
        StringBuilder sb = new StringBuilder("tensor(");
        if (t.dim() == 0) {
            sb.append(number(t.item(), scientific));
        } else {
            appendDim(sb, t, 0, t.offset, summarize, scientific, "tensor(".length());
        }
        if (t.numel() == 0) {
            sb.append(", shape=").append(Shape.str(t.shape));
        }
        if (t.gradFnName() != null) {
            sb.append(", gradFn=").append(t.gradFnName());
        } else if (t.requiresGrad()) {
            sb.append(", requiresGrad=true");
        }
        return sb.append(')').toString();
    }

    private static boolean needsScientific(Tensor t) {
        float maxAbs = 0f;
        float minAbs = Float.POSITIVE_INFINITY;
        float[] values = t.toArray();
        for (float v : values) {
            if (Float.isFinite(v)) {
                float a = Math.abs(v);
                maxAbs = Math.max(maxAbs, a);
                if (a > 0) {
                    minAbs = Math.min(minAbs, a);
                }
            }
        }
        return maxAbs >= 1e4f || (minAbs < 1e-4f && minAbs > 0f);
    }

    private static String number(float v, boolean scientific) {
        if (Float.isNaN(v)) {
            return "nan";
        }
        if (Float.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        return String.format(Locale.ROOT, scientific ? "%.4e" : "%.4f", v);
    }

    private static void appendDim(StringBuilder sb, Tensor t, int d, int pos, boolean summarize,
                                  boolean scientific, int indent) {
        int n = t.shape[d];
        sb.append('[');
        boolean last = d == t.dim() - 1;
        for (int i = 0; i < n; i++) {
            if (summarize && n > 2 * EDGE && i == EDGE) {
                sb.append(last ? "..., " : "...,\n" + " ".repeat(indent + d + 1));
                i = n - EDGE;
            }
            int p = pos + i * t.strides[d];
            if (last) {
                sb.append(number(t.data[p], scientific));
            } else {
                appendDim(sb, t, d + 1, p, summarize, scientific, indent);
            }
            if (i < n - 1) {
                sb.append(last ? ", " : ",\n" + " ".repeat(indent + d + 1));
            }
        }
        sb.append(']');
    }
}
