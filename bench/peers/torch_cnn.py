#!/usr/bin/python3
"""PyTorch twin of Pare's CnnBenchmark: the two CNNs of samples/FashionModels.java, layer for layer.

Run:  /usr/bin/python3 bench/peers/torch_cnn.py [--avx2] [--arch small|mobilenet] [threads ...]
Prints the machine line, each model's parameter count (Pare's, from FashionModels: 421,834 and
13,914), then per (arch, threads): one SGD step at batch 128 (Nesterov momentum 0.9, weight decay
5e-4, as TrainCnn) in µs and samples/s, and eval-mode inference at batch 1 and 256 in µs.
"""
import sys

import machine

ARCHS = ["small", "mobilenet"]
PARE_PARAMS = {"small": 421_834, "mobilenet": 13_914}   # FashionModels.smallCnn / mobileNet


def model(arch, nn):
    if arch == "small":   # conv blocks 1→32→64 with BN, ReLU, max-pool; then 3136→128→10
        return nn.Sequential(
            nn.Conv2d(1, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, 10))

    def separable(cin, cout, stride):   # depthwise 3×3 (groups = channels), then pointwise 1×1
        return nn.Sequential(
            nn.Conv2d(cin, cin, 3, stride, 1, groups=cin, bias=False), nn.BatchNorm2d(cin), nn.ReLU(),
            nn.Conv2d(cin, cout, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())
    return nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1), nn.BatchNorm2d(16), nn.ReLU(),
                         separable(16, 32, 2), separable(32, 64, 2), separable(64, 128, 1),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 10))


def child(arch, threads):
    torch = machine.torch_start(threads)
    net = model(arch, torch.nn)
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
    loss_fn = torch.nn.CrossEntropyLoss()
    x128, y128 = torch.randn(128, 1, 28, 28), torch.randint(0, 10, (128,))
    x1, x256 = torch.randn(1, 1, 28, 28), torch.randn(256, 1, 28, 28)
    with torch.no_grad():
        net.train()(x128)   # BatchNorm's running statistics away from 0 and 1, as CnnBenchmark does

    def step():
        net.train()
        opt.zero_grad()
        loss_fn(net(x128), y128).backward()
        opt.step()

    def forward(x):
        net.eval()
        with torch.no_grad():
            net(x)

    # A training step takes tens of ms: fewer, longer repetitions keep the whole child near 8 s
    # (compare.py's rounds supply the spread; these medians only need to shed one-off stalls).
    slow = lambda fn: machine.seconds_per_call(fn, warmups=2, reps=3, min_time=0.3)
    fast = lambda fn: machine.seconds_per_call(fn, warmups=3, reps=5, min_time=0.15)
    machine.report({f"{arch}/train_step": slow(step), f"{arch}/forward_b1": fast(lambda: forward(x1)),
                    f"{arch}/forward_b256": slow(lambda: forward(x256))},
                   params=sum(p.numel() for p in net.parameters()))


def measure(arch, threads, avx2=False):
    """({cell: (seconds per call, OpenBLAS kernel)}, parameter count) for one arch and thread count."""
    best, extra = machine.best_over_kernels([machine.PY, __file__, "--child", arch, str(threads)], threads, avx2)
    return best, extra["params"]


def main(argv):
    if argv[:1] == ["--child"]:
        child(argv[1], int(argv[2]))
        return
    avx2 = "--avx2" in argv
    archs = [argv[argv.index("--arch") + 1]] if "--arch" in argv else ARCHS
    print(machine.machine_line(avx2, torch=machine.torch_summary(avx2)), flush=True)
    for arch in archs:
        for t in [int(a) for a in argv if a.isdigit()] or [1, 2]:
            cells, params = measure(arch, t, avx2)
            s = cells[f"{arch}/train_step"][0]
            print(f"torch {arch} threads={t} params={params:,} (Pare {PARE_PARAMS[arch]:,}) "
                  f"train_step_us={s * 1e6:.0f} samples_per_s={128 / s:.0f} "
                  f"forward_b1_us={cells[f'{arch}/forward_b1'][0] * 1e6:.1f} "
                  f"forward_b256_us={cells[f'{arch}/forward_b256'][0] * 1e6:.0f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
