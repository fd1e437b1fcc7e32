#!/usr/bin/env python3
"""The PyTorch side of `scripts/peer-compare`: CPU throughput of four shapes.

    python scripts/peer/bench.py --model {cnn2d,dna1d,mlp,resnet} [--threads 2] [--epochs 5]

Shapes (synthetic data, seed 0, held in memory, no shuffling, so the
numbers are compute and framework overhead only):
  cnn2d   1x28x28 images, two 3x3 conv + ReLU + 2x2 max-pool stages, dense
          128, 2 classes; batch 128, 8192 samples per epoch; cross-entropy
  dna1d   one-hot DNA 4x200, conv 19 (64) + max-pool 4, conv 7 (64), global
          max, 1 logit; batch 128, 8192 samples; BCE on logits
  mlp     128 features, dense 256-256-1 with ReLU; batch 256, 65536
          samples; mean squared error
  resnet  the imaging baseline as configs/imaging/pneumoniamnist.toml builds
          it (width 16, 3 stages of 1 block, batch norm, dropout 0.1) on
          1x28x28, 2 classes; batch 64, 8192 samples; cross-entropy. The
          network is `scripts/pytorch/medref_torch.py`'s twin of medref's.

Timing rules, the same on medref's side (`peer_shapes`): a training step
is forward, backward and an Adam step (lr 1e-3, gradients set to None);
one warm-up epoch, then the median of `--epochs` timed epochs; the loss is
read back once per epoch. Inference: eval mode under inference_mode,
batches of 1024 over the same samples, one warm-up pass, median of the
timed passes. Peak resident memory is the process's high-water mark
(getrusage) after both.

Prints one JSON line.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pytorch"))
import medref_torch  # noqa: E402

PNEUMONIA_RESNET = {"kind": "resnet", "width": 16, "stages": 3, "blocks_per_stage": 1, "dropout": 0.1, "batch_norm": True}


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 2)

    def forward(self, x):
        for conv in (self.conv1, self.conv2):
            x = F.max_pool2d(F.relu(conv(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


class DnaCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(4, 64, 19, padding=9)
        self.conv2 = nn.Conv1d(64, 64, 7, padding=3)
        self.fc = nn.Linear(64, 1)

    def forward(self, x):
        x = F.max_pool1d(F.relu(self.conv1(x)), 4)
        x = F.relu(self.conv2(x)).amax(dim=2)
        return self.fc(x)


def dense_net():
    return nn.Sequential(nn.Linear(128, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 1))


def resnet():
    meta = {"pytorch": {"architecture": PNEUMONIA_RESNET}, "input_shape": [1, 28, 28], "n_outputs": 2}
    return medref_torch.build(meta, nn, F)


def macs_per_sample(model, example):
    """Multiply-accumulates of the convolutions and dense layers for one
    sample, counted from the layers' shapes during one forward pass."""
    total = [0]

    def count(module, _inputs, output):
        if isinstance(module, (nn.Conv1d, nn.Conv2d)):
            per_output = module.in_channels // module.groups
            for k in module.kernel_size:
                per_output *= k
            total[0] += output[0].numel() * per_output
        elif isinstance(module, nn.Linear):
            total[0] += module.in_features * module.out_features

    hooks = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        model.eval()(example[:1])
    for h in hooks:
        h.remove()
    return total[0]


def data(name, gen):
    if name in ("cnn2d", "resnet"):
        n = 8192
        return torch.rand(n, 1, 28, 28, generator=gen), torch.randint(0, 2, (n,), generator=gen)
    if name == "dna1d":
        n = 8192
        bases = torch.randint(0, 4, (n, 200), generator=gen)
        x = F.one_hot(bases, 4).transpose(1, 2).contiguous().float()
        return x, torch.randint(0, 2, (n, 1), generator=gen).float()
    n = 65536
    x = torch.randn(n, 128, generator=gen)
    y = x @ (torch.randn(128, 1, generator=gen) / 128**0.5) + 0.1 * torch.randn(n, 1, generator=gen)
    return x, y


SHAPES = {
    "cnn2d": (SmallCnn, 128, lambda out, y: F.cross_entropy(out, y)),
    "dna1d": (DnaCnn, 128, lambda out, y: F.binary_cross_entropy_with_logits(out, y)),
    "mlp": (dense_net, 256, lambda out, y: F.mse_loss(out, y)),
    "resnet": (resnet, 64, lambda out, y: F.cross_entropy(out, y)),
}


def median_time(runs, f):
    f()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def bench(name, epochs):
    build, batch, loss_fn = SHAPES[name]
    torch.manual_seed(0)
    x, y = data(name, torch.Generator().manual_seed(0))
    n = x.shape[0]
    model = build()
    macs = macs_per_sample(model, x)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    train_batches = list(zip(torch.split(x, batch), torch.split(y, batch)))
    losses = []

    def epoch():
        model.train()
        for xb, yb in train_batches:
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        losses.append(float(loss))

    t_train, train_times = median_time(epochs, epoch)
    infer_batches = torch.split(x, 1024)

    def infer():
        model.eval()
        with torch.inference_mode():
            for xb in infer_batches:
                out = model(xb)
            float(out[0, 0])

    t_infer, infer_times = median_time(epochs, infer)
    train_sps, infer_sps = n / t_train, n / t_infer
    return {
        "model": name,
        "train_samples_per_s": round(train_sps, 1),
        "infer_samples_per_s": round(infer_sps, 1),
        "train_gflop_per_s": round(train_sps * 6 * macs / 1e9, 2),
        "infer_gflop_per_s": round(infer_sps * 2 * macs / 1e9, 2),
        "macs_per_sample": macs,
        "batch": batch,
        "samples_per_epoch": n,
        "train_epoch_s": [round(t, 4) for t in train_times],
        "infer_pass_s": [round(t, 4) for t in infer_times],
        "loss_first_epoch_end": round(losses[0], 4),
        "loss_last_epoch_end": round(losses[-1], 4),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
    }


def main():
    ap = argparse.ArgumentParser(description="PyTorch side of scripts/peer-compare")
    ap.add_argument("--model", choices=sorted(SHAPES), required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=5, help="timed epochs and passes (median reported)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(json.dumps(bench(args.model, args.epochs)), flush=True)


if __name__ == "__main__":
    main()
