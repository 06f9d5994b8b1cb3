package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.pare.tensor.GradMode;
import dev.pare.tensor.Tensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the golden tensors made by {@code fixtures/make_layer_fixtures.py} and
 * {@code fixtures/make_transformer_fixtures.py} (PyTorch): one tensor
 * per line, {@code name shape values...}, with {@code -} as the shape of a 0-d tensor.
 */
public final class Fixtures {
    private final Map<String, Tensor> tensors = new HashMap<>();

    private Fixtures(Map<String, Tensor> t) {
        tensors.putAll(t);
    }

    public static Fixtures load(String resource) {
        Map<String, Tensor> map = new HashMap<>();
        try (InputStream in = Fixtures.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("fixture " + resource + " not found on the test class path");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.trim().split(" ");
                int[] shape = parts[1].equals("-") ? new int[0]
                        : java.util.Arrays.stream(parts[1].split(",")).mapToInt(Integer::parseInt).toArray();
                float[] values = new float[parts.length - 2];
                for (int i = 0; i < values.length; i++) {
                    values[i] = Float.parseFloat(parts[i + 2]);
                }
                map.put(parts[0], Tensor.fromArray(values, shape));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Fixtures(map);
    }

    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no fixture tensor " + name);
        }
        return t;
    }

    /** Copies fixture {@code name} into {@code target} (a parameter), outside autograd. */
    @SuppressWarnings("try") // the scope is used only for closing
    public void copyInto(String name, Tensor target) {
        try (GradMode.Scope ignored = Tensor.noGrad()) {
            target.copyFrom(get(name));
        }
    }

    /** Same shape, and every element within {@code atol + rtol·|expected|}. */
    public void assertMatches(String name, Tensor actual, double atol, double rtol) {
        Tensor expected = get(name);
        assertArrayEquals(expected.shape(), actual.shape(), name + ": shape");
        float[] e = expected.toArray();
        float[] a = actual.toArray();
        for (int i = 0; i < e.length; i++) {
            if (!(Math.abs(e[i] - a[i]) <= atol + rtol * Math.abs(e[i]))) {
                fail(name + ": element " + i + ": PyTorch " + e[i] + ", Pare " + a[i]);
            }
        }
    }

    public void assertMatches(String name, Tensor actual) {
        assertMatches(name, actual, 1e-5, 1e-4);
    }
}
