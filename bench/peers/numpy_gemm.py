#!/usr/bin/python3
"""OpenBLAS SGEMM (through numpy) on the products GemmBenchmark times: square n³ and the three
products of one MLP training step.

Run:  /usr/bin/python3 bench/peers/numpy_gemm.py [--avx2] [--square] [--mlp] [threads ...]
      (default: both kinds, threads 1 2). --avx2 forces OpenBLAS's Haswell (AVX2) kernel.
Prints the machine line, then one line per cell:
      numpy-openblas threads=T n=N gflops=G core=KERNEL          (square)
      numpy-openblas threads=T product=P gflops=G core=KERNEL    (MLP step)

GFLOP/s = 2·m·n·k / seconds, median of 7 timed repetitions after warm-up. Each cell runs in a
fresh process, because OpenBLAS reads its thread count and kernel once, at load time. On an
AVX-512 CPU where OpenBLAS picks a narrower kernel, each cell runs again under SkylakeX and the
faster is printed (machine.py explains why); every process checks its product against float64
before timing it.

The MLP products, a 784 -> 256 layer at batch 128, in the forms its backward pass uses
(transposes are views, which numpy hands to BLAS as transpose flags, as Pare's Gemm reads them
in place):
  forward     Y  = X @ W       [128, 784] @ [784, 256]
  inputGrad   dX = dY @ W.T    [128, 256] @ [784, 256].T
  weightGrad  dW = X.T @ dY    [128, 784].T @ [128, 256]
"""
import sys

import machine

SIZES = [128, 256, 512, 1024, 2048]
PRODUCTS = ["forward", "inputGrad", "weightGrad"]
B, I, O = 128, 784, 256


def operands(kind, arg):
    """(lhs, rhs, out, flops) of one cell; kind is 'square' (arg n) or 'mlp' (arg a product)."""
    import numpy as np
    rng = np.random.default_rng(0)
    f32 = np.float32
    if kind == "square":
        n = int(arg)
        a, b = rng.standard_normal((n, n), dtype=f32), rng.standard_normal((n, n), dtype=f32)
        return a, b, np.empty((n, n), f32), 2.0 * n ** 3
    x, w, dy = (rng.standard_normal(s, dtype=f32) for s in ((B, I), (I, O), (B, O)))
    lhs, rhs = {"forward": (x, w), "inputGrad": (dy, w.T), "weightGrad": (x.T, dy)}[arg]
    return lhs, rhs, np.empty((lhs.shape[0], rhs.shape[1]), f32), 2.0 * B * I * O


def child(kind, arg):
    import numpy as np
    lhs, rhs, out, flops = operands(kind, arg)
    # 64 rows are enough to catch a wrong kernel, and keep the float64 reference cheap at n = 2048.
    machine.check_against_float64(np.matmul, lhs[:64], rhs)
    seconds = machine.seconds_per_call(lambda: np.matmul(lhs, rhs, out=out))
    machine.report({f"{kind}/{arg}": seconds}, flops=flops)


def measure(kind, arg, threads, avx2=False):
    """(GFLOP/s, kernel name) of one cell, the faster over the kernels worth timing."""
    cell = f"{kind}/{arg}"
    best, extra = machine.best_over_kernels([machine.PY, __file__, "--child", kind, str(arg)], threads, avx2)
    seconds, kernel = best[cell]
    return extra["flops"] / seconds / 1e9, kernel


def cells(kinds):
    return [(k, a) for k in kinds for a in (SIZES if k == "square" else PRODUCTS)]


def main(argv, kinds=("square", "mlp")):
    if argv[:1] == ["--child"]:
        child(argv[1], argv[2])
        return
    avx2 = "--avx2" in argv
    chosen = [k for k in ("square", "mlp") if f"--{k}" in argv] or list(kinds)
    threads = [int(a) for a in argv if a.isdigit()] or [1, 2]
    print(machine.machine_line(avx2), flush=True)
    for t in threads:
        for kind, arg in cells(chosen):
            gflops, kernel = measure(kind, arg, t, avx2)
            what = f"n={arg}" if kind == "square" else f"product={arg}"
            print(f"numpy-openblas threads={t} {what} gflops={gflops:.1f} core={kernel}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
