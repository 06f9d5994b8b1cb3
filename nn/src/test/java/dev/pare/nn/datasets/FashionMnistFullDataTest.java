package dev.pare.nn.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.pare.nn.data.TensorDataset;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * Checks against the full data set where Debian's package has installed it (skipped, and says
 * so, where it has not): the sizes, and that {@link FashionMnist#MEAN} and {@link FashionMnist#STD}
 * are the statistics of the training pixels.
 */
class FashionMnistFullDataTest {
    @Test
    void fullTrainingSetHasTheQuotedMeanAndStd() throws IOException {
        assumeTrue(Files.isDirectory(FashionMnistLocator.SYSTEM_DIRECTORY), "Fashion-MNIST is not installed in "
                + FashionMnistLocator.SYSTEM_DIRECTORY);
        FashionMnist data = FashionMnist.load(FashionMnistLocator.SYSTEM_DIRECTORY);
        TensorDataset train = data.train();
        assertEquals(60_000, train.size());
        assertEquals(10_000, data.test().size());
        // Double sums: 47 million float additions would drift in the 4th digit.
        double sum = 0;
        double sumSq = 0;
        for (float v : train.inputs().storage()) {
            sum += v;
            sumSq += (double) v * v;
        }
        long n = train.inputs().numel();
        double mean = sum / n;
        double std = Math.sqrt(sumSq / n - mean * mean);
        assertEquals(FashionMnist.MEAN, mean, 5e-5);
        assertEquals(FashionMnist.STD, std, 5e-5);
    }
}
