#!/usr/bin/python3
"""Pare's GemmBenchmark against OpenBLAS (numpy), interleaved, several rounds, medians with spread.

This is compare.py's gemm section on its own (compare.py explains the rounds and the table):
each round runs Pare's GemmBenchmark through JMH, then OpenBLAS on the same cells (numpy_gemm.py),
and the table gives per cell the median GFLOP/s of each side, the min-max range, the ratio of the
medians, and the OpenBLAS kernel, under the machine line.

Build first:  mvn -q -pl bench -am package -DskipTests
Run:          /usr/bin/python3 bench/peers/gemm_vs_openblas.py [rounds] [--avx2] [--quick] [--log FILE]
              rounds defaults to 3 (about 2 minutes each, more when OpenBLAS's SkylakeX kernel is
              tried too); --avx2 compares Pare at 256 bits with OpenBLAS's Haswell kernel, as an
              AVX2-only machine would see them.
Pool:         /usr/bin/python3 bench/peers/gemm_vs_openblas.py --from FILE...
              prints the table over all rounds in compare.py logs (JSON lines) or in the older
              per-round text logs (bench/peers/gemm_vs_openblas_rounds*.txt, which predate the
              machine line and did not record the OpenBLAS kernel; docs/matmul.md says it was AVX2).
"""
import ast
import re
import sys

import compare


def legacy_records(path):
    """The measurements of an old text log: lines like  ('square', '512', '1') pare 135.6 openblas 119.3"""
    records, rnd = [], 0
    for line in open(path):
        if line.startswith("round "):
            rnd += 1
        m = re.match(r"\s+(\(.*\)) pare (\S+) openblas (\S+)", line)
        if m:
            kind, arg, threads = ast.literal_eval(m.group(1))
            row = compare.gemm_row(kind, int(arg) if kind == "square" else arg)
            for side, value in (("pare", m.group(2)), ("peer", m.group(3))):
                records.append({"round": rnd, "row": row, "threads": int(threads), "side": side,
                                "value": float(value), "unit": "GFLOP/s",
                                "kernel": "OpenBLAS (kernel not logged)" if side == "peer" else None})
    # The old logs listed cells alphabetically: put squares by size first, then the MLP products.
    order = [compare.gemm_row(k, a) for k, a in compare.numpy_gemm.cells(["square", "mlp"])]
    return sorted(records, key=lambda r: order.index(r["row"]))


def main(argv):
    if argv[:1] == ["--from"]:
        records, machines = [], []
        for path in argv[1:]:
            if open(path).read(1) == "{":
                more, lines = compare.read_logs([path])
                records += more
                machines += lines
            else:
                records += legacy_records(path)
        print(compare.table(records, machines or ["machine: not recorded in these logs"]))
        return
    rounds = [a for a in argv if a.isdigit()]
    rest = [a for a in argv if not a.isdigit()]
    compare.main(["--only", "gemm"] + (["--rounds", rounds[0]] if rounds else []) + rest)


if __name__ == "__main__":
    main(sys.argv[1:])
