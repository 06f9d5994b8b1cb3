#!/usr/bin/env python3
"""Builds the Fashion-MNIST subset bundled in pare-nn (dev.pare.nn.datasets.FashionMnist's
offline fallback): the first 10,000 training and the first 2,000 test images and labels, as
gzipped IDX files like the originals.

Usage (Python 3 standard library only):

    python3 tools/make_fashion_mnist_subset.py [SOURCE_DIR] [TARGET_DIR]

SOURCE_DIR  the four official files, gzipped or not
            (default /usr/share/datasets/fashion-mnist, Debian's location)
TARGET_DIR  default nn/src/main/resources/dev/pare/nn/datasets/fashion-mnist-subset

Taking the *first* N examples (not a random sample) keeps the subset reproducible from the
official files alone, and the official files are already in random class order, so the first
10,000 training images hold every class about 1,000 times (the script prints the counts).
The output is byte-for-byte reproducible: gzip level 9 with the timestamp set to 0.
"""
import gzip
import os
import struct
import sys

FILES = [
    ("train-images-idx3-ubyte", 10_000),
    ("train-labels-idx1-ubyte", 10_000),
    ("t10k-images-idx3-ubyte", 2_000),
    ("t10k-labels-idx1-ubyte", 2_000),
]


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndims = struct.unpack_from(">HBB", data, 0)
    if zero != 0 or dtype != 0x08:
        raise SystemExit("%s: not an unsigned-byte IDX file" % path)
    dims = list(struct.unpack_from(">%dI" % ndims, data, 4))
    return dims, data[4 + 4 * ndims:]


def find(source, name):
    for candidate in (name + ".gz", name):
        p = os.path.join(source, candidate)
        if os.path.exists(p):
            return p
    raise SystemExit("%s: no %s(.gz)" % (source, name))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    source = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
    target = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        here, "..", "nn", "src", "main", "resources", "dev", "pare", "nn", "datasets", "fashion-mnist-subset")
    os.makedirs(target, exist_ok=True)
    for name, count in FILES:
        dims, body = read_idx(find(source, name))
        per_item = 1
        for d in dims[1:]:
            per_item *= d
        if dims[0] < count:
            raise SystemExit("%s has only %d items" % (name, dims[0]))
        out = struct.pack(">HBB", 0, 0x08, len(dims)) + struct.pack(">%dI" % len(dims), count, *dims[1:])
        out += body[:count * per_item]
        path = os.path.join(target, name + ".gz")
        with open(path, "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as gz:
                gz.write(out)
        print("%s: %d items, %d bytes" % (path, count, os.path.getsize(path)))
        if "labels" in name:
            counts = [0] * 10
            for b in out[8:]:
                counts[b] += 1
            print("  examples per class:", counts)


if __name__ == "__main__":
    main()
