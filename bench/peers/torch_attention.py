#!/usr/bin/python3
"""PyTorch twin of Pare's AttentionBenchmark: one pre-norm GELU encoder layer and its attention.

Run:  /usr/bin/python3 bench/peers/torch_attention.py [--avx2] [--seq 17|50] [--d 64|128] [threads ...]
Prints the machine line, then per (seq, d, threads), in µs per call, the cells of
AttentionBenchmark under the same names: nn.MultiheadAttention(d, 4, batch_first=True) forward at
batch 1 and 256 (no grad) and forward+backward at batch 128 (input and weight gradients, loss =
sum); nn.TransformerEncoderLayer(d, 4, 4d, dropout=0, activation="gelu", batch_first=True,
norm_first=True) forward at batch 1 and 256 (eval, no grad) and one training step at batch 128
(MSE against a fixed target, backward, AdamW lr 1e-3); LayerNorm(d) forward+backward and GELU
forward and forward+backward on the feed-forward hidden layer [128, seq, 4d].
Sequence 17 is 7×7-pixel patches of a 28×28 image plus a class token, 50 is 4×4-pixel patches.
"""
import sys

import machine

SEQS = [17, 50]
DIMS = [64, 128]
HEADS = 4


def child(seq, d, threads):
    torch = machine.torch_start(threads)
    nn = torch.nn
    attention = nn.MultiheadAttention(d, HEADS, batch_first=True)
    encoder = nn.TransformerEncoderLayer(d, HEADS, 4 * d, dropout=0.0, activation="gelu",
                                         batch_first=True, norm_first=True)
    adamw = torch.optim.AdamW(encoder.parameters(), lr=1e-3)
    mse = nn.MSELoss()
    norm = nn.LayerNorm(d)
    x1, x256 = torch.randn(1, seq, d), torch.randn(256, seq, d)
    x128 = torch.randn(128, seq, d, requires_grad=True)
    input128, target128 = torch.randn(128, seq, d), torch.randn(128, seq, d)
    hidden128 = torch.randn(128, seq, 4 * d, requires_grad=True)

    def no_grad(fn):
        def run():
            with torch.no_grad():
                fn()
        return run

    def attention_forward_backward():
        attention.zero_grad()
        x128.grad = None
        attention(x128, x128, x128, need_weights=False)[0].sum().backward()

    def encoder_forward(x):
        encoder.eval()
        with torch.no_grad():
            encoder(x)

    def train_step():
        encoder.train()
        adamw.zero_grad()
        mse(encoder(input128), target128).backward()
        adamw.step()

    def layer_norm_forward_backward():
        norm.zero_grad()
        x128.grad = None
        norm(x128).sum().backward()

    def gelu_forward_backward():
        hidden128.grad = None
        torch.nn.functional.gelu(hidden128).sum().backward()

    slow = lambda fn: machine.seconds_per_call(fn, warmups=2, reps=5, min_time=0.2)
    fast = lambda fn: machine.seconds_per_call(fn, warmups=3, reps=7, min_time=0.1)
    machine.report({
        "attentionForwardBatch1": fast(no_grad(lambda: attention(x1, x1, x1, need_weights=False))),
        "attentionForwardBatch256": slow(no_grad(lambda: attention(x256, x256, x256, need_weights=False))),
        "attentionForwardBackward": slow(attention_forward_backward),
        "encoderForwardBatch1": fast(lambda: encoder_forward(x1)),
        "encoderForwardBatch256": slow(lambda: encoder_forward(x256)),
        "encoderTrainStep": slow(train_step),
        "layerNormForwardBackward": fast(layer_norm_forward_backward),
        "geluForward": fast(no_grad(lambda: torch.nn.functional.gelu(hidden128))),
        "geluForwardBackward": fast(gelu_forward_backward),
    })


def main(argv):
    if argv[:1] == ["--child"]:
        child(int(argv[1]), int(argv[2]), int(argv[3]))
        return
    avx2 = "--avx2" in argv
    seqs = [int(argv[argv.index("--seq") + 1])] if "--seq" in argv else SEQS
    dims = [int(argv[argv.index("--d") + 1])] if "--d" in argv else DIMS
    flagged = {argv[i + 1] for i, a in enumerate(argv) if a in ("--seq", "--d")}
    threads = [int(a) for a in argv if a.isdigit() and a not in flagged] or [1, 2]
    print(machine.machine_line(avx2, torch=machine.torch_summary(avx2)), flush=True)
    for seq in seqs:
        for d in dims:
            for t in threads:
                cells, _ = machine.best_over_kernels([machine.PY, __file__, "--child", str(seq), str(d), str(t)],
                                                     t, avx2)
                line = " ".join(f"{name}_us={s * 1e6:.1f}" for name, (s, _) in cells.items())
                train = cells["encoderTrainStep"][0]
                print(f"torch attention seq={seq} d={d} threads={t} {line} "
                      f"train_samples_per_s={128 / train:.0f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
