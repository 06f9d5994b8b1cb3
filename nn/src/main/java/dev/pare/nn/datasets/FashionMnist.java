package dev.pare.nn.datasets;

import dev.pare.nn.data.TensorDataset;
import dev.pare.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Fashion-MNIST (Xiao, Rasul and Vollgraf, 2017): 28×28 greyscale images of clothing in ten
 * classes, 60,000 for training and 10,000 for testing. A drop-in for MNIST that a linear model
 * cannot solve as easily.
 *
 * <pre>{@code
 * FashionMnist data = FashionMnist.load();          // finds the files, see FashionMnistLocator
 * TensorDataset train = data.train(true);             // [N, 1, 28, 28], normalised
 * String name = FashionMnist.CLASS_NAMES.get(label);  // "Ankle boot" for 9
 * }</pre>
 *
 * <h2>Values</h2>
 * Pixels are bytes 0…255 in the files; {@link #train(boolean)} and {@link #test(boolean)} give
 * {@code p / 255} in [0, 1], or, normalised, {@code (p / 255 − MEAN) / STD}, which gives the
 * training pixels mean 0 and standard deviation 1. Labels are class indices 0…9.
 *
 * <p>Where the data comes from (full set or the bundled 10,000/2,000 subset) is decided by
 * {@link FashionMnistLocator} and reported by {@link #source()}.
 */
public final class FashionMnist {
    /** Class names, indexed by label, as published with the dataset. */
    public static final List<String> CLASS_NAMES = List.of(
            "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** Image height and width in pixels. */
    public static final int SIZE = 28;

    /**
     * Mean of all 47,040,000 pixels of the 60,000 training images, scaled to [0, 1]:
     * 0.286041 (computed with NumPy from the official training file; PyTorch examples quote it
     * rounded as 0.2860). The test images are not used, so that no test information leaks into
     * training.
     */
    public static final float MEAN = 0.2860f;

    /** Population standard deviation of the same pixels: 0.353024, quoted as 0.3530. */
    public static final float STD = 0.3530f;

    /** Where the files were found. */
    public enum Source {
        /** A directory passed to {@link FashionMnistLocator#directory}. */
        EXPLICIT_DIRECTORY,
        /** {@code $PARE_DATA/fashion-mnist}. */
        PARE_DATA,
        /** The user cache, {@code ~/.cache/pare/fashion-mnist}. */
        USER_CACHE,
        /** Debian's {@code /usr/share/datasets/fashion-mnist}. */
        SYSTEM_PACKAGE,
        /** Downloaded just now into the user cache. */
        DOWNLOAD,
        /** The subset bundled in the pare-nn jar: 10,000 training and 2,000 test images. */
        BUNDLED_SUBSET
    }

    static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
    /** The four files, by base name; each may be gzipped ({@code .gz}) or not. */
    static final List<String> FILES = List.of(TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS);

    private final Source source;
    private final String location;
    private final IdxFiles files;

    FashionMnist(Source source, String location, IdxFiles files) {
        this.source = source;
        this.location = location;
        this.files = files;
    }

    /** Finds the data the default way (see {@link FashionMnistLocator}). */
    public static FashionMnist load() throws IOException {
        return FashionMnistLocator.defaults().locate();
    }

    /** The bundled subset (10,000 training and 2,000 test images), whatever else is installed. */
    public static FashionMnist bundledSubset() {
        return FashionMnistLocator.defaults().bundledSubset();
    }

    /** Reads the data from {@code directory}, which must hold the four files. */
    public static FashionMnist load(Path directory) throws IOException {
        return FashionMnistLocator.defaults().directory(directory).locate();
    }

    /** Where the files come from. */
    public Source source() {
        return source;
    }

    /** The directory, or the class-path location of the bundled subset. */
    public String location() {
        return location;
    }

    /** True when only the bundled subset is available. */
    public boolean isSubset() {
        return source == Source.BUNDLED_SUBSET;
    }

    /** The training images as {@code [N, 1, 28, 28]} in [0, 1], with their labels. */
    public TensorDataset train() throws IOException {
        return train(false);
    }

    /** The training images, normalised with {@link #MEAN} and {@link #STD} if asked. */
    public TensorDataset train(boolean normalize) throws IOException {
        return read(TRAIN_IMAGES, TRAIN_LABELS, normalize);
    }

    /** The test images as {@code [N, 1, 28, 28]} in [0, 1], with their labels. */
    public TensorDataset test() throws IOException {
        return test(false);
    }

    /** The test images, normalised with the <em>training</em> statistics if asked. */
    public TensorDataset test(boolean normalize) throws IOException {
        return read(TEST_IMAGES, TEST_LABELS, normalize);
    }

    private TensorDataset read(String imagesName, String labelsName, boolean normalize) throws IOException {
        IdxArray images = files.read(imagesName);
        IdxArray labels = files.read(labelsName);
        int[] d = images.dims();
        if (images.type() != IdxType.UNSIGNED_BYTE || d.length != 3 || d[1] != SIZE || d[2] != SIZE) {
            throw new IdxFormatException(imagesName + " in " + location + ": expected unsigned bytes [N, 28, 28], got "
                    + images.type() + " " + Arrays.toString(d));
        }
        int[] ld = labels.dims();
        if (labels.type() != IdxType.UNSIGNED_BYTE || ld.length != 1 || ld[0] != d[0]) {
            throw new IdxFormatException(labelsName + " in " + location + ": expected " + d[0] + " unsigned-byte labels "
                    + "[" + d[0] + "] to match the images, got " + labels.type() + " " + Arrays.toString(ld));
        }
        int[] y = labels.toInts();
        for (int i = 0; i < y.length; i++) {
            if (y[i] >= CLASS_NAMES.size()) {
                throw new IdxFormatException(labelsName + " in " + location + ": label " + y[i] + " of example " + i
                        + " is not a class (0 to 9)");
            }
        }
        return new TensorDataset(Tensor.wrap(toFloats(images.data(), normalize), 0, d[0], 1, SIZE, SIZE), y);
    }

    /**
     * Bytes to floats through a 256-entry table: every pixel value gets exactly the same float
     * whichever image it is in, and the loop is a lookup rather than a divide.
     */
    static float[] toFloats(byte[] pixels, boolean normalize) {
        float[] table = new float[256];
        for (int v = 0; v < 256; v++) {
            float x = v / 255f;
            table[v] = normalize ? (x - MEAN) / STD : x;
        }
        float[] out = new float[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            out[i] = table[pixels[i] & 0xFF];
        }
        return out;
    }

    @Override
    public String toString() {
        return "FashionMnist[" + source + " " + location + "]";
    }
}
