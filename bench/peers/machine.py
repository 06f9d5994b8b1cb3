"""What every peer script shares: the machine line, the choice of OpenBLAS kernel, and timing.

A speed ratio means little without the hardware and the kernels behind it. The same OpenBLAS
0.3.21 runs a 256-bit kernel on one AVX-512 CPU (it does not know Zen 4 and falls back to
Haswell/Zen) and a 512-bit one on another, and Pare's width follows the JVM's preferred species.
So each script prints one machine line naming the CPU, its vector extensions, Pare's width and
the kernel each peer runs, and each speed table names the peer's kernel per row.

Fair, here, means each peer at its best on this machine:
- OpenBLAS: when the CPU has avx512f and OpenBLAS chose a narrower kernel, it is run again with
  OPENBLAS_CORETYPE=SkylakeX (its AVX-512 kernel) in the child's environment only, and each cell
  keeps the faster of the two. A forced kernel must first reproduce a float64 product, so a
  kernel the CPU cannot run correctly fails loudly instead of being timed.
- AVX2 mode (how an AVX2-only machine sees it): Pare is forced to 256-bit vectors and every
  peer to its AVX2 code: OPENBLAS_CORETYPE=Haswell, and for PyTorch also ONEDNN_MAX_CPU_ISA=AVX2
  (its convolutions run in oneDNN) and ATEN_CPU_CAPABILITY=avx2 (its elementwise kernels).

This module is imported by the scripts and by their child processes, so it imports nothing
heavy at the top: numpy and torch are loaded only by the functions that need them.
"""
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
JAR = os.path.join(ROOT, "bench", "target", "benchmarks.jar")
# The java that runs Pare (and JMH's forks, which reuse the java that started JMH). The Vector API
# compiles differently from one JDK to the next, so the machine line names the JDK too.
JAVA = os.environ.get("PARE_JAVA", "java")
PY = "/usr/bin/python3"

# OpenBLAS's kernel names whose SGEMM uses 512-bit registers (0.3.21: Cooperlake and
# SapphireRapids reuse SkylakeX's SGEMM and add bfloat16 kernels).
AVX512_CORES = {"SkylakeX", "Cooperlake", "SapphireRapids"}
SHOWN_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16")
# The environment that caps every peer at AVX2, and the JVM flag that does it for Pare.
AVX2_ENV = {"OPENBLAS_CORETYPE": "Haswell", "ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"}
AVX2_JVM = "-Dpare.vector.bits=256"
# glibc's malloc gives a freed block above its mmap threshold back to the operating system, so a
# PyTorch step that frees its activations and gradients and allocates them again page-faults
# every one of them back in, every step, and runs several times slower (bench/peers/README.md
# has the figures). PyTorch's own tuning guide recommends an allocator that keeps freed memory
# (jemalloc, tcmalloc); glibc's tunables below do the same without installing one. Every peer
# child runs with them (a peer runs at its best), and the machine line names them.
PEER_MALLOC_BYTES = {"MALLOC_MMAP_THRESHOLD_": 32 << 20, "MALLOC_TRIM_THRESHOLD_": 4 << 30,
                     "MALLOC_TOP_PAD_": 256 << 20}
PEER_MALLOC = {k: str(v) for k, v in PEER_MALLOC_BYTES.items()}


def _size(n):
    """A byte count as the machine line shows it: 32M, 4G."""
    return f"{n >> 30}G" if n % (1 << 30) == 0 else f"{n >> 20}M"
# oneDNN's dnnl_cpu_isa_t values (v2.6), for naming the ISA its convolutions run.
ONEDNN_ISA = {0x1: "sse41", 0x3: "avx", 0x7: "avx2", 0x27: "avx512_core", 0x67: "avx512_core_vnni",
              0xE7: "avx512_core_bf16", 0x3E7: "avx512_core_amx", 0x407: "avx2_vnni"}


# ---- the hardware -------------------------------------------------------------------------------

def cpu_model():
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


def cpu_flags():
    for line in open("/proc/cpuinfo"):
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return set()


def has_avx512():
    return "avx512f" in cpu_flags()


# ---- Pare ---------------------------------------------------------------------------------------

def jvm_flags(avx2):
    """The JVM flags of Pare's benchmark forks: -jvmArgsAppend replaces @Fork's, so repeat them."""
    flags = ["--add-modules", "jdk.incubator.vector", "-Xmx2g"]
    return flags + [AVX2_JVM] if avx2 else flags


def pare_info(avx2=False):
    """Pare's vector width and CNN parameter counts, from dev.pare.bench.PeerInfo in the JMH jar."""
    if not os.path.exists(JAR):
        sys.exit(f"{JAR} is missing: build it with  mvn -q -pl bench -am package -DskipTests")
    out = subprocess.run([JAVA, *jvm_flags(avx2), "-cp", JAR, "dev.pare.bench.PeerInfo"],
                         capture_output=True, text=True, check=True).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


# ---- OpenBLAS and PyTorch, from inside the child process -----------------------------------------

def loaded_openblas():
    """The OpenBLAS library mapped into this process (numpy and torch both reach it through
    libblas.so.3), or None. Call it after the first product: the library loads lazily."""
    import ctypes
    for line in open("/proc/self/maps"):
        path = line.split()[-1]
        if "libopenblas" in path:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            return lib
    return None


def openblas_corename():
    lib = loaded_openblas()
    return lib.openblas_get_corename().decode() if lib else "unknown"


def check_against_float64(matmul, a, b):
    """Exits the child when float32 matmul(a, b) strays from the float64 product.

    The tolerance scales with sqrt(k): the rounding errors of a k-term dot product grow like a
    random walk. A kernel that is merely reordered passes; one that computes garbage (an ISA the
    CPU lacks, a broken forced kernel) is off by O(1) and fails.
    """
    import numpy as np
    got = np.asarray(matmul(a, b), dtype=np.float64)
    ref = np.asarray(a, dtype=np.float64) @ np.asarray(b, dtype=np.float64)
    k = np.asarray(a).shape[-1]
    if not np.allclose(got, ref, rtol=1e-3, atol=1e-3 * np.sqrt(k)):
        sys.exit(f"float32 product differs from the float64 reference (kernel "
                 f"{openblas_corename()}, max error {np.max(np.abs(got - ref)):.3g})")


def seconds_per_call(fn, warmups=3, reps=7, min_time=0.05):
    """Median over `reps` repetitions of the mean time of fn(), each repetition calling it until
    `min_time` has passed; `warmups` repetitions first, so caches, pages and thread pools are hot
    (the peer's analogue of JMH's warm-up and measurement iterations)."""
    def rep():
        calls, t0 = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            t = time.perf_counter() - t0
            if t >= min_time:
                return t / calls
    for _ in range(warmups):
        rep()
    return statistics.median(rep() for _ in range(reps))


def torch_start(threads):
    """Imports torch in a child, sets its thread count, and checks its float32 GEMM (OpenBLAS,
    under whatever kernel this child was given) against float64 before anything is timed."""
    import numpy as np
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((64, 256), np.float32), rng.standard_normal((256, 128), np.float32)
    check_against_float64(lambda x, y: (torch.from_numpy(x) @ torch.from_numpy(y)).numpy(), a, b)
    return torch


def report(cells, **extra):
    """A child's one line of output: JSON with seconds per call of each cell, and the kernels."""
    print(json.dumps({"cells": cells, "openblas": openblas_corename(), **extra}), flush=True)


# ---- running children under each kernel, from the parent ----------------------------------------

def peer_env(threads, overrides=None, avx2=False):
    """The environment of one child: its thread count, its kernel, and the AVX2 caps if asked."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), **PEER_MALLOC)
    if avx2:
        env.update(AVX2_ENV)
    env.update(overrides or {})
    return env


_native = {}


def native_openblas():
    """The kernel OpenBLAS picks by itself here (respecting an OPENBLAS_CORETYPE already set)."""
    if "core" not in _native:
        code = ("import sys; sys.path.insert(0, %r); import numpy as np; import machine; "
                "np.ones((8, 8), np.float32) @ np.ones((8, 8), np.float32); "
                "lib = machine.loaded_openblas(); "
                "print(machine.openblas_corename(), lib.openblas_get_config().decode().split()[1] if lib else '?')"
                % HERE)
        out = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True).stdout.split()
        if out[0] == "unknown":
            # Debian's numpy and torch reach their BLAS through libblas.so.3, which without OpenBLAS
            # is the Fortran reference BLAS: an untuned loop, and every ratio would flatter Pare.
            raise SystemExit("machine: numpy's BLAS (libblas.so.3) is not OpenBLAS here, so the peers would "
                             "run the untuned reference BLAS. Install OpenBLAS first: "
                             "apt-get install libopenblas0-pthread")
        _native["core"], _native["version"] = out[0], out[1]
    return _native["core"], _native["version"]


def openblas_kernels(avx2=False):
    """The (name, environment overrides) of each OpenBLAS kernel worth timing on this machine."""
    if avx2:
        return [("Haswell", {"OPENBLAS_CORETYPE": "Haswell"})]
    native, _ = native_openblas()
    kernels = [(native, {})]
    if has_avx512() and native not in AVX512_CORES:
        kernels.append(("SkylakeX", {"OPENBLAS_CORETYPE": "SkylakeX"}))
    return kernels


def run_child(cmd, env):
    """Runs one child and returns its JSON report, or None (with the reason on stderr) when it
    failed, e.g. a forced kernel that did not reproduce the float64 product."""
    run = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if run.returncode != 0:
        print(f"  peer failed ({env.get('OPENBLAS_CORETYPE', 'native')} kernel): "
              f"{(run.stderr or run.stdout).strip().splitlines()[-1:]}", file=sys.stderr, flush=True)
        return None
    return json.loads(run.stdout.strip().splitlines()[-1])


# With remember_winners set (compare.py sets it), a child that has run under every kernel once
# afterwards runs only under the kernels that won at least one of its cells: later rounds then
# cost half as much on a machine where SkylakeX is tried, and measure the same contest.
remember_winners = False
_winners = {}


def best_over_kernels(cmd, threads, avx2=False):
    """Runs child `cmd` under every OpenBLAS kernel worth timing and keeps, per cell, the fastest:
    {cell: (seconds, kernel name)}, plus the child's other report fields from its first run."""
    best, won, extra = {}, {}, {}
    key = (tuple(cmd), threads, avx2)
    kernels = [k for k in openblas_kernels(avx2) if k[0] in _winners.get(key, [k[0]])]
    for name, overrides in kernels:
        out = run_child(cmd, peer_env(threads, overrides, avx2))
        if out is None:
            continue
        for cell, seconds in out.pop("cells").items():
            if cell not in best or seconds < best[cell][0]:
                # The name the child read from OpenBLAS itself: proof the override took effect.
                best[cell], won[cell] = (seconds, out.get("openblas", name)), name
        extra = extra or out
    if not best:
        sys.exit("every OpenBLAS kernel failed; see the messages above")
    if remember_winners:
        _winners[key] = set(won.values())
    return best, extra


# ---- the machine line ---------------------------------------------------------------------------

def torch_summary(avx2=False):
    """PyTorch's version and its kernels, read from a child that runs under the peer environment:
    ATen's CPU capability (its elementwise code), oneDNN's ISA (convolutions) and, for GEMM, the
    BLAS that torch.mm reached. Returns None when torch does not import."""
    code = ("import sys; sys.path.insert(0, %r)\n"
            "import ctypes, json, re, torch, machine\n"
            "cfg = torch.__config__.show()\n"
            "cap = re.search(r'CPU capability usage: (\\S+)', cfg)\n"
            "dnn = re.search(r'MKL-DNN v(\\S+)', cfg)\n"
            "torch.nn.functional.conv2d(torch.randn(1, 1, 8, 8), torch.randn(4, 1, 3, 3))\n"
            "torch.randn(8, 8) @ torch.randn(8, 8)\n"
            "isa = None\n"
            "for line in open('/proc/self/maps'):\n"
            "    if 'libdnnl' in line:\n"
            "        isa = ctypes.CDLL(line.split()[-1]).dnnl_get_effective_cpu_isa(); break\n"
            "print(json.dumps({'version': torch.__version__.split('a')[0], 'aten': cap and cap.group(1),\n"
            "      'onednn': dnn and dnn.group(1), 'onednn_isa': isa, 'blas': machine.openblas_corename(),\n"
            "      'blas_info': re.search(r'BLAS_INFO=(\\w+)', cfg).group(1)}))\n" % HERE)
    run = subprocess.run([PY, "-c", code], env=peer_env(1, avx2=avx2), capture_output=True, text=True)
    if run.returncode != 0:
        return None
    info = json.loads(run.stdout.strip().splitlines()[-1])
    info["onednn_isa"] = ONEDNN_ISA.get(info["onednn_isa"], hex(info["onednn_isa"] or 0))
    return info


def machine_line(avx2=False, pare=None, openblas=True, torch=None):
    """One line naming the hardware and every kernel in the comparison. `pare` is pare_info()'s
    dict (None leaves Pare out), `torch` is torch_summary()'s (None leaves torch out)."""
    flags = cpu_flags()
    parts = [f"{cpu_model()}, {os.cpu_count()} CPUs ({' '.join(f for f in SHOWN_FLAGS if f in flags)})"]
    if pare:
        parts.append(f"Pare {pare['vector']}" + (" (forced by -Dpare.vector.bits=256)" if avx2 else "")
                     + (f" on {pare['java']}" if "java" in pare else ""))
    if openblas:
        native, version = native_openblas()
        names = [n for n, _ in openblas_kernels(avx2)]
        # A kernel set in the environment is not OpenBLAS's own pick: say where it came from.
        source = " (OPENBLAS_CORETYPE in the environment)" if os.environ.get("OPENBLAS_CORETYPE") else ""
        if avx2:
            parts.append(f"OpenBLAS {version} Haswell (forced, AVX2)")
        elif len(names) > 1:
            parts.append(f"OpenBLAS {version} {native}{source}→SkylakeX tried, faster kept per row")
        else:
            parts.append(f"OpenBLAS {version} {native}{source}" + (" (AVX-512)" if native in AVX512_CORES else ""))
    if torch:
        parts.append(f"torch {torch['version']} (ATen {torch['aten']}, oneDNN {torch['onednn']} "
                     f"{torch['onednn_isa']} for conv, GEMM in "
                     + ("the same OpenBLAS)" if torch["blas"] != "unknown" else f"{torch['blas_info']} BLAS)")
                     + ", glibc malloc keeping freed memory ("
                     + ", ".join(f"{k}={_size(v)}" for k, v in PEER_MALLOC_BYTES.items()) + ")")
    if avx2:
        parts.append("AVX2 mode: " + ", ".join(f"{k}={v}" for k, v in AVX2_ENV.items()))
    return "machine: " + " · ".join(parts)
