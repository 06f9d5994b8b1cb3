/**
 * Hardware-aware architecture search: search spaces described as data, latency measured and
 * predicted on Pare's own kernels, and search strategies that trade accuracy against latency and
 * bytes.
 *
 * <p>In reading order:
 * <ol>
 *   <li>{@link dev.pare.compress.search.Architecture} (what a candidate is) and
 *       {@link dev.pare.compress.search.LatencyUnit} (the pieces a latency table times);</li>
 *   <li>the spaces: {@link dev.pare.compress.search.SearchSpace},
 *       {@link dev.pare.compress.search.MobileNetSpace} (inverted-residual blocks, built from
 *       {@link dev.pare.nn.InvertedResidual}) and {@link dev.pare.compress.search.MlpSpace};</li>
 *   <li>what a candidate is worth: {@link dev.pare.compress.search.Evaluator} (low-fidelity
 *       training, {@link dev.pare.compress.search.TrainingEvaluator}),
 *       {@link dev.pare.compress.search.LatencyModel} (the latency table of the {@code latency}
 *       subpackage, or {@link dev.pare.compress.search.MultiplyAddLatency}, a multiply-add proxy fitted
 *       to such a table), and
 *       {@link dev.pare.compress.search.Objective};</li>
 *   <li>the strategies: {@link dev.pare.compress.search.RandomSearch},
 *       {@link dev.pare.compress.search.AgingEvolution},
 *       {@link dev.pare.compress.search.SuccessiveHalving}, which see the search through
 *       {@link dev.pare.compress.search.SearchContext};</li>
 *   <li>the loop: {@link dev.pare.compress.search.Search}, its {@link dev.pare.compress.search.Budget},
 *       its {@link dev.pare.compress.search.SearchState} file, and its results:
 *       {@link dev.pare.compress.search.Trial}, {@link dev.pare.compress.search.SearchFrontier},
 *       {@link dev.pare.compress.search.Hypervolume}.</li>
 * </ol>
 * docs/search.md walks through the whole search.
 */
package dev.pare.compress.search;
