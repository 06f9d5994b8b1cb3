/**
 * The single place that decides how many threads Pare's kernels use and how a loop is split
 * among them: {@link dev.pare.tensor.parallel.Parallel}. Work is split over output elements
 * only, never inside a sum, so results are bit-identical for any thread count.
 */
package dev.pare.tensor.parallel;
