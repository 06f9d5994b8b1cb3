package dev.pare.nn.datasets;

import java.io.IOException;

/** Opens the IDX files of a dataset by their base name (e.g. {@code train-images-idx3-ubyte}), wherever they are. */
@FunctionalInterface
interface IdxFiles {
    IdxArray read(String baseName) throws IOException;
}
