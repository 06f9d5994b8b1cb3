/**
 * The single place that decides how many threads Pare's kernels use and how a loop is split
 * among them: {@link dev.pare.tensor.parallel.Parallel}. Work is split over output elements
 * only, never inside a sum, so results are bit-identical for any thread count. The threads
 * themselves are a small {@link dev.pare.tensor.parallel.WorkerPool} whose idle workers poll
 * for a short while before they sleep, because a training step hands them work every few tens
 * of microseconds.
 */
package dev.pare.tensor.parallel;
