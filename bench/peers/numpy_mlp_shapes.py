#!/usr/bin/python3
"""OpenBLAS (through numpy) on the three products of one MLP training step, for GemmBenchmark.mlpStep.

Run:  /usr/bin/python3 bench/peers/numpy_mlp_shapes.py [--avx2] [threads ...]   (default: 1 2)
Prints the machine line, then one line per cell:
      numpy-openblas threads=T product=P gflops=G core=KERNEL

The measurement lives in numpy_gemm.py (which also times the square sizes): this name stays
because docs/matmul.md cites it.
"""
import sys

import numpy_gemm

if __name__ == "__main__":
    numpy_gemm.main(sys.argv[1:], kinds=("mlp",))
