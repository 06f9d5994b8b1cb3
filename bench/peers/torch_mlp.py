#!/usr/bin/python3
"""PyTorch peer for Pare's MlpBenchmark: the MLP 784-256-128-10 on this machine.

Run:  /usr/bin/python3 bench/peers/torch_mlp.py [--avx2] [threads ...]   (default: 1 2)
Prints the machine line, then per thread count: the SGD training step at batch 128 (forward,
cross-entropy, backward, Nesterov-momentum update) in µs and samples/s, and inference latency
at batch 1 and 256 in µs (medians of 5 timed repetitions after warm-up, like JMH's averages over
its iterations), and the OpenBLAS kernel that ran torch's GEMMs.

Each thread count runs in a fresh process, so that torch.set_num_threads and OpenBLAS's thread
count really apply; on an AVX-512 CPU where OpenBLAS picks a narrower kernel, each runs again
under SkylakeX and the faster is kept per cell (machine.py).
"""
import sys

import machine

CELLS = ["train_step", "forward_b1", "forward_b256"]


def child(threads):
    torch = machine.torch_start(threads)
    nn = torch.nn
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(),
                          nn.Linear(128, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss()
    x128, y128 = torch.randn(128, 1, 28, 28), torch.randint(0, 10, (128,))
    x1, x256 = torch.randn(1, 1, 28, 28), torch.randn(256, 1, 28, 28)

    def step():
        opt.zero_grad()
        loss_fn(model(x128), y128).backward()
        opt.step()

    def forward(x):
        with torch.no_grad():
            model(x)

    # 0.15 s repetitions: a batch-1 forward is ~50 µs, and shorter ones would catch the noise
    # of a shared machine in single repetitions.
    t = lambda fn: machine.seconds_per_call(fn, warmups=3, reps=5, min_time=0.15)
    machine.report({"train_step": t(step), "forward_b1": t(lambda: forward(x1)),
                    "forward_b256": t(lambda: forward(x256))})


def measure(threads, avx2=False):
    """{cell: (seconds per call, OpenBLAS kernel)} at one thread count."""
    return machine.best_over_kernels([machine.PY, __file__, "--child", str(threads)], threads, avx2)[0]


def main(argv):
    if argv[:1] == ["--child"]:
        child(int(argv[1]))
        return
    avx2 = "--avx2" in argv
    print(machine.machine_line(avx2, torch=machine.torch_summary(avx2)), flush=True)
    for t in [int(a) for a in argv if a.isdigit()] or [1, 2]:
        cells = measure(t, avx2)
        s = cells["train_step"][0]
        print(f"torch threads={t} train_step_us={s * 1e6:.1f} samples_per_s={128 / s:.0f} "
              f"forward_b1_us={cells['forward_b1'][0] * 1e6:.1f} "
              f"forward_b256_us={cells['forward_b256'][0] * 1e6:.1f} core={cells['train_step'][1]}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
