package dev.pare.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.pare.tensor.Rng;
import dev.pare.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Pooling layers against direct loops over each window, written here from the definition. */
class PoolingTest {

    @ParameterizedTest(name = "k={0} s={1} p={2} on {3}x{4}")
    @CsvSource({"2,2,0,8,8", "2,2,0,7,9", "3,2,1,7,6", "3,1,1,5,5", "3,3,0,9,10", "1,1,0,3,4", "4,2,2,6,7"})
    void maxAndAvgMatchDirectWindows(int k, int s, int p, int h, int w) {
        Rng rng = new Rng(k * 100 + s * 10 + p);
        Tensor x = Tensor.randn(rng, 2, 3, h, w);
        float[] xv = x.toArray();
        int oh = (h + 2 * p - k) / s + 1;
        int ow = (w + 2 * p - k) / s + 1;
        float[] max = new MaxPool2d(k, s, p).forward(x).toArray();
        float[] avg = new AvgPool2d(k, s, p).forward(x).toArray();
        assertEquals(6 * oh * ow, max.length);
        int o = 0;
        for (int plane = 0; plane < 6; plane++) {
            for (int y = 0; y < oh; y++) {
                for (int xx = 0; xx < ow; xx++, o++) {
                    float best = Float.NEGATIVE_INFINITY;
                    double sum = 0;
                    for (int i = 0; i < k; i++) {
                        for (int j = 0; j < k; j++) {
                            int ih = y * s - p + i;
                            int iw = xx * s - p + j;
                            if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                                float v = xv[(plane * h + ih) * w + iw];
                                best = Math.max(best, v);
                                sum += v;
                            }
                        }
                    }
                    assertEquals(best, max[o], 0f, "max at " + o);
                    assertEquals(sum / (k * k), avg[o], 1e-6, "avg at " + o);
                }
            }
        }
    }

    @Test
    void maxPoolTieSendsTheGradientToTheFirstMaximum() {
        Tensor x = Tensor.ones(1, 1, 2, 2).requiresGrad(true);
        new MaxPool2d(2).forward(x).sum().backward();
        assertArrayEquals(new float[] {1, 0, 0, 0}, x.grad().toArray());
    }

    @Test
    void maxPoolPropagatesNaN() {
        Tensor x = Tensor.fromArray(new float[] {1, Float.NaN, 3, 2}, 1, 1, 2, 2);
        assertEquals(Float.NaN, new MaxPool2d(2).forward(x).item());
    }

    @Test
    void globalAvgPoolKeepsPyTorchsShape() {
        Tensor x = Tensor.arange(24).reshape(1, 2, 3, 4);
        Tensor y = new GlobalAvgPool2d().forward(x);
        assertArrayEquals(new int[] {1, 2, 1, 1}, y.shape());
        assertArrayEquals(new float[] {5.5f, 17.5f}, y.toArray());
    }

    @Test
    void flattenKeepsTheBatchDimension() {
        assertArrayEquals(new int[] {32, 3136}, new Flatten().forward(Tensor.zeros(32, 64, 7, 7)).shape());
        assertArrayEquals(new int[] {2, 12, 5}, new Flatten(1, 2).forward(Tensor.zeros(2, 3, 4, 5)).shape());
    }

    @Test
    void badInputsNameTheLayerAndShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MaxPool2d(2).forward(Tensor.zeros(3, 28, 28)));
        assertEquals("MaxPool2d(kernel_size=2, stride=2, padding=0): input of shape [3, 28, 28]: expected 4 dimensions "
                + "[N, C, H, W]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new AvgPool2d(5).forward(Tensor.zeros(1, 1, 4, 4)));
        assertEquals("AvgPool2d(kernel_size=5, stride=5, padding=0): input of shape [1, 1, 4, 4]: spatial size 4x4 plus "
                + "padding 0 is smaller than the window 5x5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Flatten(2, 5).forward(Tensor.zeros(2, 3)));
        assertEquals("Flatten(start_dim=2, end_dim=5): input of shape [2, 3]: dimensions 2 to 5 do not exist in a 2-D "
                + "tensor", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(2, 2, 2));
        e = assertThrows(IllegalArgumentException.class, () -> new GlobalAvgPool2d().forward(Tensor.zeros(2, 3, 0, 4)));
        assertEquals("GlobalAvgPool2d: input of shape [2, 3, 0, 4] has no pixels to average", e.getMessage());
    }
}
