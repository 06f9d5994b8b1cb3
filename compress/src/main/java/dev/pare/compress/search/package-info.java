/**
 * Hardware-aware architecture search: search spaces described as data, latency measured and
 * predicted on Pare's own kernels, and search strategies that trade accuracy against latency and
 * bytes.
 *
 * <p>Start with {@link dev.pare.compress.search.Architecture} (what a candidate is) and
 * {@link dev.pare.compress.search.LatencyUnit} (the pieces a latency table times); docs/search.md
 * walks through the whole search.
 */
package dev.pare.compress.search;
