"""PyTorch definitions of medref's model families, for `model.safetensors`.

Each class mirrors one file of `crates/medref-models/src/` with the same
submodule names, so the state dict's keys are the ones medref writes and
`load_state_dict(strict=True)` takes the file as it is. The forward passes
follow the Rust ones step by step (same padding, pooling and activations),
so a loaded model gives medref's logits.

The classes take the `nn` and `F` they build with as arguments: with
PyTorch's own (`torch.nn`, `torch.nn.functional`) they are real networks;
`shape_only.py` passes a stand-in that records parameter names and shapes
exactly as PyTorch's modules would, which lets CI check every tensor of a
file without installing PyTorch.

    import torch, medref_torch
    model = medref_torch.load("runs/tiny")      # model.json + model.safetensors
    logits = model(images)                     # eval mode, float32
"""

import json
import os


def build(meta, nn, F):
    """The network `model.json` (`meta`) describes, built with `nn`/`F`."""
    arch = meta["pytorch"]["architecture"]
    kind = arch["kind"]
    shape = meta["input_shape"]
    n_out = meta["n_outputs"]
    if kind in ("linear", "cox"):
        return mlp(nn, F)([], 0.0, shape[0], 1 if kind == "cox" else n_out)
    if kind == "mlp":
        return mlp(nn, F)(arch["hidden"], arch["dropout"], shape[0], n_out)
    if kind in ("resnet", "resnet3d"):
        return resnet(nn, F, 3 if kind == "resnet3d" else 2)(arch, shape[0], n_out)
    if kind in ("resnet18", "resnet50"):
        # Images are `[c, h, w]`, volumes `[c, d, h, w]`: the data format,
        # not the section, picks 2D or "+3D" (`PaperResnetConfig`).
        return paper_resnet(nn, F, len(shape) - 1)(kind, arch["width"], shape[0], n_out)
    if kind == "unet":
        return segmenter(nn, F)(arch, shape[0], n_out)
    if kind == "dna_cnn":
        return dna_cnn(nn, F)(arch, shape[0], n_out)
    if kind == "signal_cnn":
        return signal_cnn(nn, F)(arch, shape[0], n_out)
    if kind == "tcn":
        return tcn(nn, F)(arch, shape[0], n_out)
    raise ValueError(f"model.json: unknown model kind {kind!r}")


def mlp(nn, F):
    class Mlp(nn.Module):
        """`mlp.rs`: hidden Linear + ReLU + dropout layers, then a Linear head.
        With no hidden layer it is the linear (logistic) model."""

        def __init__(self, hidden, dropout, n_in, n_out):
            super().__init__()
            layers, width = [], n_in
            for h in hidden:
                layers.append(nn.Linear(width, h))
                width = h
            self.hidden = nn.ModuleList(layers)
            self.dropout = nn.Dropout(dropout)
            self.head = nn.Linear(width, n_out)

        def forward(self, x):
            for layer in self.hidden:
                x = self.dropout(F.relu(layer(x)))
            return self.head(x)

    return Mlp


def resnet(nn, F, dims=2):
    conv_layer, norm_layer = (nn.Conv2d, nn.BatchNorm2d) if dims == 2 else (nn.Conv3d, nn.BatchNorm3d)
    spatial = tuple(range(2, 2 + dims))

    class ConvNorm(nn.Module):
        def __init__(self, c_in, c_out, kernel, stride, bn):
            super().__init__()
            self.conv = conv_layer(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=not bn)
            self.norm = norm_layer(c_out) if bn else None

        def forward(self, x):
            x = self.conv(x)
            return self.norm(x) if self.norm is not None else x

    class BasicBlock(nn.Module):
        def __init__(self, c_in, c_out, stride, bn):
            super().__init__()
            self.first = ConvNorm(c_in, c_out, 3, stride, bn)
            self.second = ConvNorm(c_out, c_out, 3, 1, bn)
            needs = stride != 1 or c_in != c_out
            self.shortcut = ConvNorm(c_in, c_out, 1, stride, bn) if needs else None

        def forward(self, x):
            residual = self.shortcut(x) if self.shortcut is not None else x
            y = F.relu(self.first(x))
            return F.relu(self.second(y) + residual)

    class ResNet(nn.Module):
        """`resnet.rs` (`dims` 2) and `resnet3d.rs` (`dims` 3, volumes
        `[batch, c, d, h, w]`): stem, residual stages (stride 2 from the
        second), global average pooling, dropout, linear head."""

        def __init__(self, arch, in_channels, n_out):
            super().__init__()
            bn, width = arch["batch_norm"], arch["width"]
            self.stem = ConvNorm(in_channels, width, 3, 1, bn)
            blocks, channels = [], width
            for stage in range(arch["stages"]):
                out = width << stage
                for b in range(arch["blocks_per_stage"]):
                    stride = 2 if stage > 0 and b == 0 else 1
                    blocks.append(BasicBlock(channels, out, stride, bn))
                    channels = out
            self.blocks = nn.ModuleList(blocks)
            self.dropout = nn.Dropout(arch["dropout"])
            self.head = nn.Linear(channels, n_out)

        def forward(self, x):
            x = F.relu(self.stem(x))
            for block in self.blocks:
                x = block(x)
            x = x.mean(dim=spatial)
            return self.head(self.dropout(x))

    return ResNet


def paper_resnet(nn, F, dims):
    conv_layer, norm_layer = (nn.Conv2d, nn.BatchNorm2d) if dims == 2 else (nn.Conv3d, nn.BatchNorm3d)
    spatial = tuple(range(2, 2 + dims))

    class ConvNorm(nn.Module):
        def __init__(self, c_in, c_out, kernel, stride):
            super().__init__()
            self.conv = conv_layer(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False)
            self.norm = norm_layer(c_out)

        def forward(self, x):
            return self.norm(self.conv(x))

    class Block(nn.Module):
        """A basic block (two 3x3 units) or a bottleneck (1x1, 3x3 with the
        stride, 1x1 widening 4x); ReLU between units and after the sum."""

        def __init__(self, c_in, width, stride, bottleneck):
            super().__init__()
            c_out = width * (4 if bottleneck else 1)
            if bottleneck:
                units = [ConvNorm(c_in, width, 1, 1), ConvNorm(width, width, 3, stride), ConvNorm(width, c_out, 1, 1)]
            else:
                units = [ConvNorm(c_in, width, 3, stride), ConvNorm(width, width, 3, 1)]
            self.units = nn.ModuleList(units)
            needs = stride != 1 or c_in != c_out
            self.shortcut = ConvNorm(c_in, c_out, 1, stride) if needs else None

        def forward(self, x):
            residual = self.shortcut(x) if self.shortcut is not None else x
            y = x
            for i, unit in enumerate(self.units):
                y = unit(y)
                if i < len(self.units) - 1:
                    y = F.relu(y)
            return F.relu(y + residual)

    class PaperResNet(nn.Module):
        """`medmnist_resnet.rs`: the MedMNIST v2 paper's ResNet-18/50 with a
        3x3 stride-1 stem and no max-pool, on images (`dims` 2) or, as its
        "+3D" rows, on volumes (`dims` 3, every kxk kernel kxkxk); global
        average pooling and a linear head, no dropout."""

        def __init__(self, kind, width, in_channels, n_out):
            super().__init__()
            bottleneck = kind == "resnet50"
            per_stage = [3, 4, 6, 3] if bottleneck else [2, 2, 2, 2]
            self.stem = ConvNorm(in_channels, width, 3, 1)
            blocks, channels = [], width
            for stage, n in enumerate(per_stage):
                for b in range(n):
                    stride = 2 if stage > 0 and b == 0 else 1
                    blocks.append(Block(channels, width << stage, stride, bottleneck))
                    channels = (width << stage) * (4 if bottleneck else 1)
            self.blocks = nn.ModuleList(blocks)
            self.head = nn.Linear(channels, n_out)

        def forward(self, x):
            x = F.relu(self.stem(x))
            for block in self.blocks:
                x = block(x)
            return self.head(x.mean(dim=spatial))

    return PaperResNet


def segmenter(nn, F):
    class DoubleConv(nn.Module):
        def __init__(self, c_in, c_out, bn):
            super().__init__()
            self.convs = nn.ModuleList(
                [nn.Conv2d(c_in, c_out, 3, padding=1, bias=not bn), nn.Conv2d(c_out, c_out, 3, padding=1, bias=not bn)]
            )
            # Without batch norm burn's empty `Vec` leaves no tensor, as an
            # empty ModuleList does.
            self.norms = nn.ModuleList([nn.BatchNorm2d(c_out), nn.BatchNorm2d(c_out)] if bn else [])

        def forward(self, x):
            for i, conv in enumerate(self.convs):
                x = conv(x)
                if i < len(self.norms):
                    x = self.norms[i](x)
                x = F.relu(x)
            return x

    class UpStep(nn.Module):
        def __init__(self, c_coarse, c_skip, transposed, bn):
            super().__init__()
            half = c_coarse // 2
            # burn's ConvTranspose2d weight is `[in, out, k, k]` as PyTorch's.
            self.transposed = nn.ConvTranspose2d(c_coarse, half, 2, stride=2) if transposed else None
            self.reduce = None if transposed else nn.Conv2d(c_coarse, half, 1)
            self.conv = DoubleConv(half + c_skip, c_skip, bn)

        def forward(self, coarse, skip):
            import torch  # `F` has no concatenation; forward passes only run in torch

            if self.transposed is not None:
                up = self.transposed(coarse)
            else:
                size = tuple(skip.shape[2:])
                up = self.reduce(F.interpolate(coarse, size=size, mode="bilinear", align_corners=False))
            return self.conv(torch.cat([skip, up], dim=1))

    class Unet(nn.Module):
        def __init__(self, arch, in_channels, n_classes):
            super().__init__()
            depth, width, bn = max(arch["depth"], 1), max(arch["width"], 2), arch["batch_norm"]
            transposed = arch["upsample"] == "transposed"
            down, c = [], in_channels
            for level in range(depth):
                down.append(DoubleConv(c, width << level, bn))
                c = width << level
            self.down = nn.ModuleList(down)
            self.bottom = DoubleConv(c, width << depth, bn)
            self.up = nn.ModuleList(
                UpStep(width << (level + 1), width << level, transposed, bn) for level in reversed(range(depth))
            )
            self.head = nn.Conv2d(width, n_classes, 1)

        def forward(self, x):
            skips = []
            for step in self.down:
                x = step(x)
                skips.append(x)
                x = F.max_pool2d(x, 2)
            x = self.bottom(x)
            for step in self.up:
                x = step(x, skips.pop())
            return self.head(x)

    class Segmenter(nn.Module):
        """`segmenter.rs` + `unet.rs`: the U-Net under `unet.` as medref
        saves it. The forward pass is one batch of windows `[batch, c, h,
        w]` (h, w divisible by 2^depth) to logits `[batch, classes, h, w]`;
        medref scores whole images by stitching `patch`-sized windows with
        Gaussian weights (`sliding_window.rs`, MONAI's
        `sliding_window_inference` with the section's `overlap`,
        `sigma_scale`), which is not part of the network."""

        def __init__(self, arch, in_channels, n_classes):
            super().__init__()
            self.unet = Unet(arch, in_channels, n_classes)

        def forward(self, x):
            return self.unet(x)

    return Segmenter


def dna_cnn(nn, F):
    class ConvStage(nn.Module):
        def __init__(self, c_in, c_out, k, pool):
            super().__init__()
            # burn's `Same` and PyTorch's "same" both put the odd one out
            # of an even kernel's padding on the right.
            self.conv = nn.Conv1d(c_in, c_out, k, padding="same")
            self.pool = pool

        def forward(self, x):
            x = F.relu(self.conv(x))
            return F.max_pool1d(x, self.pool) if self.pool > 1 else x

    class DnaCnn(nn.Module):
        """`dna_cnn.rs`: conv + ReLU (+ max-pool) stages on one-hot DNA
        `[batch, 4, len]`, global max (or flatten), dropout, hidden Linear +
        ReLU, Linear head."""

        def __init__(self, arch, seq_len, n_out):
            super().__init__()
            stages, c_in, length = [], 4, seq_len
            for c_out, k, p in zip(arch["channels"], arch["kernel_sizes"], arch["pool_sizes"]):
                stages.append(ConvStage(c_in, c_out, k, p))
                c_in, length = c_out, length // p
            self.stages = nn.ModuleList(stages)
            self.flatten = arch["global_pool"] == "flatten"
            features = c_in * max(length, 1) if self.flatten else c_in
            self.dropout = nn.Dropout(arch["dropout"])
            self.hidden = nn.Linear(features, arch["hidden"])
            self.head = nn.Linear(arch["hidden"], n_out)

        def forward(self, x):
            for stage in self.stages:
                x = stage(x)
            x = x.flatten(1) if self.flatten else x.amax(dim=2)
            return self.head(F.relu(self.hidden(self.dropout(x))))

    return DnaCnn


def signal_cnn(nn, F):
    class Stage(nn.Module):
        def __init__(self, c_in, c_out, k):
            super().__init__()
            self.conv = nn.Conv1d(c_in, c_out, k, padding="same")

        def forward(self, x):
            x = F.relu(self.conv(x))
            return F.max_pool1d(x, 2) if x.shape[2] >= 2 else x

    class SignalCnn(nn.Module):
        """`signal_cnn.rs`: conv + ReLU + max-pool(2) stages on sensor
        windows `[batch, channels, len]`, mean over time, dropout, head."""

        def __init__(self, arch, in_channels, n_out):
            super().__init__()
            stages, c_in = [], in_channels
            for c_out, k in zip(arch["channels"], arch["kernel_sizes"]):
                stages.append(Stage(c_in, c_out, k))
                c_in = c_out
            self.stages = nn.ModuleList(stages)
            self.dropout = nn.Dropout(arch["dropout"])
            self.head = nn.Linear(c_in, n_out)

        def forward(self, x):
            for stage in self.stages:
                x = stage(x)
            return self.head(self.dropout(x.mean(dim=2)))

    return SignalCnn


def tcn(nn, F):
    class DilatedResidual(nn.Module):
        def __init__(self, channels, k, dilation, causal):
            super().__init__()
            span = dilation * (k - 1)
            self.pad = (span, 0) if causal else (span // 2, span - span // 2)
            self.dilated = nn.Conv1d(channels, channels, k, dilation=dilation)
            self.pointwise = nn.Conv1d(channels, channels, 1)

        def forward(self, h):
            return self.pointwise(F.relu(self.dilated(F.pad(h, self.pad))))

    class Stage(nn.Module):
        def __init__(self, arch, c_in, n_classes):
            super().__init__()
            c = arch["channels"]
            self.input = nn.Conv1d(c_in, c, 1)
            self.layers = nn.ModuleList(
                DilatedResidual(c, arch["kernel_size"], 1 << i, arch["causal"]) for i in range(arch["layers"])
            )
            self.dropout = nn.Dropout(arch["dropout"])
            self.output = nn.Conv1d(c, n_classes, 1)

        def forward(self, x):
            h = self.input(x)
            for layer in self.layers:
                h = h + self.dropout(layer(h))
            return self.output(h)

    class Tcn(nn.Module):
        """`tcn.rs` (MS-TCN): per-frame class logits `[batch, classes, frames]`;
        each later stage refines the softmax of the one before."""

        def __init__(self, arch, in_channels, n_classes):
            super().__init__()
            n = max(arch["stages"], 1)
            self.stages = nn.ModuleList(Stage(arch, in_channels if i == 0 else n_classes, n_classes) for i in range(n))

        def forward(self, x):
            out = self.stages[0](x)
            for stage in self.stages[1:]:
                out = stage(F.softmax(out, dim=1))
            return out

    return Tcn


def load(run_dir, device="cpu"):
    """The run's network with its best weights, in eval mode (needs torch
    and safetensors)."""
    import torch
    from safetensors.torch import load_file

    with open(os.path.join(run_dir, "model.json")) as f:
        meta = json.load(f)
    if "pytorch" not in meta:
        raise SystemExit(f"{run_dir}/model.json has no \"pytorch\" entry: the run predates model.safetensors")
    model = build(meta, torch.nn, torch.nn.functional)
    state = load_file(os.path.join(run_dir, meta["pytorch"]["file"]), device=device)
    # medref does not count batch-norm updates; PyTorch only reads the count
    # when momentum is None, so a zero count loses nothing.
    for key in model.state_dict():
        if key.endswith("num_batches_tracked") and key not in state:
            state[key] = torch.zeros((), dtype=torch.long)
    model.load_state_dict(state, strict=True)
    return model.to(device).eval()
