package dev.pare.compress.prune;

import dev.pare.nn.Conv2d;
import dev.pare.nn.Linear;
import dev.pare.nn.Module;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * Per-layer and total sparsity of a model's weights: parameters, non-zeros, sparsity, and bytes
 * dense (4 per weight) against sparse.
 *
 * <p>"Sparse bytes" is what the layer's weight costs in the form it would be stored in: a
 * {@link SparseLinear}'s actual arrays; for a dense or masked {@link Linear}/{@link Conv2d}, the
 * CSR it would become (4 bytes per non-zero value, 2 per column index, 4 per row pointer; 4 per
 * index above 32,768 columns, a Conv2d's weight read as [out, in·k·k]). Biases are not counted:
 * they stay dense either way.
 */
public final class SparsityReport {
    /** One layer's figures. */
    public record Row(String layer, String kind, long parameters, long nonZeros, long denseBytes, long sparseBytes) {
        /** Fraction of the parameters that are zero. */
        public double sparsity() {
            return parameters == 0 ? 0 : 1 - (double) nonZeros / parameters;
        }
    }

    private final List<Row> rows;

    private SparsityReport(List<Row> rows) {
        this.rows = Collections.unmodifiableList(rows);
    }

    /** The report of every Linear, Conv2d and SparseLinear weight in {@code model}, in module order. */
    public static SparsityReport of(Module model) {
        List<Row> rows = new ArrayList<>();
        model.namedModules().forEach((path, m) -> {
            if (m instanceof SparseLinear) {
                SparseLinear s = (SparseLinear) m;
                long params = (long) s.inFeatures() * s.outFeatures();
                long nnz = countNonZeros(s.denseWeight().toArray());
                rows.add(new Row(path, "SparseLinear/" + s.format().fileName(), params, nnz, 4 * params, s.weightBytes()));
            } else if (m instanceof Linear || m instanceof Conv2d) {
                float[] w = Mask.effective(m, "weight").toArray();
                int outRows = Mask.stored(m, "weight").size(0);
                int cols = w.length / outRows;
                long nnz = countNonZeros(w);
                long indexBytes = cols <= 32768 ? 2 : 4;
                long sparse = nnz * (4 + indexBytes) + 4L * (outRows + 1);
                String kind = m.getClass().getSimpleName() + (Mask.isMasked(m, "weight") ? " (masked)" : "");
                rows.add(new Row(path, kind, w.length, nnz, 4L * w.length, sparse));
            }
        });
        return new SparsityReport(rows);
    }

    private static long countNonZeros(float[] w) {
        long n = 0;
        for (float v : w) {
            if (v != 0f) {
                n++;
            }
        }
        return n;
    }

    public List<Row> rows() {
        return rows;
    }

    /** The sum over all layers. */
    public Row total() {
        long p = 0, nz = 0, d = 0, s = 0;
        for (Row r : rows) {
            p += r.parameters();
            nz += r.nonZeros();
            d += r.denseBytes();
            s += r.sparseBytes();
        }
        return new Row("total", "", p, nz, d, s);
    }

    /** The table, one line per layer and a total. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        String fmt = "%-10s %-22s %12s %12s %9s %13s %13s%n";
        sb.append(String.format(Locale.ROOT, fmt, "layer", "kind", "parameters", "non-zeros", "sparsity", "dense bytes",
                "sparse bytes"));
        List<Row> all = new ArrayList<>(rows);
        all.add(total());
        for (Row r : all) {
            sb.append(String.format(Locale.ROOT, "%-10s %-22s %,12d %,12d %8.2f%% %,13d %,13d%n", r.layer(), r.kind(),
                    r.parameters(), r.nonZeros(), 100 * r.sparsity(), r.denseBytes(), r.sparseBytes()));
        }
        return sb.toString();
    }
}
