package dev.pare.nn.loss;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the PyTorch golden values in {@code fixtures/loss_optim_fixtures.txt}, written by
 * {@code make_loss_optim_fixtures.py} beside it: one "key v1 v2 ..." entry per line.
 */
public final class Fixtures {
    private static final Map<String, double[]> VALUES = load();

    private Fixtures() {}

    private static Map<String, double[]> load() {
        String resource = "/fixtures/loss_optim_fixtures.txt";
        Map<String, double[]> map = new HashMap<>();
        try (InputStream in = Fixtures.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.trim().split(" ");
                double[] v = new double[parts.length - 1];
                for (int i = 1; i < parts.length; i++) {
                    v[i - 1] = Double.parseDouble(parts[i]);
                }
                map.put(parts[0], v);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return map;
    }

    /** The values of {@code key}, in double precision as written. */
    public static double[] doubles(String key) {
        double[] v = VALUES.get(key);
        if (v == null) {
            throw new IllegalArgumentException("no fixture named " + key);
        }
        return v.clone();
    }

    /** The values of {@code key} rounded to float, as PyTorch's float32 tensors held them. */
    public static float[] floats(String key) {
        double[] d = doubles(key);
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
