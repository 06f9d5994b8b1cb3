/**
 * JMH benchmarks for Pare. Nothing depends on this package; it measures the others.
 *
 * <p>Build once with {@code mvn -q -pl bench -am package -DskipTests}, then run a benchmark by
 * name, e.g. {@code java -jar bench/target/benchmarks.jar GemmBenchmark}. Each benchmark class
 * says in its Javadoc what it measures and how long it takes. Start with {@link
 * dev.pare.bench.GemmBenchmark}.
 *
 * <p>A few classes are plain {@code main} programs rather than JMH benchmarks, for questions a JMH
 * mean answers badly on a shared machine: {@link dev.pare.bench.CnnStepTimes} (the distribution of
 * a CNN's training steps, to compare two builds), {@link dev.pare.bench.CnnLayerProfile} (a step's
 * time per layer), {@link dev.pare.bench.TransposedBCost} (what packing a transposed B costs
 * the GEMM), {@link dev.pare.bench.GemmTimeline} (whether the machine is quiet: one product's
 * speed, slice by slice, in one JVM) and {@link dev.pare.bench.CoreToCore} (how far apart the
 * two threads' cores are: a cache line's round trip between them). {@link dev.pare.bench.PeerInfo}
 * tells the peer scripts in {@code bench/peers} about this machine.
 */
package dev.pare.bench;
