#!/usr/bin/python3
"""PyTorch's dynamic int8 Linear (torch.ao.quantization.quantize_dynamic) against its fp32 Linear,
at the shapes of Pare's QuantizedLinearBenchmark, as a peer for Pare's int8 dynamic layer.

Run:  /usr/bin/python3 bench/peers/torch_int8.py [--avx2] [threads ...]   (default: 1 2)
Prints the machine line, then per (shape, threads) the µs per call of each, and the engine.

Dynamic mode is the only int8 Linear PyTorch runs on a float input without a model rewrite:
activations are quantized per call, as in Pare's DYNAMIC mode, and the weights per output
channel, as QuantizedLinearBenchmark quantizes Pare's (torch's default would be per tensor). Debian's build has no FBGEMM: its quantized engines are oneDNN (the default, which uses
VNNI when the CPU has it) and QNNPACK (written for ARM, slow here), so this uses oneDNN.
"""
import sys

import machine

SHAPES = ["1x256x784", "1x1024x1024", "1x4096x4096", "256x256x784", "256x1024x1024"]


def child(threads, shapes):
    torch = machine.torch_start(threads)
    torch.backends.quantized.engine = "onednn"
    cells = {}
    for shape in shapes:
        batch, out, inp = (int(v) for v in shape.split("x"))
        fp32 = torch.nn.Sequential(torch.nn.Linear(inp, out))
        per_channel = torch.ao.quantization.per_channel_dynamic_qconfig
        int8 = torch.ao.quantization.quantize_dynamic(fp32, {torch.nn.Linear: per_channel}, dtype=torch.qint8)
        x = torch.randn(batch, inp)
        with torch.no_grad():
            # A wrong int8 kernel is off by O(|y|); rounding to 8 bits costs a few percent.
            ref, got = fp32(x), int8(x)
            if (got - ref).abs().max() > 0.1 * ref.abs().max():
                sys.exit(f"torch qint8 dynamic Linear {shape}: result far from fp32")
            t = lambda fn: machine.seconds_per_call(fn, warmups=3, reps=5, min_time=0.1)
            cells[f"fp32/{shape}"] = t(lambda: fp32(x))
            cells[f"dynamic/{shape}"] = t(lambda: int8(x))
    machine.report(cells, engine=torch.backends.quantized.engine)


def measure(threads, shapes, avx2=False):
    """{cell: (seconds per call, OpenBLAS kernel)} at one thread count."""
    cmd = [machine.PY, __file__, "--child", str(threads), ",".join(shapes)]
    return machine.best_over_kernels(cmd, threads, avx2)[0]


def main(argv):
    if argv[:1] == ["--child"]:
        child(int(argv[1]), argv[2].split(","))
        return
    avx2 = "--avx2" in argv
    print(machine.machine_line(avx2, torch=machine.torch_summary(avx2)), flush=True)
    for t in [int(a) for a in argv if a.isdigit()] or [1, 2]:
        cells = measure(t, SHAPES, avx2)
        for shape in SHAPES:
            print(f"torch threads={t} shape={shape} fp32_us={cells['fp32/' + shape][0] * 1e6:.1f} "
                  f"qint8_dynamic_us={cells['dynamic/' + shape][0] * 1e6:.1f} engine=onednn", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
