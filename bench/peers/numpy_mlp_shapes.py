#!/usr/bin/python3
"""OpenBLAS (through numpy) on the three products of one MLP training step, for GemmBenchmark.mlpStep.

A 784 -> 256 layer at batch 128, in the forms the backward pass uses (transposes are views, which
numpy hands to BLAS as transpose flags, as Pare's Gemm reads them in place):
  forward     Y  = X @ W       [128, 784] @ [784, 256]
  inputGrad   dX = dY @ W.T    [128, 256] @ [784, 256].T
  weightGrad  dW = X.T @ dY    [128, 784].T @ [128, 256]

Run:  /usr/bin/python3 bench/peers/numpy_mlp_shapes.py [threads ...]   (default: 1 2)
Prints one line per cell:  numpy-openblas threads=T product=P gflops=G
GFLOP/s = 2*128*784*256 / seconds, median of 7 timed reps after warm-up, each cell in a fresh
process so that the thread count really applies (the method of ../shared/peers/numpy_sgemm.py (beside the repository)).
"""
import os, subprocess, sys

PRODUCTS = ["forward", "inputGrad", "weightGrad"]

CHILD = r'''
import sys, time, statistics
import numpy as np
product = sys.argv[1]
B, I, O = 128, 784, 256
rng = np.random.default_rng(0)
x = rng.standard_normal((B, I), dtype=np.float32)
w = rng.standard_normal((I, O), dtype=np.float32)
dy = rng.standard_normal((B, O), dtype=np.float32)
if product == "forward":
    lhs, rhs, out = x, w, np.empty((B, O), dtype=np.float32)
elif product == "inputGrad":
    lhs, rhs, out = dy, w.T, np.empty((B, I), dtype=np.float32)
else:
    lhs, rhs, out = x.T, dy, np.empty((I, O), dtype=np.float32)
def rep():
    calls, t0 = 0, time.perf_counter()
    while True:
        np.matmul(lhs, rhs, out=out); calls += 1
        t = time.perf_counter() - t0
        if t >= 0.05: return t / calls
for _ in range(3): rep()
print(2.0 * B * I * O / statistics.median(rep() for _ in range(7)) / 1e9)
'''

def main():
    threads = [int(t) for t in sys.argv[1:]] or [1, 2]
    for t in threads:
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(t), OMP_NUM_THREADS=str(t))
        for p in PRODUCTS:
            out = subprocess.run([sys.executable, "-c", CHILD, p], env=env,
                                 capture_output=True, text=True, check=True).stdout.strip()
            print(f"numpy-openblas threads={t} product={p} gflops={float(out):.1f}", flush=True)

if __name__ == "__main__":
    main()
