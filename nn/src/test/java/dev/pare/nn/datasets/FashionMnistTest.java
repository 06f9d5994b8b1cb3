package dev.pare.nn.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pare.nn.data.TensorDataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bundled subset, checked against figures computed with NumPy from the official files
 * (see tools/make_fashion_mnist_subset.py), not against Pare's own reading of them.
 */
class FashionMnistTest {
    private static TensorDataset train;
    private static TensorDataset test;
    private static FashionMnist subset;

    /** Nothing but the subset: no directories, no environment, no download. */
    static FashionMnistLocator subsetOnly(Path nowhere) {
        return FashionMnistLocator.defaults()
                .environment(Map.of())
                .cacheDirectory(nowhere.resolve("cache"))
                .systemDirectory(nowhere.resolve("system"))
                .download(false);
    }

    @BeforeAll
    static void loadSubset(@org.junit.jupiter.api.io.TempDir Path nowhere) throws IOException {
        subset = subsetOnly(nowhere).locate();
        train = subset.train();
        test = subset.test();
    }

    @Test
    void subsetIsUsedWhenNothingElseIsThere() {
        assertEquals(FashionMnist.Source.BUNDLED_SUBSET, subset.source());
        assertTrue(subset.isSubset());
        assertEquals(10_000, train.size());
        assertEquals(2_000, test.size());
        assertArrayEquals(new int[] {1, 28, 28}, train.inputShape());
    }

    @Test
    void subsetLabelsMatchTheOfficialFiles() {
        assertArrayEquals(new int[] {9, 0, 0, 3, 0, 2, 7, 2, 5, 5}, java.util.Arrays.copyOf(train.labels(), 10));
        assertArrayEquals(new int[] {9, 2, 1, 1, 6, 1, 4, 6, 5, 7}, java.util.Arrays.copyOf(test.labels(), 10));
        assertArrayEquals(new int[] {942, 1027, 1016, 1019, 974, 989, 1021, 1022, 990, 1000}, countPerClass(train.labels()));
        assertArrayEquals(new int[] {200, 203, 214, 190, 219, 195, 197, 200, 194, 188}, countPerClass(test.labels()));
    }

    @Test
    void pixelsAreTheOfficialBytesDividedBy255() {
        assertEquals(76247, Math.round(pixelSum(train, 0) * 255));
        assertEquals(79936, Math.round(pixelSum(train, 9_999) * 255));
        assertEquals(59629, Math.round(pixelSum(test, 1_999) * 255));
        int[] row14 = {0, 0, 1, 4, 6, 7, 2, 0, 0, 0, 0, 0, 237, 226, 217, 223, 222, 219, 222, 221, 216, 223, 229, 215,
            218, 255, 77, 0};
        for (int x = 0; x < 28; x++) {
            assertEquals(row14[x] / 255f, train.get(0).input().get(0, 14, x), "pixel (14, " + x + ")");
        }
    }

    @Test
    void normalisedPixelsSubtractTheMeanAndDivideByTheStd() throws IOException {
        TensorDataset n = subset.train(true);
        assertEquals((237 / 255f - 0.2860f) / 0.3530f, n.get(0).input().get(0, 14, 12), 1e-6f);
        assertEquals((0f - 0.2860f) / 0.3530f, n.get(0).input().get(0, 0, 0), 1e-6f);
    }

    @Test
    void classNamesFollowTheLabels() {
        assertEquals(10, FashionMnist.CLASS_NAMES.size());
        assertEquals("T-shirt/top", FashionMnist.CLASS_NAMES.get(0));
        assertEquals("Ankle boot", FashionMnist.CLASS_NAMES.get(9));
    }

    @Test
    void subsetNoticeIsOneLineThatSaysHowToGetTheFullSet() {
        String notice = FashionMnistLocator.subsetNotice(List.of("/a", "/b"));
        assertFalse(notice.contains("\n"));
        assertTrue(notice.contains("bundled subset (10,000 training and 2,000 test images)"), notice);
        assertTrue(notice.contains("/a, /b") && notice.contains("PARE_DATA"), notice);
    }

    @Test
    void licenceNoticeTravelsWithTheSubset() throws IOException {
        try (var in = FashionMnist.class.getResourceAsStream(FashionMnistLocator.SUBSET_RESOURCE + "LICENSE.txt")) {
            String text = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(text.contains("Copyright (c) 2017 Zalando SE"));
            assertTrue(text.contains("Permission is hereby granted, free of charge"));
        }
    }

    @Test
    void explicitDirectoryWithoutTheFilesIsAnErrorNotAFallback(@org.junit.jupiter.api.io.TempDir Path empty) {
        IOException e = assertThrows(IOException.class, () -> FashionMnist.load(empty));
        assertEquals("Fashion-MNIST: directory " + empty + " lacks [train-images-idx3-ubyte, train-labels-idx1-ubyte,"
                + " t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte] (each may be gzipped, with .gz)", e.getMessage());
    }

    private static int[] countPerClass(int[] labels) {
        int[] c = new int[10];
        for (int y : labels) {
            c[y]++;
        }
        return c;
    }

    private static double pixelSum(TensorDataset d, int i) {
        double s = 0;
        for (float v : d.get(i).input().toArray()) {
            s += v;
        }
        return s;
    }
}
