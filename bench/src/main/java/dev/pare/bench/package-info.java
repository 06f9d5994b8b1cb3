/**
 * JMH benchmarks for Pare. Nothing depends on this package; it measures the others.
 *
 * <p>Build once with {@code mvn -q -pl bench -am package -DskipTests}, then run a benchmark by
 * name, e.g. {@code java -jar bench/target/benchmarks.jar GemmBenchmark}. Each benchmark class
 * says in its Javadoc what it measures and how long it takes. Start with {@link
 * dev.pare.bench.GemmBenchmark}.
 */
package dev.pare.bench;
