#!/usr/bin/python3
"""Where PyTorch's twin of a CNN spends its SGD step, layer by layer: the peer of Pare's
dev.pare.bench.CnnLayerProfile.

Run:  /usr/bin/python3 bench/peers/torch_cnn_layers.py [--arch mobilenet|small] [--steps N] [threads]
Prints the machine line, then one line per convolution and batch norm of one step (forward and
backward, in the order the step runs them), with its operands' shapes and the mean milliseconds
per call over N profiled steps (default 20) after warm-up, then the profiled step's total.

It uses torch.autograd.profiler (record_shapes): each ATen operator is timed where it runs,
inside the real step, so a layer's figure includes the caches as the step leaves them; the
profiler's own bookkeeping adds a few microseconds per operator (the total is a little above
torch_cnn.py's step). Pare's profile times each layer alone instead (fastest of its repetitions),
so compare the two layer by layer for where each spends its time, not to the microsecond.
"""
import sys

import machine
import torch_cnn

# The operators of a training step that belong to a convolution or a batch norm, forward and backward.
LAYER_OPS = ("aten::mkldnn_convolution", "aten::thnn_conv2d", "aten::_convolution", "aten::convolution_backward",
             "aten::native_batch_norm", "aten::native_batch_norm_backward")
SHORT = {"aten::mkldnn_convolution": "conv fwd", "aten::thnn_conv2d": "conv fwd", "aten::_convolution": "conv fwd",
         "aten::convolution_backward": "conv bwd", "aten::native_batch_norm": "bn fwd",
         "aten::native_batch_norm_backward": "bn bwd"}


def main(argv):
    arch = argv[argv.index("--arch") + 1] if "--arch" in argv else "mobilenet"
    steps = int(argv[argv.index("--steps") + 1]) if "--steps" in argv else 20
    rest = [a for i, a in enumerate(argv) if not a.startswith("--") and (i == 0 or argv[i - 1] not in ("--arch", "--steps"))]
    threads = int(rest[0]) if rest else 1
    print(machine.machine_line(False, torch=machine.torch_summary(False)), flush=True)
    torch = machine.torch_start(threads)
    net = torch_cnn.model(arch, torch.nn)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
    loss_fn = torch.nn.CrossEntropyLoss()
    x, y = torch.randn(128, 1, 28, 28), torch.randint(0, 10, (128,))

    def step():
        net.train()
        opt.zero_grad()
        loss_fn(net(x), y).backward()
        opt.step()

    for _ in range(30):
        step()
    with torch.autograd.profiler.profile(record_shapes=True) as prof:
        for _ in range(steps):
            step()
    # One row per (operator, operand shapes), in the order the step first ran them. Two layers
    # with the same shapes (MobileNet has two batch norms of [128, 64, 7, 7]) share a row: its
    # calls per step say so.
    order, rows, calls = [], {}, {}
    for e in prof.function_events:
        if e.name not in LAYER_OPS or (e.name == "aten::_convolution" and e.cpu_children):
            continue
        shapes = [sh for sh in (e.input_shapes or []) if sh][:3]
        key = (e.name, " ".join(str(sh).replace(" ", "") for sh in shapes))
        if key not in rows:
            order.append(key)
            rows[key], calls[key] = 0.0, 0
        rows[key] += e.self_cpu_time_total
        calls[key] += 1
    total = sum(e.cpu_time_total for e in prof.function_events if e.cpu_parent is None) / steps / 1000
    print(f"{arch}, batch 128, {threads} thread(s), {steps} profiled steps: ms per call (calls per step), "
          "operands (conv: input, weight; conv bwd: output gradient, input, weight; bn: input)")
    for key in order:
        if calls[key] < steps:
            continue   # an operator the profiler caught outside the steps' pattern (once in a while)
        name, shapes = key
        print(f"{SHORT[name]:9s} {rows[key] / calls[key] / 1000:7.2f} ({calls[key] // steps})  {shapes}")
    print(f"whole step under the profiler: {total:.2f} ms (the profiler's bookkeeping included)")


if __name__ == "__main__":
    main(sys.argv[1:])
