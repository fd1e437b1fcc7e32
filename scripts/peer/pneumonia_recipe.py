#!/usr/bin/env python3
"""configs/imaging/pneumoniamnist.toml's recipe as a plain PyTorch script,
timed end to end: the whole loop a trainee runs, for
`scripts/peer-whole-loop` to set against `medref train` on the same file.

    python scripts/peer/pneumonia_recipe.py --data ../shared/datasets/imaging/pneumoniamnist.npz
        [--threads 2] [--epochs 15] [--tuned] [--compile] [--workers 0] [--seed 0] [--out DIR]

What it does, as medref's imaging baseline does (crates/medref-baselines/
src/imaging*, crates/medref-train/src/fit.rs):
- data: the MedMNIST .npz's official train / val / test splits, images
  normalised to [-1, 1] ((x / 255 - 0.5) / 0.5);
- network: the config's ResNet (width 16, 3 stages of 1 basic block, batch
  norm, dropout 0.1, 2 classes), `scripts/pytorch/medref_torch.py`'s twin of
  medref's, so the state dict has medref's keys;
- training: 15 epochs, batch 64, a fresh shuffle each epoch (DataLoader,
  the last batch kept), Adam (lr 1e-3, epsilon 1e-8, weight decay 1e-4
  added to the gradient, as burn's Adam with WeightDecayConfig), cosine
  schedule per epoch from lr to lr / 100, cross-entropy with balanced
  class weights (n / (classes x count));
- augmentation of each training batch: a random rotation of up to +-10
  degrees and a shift of up to +-2 pixels, one bilinear resampling with the
  edge repeated outward (medref's augment_image; here affine_grid +
  grid_sample with padding_mode="border" on the batch);
- validation each epoch (eval mode, batches of 256): AUROC, the config's
  monitor; the best epoch's weights are kept; early stopping after 5
  epochs without improvement (patience);
- test: the best epoch's model on the test split, AUROC and accuracy, and
  a 1,000-resample bootstrap interval of the AUROC (the config's
  [eval] bootstrap).

Switches a PyTorch user would try: --tuned (channels_last, Adam
fused=True, ReLU in place), --compile (torch.compile of the network).
Prints one JSON line: wall time of the whole script from before
`import torch` (the process start is the wrapper's to time), time in
training, validation and test, train images/s, best epoch, test metrics.
With --out DIR, the best model's weights are saved as DIR/model.safetensors
(medref's key names).
"""
import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:
    sys.exit(f"pneumonia_recipe.py: cannot import torch or numpy ({e}); install them in a venv and set PEER_PYTHON")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pytorch"))
import medref_torch  # noqa: E402

ARCH = {"kind": "resnet", "width": 16, "stages": 3, "blocks_per_stage": 1, "dropout": 0.1, "batch_norm": True}
T_IMPORT = time.perf_counter()


class InplaceRelu:
    def __getattr__(self, name):
        return getattr(F, name)

    def relu(self, x, inplace=False):
        return F.relu(x, inplace=True)


def auroc(labels, scores):
    """Area under the ROC curve (ties averaged), by ranks."""
    labels = np.asarray(labels)
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    s = np.asarray(scores)[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    pos = labels == 1
    n_pos, n_neg = pos.sum(), (~pos).sum()
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def augment(x, gen, rotate_degrees=10.0, shift_pixels=2.0):
    """medref's augment_image on a batch: output pixel -> source position
    through a rotation about the centre and a shift, bilinear, edge
    repeated (align_corners=True puts -1 and 1 on the edge pixels' centres)."""
    n, _, h, w = x.shape
    u = torch.rand(n, 3, generator=gen) * 2 - 1
    angle = u[:, 0] * rotate_degrees * torch.pi / 180
    dx, dy = u[:, 1] * shift_pixels, u[:, 2] * shift_pixels
    cos, sin = angle.cos(), angle.sin()
    cx, cy = (w - 1) / 2, (h - 1) / 2
    theta = torch.stack([
        torch.stack([cos, sin * cy / cx, -(cos * dx + sin * dy) / cx], 1),
        torch.stack([-sin * cx / cy, cos, -(-sin * dx + cos * dy) / cy], 1),
    ], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=True)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default="../shared/datasets/imaging/pneumoniamnist.npz")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=1e-4)
    ap.add_argument("--patience", type=int, default=5)
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--tuned", action="store_true", help="channels_last, Adam(fused=True), ReLU in place")
    ap.add_argument("--compile", action="store_true", help="torch.compile the network")
    ap.add_argument("--workers", type=int, default=0, help="DataLoader worker processes (0: in the training process)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--max-train", type=int, help="train on the first N training images only (smoke tests)")
    ap.add_argument("--out", help="save the best model's weights as OUT/model.safetensors")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    t_data = time.perf_counter()
    d = np.load(args.data)

    def split(name):
        x = torch.from_numpy(d[f"{name}_images"].astype(np.float32)).mul_(2 / 255).sub_(1).unsqueeze(1)
        return x, torch.from_numpy(d[f"{name}_labels"].reshape(-1).astype(np.int64))

    (xtr, ytr), (xva, yva), (xte, yte) = split("train"), split("val"), split("test")
    if args.max_train:
        xtr, ytr = xtr[: args.max_train], ytr[: args.max_train]
    counts = torch.bincount(ytr, minlength=2).float()
    class_weights = len(ytr) / (2 * counts.clamp(min=1))
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(xtr, ytr), batch_size=args.batch, shuffle=True, generator=gen,
        num_workers=args.workers, drop_last=False,
    )
    t_data = time.perf_counter() - t_data

    meta = {"pytorch": {"architecture": ARCH}, "input_shape": [1, 28, 28], "n_outputs": 2}
    model = medref_torch.build(meta, nn, InplaceRelu() if args.tuned else F)
    fmt = torch.channels_last if args.tuned else torch.contiguous_format
    model = model.to(memory_format=fmt)
    adam = dict(lr=args.lr, eps=1e-8, weight_decay=args.weight_decay)
    if args.tuned:
        try:
            opt = torch.optim.Adam(model.parameters(), fused=True, **adam)
        except (RuntimeError, TypeError):
            opt = torch.optim.Adam(model.parameters(), foreach=True, **adam)
    else:
        opt = torch.optim.Adam(model.parameters(), foreach=False, **adam)
    net = torch.compile(model) if args.compile else model

    def lr_at(epoch):
        floor = args.lr / 100
        return floor + (args.lr - floor) * 0.5 * (1 + np.cos(np.pi * epoch / max(args.epochs, 1)))

    def scores(x):
        model.eval()
        out = []
        with torch.no_grad():
            for xb in torch.split(x, 256):
                out.append(torch.softmax(net(xb.contiguous(memory_format=fmt)), 1)[:, 1])
        return torch.cat(out).numpy()

    best, best_epoch, best_auc, stale, history = None, 0, -1.0, 0, []
    t_train = t_val = 0.0
    seen = 0
    for epoch in range(args.epochs):
        for g in opt.param_groups:
            g["lr"] = lr_at(epoch)
        start = time.perf_counter()
        model.train()
        total = 0.0
        for xb, yb in loader:
            xb = augment(xb, gen).contiguous(memory_format=fmt)
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(net(xb), yb, weight=class_weights)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(yb)
        t_train += time.perf_counter() - start
        seen += len(ytr)
        start = time.perf_counter()
        val_auc = auroc(yva.numpy(), scores(xva))
        t_val += time.perf_counter() - start
        history.append({"epoch": epoch + 1, "train_loss": round(total / len(ytr), 4), "val_auroc": round(val_auc, 4)})
        print(f"epoch {epoch + 1}: loss {total / len(ytr):.4f} val AUROC {val_auc:.4f}", file=sys.stderr, flush=True)
        if val_auc > best_auc:
            best_auc, best_epoch, stale = val_auc, epoch + 1, 0
            best = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            stale += 1
            if args.patience and stale >= args.patience:
                break

    start = time.perf_counter()
    model.load_state_dict(best)
    s = scores(xte)
    y = yte.numpy()
    test_auc = auroc(y, s)
    acc = float(((s >= 0.5).astype(np.int64) == y).mean())
    rng = np.random.default_rng(args.seed)
    boots = []
    for _ in range(args.bootstrap):
        i = rng.integers(0, len(y), len(y))
        a = auroc(y[i], s[i])
        if a == a:
            boots.append(a)
    ci = [float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5))] if boots else None
    t_test = time.perf_counter() - start
    if args.out:
        from safetensors.torch import save_file

        os.makedirs(args.out, exist_ok=True)
        save_file({k: v.contiguous() for k, v in best.items() if not k.endswith("num_batches_tracked")},
                  os.path.join(args.out, "model.safetensors"))
    print(json.dumps({
        "recipe": "configs/imaging/pneumoniamnist.toml", "tuned": args.tuned, "compiled": args.compile,
        "workers": args.workers, "threads": torch.get_num_threads(), "torch": torch.__version__,
        "wall_s": round(time.perf_counter() - T0, 2), "import_s": round(T_IMPORT - T0, 2),
        "data_s": round(t_data, 2), "train_s": round(t_train, 2), "val_s": round(t_val, 2), "test_s": round(t_test, 2),
        "train_images_per_s": round(seen / t_train, 1), "epochs_run": len(history), "best_epoch": best_epoch,
        "test_auroc": round(test_auc, 4), "test_accuracy": round(acc, 4),
        "test_auroc_ci95": [round(c, 4) for c in ci] if ci else None, "history": history,
    }), flush=True)


if __name__ == "__main__":
    main()
