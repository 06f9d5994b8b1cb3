#!/usr/bin/python3
"""The whole speed comparison in one command: Pare against its peers, interleaved over rounds.

Build first:  mvn -q -pl bench -am package -DskipTests
Run:          /usr/bin/python3 bench/peers/compare.py [--rounds 3] [--avx2] [--quick]
                  [--only gemm,mlp,cnn,int8] [--log FILE]   (default bench/target/compare-<time>.jsonl)
Re-make:      /usr/bin/python3 bench/peers/compare.py --from LOG [more logs...]   (pools their rounds)

Sections (each is one JMH run for Pare, then the peer's children, once per round):
  gemm  GemmBenchmark (square n³ and the MLP step's three products) vs OpenBLAS through numpy
  mlp   MlpBenchmark (SGD step at batch 128, forward at batch 1 and 256) vs torch_mlp.py
  cnn   CnnBenchmark (both CNNs: SGD step at batch 128, forward at batch 1 and 256) vs torch_cnn.py
  int8  QuantizedLinearBenchmark and TradeOffBenchmark's small CNN: int8 against Pare's own fp32,
        and Pare's dynamic int8 Linear against PyTorch's (torch_int8.py)

Why rounds: the machine is shared, and one run of each side proves little. Every round runs
every section's Pare cells and peer cells back to back, so a burst of outside load hits both
sides of a row alike; the table shows, per row, the median over rounds with the min-max spread,
and the ratio of the medians, always oriented so that above 1 means Pare is faster.

Why the best of torch's 1 and 2 threads at 2 threads: Debian's PyTorch 1.13 is slower with two
threads than with one on a 2-vCPU machine (its OpenMP threads spin against each other). Anyone
with 2 cores would run it at 1 thread, so that is the fair 2-thread opponent; the table says
which one it was.

Why a core-to-core line: the host of a virtual machine moves its virtual CPUs, and the round
trip of a cache line between the two threads (dev.pare.bench.CoreToCore) moves with them, from
tens to hundreds of nanoseconds; 2-thread cells of a few microseconds move with it. The table
prints the probes so that a 2-thread ratio can be read with the placement it was timed on.

--avx2 is how an AVX2-only machine would see the same code: Pare with -Dpare.vector.bits=256,
OpenBLAS forced to Haswell, torch's oneDNN capped at AVX2 (machine.py lists the variables).
--quick is for smoke tests: 1 round, a few cells per section, short JMH iterations.
Every measurement goes to the log as one JSON line, so tables can be re-made and pooled.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import machine
import numpy_gemm
import torch_cnn
import torch_int8
import torch_mlp

machine.remember_winners = True

SECTIONS = ["gemm", "mlp", "cnn", "int8"]
THREADS = [1, 2]
# JMH settings, per kind of benchmark. A kernel (one GEMM, one layer) is compiled by C2 within
# about a second; a whole model's step goes through hundreds of methods, and its first call alone
# takes 1-2 s, so models get longer warm-ups. A round's value is the median of its five measured
# iterations (median_of_iterations), as a peer's is the median of its repetitions
# (machine.seconds_per_call): a stall of the shared machine inside one iteration then moves
# neither side. The spread over rounds, not JMH's error bars, is what the table reports. One cell
# costs its JVM start (about 1.5 s) plus these iterations; iterations of 160 ms (280 ms for
# models) keep three rounds of everything at about 20 minutes.
JMH = {"kernel": ["-wi", "3", "-w", "400ms", "-i", "5", "-r", "160ms", "-f", "1"],
       "model": ["-wi", "3", "-w", "700ms", "-i", "5", "-r", "280ms", "-f", "1"],
       # The MLP's cells are short calls whose time is mostly the Vector API kernels, and C2 takes
       # about 4 s to settle them (JMH's warm-up iterations fall until then): at "model" warm-up its
       # rows measured partly compiled code. Its 6 cells per round can afford the longer warm-up.
       "mlp": ["-wi", "6", "-w", "700ms", "-i", "5", "-r", "280ms", "-f", "1"],
       # A CNN's training step is the largest graph of all: forward, backward and the optimizer go
       # through many more methods than inference, and at 2 threads the C2 compiler shares the two
       # cores with the step itself, so its iterations keep falling for several seconds. At "model"
       # warm-up its rows measured partly interpreted code; these are the rows that need the time.
       "train": ["-wi", "10", "-w", "700ms", "-i", "5", "-r", "280ms", "-f", "1"],
       "quick": ["-wi", "3", "-w", "500ms", "-i", "1", "-r", "500ms", "-f", "1"]}
JVM_START_SECONDS = 1.5
# Seconds of one peer child (its import, warm-up and timed repetitions), for the estimate.
SECONDS_PER_PEER_CHILD = {"numpy": 1.2, "torch_mlp": 7, "torch_cnn": 9, "torch_int8": 12}
# QuantizedLinearBenchmark's shapes that issue 7 set targets for (batch x out x in).
INT8_SHAPES = ["1x256x784", "1x1024x1024", "1x4096x4096", "256x1024x1024"]

SHAPE_NAMES = {"forward": "MLP X·W 128×784·784×256", "inputGrad": "MLP dY·Wᵀ 128×256·256×784",
               "weightGrad": "MLP Xᵀ·dY 784×128·128×256"}
CNN_NAMES = {"small": "small CNN", "mobilenet": "MobileNet CNN"}
CELL_NAMES = {"trainStep": "SGD step b128", "forwardBatch1": "forward b1", "forwardBatch256": "forward b256",
              "train_step": "SGD step b128", "forward_b1": "forward b1", "forward_b256": "forward b256"}


class Plan:
    """Which cells each section runs: everything, or a handful for --quick."""

    def __init__(self, quick, gemm_cells=None, mlp_cells=None):
        self.quick = quick
        self.gemm = ([("square", 256), ("mlp", "forward")] if quick
                     else numpy_gemm.cells(["square", "mlp"]))
        if gemm_cells:
            self.gemm = [c for c in self.gemm if f"{c[0]}:{c[1]}" in gemm_cells]
        # JMH method names of MlpBenchmark (trainStep, forwardBatch1, forwardBatch256), or all.
        self.mlp_cells = mlp_cells
        self.archs = ["small"] if quick else ["small", "mobilenet"]
        self.int8_shapes = ["1x1024x1024"] if quick else INT8_SHAPES
        self.cnn_batches = ["1"] if quick else ["1", "256"]

    def jmh(self, kind):
        return JMH["quick" if self.quick else kind]

    def jmh_seconds(self, kind):
        """Seconds of one JMH cell: its JVM start and its iterations."""
        opts = dict(zip(self.jmh(kind)[::2], self.jmh(kind)[1::2]))
        ms = lambda v: float(v.removesuffix("ms")) / 1000
        return JVM_START_SECONDS + int(opts["-wi"]) * ms(opts["-w"]) + int(opts["-i"]) * ms(opts["-r"])

    def jmh_time(self, section):
        t = len(THREADS)
        cnn_cells = 2 if self.quick else 3
        return {"gemm": len(self.gemm) * t * self.jmh_seconds("kernel"),
                "mlp": (len(self.mlp_cells) if self.mlp_cells else 3) * t * self.jmh_seconds("mlp"),
                "cnn": len(self.archs) * t * (self.jmh_seconds("train")
                                                 + (cnn_cells - 1) * self.jmh_seconds("model")),
                # the int8 CNN runs at 2 threads only, as ./pare pipeline measures it
                "int8": 3 * len(self.int8_shapes) * t * self.jmh_seconds("kernel")
                        + 2 * len(self.cnn_batches) * self.jmh_seconds("model")}[section]

    def peer_children(self, section):
        t = len(THREADS)
        return {"gemm": ("numpy", len(self.gemm) * t), "mlp": ("torch_mlp", t),
                "cnn": ("torch_cnn", len(self.archs) * t), "int8": ("torch_int8", t)}[section]

    def estimate(self, sections, rounds, kernels):
        per_round = 0
        for s in sections:
            kind, children = self.peer_children(s)
            per_round += self.jmh_time(s) + children * SECONDS_PER_PEER_CHILD[kind]
        # Each core-to-core probe is a JVM and half a second: one per section, and one per int8
        # shape at each thread count above one.
        probes = len(sections) + ("int8" in sections) * len(self.int8_shapes) * sum(t > 1 for t in THREADS)
        per_round += probes * (JVM_START_SECONDS + 0.5)
        # A second OpenBLAS kernel doubles the peers' first round; later rounds keep the winners.
        return rounds * per_round + (kernels - 1) * sum(
            self.peer_children(s)[1] * SECONDS_PER_PEER_CHILD[self.peer_children(s)[0]] for s in sections)


# ---- Pare through JMH ---------------------------------------------------------------------------

def jmh(include, params, plan, kind, avx2, extra_jvm=()):
    """Runs the JMH benchmarks matching `include` and returns JMH's JSON results."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    cmd = [machine.JAVA, "-jar", machine.JAR, include, *plan.jmh(kind), "-foe", "true", "-rf", "json", "-rff", path,
           "-jvmArgsAppend", " ".join(machine.jvm_flags(avx2) + list(extra_jvm))]
    for name, values in params.items():
        if values:
            cmd += ["-p", f"{name}={','.join(str(v) for v in values)}"]
    while True:
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode == 0:
            break
        # JMH holds a machine-wide lock (/tmp/jmh.lock): when another benchmark holds it, wait
        # rather than measure two benchmarks fighting over the same 2 cores.
        if "Unable to acquire the JMH lock" not in run.stdout + run.stderr:
            raise RuntimeError(f"{include} failed:\n{run.stdout[-3000:]}{run.stderr[-3000:]}")
        print("  waiting for another JMH run to finish", file=sys.stderr, flush=True)
        time.sleep(10)
    with open(path) as f:
        results = json.load(f)
    os.unlink(path)
    return results


def method(result):
    return result["benchmark"].rsplit(".", 1)[1]


def median_of_iterations(metric):
    """The median of one JMH metric (primary or secondary) over its measured iterations."""
    return statistics.median(x for fork in metric["rawData"] for x in fork)


def pare_gemm(plan, avx2):
    squares = [a for k, a in plan.gemm if k == "square"]
    products = [a for k, a in plan.gemm if k == "mlp"]
    gflops = {}
    # A JMH parameter left out runs all its default values: name only the methods with cells.
    include = r"bench\.GemmBenchmark\." + ("" if squares and products else "square$" if squares else "mlpStep$")
    for r in jmh(include, {"n": squares, "product": products, "threads": THREADS}, plan, "kernel", avx2):
        p = r["params"]
        key = ("square", int(p["n"])) if "n" in p else ("mlp", p["product"])
        gflops[key + (int(p["threads"]),)] = median_of_iterations(r["secondaryMetrics"]["gflops"])
    # In the plan's order (squares by size, then the MLP products), which is the table's order.
    return [(gemm_row(k, a), t, gflops[(k, a, t)], "GFLOP/s", None) for k, a in plan.gemm for t in THREADS]


def in_order(rows, models):
    """Rows by model (in the order of `models`, the rows' name prefixes), then the training step,
    batch 1 and batch 256: JMH runs the benchmarks in the order of their names instead."""
    cells = [CELL_NAMES["trainStep"], CELL_NAMES["forwardBatch1"], CELL_NAMES["forwardBatch256"]]
    split = lambda name: next((m, cells.index(name[len(m) + 1:])) for m in models if name.startswith(m + " "))
    return sorted(rows, key=lambda row: (models.index(split(row[0])[0]), split(row[0])[1], row[1]))


def pare_mlp(plan, avx2):
    include = r"bench\.MlpBenchmark\." + (f"({'|'.join(plan.mlp_cells)})$" if plan.mlp_cells else "")
    results = jmh(include, {"threads": THREADS}, plan, "mlp", avx2)
    return in_order([(f"MLP {CELL_NAMES[method(r)]}", int(r["params"]["threads"]),
                      median_of_iterations(r["primaryMetric"]), "µs", None) for r in results],
                    ["MLP"])


def pare_cnn(plan, avx2):
    params = {"arch": plan.archs, "threads": THREADS}
    forwards = r"bench\.CnnBenchmark\." + (r"forwardBatch1$" if plan.quick else r"forwardBatch(1|256)$")
    results = (jmh(r"bench\.CnnBenchmark\.trainStep$", params, plan, "train", avx2)
               + jmh(forwards, params, plan, "model", avx2))
    return in_order([(f"{CNN_NAMES[r['params']['arch']]} {CELL_NAMES[method(r)]}", int(r["params"]["threads"]),
                      median_of_iterations(r["primaryMetric"]), "µs", None) for r in results],
                    [CNN_NAMES[a] for a in plan.archs])


def pare_int8(plan, avx2):
    """Pare's int8 cells with their fp32 twins from the same JMH run; the twins are the peers."""
    out = []
    for t in THREADS:
        us = {}
        for shape in plan.int8_shapes:
            if t > 1:
                # The placement these cells are most likely timed on (a whole section takes minutes).
                probe(f"{shape} at {t} threads")
            # One JMH run per shape, so that a row's int8 and fp32 cells are neighbouring forks,
            # seconds apart: the host moves the virtual CPUs now and then (see core_to_core), and
            # cells of one shape a minute apart could be timed on different placements.
            # QuantizedLinearBenchmark has no thread parameter: Parallel reads pare.threads at start-up.
            res = jmh(r"bench\.QuantizedLinearBenchmark\.(fp32Linear|int8Static|int8Dynamic)$", {"shape": [shape]},
                      plan, "kernel", avx2, [f"-Dpare.threads={t}"])
            us.update({(method(r), r["params"]["shape"]): median_of_iterations(r["primaryMetric"]) for r in res})
        for shape in plan.int8_shapes:
            for m, mode in (("int8Static", "static"), ("int8Dynamic", "dynamic")):
                out.append((int8_row(mode, shape), t, us[(m, shape)], "µs", None))
                out.append((int8_row(mode, shape), t, us[("fp32Linear", shape)], "µs", "peer:Pare fp32"))
            out.append((int8_row("dynamic", shape, torch=True), t, us[("int8Dynamic", shape)], "µs", None))
    # At 2 threads only, as ./pare pipeline measures it: the int8/fp32 ratio is Pare against
    # itself, and these two cells per batch are the costliest of the section.
    res = jmh(r"bench\.TradeOffBenchmark\.", {"variant": ["cnn", "int8-cnn"], "batch": plan.cnn_batches,
                                               "threads": [2]}, plan, "model", avx2)
    us = {(r["params"]["variant"], r["params"]["batch"], int(r["params"]["threads"])):
          median_of_iterations(r["primaryMetric"]) for r in res}
    for (variant, batch, t), v in sorted(us.items()):
        row = f"small CNN int8 static forward b{batch}"
        out.append((row, t, v, "µs", "peer:Pare fp32" if variant == "cnn" else None))
    return out


def core_to_core():
    """The round trip of a cache line between two busy threads, in ns (dev.pare.bench.CoreToCore).

    On a virtual machine the host decides where the two virtual CPUs run, and moves them: two
    hyperthreads or two cores of one core complex pass a line in tens of nanoseconds, two cores on
    different chiplets in hundreds. A 2-thread cell of a few microseconds pays that price at every
    hand-off, so the table shows it, per round, at each section's start and right before each
    int8 shape's 2-thread cells (the rows it moves most), under the machine line."""
    out = subprocess.run([machine.JAVA, "-cp", machine.JAR, "dev.pare.bench.CoreToCore", "500"],
                         capture_output=True, text=True, check=True).stdout
    return float(out.split("round trip:", 1)[1].split("ns", 1)[0])


PROBES = []   # (where, ns) measured since main last wrote them to the log


def probe(where):
    PROBES.append((where, core_to_core()))


def gemm_row(kind, arg):
    return f"SGEMM {arg}³" if kind == "square" else SHAPE_NAMES[arg]


def int8_row(mode, shape, torch=False):
    b, o, i = shape.split("x")
    return f"int8 {mode} Linear b{b} {o}×{i}" + (" vs torch" if torch else "")


# ---- the peers ----------------------------------------------------------------------------------

def peer_gemm(plan, avx2):
    out = []
    for t in THREADS:
        for kind, arg in plan.gemm:
            gflops, kernel = numpy_gemm.measure(kind, arg, t, avx2)
            out.append((gemm_row(kind, arg), t, gflops, "GFLOP/s", f"OpenBLAS {kernel}"))
    return out


def peer_mlp(plan, avx2):
    wanted = {CELL_NAMES[c] for c in plan.mlp_cells} if plan.mlp_cells else set(CELL_NAMES.values())
    return [(f"MLP {CELL_NAMES[c]}", t, s * 1e6, "µs", f"torch (OpenBLAS {k})")
            for t in THREADS for c, (s, k) in torch_mlp.measure(t, avx2).items() if CELL_NAMES[c] in wanted]


def peer_cnn(plan, avx2):
    out = []
    for arch in plan.archs:
        for t in THREADS:
            cells, params = torch_cnn.measure(arch, t, avx2)
            # The twins must be the same network: the count from Pare's own FashionModels (PeerInfo).
            ours = int(PARE_INFO.get(f"{'smallCnn' if arch == 'small' else 'mobilenet'}.params", -1))
            if t == THREADS[0]:
                print(f"  {CNN_NAMES[arch]} parameters: Pare {ours:,}, torch {params:,}"
                      + ("" if ours == params else "  <- NOT THE SAME NETWORK"), file=sys.stderr, flush=True)
            for cell, (s, k) in cells.items():
                if plan.quick and cell.endswith("b256"):
                    continue
                out.append((f"{CNN_NAMES[arch]} {CELL_NAMES[cell.split('/')[1]]}", t, s * 1e6, "µs",
                            f"torch (oneDNN, OpenBLAS {k})"))
    return out


def peer_int8(plan, avx2):
    out = []
    for t in THREADS:
        try:
            cells = torch_int8.measure(t, plan.int8_shapes, avx2)
        except SystemExit as e:   # a torch without a working quantized engine: say so, keep going
            print(f"  torch qint8 dynamic Linear unavailable: {e}", file=sys.stderr)
            return out
        for shape in plan.int8_shapes:
            s, _ = cells[f"dynamic/{shape}"]
            out.append((int8_row("dynamic", shape, torch=True), t, s * 1e6, "µs", "torch qint8 dynamic (oneDNN)"))
    return out


PARE_INFO = {}   # PeerInfo's key=value lines, read once by main
PARE = {"gemm": pare_gemm, "mlp": pare_mlp, "cnn": pare_cnn, "int8": pare_int8}
PEER = {"gemm": peer_gemm, "mlp": peer_mlp, "cnn": peer_cnn, "int8": peer_int8}


# ---- the table ----------------------------------------------------------------------------------

def table(records, machine_lines):
    """The Markdown table over all rounds in `records` (the log's measurement lines)."""
    rows, pare, peer, kernel, probes = {}, {}, {}, {}, {}
    for r in records:
        if "probe" in r:
            probes.setdefault(r.get("at", r["section"]), []).append(r["ns"])
            continue
        key = (r["row"], r["threads"])
        rows.setdefault(r["row"], r["unit"])
        if r["side"] == "pare":
            pare.setdefault(key, []).append(r["value"])
        else:
            peer.setdefault(key, []).append(r["value"])
            kernel.setdefault(key, set()).add(r["kernel"])
    placement = ("core-to-core round trip per round, ns (dev.pare.bench.CoreToCore), at each section's start "
                 "and before each int8 shape's 2-thread cells: "
                 + "; ".join(f"{s} {', '.join(f'{v:.0f}' for v in vs)}" for s, vs in probes.items())) if probes else None
    lines = [*sorted(set(machine_lines)), *([placement] if placement else []), "",
             "| what | threads | rounds | Pare median (min–max) | peer median (min–max) | ratio | peer (kernel) |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for row, unit in rows.items():
        for t in THREADS:
            o, p = pare.get((row, t)), peer.get((row, t))
            if not o or not p:
                continue
            peer_name = " / ".join(sorted(kernel[(row, t)]))
            mp, note = statistics.median(p), ""
            # Debian's torch is slower at 2 threads than at 1 here: its fair 2-thread figure is
            # the better of the two (see the module docstring).
            if t == 2 and peer_name.startswith("torch") and peer.get((row, 1)):
                m1 = statistics.median(peer[(row, 1)])
                if (m1 < mp) if unit == "µs" else (m1 > mp):
                    mp, p, note = m1, peer[(row, 1)], ", its 1-thread run (faster)"
                    peer_name = " / ".join(sorted(kernel[(row, 1)]))
            mo = statistics.median(o)
            ratio = mp / mo if unit == "µs" else mo / mp
            lines.append(f"| {row} ({unit}) | {t} | {len(o)} | {fmt(mo)} ({fmt(min(o))}–{fmt(max(o))}) | "
                         f"{fmt(mp)} ({fmt(min(p))}–{fmt(max(p))}) | {ratio:.2f} | {peer_name}{note} |")
    lines += ["", "ratio > 1: Pare faster (peer time / Pare time, or Pare GFLOP/s / peer GFLOP/s). At 2 threads a "
                  "torch peer is the faster of its 1- and 2-thread medians. For int8 rows the peer is Pare's own "
                  "fp32 layer, timed in the same JMH run."]
    return "\n".join(lines)


def fmt(v):
    return f"{v:,.0f}" if v >= 100 else f"{v:.1f}"


# ---- main ---------------------------------------------------------------------------------------

def read_logs(paths):
    records, machines = [], []
    for path in paths:
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                if "machine" in r:
                    machines.append(r["machine"])
                else:
                    records.append(r)
    return records, machines


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=None, help="rounds (default 3; 1 with --quick)")
    ap.add_argument("--quick", action="store_true", help="a smoke test: 1 round, a few cells, short iterations")
    ap.add_argument("--only", default=",".join(SECTIONS), help="sections, comma-separated: " + ",".join(SECTIONS))
    ap.add_argument("--avx2", action="store_true", help="Pare at 256 bits, every peer capped at AVX2")
    ap.add_argument("--java", default=None,
                    help="the java executable for Pare, e.g. another JDK's bin/java (default: $PARE_JAVA, else java on the PATH)")
    ap.add_argument("--log", default=None, help="JSON-lines log of every measurement (default bench/target/compare-<time>.jsonl)")
    ap.add_argument("--from", dest="logs", nargs="+", help="print the table of these logs and exit")
    # Single rows, for a short paired run while working on one kernel (e.g. under a tool that
    # pauses other jobs for a minute): --only gemm --gemm-cells square:1024 --threads 2
    ap.add_argument("--threads", default=None, help="thread counts, comma-separated (default 1,2)")
    ap.add_argument("--gemm-cells", default=None,
                    help="gemm rows only, e.g. square:1024,mlp:forward (mlp: forward, inputGrad, weightGrad)")
    ap.add_argument("--mlp-cells", default=None,
                    help="mlp rows only, MlpBenchmark methods: trainStep,forwardBatch1,forwardBatch256")
    args = ap.parse_args(argv)
    if args.java:
        machine.JAVA = args.java
    if args.logs:
        print(table(*read_logs(args.logs)))
        return
    sections = [s for s in args.only.split(",") if s]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        ap.error(f"--only: unknown sections {sorted(unknown)}; choose from {SECTIONS}")
    rounds = args.rounds or (1 if args.quick else 3)
    if args.threads:
        THREADS[:] = [int(t) for t in args.threads.split(",")]
    split = lambda v: [x for x in v.split(",") if x] if v else None
    plan = Plan(args.quick, split(args.gemm_cells), split(args.mlp_cells))
    if args.gemm_cells and not plan.gemm:
        ap.error(f"--gemm-cells: none of {args.gemm_cells} is a cell; choose from "
                 + ",".join(f"{k}:{a}" for k, a in numpy_gemm.cells(["square", "mlp"])))
    # By default under bench/target, which git ignores and `mvn clean` removes.
    log = args.log or os.path.join(machine.ROOT, "bench", "target", time.strftime("compare-%Y%m%d-%H%M%S.jsonl"))

    needs_torch = any(s in sections for s in ("mlp", "cnn", "int8"))
    PARE_INFO.update(machine.pare_info(args.avx2))
    line = machine.machine_line(args.avx2, pare=PARE_INFO, openblas=True,
                                torch=machine.torch_summary(args.avx2) if needs_torch else None)
    print(line, flush=True)
    kernels = len(machine.openblas_kernels(args.avx2))
    estimate = plan.estimate(sections, rounds, kernels)
    print(f"{rounds} round(s) of {', '.join(sections)}; estimated {estimate / 60:.0f} min "
          f"(more when other jobs share the cores); log: {log}", flush=True)

    started = time.time()
    with open(log, "w") as f:
        f.write(json.dumps({"machine": line, "avx2": args.avx2, "quick": args.quick,
                            "started": time.strftime("%Y-%m-%d %H:%M:%S %Z")}) + "\n")
        for rnd in range(1, rounds + 1):
            for s in sections:
                print(f"round {rnd}/{rounds}: {s} ({(time.time() - started) / 60:.1f} min so far)",
                      file=sys.stderr, flush=True)
                probe(s)
                # Pare first, then its peer, within the same minute or two: both see the same load.
                for side, fn in (("pare", PARE[s]), ("peer", PEER[s])):
                    rows = fn(plan, args.avx2)
                    for where, ns in PROBES:
                        f.write(json.dumps({"round": rnd, "section": s, "probe": "core-to-core", "at": where,
                                            "ns": ns}) + "\n")
                    PROBES.clear()
                    for row, t, value, unit, kernel in rows:
                        # pare_int8 returns Pare's fp32 twins as peers: kernel says so.
                        is_peer = side == "peer" or (kernel or "").startswith("peer:")
                        rec = {"round": rnd, "section": s, "row": row, "threads": t,
                               "side": "peer" if is_peer else "pare", "value": value, "unit": unit,
                               "kernel": (kernel or "").removeprefix("peer:") if is_peer else None}
                        f.write(json.dumps(rec, ensure_ascii=False) + "\n")
                        f.flush()
    print(f"took {(time.time() - started) / 60:.1f} min (estimated {estimate / 60:.0f})", file=sys.stderr)
    print(table(*read_logs([log])))


if __name__ == "__main__":
    main(sys.argv[1:])
