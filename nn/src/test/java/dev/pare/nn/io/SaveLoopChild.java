package dev.pare.nn.io;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The child process of {@link AtomicSaveKillTest}: a writer that the test kills with SIGKILL.
 *
 * <ul>
 *   <li>{@code loop <target> <first>}: saves {@link #content content} {@code first}, then the
 *       other one, and so on forever, printing {@code saved <k>} after the k-th save is complete;</li>
 *   <li>{@code once <target>}: saves content 0 once and exits;</li>
 *   <li>{@code hold <target>}: starts a save, writes a few bytes of it, prints {@code holding} and
 *       then waits inside the save until it is killed: a live writer whose temporary file no
 *       other process may remove.</li>
 * </ul>
 */
public final class SaveLoopChild {
    /** Two tensors of 2^19 floats: a 4 MiB model, big enough for a save to take a while. */
    static final int FLOATS = 1 << 19;

    private SaveLoopChild() {}

    /** Content 0 or 1: the same names and shapes, different values (seeds 100 and 101). */
    static Map<String, Tensor> content(int which) {
        Rng rng = new Rng(100 + which);
        Map<String, Tensor> sd = new LinkedHashMap<>();
        sd.put("fc1.weight", Tensor.randn(rng, 1024, FLOATS / 1024));
        sd.put("fc2.weight", Tensor.randn(rng, FLOATS / 512, 512));
        return sd;
    }

    @SuppressWarnings("unchecked") // an array of two maps
    public static void main(String[] args) throws Exception {
        Path target = Path.of(args[1]);
        switch (args[0]) {
            case "loop": {
                int which = Integer.parseInt(args[2]);
                Map<String, Tensor>[] contents = new Map[] {content(0), content(1)};
                for (long k = 1; ; k++) {
                    SafeTensors.save(target, contents[which]);
                    System.out.println("saved " + k);
                    System.out.flush();
                    which ^= 1;
                }
            }
            case "once":
                SafeTensors.save(target, content(0));
                System.out.println("saved 1");
                return;
            case "hold":
                AtomicFiles.write(target, ch -> {
                    ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                    System.out.println("holding");
                    System.out.flush();
                    try {
                        Thread.sleep(Long.MAX_VALUE);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                return;
            default:
                throw new IllegalArgumentException("SaveLoopChild: unknown mode \"" + args[0] + "\"");
        }
    }
}
