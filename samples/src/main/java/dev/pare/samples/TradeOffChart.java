package dev.pare.samples;

import dev.pare.compress.report.TradeOffReport;
import dev.pare.compress.report.VariantResult;
import dev.pare.nn.io.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.awt.geom.Ellipse2D;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.XYItemLabelGenerator;
import org.jfree.chart.plot.CombinedRangeXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

/**
 * Draws a {@link TradeOffReport} as two panels sharing the accuracy axis: accuracy against file
 * bytes (log scale) and accuracy against batch-1 latency (log scale). Every variant is a labelled
 * point; the Pareto frontier of each panel is the line through the variants no other beats on
 * both axes. Written as PNG and SVG with JFreeChart (and JFreeSVG).
 */
final class TradeOffChart {
    static final int WIDTH = 1400;
    static final int HEIGHT = 640;

    private TradeOffChart() {}

    /** The chart of {@code report}, titled {@code title}. */
    static JFreeChart chart(TradeOffReport report, String title) {
        NumberAxis accuracy = new NumberAxis("test accuracy (%)");
        accuracy.setAutoRangeIncludesZero(false);
        CombinedRangeXYPlot plot = new CombinedRangeXYPlot(accuracy);
        plot.setGap(24);
        plot.add(panel(report, "file bytes (log scale)", r -> r.fileBytes(), report.bytesFrontier()), 1);
        plot.add(panel(report, "batch-1 latency, median µs (log scale)", r -> r.batch1().medianMicros(),
                report.latencyFrontier()), 1);
        // One legend for both panels (the combined plot would list each panel's series again).
        XYPlot first = plot.getSubplots().get(0);
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, false);
        LegendTitle legend = new LegendTitle(first);
        legend.setPosition(RectangleEdge.BOTTOM);
        chart.addSubtitle(legend);
        chart.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    private static XYPlot panel(TradeOffReport report, String xLabel, ToDoubleFunction<VariantResult> x,
                                boolean[] frontier) {
        List<VariantResult> rows = report.rows();
        XYSeries points = new XYSeries("variant", false, true);
        List<VariantResult> onFrontier = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            points.add(x.applyAsDouble(rows.get(i)), 100 * rows.get(i).accuracy());
            if (frontier[i]) {
                onFrontier.add(rows.get(i));
            }
        }
        onFrontier.sort(Comparator.comparingDouble(x));
        XYSeries line = new XYSeries("Pareto frontier", false, true);
        for (VariantResult r : onFrontier) {
            line.add(x.applyAsDouble(r), 100 * r.accuracy());
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(points);
        data.addSeries(line);

        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer();
        renderer.setSeriesLinesVisible(0, false);
        renderer.setSeriesShape(0, new Ellipse2D.Double(-5, -5, 10, 10));
        renderer.setSeriesPaint(0, new Color(0x1f, 0x77, 0xb4));
        renderer.setSeriesShapesVisible(1, false);
        renderer.setSeriesPaint(1, new Color(0xd6, 0x27, 0x28));
        renderer.setSeriesStroke(1, new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND,
                1f, new float[] {6f, 4f}, 0f));
        // Label each point with its variant's name; the series keeps the rows' order (autoSort off).
        XYItemLabelGenerator names = (dataset, series, item) -> series == 0 ? rows.get(item).name() : null;
        renderer.setSeriesItemLabelGenerator(0, names);
        renderer.setSeriesItemLabelsVisible(0, true);
        renderer.setSeriesItemLabelFont(0, new Font(Font.SANS_SERIF, Font.PLAIN, 11));

        LogAxis axis = new LogAxis(xLabel);
        axis.setSmallestValue(1e-3);
        // Ticks fall between powers of 10 (10^4.4 = 25,118.9...): print two significant digits
        // with an SI prefix (25k) instead.
        axis.setNumberFormatOverride(new TwoDigits());
        // Room for the labels of the points at either end.
        axis.setLowerMargin(0.08);
        axis.setUpperMargin(0.08);
        XYPlot plot = new XYPlot(data, axis, null, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return plot;
    }

    /** Two significant digits and an SI prefix: 25,118.9 → "25k", 1,000,000 → "1M", 2.2387 → "2.2". */
    static final class TwoDigits extends NumberFormat {
        private static final long serialVersionUID = 1L;

        @Override
        public StringBuffer format(double v, StringBuffer out, FieldPosition pos) {
            String[] prefixes = {"", "k", "M", "G"};
            int p = 0;
            double x = v;
            while (Math.abs(x) >= 1000 && p < prefixes.length - 1) {
                x /= 1000;
                p++;
            }
            BigDecimal rounded = new BigDecimal(x).round(new MathContext(2));
            if (rounded.abs().compareTo(BigDecimal.valueOf(1000)) >= 0 && p < prefixes.length - 1) {
                rounded = rounded.divide(BigDecimal.valueOf(1000)).round(new MathContext(2)); // 999,999 is 1.0M, not 1000k
                p++;
            }
            return out.append(rounded.stripTrailingZeros().toPlainString()).append(prefixes[p]);
        }

        @Override
        public StringBuffer format(long v, StringBuffer out, FieldPosition pos) {
            return format((double) v, out, pos);
        }

        @Override
        public Number parse(String source, ParsePosition pos) {
            throw new UnsupportedOperationException("TwoDigits only formats axis ticks");
        }
    }

    /** Writes {@code chart.png} and {@code chart.svg} into {@code dir}, each atomically ({@link AtomicFiles}); returns both paths. */
    static List<Path> write(TradeOffReport report, String title, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        JFreeChart chart = chart(report, title);
        Files.createDirectories(dir);
        Path png = dir.resolve("chart.png");
        ByteArrayOutputStream pngBytes = new ByteArrayOutputStream();
        ChartUtils.writeChartAsPNG(pngBytes, chart, WIDTH, HEIGHT);
        AtomicFiles.write(png, pngBytes.toByteArray());
        SVGGraphics2D g = new SVGGraphics2D(WIDTH, HEIGHT);
        chart.draw(g, new Rectangle(0, 0, WIDTH, HEIGHT));
        Path svg = dir.resolve("chart.svg");
        String document = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + g.getSVGElement() + "\n";
        AtomicFiles.write(svg, document.getBytes(StandardCharsets.UTF_8));
        return List.of(png, svg);
    }
}
