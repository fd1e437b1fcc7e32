#!/usr/bin/env python3
"""The PyTorch side of `scripts/peer-compare`: CPU throughput of six shapes,
with PyTorch run the way a competent user runs it, one variant per process.

    python scripts/peer/bench.py --model {cnn2d,dna1d,mlp,resnet,unet,resnet3d} --variant V
        [--threads 2] [--epochs 3] [--train-batch 64,256] [--infer-batch 1,64,1024]

Variants (`--variant`, default eager; `--list-variants MODEL` prints the
ones that apply to a shape):
  eager        PyTorch's CPU defaults: NCHW, Adam's for-loop implementation
               (`foreach=False`, what CPU tensors get by default), ReLU not
               in place; inference in eval mode under `torch.inference_mode`.
  eager_fused  Adam(fused=True) (foreach=True where fused is unavailable),
               ReLU in place.
  eager_cl     eager_fused with the model and inputs in `channels_last`
               (convolution shapes: cnn2d, resnet, unet; `channels_last_3d`
               for resnet3d).
  compiled     `torch.compile` (inductor, static shapes) of the model for
               training with Adam(fused=True); inference compiled separately
               with inductor's `freezing=True` (weights folded as constants)
               under `torch.no_grad`.
  compiled_cl  compiled with `channels_last` (cnn2d, resnet, unet) or
               `channels_last_3d` (resnet3d).
  onnxruntime  inference only: the eval model exported by `torch.onnx.export`
               (TorchScript exporter, dynamic batch axis) and run by
               `onnxruntime.InferenceSession` with intra-op threads =
               --threads, inter-op 1, sequential execution, all graph
               optimisations.

Shapes (synthetic data, seed 0, held in memory, no shuffling, so the
numbers are compute and framework overhead only):
  cnn2d   1x28x28 images, two 3x3 conv + ReLU + 2x2 max-pool stages, dense
          128, 2 classes; 8192 samples per epoch; cross-entropy
  dna1d   one-hot DNA 4x200, conv 19 (64) + max-pool 4, conv 7 (64), global
          max, 1 logit; 8192 samples; BCE on logits
  mlp     128 features, dense 256-256-1 with ReLU; 65536 samples; mean
          squared error
  resnet  the imaging baseline as configs/imaging/pneumoniamnist.toml builds
          it (width 16, 3 stages of 1 block, batch norm, dropout 0.1) on
          1x28x28, 2 classes; 8192 samples; cross-entropy. The network is
          `scripts/pytorch/medref_torch.py`'s twin of medref's.
  unet    the U-Net of configs/imaging/drive-unet.toml (`unet.rs`: depth 3,
          width 16, batch norm, 2x2 transposed-convolution upsampling) on
          3x64x64 patches, 2 classes per pixel; 512 samples (one DRIVE
          epoch: 16 images x 32 patches); per-pixel cross-entropy (the
          config trains with Dice + cross-entropy; the Dice term is a few
          elementwise sums either way)
  resnet3d  the volume classifier of configs/imaging/adrenalmnist3d.toml
          (`resnet3d.rs`: width 8, 3 stages of 1 block, batch norm, dropout
          0.1) on 1x28x28x28, 2 classes; 512 samples; cross-entropy
The line's `params` is the model's parameter count as burn counts it
(weights plus batch norm's running mean and variance), which peer-compare
checks against medref's.

Timing rules, the same on medref's side (`peer_shapes`): at each training
batch size a fresh model is trained; a step is forward, backward and an
Adam step (lr 1e-3, gradients set to None); one warm-up epoch (which
includes `torch.compile`'s compilation; its time is reported as
`warmup_s`, never in the throughput), then the median of `--epochs` timed
epochs; the loss is read back once per epoch. Inference: the model trained
last, at each inference batch size over the same samples (batch 1: the
first 256 samples one at a time, the `predict` case), one warm-up pass,
median of the timed passes.

Memory (Linux /proc/self/status): `rss_start_mib` after importing torch
(and onnxruntime), `rss_built_mib` once the data and the first model are
built, `peak_rss_mib` the high-water mark at the end; growth after import
is peak - start.

Prints one JSON line.
"""
import argparse
import json
import os
import statistics
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:
    sys.exit(f"bench.py: cannot import torch ({e}); install it in a venv and set PEER_PYTHON")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pytorch"))
import medref_torch  # noqa: E402

PNEUMONIA_RESNET = {"kind": "resnet", "width": 16, "stages": 3, "blocks_per_stage": 1, "dropout": 0.1, "batch_norm": True}
VARIANTS = ["eager", "eager_fused", "eager_cl", "compiled", "compiled_cl", "onnxruntime"]
CONV2D = ("cnn2d", "resnet", "unet")
CONV3D = ("resnet3d",)


def variants_for(model):
    return [v for v in VARIANTS if not v.endswith("_cl") or model in CONV2D + CONV3D]


def rss_mib(field):
    """`VmRSS` (resident now) or `VmHWM` (peak) in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


class Relu:
    """`torch.nn.functional` with ReLU in place or not, for medref_torch's
    networks, which call `F.relu(x)`."""

    def __init__(self, inplace):
        self.inplace = inplace

    def __getattr__(self, name):
        return getattr(F, name)

    def relu(self, x, inplace=False):
        return F.relu(x, inplace=self.inplace or inplace)


class SmallCnn(nn.Module):
    def __init__(self, inplace):
        super().__init__()
        self.inplace = inplace
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 2)

    def forward(self, x):
        for conv in (self.conv1, self.conv2):
            x = F.max_pool2d(F.relu(conv(x), inplace=self.inplace), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1)), inplace=self.inplace))


class DnaCnn(nn.Module):
    def __init__(self, inplace):
        super().__init__()
        self.inplace = inplace
        self.conv1 = nn.Conv1d(4, 64, 19, padding=9)
        self.conv2 = nn.Conv1d(64, 64, 7, padding=3)
        self.fc = nn.Linear(64, 1)

    def forward(self, x):
        x = F.max_pool1d(F.relu(self.conv1(x), inplace=self.inplace), 4)
        x = F.relu(self.conv2(x), inplace=self.inplace).amax(dim=2)
        return self.fc(x)


def dense_net(inplace):
    return nn.Sequential(nn.Linear(128, 256), nn.ReLU(inplace), nn.Linear(256, 256), nn.ReLU(inplace), nn.Linear(256, 1))


def resnet(inplace):
    meta = {"pytorch": {"architecture": PNEUMONIA_RESNET}, "input_shape": [1, 28, 28], "n_outputs": 2}
    return medref_torch.build(meta, nn, Relu(inplace))


class Unet(nn.Module):
    """`unet.rs` with the DRIVE config's settings: per scale two 3x3
    convolutions (no bias) + batch norm + ReLU, 2x2 max-pool down, 2x2
    stride-2 transposed convolution up, the skip first in the
    concatenation, a 1x1 convolution to class logits."""

    def __init__(self, inplace, in_channels=3, n_classes=2, depth=3, width=16):
        super().__init__()
        self.inplace = inplace

        def double(a, b):
            return nn.ModuleList([nn.Conv2d(a, b, 3, padding=1, bias=False), nn.BatchNorm2d(b),
                                  nn.Conv2d(b, b, 3, padding=1, bias=False), nn.BatchNorm2d(b)])

        widths = [width << level for level in range(depth + 1)]
        self.down = nn.ModuleList([double(c, w) for c, w in zip([in_channels] + widths[:depth - 1], widths[:depth])])
        self.bottom = double(widths[depth - 1], widths[depth])
        levels = list(reversed(range(depth)))
        self.ups = nn.ModuleList([nn.ConvTranspose2d(widths[lv + 1], widths[lv + 1] // 2, 2, stride=2) for lv in levels])
        self.up_convs = nn.ModuleList([double(widths[lv + 1] // 2 + widths[lv], widths[lv]) for lv in levels])
        self.head = nn.Conv2d(width, n_classes, 1)

    def double_conv(self, layers, x):
        for i in (0, 2):
            x = F.relu(layers[i + 1](layers[i](x)), inplace=self.inplace)
        return x

    def forward(self, x):
        skips = []
        for step in self.down:
            x = self.double_conv(step, x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.double_conv(self.bottom, x)
        for up, conv in zip(self.ups, self.up_convs):
            x = self.double_conv(conv, torch.cat([skips.pop(), up(x)], 1))
        return self.head(x)


class ResNet3d(nn.Module):
    """`resnet3d.rs` with the AdrenalMNIST3D config's settings (width 8, 3
    stages of 1 block, batch norm, dropout 0.1)."""

    def __init__(self, inplace, width=8, stages=3, in_channels=1, n_out=2, dropout=0.1):
        super().__init__()
        self.inplace = inplace

        def conv_norm(a, b, k, stride):
            return nn.Sequential(nn.Conv3d(a, b, k, stride=stride, padding=k // 2, bias=False), nn.BatchNorm3d(b))

        self.stem = conv_norm(in_channels, width, 3, 1)
        blocks, c = [], width
        for stage in range(stages):
            out, stride = width << stage, 2 if stage > 0 else 1
            shortcut = conv_norm(c, out, 1, stride) if stride != 1 or c != out else None
            blocks.append(nn.ModuleDict({"first": conv_norm(c, out, 3, stride), "second": conv_norm(out, out, 3, 1),
                                         **({"shortcut": shortcut} if shortcut else {})}))
            c = out
        self.blocks = nn.ModuleList(blocks)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(c, n_out)

    def forward(self, x):
        x = F.relu(self.stem(x), inplace=self.inplace)
        for b in self.blocks:
            residual = b["shortcut"](x) if "shortcut" in b else x
            y = F.relu(b["first"](x), inplace=self.inplace)
            x = F.relu(b["second"](y) + residual, inplace=self.inplace)
        return self.head(self.dropout(x.mean(dim=(2, 3, 4))))


CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)


def macs_per_sample(model, example):
    """Multiply-accumulates of the convolutions and dense layers for one
    sample, counted from the layers' shapes during one forward pass."""
    total = [0]

    def count(module, inputs, output):
        if isinstance(module, CONVS):
            per_output = module.in_channels // module.groups
            for k in module.kernel_size:
                per_output *= k
            total[0] += output[0].numel() * per_output
        elif isinstance(module, nn.ConvTranspose2d):
            # Every input element meets every tap of every output channel.
            per_input = module.out_channels // module.groups
            for k in module.kernel_size:
                per_input *= k
            total[0] += inputs[0][0].numel() * per_input
        elif isinstance(module, nn.Linear):
            total[0] += module.in_features * module.out_features

    counted = CONVS + (nn.ConvTranspose2d, nn.Linear)
    hooks = [m.register_forward_hook(count) for m in model.modules() if isinstance(m, counted)]
    with torch.no_grad():
        model.eval()(example[:1].contiguous())
    for h in hooks:
        h.remove()
    return total[0]


def data(name, gen, samples=None):
    if name in ("cnn2d", "resnet"):
        n = samples or 8192
        return torch.rand(n, 1, 28, 28, generator=gen), torch.randint(0, 2, (n,), generator=gen)
    if name == "unet":
        n = samples or 512
        return torch.rand(n, 3, 64, 64, generator=gen), torch.randint(0, 2, (n, 64, 64), generator=gen)
    if name == "resnet3d":
        n = samples or 512
        return torch.rand(n, 1, 28, 28, 28, generator=gen), torch.randint(0, 2, (n,), generator=gen)
    if name == "dna1d":
        n = samples or 8192
        bases = torch.randint(0, 4, (n, 200), generator=gen)
        x = F.one_hot(bases, 4).transpose(1, 2).contiguous().float()
        return x, torch.randint(0, 2, (n, 1), generator=gen).float()
    n = samples or 65536
    x = torch.randn(n, 128, generator=gen)
    y = x @ (torch.randn(128, 1, generator=gen) / 128**0.5) + 0.1 * torch.randn(n, 1, generator=gen)
    return x, y


SHAPES = {
    "cnn2d": (SmallCnn, lambda out, y: F.cross_entropy(out, y)),
    "dna1d": (DnaCnn, lambda out, y: F.binary_cross_entropy_with_logits(out, y)),
    "mlp": (dense_net, lambda out, y: F.mse_loss(out, y)),
    "resnet": (resnet, lambda out, y: F.cross_entropy(out, y)),
    "unet": (Unet, lambda out, y: F.cross_entropy(out, y)),
    "resnet3d": (ResNet3d, lambda out, y: F.cross_entropy(out, y)),
}


def timed(runs, f):
    """One warm-up call, then `runs` timed calls: (median, times, warm-up)."""
    start = time.perf_counter()
    f()
    warmup = time.perf_counter() - start
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, warmup


def adam(params, variant):
    if variant == "eager":
        return torch.optim.Adam(params, lr=1e-3, foreach=False), "for-loop"
    try:
        return torch.optim.Adam(params, lr=1e-3, fused=True), "fused"
    except (RuntimeError, TypeError):
        return torch.optim.Adam(params, lr=1e-3, foreach=True), "foreach"


def onnx_session(model, example, threads):
    try:
        import onnxruntime as ort
    except ImportError as e:
        sys.exit(f"bench.py: cannot import onnxruntime ({e}); install it next to torch (PEER_PYTHON)")
    import io

    buf = io.BytesIO()
    kw = dict(input_names=["x"], output_names=["y"], dynamic_axes={"x": {0: "n"}, "y": {0: "n"}}, opset_version=17)
    try:
        torch.onnx.export(model, (example,), buf, dynamo=False, **kw)
    except TypeError:
        torch.onnx.export(model, (example,), buf, **kw)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(buf.getvalue(), opts, providers=["CPUExecutionProvider"]), ort.__version__


def bench(name, variant, epochs, threads, train_batch_sizes, infer_batch_sizes, samples=None):
    build, loss_fn = SHAPES[name]
    channels_last = variant.endswith("_cl")
    compiled = variant.startswith("compiled")
    inplace = variant != "eager"
    torch.manual_seed(0)
    x, y = data(name, torch.Generator().manual_seed(0), samples)
    layout = torch.channels_last_3d if name in CONV3D else torch.channels_last
    if channels_last:
        x = x.contiguous(memory_format=layout)
    n = x.shape[0]
    plain = build(False)
    macs = macs_per_sample(plain, x)
    # As burn counts: batch norm's running mean and variance are
    # parameters there (not trained, but stored and counted).
    running = [b for k, b in plain.named_buffers() if k.endswith(("running_mean", "running_var"))]
    params = sum(p.numel() for p in plain.parameters()) + sum(b.numel() for b in running)
    out = {"model": name, "variant": variant, "macs_per_sample": macs, "params": params, "samples_per_epoch": n,
           "train": [], "infer": []}
    rss_built = None

    def fresh():
        m = build(inplace)
        return m.to(memory_format=layout) if channels_last else m

    model = None
    if variant != "onnxruntime":
        for b in train_batch_sizes:
            model = fresh()
            opt, adam_impl = adam(model.parameters(), variant)
            step_model = torch.compile(model, dynamic=False) if compiled else model
            batches = list(zip(torch.split(x, b), torch.split(y, b)))
            rss_built = rss_built or rss_mib("VmRSS")
            losses = []

            def epoch():
                model.train()
                for xb, yb in batches:
                    opt.zero_grad(set_to_none=True)
                    loss = loss_fn(step_model(xb), yb)
                    loss.backward()
                    opt.step()
                losses.append(float(loss.detach()))

            t, times, warmup = timed(epochs, epoch)
            out["train"].append({
                "batch": b, "samples_per_s": round(n / t, 1), "epoch_s": [round(s, 4) for s in times],
                "warmup_s": round(warmup, 3), "loss_first_epoch_end": round(losses[0], 4),
                "loss_last_epoch_end": round(losses[-1], 4),
            })
            out["adam"] = adam_impl
    if model is None:
        model = fresh()
        rss_built = rss_mib("VmRSS")
    model.eval()

    for b in infer_batch_sizes:
        count = min(256, n) if b == 1 else n
        xs = torch.split(x[:count], b)
        if variant == "onnxruntime":
            session, out["onnxruntime"] = onnx_session(model, x[:b].contiguous(), threads)
            arrays = [t.contiguous().numpy() for t in xs]

            def infer():
                for a in arrays:
                    r = session.run(None, {"x": a})[0]
                float(r[(0,) * r.ndim])
        elif compiled:
            import torch._inductor.config as inductor_config

            inductor_config.freezing = True
            frozen = torch.compile(model, dynamic=False)

            def infer():
                with torch.no_grad():
                    for xb in xs:
                        r = frozen(xb)
                    float(r[(0,) * r.ndim])
        else:
            def infer():
                with torch.inference_mode():
                    for xb in xs:
                        r = model(xb)
                    float(r[(0,) * r.ndim])

        t, times, warmup = timed(epochs, infer)
        out["infer"].append({
            "batch": b, "samples": count, "samples_per_s": round(count / t, 1),
            "pass_s": [round(s, 5) for s in times], "warmup_s": round(warmup, 3),
        })
    out.update({
        "rss_start_mib": RSS_START, "rss_built_mib": rss_built, "peak_rss_mib": rss_mib("VmHWM"),
        "threads": torch.get_num_threads(), "torch": torch.__version__,
        "malloc": {k: os.environ[k] for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES") if k in os.environ},
    })
    # The first entries under the keys the earlier table read.
    if out["train"]:
        out["train_samples_per_s"] = out["train"][0]["samples_per_s"]
    out["infer_samples_per_s"] = out["infer"][0]["samples_per_s"]
    return out


def sizes(text):
    return [int(b) for b in text.split(",") if b]


def main():
    ap = argparse.ArgumentParser(description="PyTorch side of scripts/peer-compare")
    ap.add_argument("--model", choices=sorted(SHAPES))
    ap.add_argument("--variant", choices=VARIANTS, default="eager")
    ap.add_argument("--list-variants", metavar="MODEL", choices=sorted(SHAPES), help="print the variants that apply to MODEL")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--epochs", type=int, default=3, help="timed epochs and passes (median reported)")
    ap.add_argument("--train-batch", type=sizes, default=[64, 256])
    ap.add_argument("--infer-batch", type=sizes, default=[1, 64, 1024])
    ap.add_argument("--samples", type=int, help="samples per epoch (default: the shape's; smaller only for smoke tests)")
    args = ap.parse_args()
    if args.list_variants:
        print(" ".join(variants_for(args.list_variants)))
        return
    if not args.model:
        ap.error("--model is required")
    if args.variant not in variants_for(args.model):
        ap.error(f"variant {args.variant} does not apply to {args.model}")
    if args.variant.startswith("compiled"):
        import shutil

        if not (shutil.which(os.environ.get("CXX", "")) or shutil.which("g++") or shutil.which("c++") or shutil.which("clang++")):
            sys.exit("bench.py: torch.compile on the CPU needs a C++ compiler (g++, c++ or clang++, or CXX); none found")
    torch.set_num_threads(args.threads)
    print(json.dumps(bench(args.model, args.variant, args.epochs, args.threads, args.train_batch, args.infer_batch, args.samples)), flush=True)


if __name__ == "__main__":
    # "After import" is after torch (and, for that variant, onnxruntime).
    if "--variant" in sys.argv and "onnxruntime" in sys.argv:
        try:
            import onnxruntime  # noqa: F401
        except ImportError as e:
            sys.exit(f"bench.py: cannot import onnxruntime ({e}); install it next to torch (PEER_PYTHON)")
    RSS_START = rss_mib("VmRSS")
    main()
