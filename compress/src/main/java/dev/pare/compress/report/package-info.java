/**
 * The compression trade-off report: what each variant of a model costs (bytes, latency) and
 * what it keeps (accuracy), side by side and as ratios to the baseline.
 *
 * <p>Read {@link dev.pare.compress.report.VariantResult} (one row) and
 * {@link dev.pare.compress.report.LatencyStats} (how latency is measured: median and p90 after a
 * warm-up), then {@link dev.pare.compress.report.TradeOffReport} (ratios, table, CSV, Markdown)
 * and {@link dev.pare.compress.report.ParetoFrontier} (which variants are worth choosing). The
 * {@code pipeline} sample builds the variants and draws the chart; docs/trade-offs.md explains
 * the results.
 *
 * <p>Guarantees: accuracy, parameters, non-zeros and bytes are deterministic for a seed; times
 * are measurements of the machine they ran on, comparable within one run.
 */
package dev.pare.compress.report;
