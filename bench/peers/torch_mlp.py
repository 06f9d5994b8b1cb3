#!/usr/bin/python3
"""PyTorch peer for Pare's MlpBenchmark: the MLP 784-256-128-10 on this machine.

Run:  /usr/bin/python3 bench/peers/torch_mlp.py [threads ...]   (default: 1 2)
Each thread count runs in a fresh process, so torch.set_num_threads really applies.
Prints per thread count: the SGD training step at batch 128 (forward, cross-entropy, backward,
Nesterov-momentum update) in samples/s, and inference latency at batch 1 and 256 in microseconds
(medians of 7 timed repetitions after warm-up, like JMH's averages over 1-second iterations).
"""
import os, subprocess, sys

CHILD = r'''
import sys, time, statistics
import torch
torch.set_num_threads(int(sys.argv[1]))
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 256), torch.nn.ReLU(),
                            torch.nn.Linear(256, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True, weight_decay=5e-4)
loss_fn = torch.nn.CrossEntropyLoss()
x128 = torch.randn(128, 1, 28, 28); y128 = torch.randint(0, 10, (128,))
x1 = torch.randn(1, 1, 28, 28); x256 = torch.randn(256, 1, 28, 28)

def step():
    opt.zero_grad(); loss = loss_fn(model(x128), y128); loss.backward(); opt.step()

def fwd1():
    with torch.no_grad(): model(x1)

def fwd256():
    with torch.no_grad(): model(x256)

def per_call(fn):
    calls, t0 = 0, time.perf_counter()
    while True:
        fn(); calls += 1
        t = time.perf_counter() - t0
        if t >= 0.2: return t / calls

def median(fn):
    for _ in range(5): per_call(fn)
    return statistics.median(per_call(fn) for _ in range(7))

s = median(step)
print(f"torch threads={sys.argv[1]} train_step_us={s*1e6:.1f} samples_per_s={128/s:.0f} "
      f"forward_b1_us={median(fwd1)*1e6:.1f} forward_b256_us={median(fwd256)*1e6:.1f}", flush=True)
'''

def main():
    for t in [int(a) for a in sys.argv[1:]] or [1, 2]:
        env = dict(os.environ, OMP_NUM_THREADS=str(t), MKL_NUM_THREADS=str(t))
        out = subprocess.run([sys.executable, "-c", CHILD, str(t)], env=env,
                             capture_output=True, text=True, check=True).stdout.strip()
        print(out, flush=True)

if __name__ == "__main__":
    main()
