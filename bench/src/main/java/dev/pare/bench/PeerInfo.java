package dev.pare.bench;

import dev.pare.samples.FashionModels;
import dev.pare.tensor.Rng;
import dev.pare.tensor.kernels.VectorConfig;

/**
 * Prints what the peer scripts in {@code bench/peers} need to know about Pare on this machine, as
 * {@code key=value} lines: the float vector width its kernels run at (e.g. {@code 512-bit (16 floats)}),
 * the JDK it runs on (the Vector API compiles differently from one JDK to the next), and the parameter
 * counts of the two CNNs, which their PyTorch twins must match.
 *
 * <p>Run it with the benchmarks' JVM flags ({@code --add-modules jdk.incubator.vector}, plus
 * {@code -Dpare.vector.bits=256} when they force a width): the width is fixed once per JVM from
 * them, so a JVM started without the flag would report a different width than the one measured.
 */
public final class PeerInfo {
    private PeerInfo() {}

    public static void main(String[] args) {
        System.out.println("vector=" + VectorConfig.describe());
        System.out.println("java=JDK " + System.getProperty("java.version"));
        System.out.println("smallCnn.params=" + FashionModels.smallCnn(new Rng(0)).numParameters());
        System.out.println("mobilenet.params=" + FashionModels.mobileNet(new Rng(0)).numParameters());
    }
}
