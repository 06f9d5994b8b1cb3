/**
 * How long a candidate architecture takes on this machine, measured and predicted.
 *
 * <p>Read in this order:
 * <ol>
 *   <li>{@link dev.pare.compress.search.latency.WarmUp}: why a model must run untimed before it
 *       is timed, and how long is enough;</li>
 *   <li>{@link dev.pare.compress.search.latency.SteadyHeap}: why the JVM's heap must be fixed
 *       and pre-touched while timing;</li>
 *   <li>{@link dev.pare.compress.search.latency.ForwardTimer}: the measured latency of a built
 *       model (or of one {@link dev.pare.compress.search.LatencyUnit}) at batch 1 and batch 256,
 *       as a median and a p90 over repeated calls, on a given thread count;</li>
 *   <li>{@link dev.pare.compress.search.latency.LatencyTable}: the FBNet-style lookup table, one
 *       measured entry per unit signature, which predicts a candidate's latency as a sum without
 *       building the candidate; cached per machine in a file the user can delete
 *       ({@link dev.pare.compress.search.latency.MachineKey},
 *       {@link dev.pare.compress.search.latency.LatencyTableFile});</li>
 *   <li>{@link dev.pare.compress.search.latency.RankCorrelation} and
 *       {@link dev.pare.compress.search.latency.CorrelationReport}: how well the sums rank the
 *       candidates the way measurement does.</li>
 * </ol>
 *
 * <p>A search uses this package through two interfaces:
 * {@link dev.pare.compress.search.latency.LatencyPredictor} (cheap, from the table) and
 * {@link dev.pare.compress.search.latency.LatencyMeter} (honest, from the built model).
 * docs/search.md, section "Latency: measured and predicted", tells the story with figures.
 */
package dev.pare.compress.search.latency;
