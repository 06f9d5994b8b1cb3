#!/usr/bin/python3
"""Pare's GemmBenchmark against OpenBLAS (numpy), interleaved, several rounds, medians with spread.

The machine is shared and noisy, so one run of each proves little. Each round runs, back to back:
the OpenBLAS square sizes (../shared/peers/numpy_sgemm.py, beside the repository), the OpenBLAS MLP-step shapes (numpy_mlp_shapes.py, beside this script), then
Pare's GemmBenchmark through JMH. It then prints, per cell, the median GFLOP/s of each side over
the rounds, the range (min-max), and the ratio of the medians, as a Markdown table.

Build first:  mvn -q -pl bench -am package -DskipTests
Run:          /usr/bin/python3 bench/peers/gemm_vs_openblas.py [rounds] [vector-bits]
              rounds defaults to 3 (about 3.5 minutes each); vector-bits (e.g. 256) forces Pare's
              species through -Dpare.vector.bits, for a like-for-like comparison with an AVX2 BLAS.
Pool:         /usr/bin/python3 bench/peers/gemm_vs_openblas.py --from ROUNDS_FILE...
              prints the table over all rounds logged in the given files (the per-round lines
              this script writes to stderr; bench/peers/gemm_vs_openblas_rounds.txt is one).
"""
import ast, json, os, re, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
JAR = os.path.join(ROOT, "bench", "target", "benchmarks.jar")
# The reference script lives in shared/peers/, beside the repository.
SQUARE_PEER = os.path.join(os.path.dirname(ROOT), "shared", "peers", "numpy_sgemm.py")
MLP_PEER = os.path.join(HERE, "numpy_mlp_shapes.py")
PY = "/usr/bin/python3"


def openblas(script):
    out = subprocess.run([PY, script], capture_output=True, text=True, check=True).stdout
    cells = {}
    for line in out.splitlines():
        kv = dict(re.findall(r"(\w+)=(\S+)", line))
        key = ("square", kv["n"]) if "n" in kv else ("mlp", kv["product"])
        cells[key + (kv["threads"],)] = float(kv["gflops"])
    return cells


def pare(bits=None):
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    while True:
        # JMH holds a machine-wide lock (/tmp/jmh.lock); when another benchmark holds it, wait
        # for it rather than measure two benchmarks fighting over the same cores.
        cmd = ["java", "-jar", JAR, "GemmBenchmark", "-rf", "json", "-rff", path]
        if bits:
            # -jvmArgsAppend on the command line replaces the one in @Fork, so repeat its flags.
            cmd += ["-jvmArgsAppend", f"--add-modules jdk.incubator.vector -Xmx2g -Dpare.vector.bits={bits}"]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode == 0:
            break
        if "Unable to acquire the JMH lock" not in run.stdout + run.stderr:
            raise RuntimeError("GemmBenchmark failed:\n" + run.stdout[-3000:] + run.stderr[-3000:])
        print("  waiting for another JMH run to finish", file=sys.stderr, flush=True)
        time.sleep(10)
    cells = {}
    for r in json.load(open(path)):
        p = r["params"]
        key = ("square", p["n"]) if "n" in p else ("mlp", p["product"])
        cells[key + (p["threads"],)] = r["secondaryMetrics"]["gflops"]["score"]
    os.unlink(path)
    return cells


def pooled(files):
    ours, theirs = {}, {}
    for f in files:
        for line in open(f):
            m = re.match(r"\s+(\(.*\)) pare (\S+) openblas (\S+)", line)
            if m:
                k = ast.literal_eval(m.group(1))
                ours.setdefault(k, []).append(float(m.group(2)))
                theirs.setdefault(k, []).append(float(m.group(3)))
    return ours, theirs


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--from":
        table(*pooled(sys.argv[2:]))
        return
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    bits = sys.argv[2] if len(sys.argv) > 2 else None
    ours, theirs = {}, {}
    for r in range(rounds):
        print(f"round {r + 1}/{rounds}", file=sys.stderr, flush=True)
        for k, v in {**openblas(SQUARE_PEER), **openblas(MLP_PEER)}.items():
            theirs.setdefault(k, []).append(v)
        for k, v in pare(bits).items():
            ours.setdefault(k, []).append(v)
        for k in sorted(ours):
            print("  ", k, "pare", round(ours[k][-1], 1), "openblas", round(theirs.get(k, [0])[-1], 1),
                  file=sys.stderr, flush=True)
    table(ours, theirs)


def table(ours, theirs):
    order = {"square": 0, "mlp": 1}
    mlp_order = {"forward": 0, "inputGrad": 1, "weightGrad": 2}
    keys = sorted(ours, key=lambda k: (order[k[0]], int(k[2]),
                                       int(k[1]) if k[0] == "square" else mlp_order[k[1]]))
    print("| shape | threads | rounds | Pare GFLOP/s median (min-max) | OpenBLAS GFLOP/s median (min-max) | ratio of medians |")
    print("|---|---|---|---|---|---|")
    for k in keys:
        o, t = ours[k], theirs.get(k)
        if not t:
            continue
        shape = f"{k[1]}³" if k[0] == "square" else {"forward": "MLP X·W 128×784·784×256",
                                                      "inputGrad": "MLP dY·Wᵀ 128×256·256×784",
                                                      "weightGrad": "MLP Xᵀ·dY 784×128·128×256"}[k[1]]
        mo, mt = statistics.median(o), statistics.median(t)
        print(f"| {shape} | {k[2]} | {len(o)} | {mo:.1f} ({min(o):.0f}-{max(o):.0f}) | {mt:.1f} ({min(t):.0f}-{max(t):.0f}) | {mo / mt:.2f} |")


if __name__ == "__main__":
    main()
