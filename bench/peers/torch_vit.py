#!/usr/bin/python3
"""PyTorch twin of `./pare train-vit`: the Vision Transformer of samples/FashionModels.vit, its
recipe, and its speed.

The model is torch_twins.ViT, the module whose state dict Pare's tests load into
FashionModels.vit and whose logits they match (samples/src/test/resources/fixtures): the same
layers, names and init shapes, so the two sides time the same network.

Run:  /usr/bin/python3 bench/peers/torch_vit.py [--avx2] [--patch 7] [--dim 64] [--depth 6]
          [--heads 4] [--mlp-ratio 2] [threads ...]
      /usr/bin/python3 bench/peers/torch_vit.py --train EPOCHS [--threads T] [--seed S] [--data DIR]
          [--batch 128] [--lr 1e-3] [--limit N] [same model options]

Speed mode prints the machine line, the parameter count (and Pare's, counted from the same
formula as FashionModelsTest), then per thread count: one training step at batch 128 (AdamW in
two groups, the warm-up/cosine schedule stepped, label smoothing 0.1) in µs and samples/s, and
eval-mode inference at batch 1 and 256 in µs.

Train mode runs TrainVit's recipe on Fashion-MNIST (the four IDX files in --data, default
/usr/share/datasets/fashion-mnist): AdamW lr 1e-3, weight decay 0.05 on matrices only, linear
warm-up over min(one epoch, a tenth of the run) from lr/warm-up, then cosine to 0, per step;
label smoothing 0.1; each image shifted by up to 2 pixels each way (background fill) and flipped
with probability 1/2. It prints each epoch's loss, test accuracy and training samples/s. The
random streams are PyTorch's own, so the accuracy is comparable in distribution, not in bits.
"""
import argparse
import gzip
import math
import os
import struct
import sys
import time

import machine

sys.path.insert(0, os.path.join(machine.ROOT, "samples", "src", "test", "resources", "fixtures"))

MEAN, STD = 0.2860, 0.3530   # FashionMnist.MEAN and STD


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--patch", type=int, default=7)
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--depth", type=int, default=6)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--mlp-ratio", type=int, default=2)
    p.add_argument("--avx2", action="store_true")
    p.add_argument("--train", type=int, metavar="EPOCHS", help="train on Fashion-MNIST instead of timing")
    p.add_argument("--threads", type=int, default=1, help="train mode's thread count")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--limit", type=int, help="train on the first N training images only (a smoke test)")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("thread_counts", nargs="*", type=int)
    return p.parse_args(argv)


def pare_params(a):
    """FashionModels.vit's parameter count for these sizes: the formula of FashionModelsTest."""
    d, f = a.dim, a.mlp_ratio * a.dim
    tokens = (28 // a.patch) ** 2 + 1
    layer = (3 * d * d + 3 * d) + (d * d + d) + (d * f + f) + (f * d + d) + 4 * d
    return d * a.patch * a.patch + d + d + tokens * d + a.depth * layer + 2 * d + 10 * d + 10


def build(a, torch):
    from torch_twins import ViT
    return ViT(patch=a.patch, dim=a.dim, depth=a.depth, heads=a.heads, mlp_ratio=a.mlp_ratio)


def optimizer(net, lr, torch):
    """TrainVit.optimizer: decay matrices and filters, not 1-D tensors, positions or the class token."""
    decay, plain = [], []
    for name, p in net.named_parameters():
        (decay if p.dim() >= 2 and not name.startswith(("pos_embed.", "cls_token.")) else plain).append(p)
    return torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": plain, "weight_decay": 0.0}],
                             lr=lr, betas=(0.9, 0.999), eps=1e-8)


def lr_factor(step, warm, total):
    """TrainVit.schedule: linear warm-up from 1/warm over `warm` steps, then cosine to 0 at `total`."""
    if warm > 0 and step < warm:
        return 1.0 / warm + (1 - 1.0 / warm) * step / warm
    if warm >= total:
        return 1.0
    return (1 + math.cos(math.pi * (step - warm) / (total - warm))) / 2


def child(a, threads):
    torch = machine.torch_start(threads)
    net = build(a, torch)
    opt = optimizer(net, 1e-3, torch)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, 469, 4690))
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    x128, y128 = torch.randn(128, 1, 28, 28), torch.randint(0, 10, (128,))
    x1, x256 = torch.randn(1, 1, 28, 28), torch.randn(256, 1, 28, 28)

    def step():
        net.train()
        opt.zero_grad()
        loss_fn(net(x128), y128).backward()
        opt.step()
        sched.step()

    def forward(x):
        net.eval()
        with torch.no_grad():
            net(x)

    slow = lambda fn: machine.seconds_per_call(fn, warmups=2, reps=3, min_time=0.3)
    fast = lambda fn: machine.seconds_per_call(fn, warmups=3, reps=5, min_time=0.15)
    machine.report({"vit/train_step": slow(step), "vit/forward_b1": fast(lambda: forward(x1)),
                    "vit/forward_b256": slow(lambda: forward(x256))},
                   params=sum(p.numel() for p in net.parameters()))


def model_args(a):
    return ["--patch", str(a.patch), "--dim", str(a.dim), "--depth", str(a.depth), "--heads", str(a.heads),
            "--mlp-ratio", str(a.mlp_ratio)]


def speed(a):
    print(machine.machine_line(a.avx2, torch=machine.torch_summary(a.avx2)), flush=True)
    for t in a.thread_counts or [1, 2]:
        cells, extra = machine.best_over_kernels([machine.PY, __file__, "--child", *model_args(a), str(t)], t, a.avx2)
        s = cells["vit/train_step"][0]
        print(f"torch vit patch={a.patch} dim={a.dim} depth={a.depth} heads={a.heads} mlp_ratio={a.mlp_ratio} "
              f"threads={t} params={extra['params']:,} (Pare {pare_params(a):,}) "
              f"train_step_us={s * 1e6:.0f} samples_per_s={128 / s:.0f} "
              f"forward_b1_us={cells['vit/forward_b1'][0] * 1e6:.1f} "
              f"forward_b256_us={cells['vit/forward_b256'][0] * 1e6:.0f}", flush=True)


def idx(path):
    with gzip.open(path) if path.endswith(".gz") else open(path, "rb") as f:
        raw = f.read()
    magic, n = struct.unpack(">II", raw[:8])
    dims = [n] + list(struct.unpack(">" + "I" * ((magic & 0xFF) - 1), raw[8:4 * (magic & 0xFF) + 4]))
    return raw[4 * (magic & 0xFF) + 4:], dims


def load(torch, directory, part):
    def find(stem):
        for name in (stem, stem + ".gz"):
            if os.path.exists(os.path.join(directory, name)):
                return os.path.join(directory, name)
        sys.exit(f"{stem} is not in {directory}")
    images, dims = idx(find(f"{part}-images-idx3-ubyte"))
    labels, _ = idx(find(f"{part}-labels-idx1-ubyte"))
    x = torch.frombuffer(bytearray(images), dtype=torch.uint8).reshape(dims[0], 1, dims[1], dims[2]).float() / 255
    return (x - MEAN) / STD, torch.frombuffer(bytearray(labels), dtype=torch.uint8).long()


def augment(x, g, torch):
    """Shift by up to 2 pixels each way (background fill), then flip half the images: RandomShift, RandomHorizontalFlip."""
    b = x.shape[0]
    fill = -MEAN / STD
    padded = torch.full((b, 1, 32, 32), fill)
    padded[:, :, 2:30, 2:30] = x
    dy = torch.randint(0, 5, (b,), generator=g)
    dx = torch.randint(0, 5, (b,), generator=g)
    # A shift s = d - 2 in [-2, 2] reads out[y] = in[y - s] = padded[y - s + 2] = padded[y + 4 - d].
    rows = torch.arange(28).view(1, 28) + 4 - dy.view(b, 1)
    cols = torch.arange(28).view(1, 28) + 4 - dx.view(b, 1)
    out = padded[torch.arange(b).view(b, 1, 1), 0, rows.view(b, 28, 1), cols.view(b, 1, 28)].unsqueeze(1)
    flip = torch.rand(b, generator=g) < 0.5
    out[flip] = out[flip].flip(-1)
    return out


def train(a):
    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    g = torch.Generator().manual_seed(a.seed)
    xtr, ytr = load(torch, a.data, "train")
    xte, yte = load(torch, a.data, "t10k")
    if a.limit:
        xtr, ytr = xtr[:a.limit], ytr[:a.limit]
    net = build(a, torch)
    opt = optimizer(net, a.lr, torch)
    per_epoch = (len(ytr) + a.batch - 1) // a.batch
    total = a.train * per_epoch
    warm = max(1, min(per_epoch, total // 10))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, warm, total))
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=0.1)
    print(f"torch vit patch={a.patch} dim={a.dim} depth={a.depth} heads={a.heads} mlp_ratio={a.mlp_ratio} "
          f"params={sum(p.numel() for p in net.parameters()):,} threads={a.threads} epochs={a.train} "
          f"warm-up {warm} of {total} steps", flush=True)
    for epoch in range(a.train):
        net.train()
        order = torch.randperm(len(ytr), generator=g)
        t0, seen, loss_sum = time.perf_counter(), 0, 0.0
        for i in range(per_epoch):
            idx_ = order[i * a.batch:(i + 1) * a.batch]
            x = augment(xtr[idx_], g, torch)
            opt.zero_grad()
            loss = loss_fn(net(x), ytr[idx_])
            loss.backward()
            opt.step()
            sched.step()
            seen += len(idx_)
            loss_sum += loss.item() * len(idx_)
        seconds = time.perf_counter() - t0
        net.eval()
        with torch.no_grad():
            correct = sum((net(xte[i:i + 500]).argmax(1) == yte[i:i + 500]).sum().item() for i in range(0, len(yte), 500))
        print(f"epoch {epoch + 1}/{a.train}: loss {loss_sum / seen:.4f}, test accuracy {correct / len(yte):.4f}, "
              f"{seen / seconds:.0f} training samples/s", flush=True)


def main(argv):
    a = parse(argv)
    if a.child:
        child(a, a.thread_counts[0])
    elif a.train:
        train(a)
    else:
        speed(a)


if __name__ == "__main__":
    main(sys.argv[1:])
