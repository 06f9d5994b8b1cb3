package dev.pare.bench;

import dev.pare.nn.io.Checkpoint;
import dev.pare.nn.io.SafeTensors;
import dev.pare.nn.io.SafeTensors.Checksums;
import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What verifying the CRC32C checksums costs when loading a checkpoint of about 100 MB.
 *
 * <p>The same file is read with {@link Checksums#ON} (each tensor's bytes checksummed as they
 * are read) and {@link Checksums#OFF}. The file is read again and again, so it is in the page
 * cache: the load is then bound by copying and decoding, the case where a checksum's cost shows
 * most (from a cold disk it would be hidden behind the disk). The tensors are F32, 24 of them of
 * 4 MiB each, like the layers of a mid-sized model.
 *
 * <pre>
 * mvn -o -q -pl bench -am package -DskipTests
 * java -jar bench/target/benchmarks.jar ChecksumLoadBenchmark
 * java -jar bench/target/benchmarks.jar ChecksumLoadBenchmark -prof gc   # bytes allocated per load
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 10, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class ChecksumLoadBenchmark {
    /** 24 tensors of 2^20 floats: 100,663,296 bytes of data. */
    static final int TENSORS = 24;
    static final int FLOATS_PER_TENSOR = 1 << 20;

    Path dir;
    Path file;

    @Setup(Level.Trial)
    public void write() throws IOException {
        dir = Files.createTempDirectory("pare-crc-bench");
        file = dir.resolve("model.safetensors");
        Rng rng = new Rng(16);
        Checkpoint c = new Checkpoint();
        for (int i = 0; i < TENSORS; i++) {
            c.put("layer" + i + ".weight", Tensor.randn(rng, 1024, FLOATS_PER_TENSOR / 1024));
        }
        SafeTensors.write(file, c); // with checksums; OFF below only skips checking them
    }

    @TearDown(Level.Trial)
    public void delete() throws IOException {
        Files.deleteIfExists(file);
        Files.deleteIfExists(dir);
    }

    /** Load and verify every tensor's CRC32C. */
    @Benchmark
    public Checkpoint loadVerified() throws IOException {
        return SafeTensors.read(file, Checksums.ON);
    }

    /** Load without verifying. */
    @Benchmark
    public Checkpoint loadUnverified() throws IOException {
        return SafeTensors.read(file, Checksums.OFF);
    }
}
