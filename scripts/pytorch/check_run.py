#!/usr/bin/env python3
"""Checks a run's `model.safetensors` from outside medref.

    python scripts/pytorch/check_run.py RUN_DIR [--torch] [--tol 1e-5]

Always (needs `numpy` and `safetensors` only):
- every tensor's name and shape in the file equals what the PyTorch
  definition in `medref_torch.py` holds in its state dict, and what
  `model.json`'s name map says;
- for table models (`linear`, `mlp`, `cox`), the test rows of
  `predictions.csv` are recomputed in numpy from the source table, the
  run's `preprocess.json` and the file's weights, and must match to `--tol`.

With `--torch`, the file is also loaded into the PyTorch model with
`load_state_dict(strict=True)` and that model recomputes: for table
models and MedMNIST runs (2D or 3D: `resnet`, `resnet3d`, `resnet18`,
`resnet50`), the test rows of `predictions.csv`; for U-Net runs, a
forward pass's shape and, on image/mask file pairs (needs Pillow), each
test image's Dice in `per_image_metrics.csv` through medref's sliding
window.

Exit status: 0 when everything matches, 1 on a mismatch, 2 on unusable
input (no run, no `model.safetensors`, missing package).
"""

import argparse
import csv
import json
import math
import os
import sys
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import medref_torch  # noqa: E402
import shape_only  # noqa: E402

MISSING = {"", "NA", "N/A", "NaN", "?"}
TABLE_KINDS = {"linear", "mlp", "cox"}
IMAGE_KINDS = {"resnet", "resnet3d", "resnet18", "resnet50"}


def fail(message, code=1):
    print(f"check_run: {message}", file=sys.stderr)
    sys.exit(code)


def load_weights(run_dir, meta):
    try:
        from safetensors.numpy import load_file
    except ImportError:
        fail("the Python package `safetensors` (with numpy) is missing: pip install numpy safetensors", 2)
    path = os.path.join(run_dir, meta["pytorch"]["file"])
    if not os.path.isfile(path):
        fail(f"{path}: no such file", 2)
    return load_file(path)


def check_names(meta, weights):
    """Names and shapes: file == PyTorch definition == model.json's map."""
    model = medref_torch.build(meta, shape_only, shape_only.F)
    expected = {k: v for k, v in shape_only.state_dict_shapes(model).items() if not k.endswith("num_batches_tracked")}
    in_file = {k: tuple(v.shape) for k, v in weights.items()}
    mapped = {t["pytorch"]: tuple(t["shape"]) for t in meta["pytorch"]["tensors"]}
    problems = []
    for key in sorted(set(expected) | set(in_file) | set(mapped)):
        e, f, m = expected.get(key), in_file.get(key), mapped.get(key)
        if not (e == f == m):
            problems.append(f"  {key}: definition {e}, file {f}, model.json {m}")
    if problems:
        fail("tensor names or shapes disagree:\n" + "\n".join(problems))
    print(f"names and shapes: {len(in_file)} tensors match the PyTorch definition ({meta['pytorch']['architecture']['kind']})")


def read_rows(path, data):
    delimiter = "\t" if path.lower().endswith((".tsv", ".tab")) else ","
    with open(path, newline="", encoding="utf-8") as f:
        lines = f.read().splitlines()[data.get("skip_lines", 0):]
    rows = list(csv.reader(lines, delimiter=delimiter))
    if data.get("header", True):
        header, rows = rows[0], rows[1:]
    else:
        header = [f"column_{i + 1}" for i in range(len(rows[0]))]
    return [dict(zip(header, r)) for r in rows]


def features(rows, recipe, np):
    """`Preprocessor::transform` in numpy: median imputation, optional
    standardisation, missing indicators, one-hot categories; float64, then
    float32 as medref hands them to the network."""
    cols = []
    for t in recipe["preprocessor"]["inputs"]:
        name = t["name"]
        if t["kind"] == "numeric":
            raw = [r[name].strip() for r in rows]
            missing = np.array([c in MISSING for c in raw])
            v = np.array([t["median"] if m else float(c) for c, m in zip(raw, missing)], dtype=np.float64)
            if t["standardise"]:
                v = (v - t["mean"]) / t["std"]
            cols.append(v)
            if t["indicator"]:
                cols.append(missing.astype(np.float64))
        else:
            cells = [r[name].strip() for r in rows]
            for c in t["categories"]:
                cols.append(np.array([1.0 if cell == c else 0.0 for cell in cells]))
    return np.stack(cols, axis=1).astype(np.float32)


def numpy_forward(weights, x, np):
    hidden = sorted({int(k.split(".")[1]) for k in weights if k.startswith("hidden.")})
    for i in hidden:
        x = np.maximum(x @ weights[f"hidden.{i}.weight"].T + weights[f"hidden.{i}.bias"], 0)
    return x @ weights["head.weight"].T + weights["head.bias"]


def scores(logits, meta, recipe, np):
    """Logits to what `predictions.csv` holds (`predict_scores`)."""
    task = recipe.get("task", "classification")
    if task == "regression":
        return logits.astype(np.float64) * recipe["target_std"] + recipe["target_mean"]
    if task == "survival":
        return logits.astype(np.float64)
    if meta["label_width"] > 1 or logits.shape[1] == 1:
        return 1 / (1 + np.exp(-logits.astype(np.float64)))
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float64)


def data_section(run_dir):
    """The run's `[data]` section, from its resolved `config.toml`."""
    with open(os.path.join(run_dir, "config.toml"), "rb") as f:
        return tomllib.load(f)["data"]


def test_predictions(run_dir, np):
    """The test rows of `predictions.csv` and their scores, `[n, outputs]`."""
    with open(os.path.join(run_dir, "predictions.csv"), newline="") as f:
        test = [p for p in csv.DictReader(f) if p["split"] == "test"]
    if not test:
        fail("predictions.csv has no test rows", 2)
    score_cols = [c for c in test[0] if c.startswith("score")]
    return test, np.array([[float(p[c]) for c in score_cols] for p in test])


def require_here(path, what):
    if not os.path.isfile(path):
        fail(f"{path}: the run's {what} not here (run from the directory the run was trained in)", 2)


def table_inputs(run_dir, np):
    data = data_section(run_dir)
    if data.get("format") != "table":
        return None
    with open(os.path.join(run_dir, "preprocess.json")) as f:
        recipe = json.load(f)
    path = data.get("test_path") or data["path"]
    if not path.lower().endswith((".csv", ".tsv", ".tab", ".txt")):
        fail(f"{path}: the numpy check reads delimited text only", 2)
    require_here(path, "table is")
    rows = read_rows(path, data)
    id_col = data.get("id")
    by_id = {(r[id_col] if id_col else f"row{i + 1}"): r for i, r in enumerate(rows)}
    test, stored = test_predictions(run_dir, np)
    x = features([by_id[p["id"]] for p in test], recipe, np)
    return x, stored, recipe


def image_inputs(run_dir, np):
    """MedMNIST runs (2D or 3D): the `.npz`'s official test images or
    volumes, normalised as medref does (`x * 2/255 - 1`), and the test
    scores of `predictions.csv`."""
    data = data_section(run_dir)
    if data.get("format") not in ("medmnist_npz", "medmnist3d_npz"):
        return None
    require_here(data["path"], "images are")
    images = np.load(data["path"])["test_images"]
    if data["format"] == "medmnist3d_npz" or images.ndim == 3:
        images = images[:, None]
    else:
        images = images.transpose(0, 3, 1, 2)
    test, stored = test_predictions(run_dir, np)
    rows = [int(p["id"].rsplit("-", 1)[-1]) for p in test]
    x = images[rows].astype(np.float32) * np.float32(2.0 / 255.0) - np.float32(1.0)
    return x, stored


def window_starts(size, window, overlap):
    """`sliding_window.rs`'s `axis_starts` (MONAI's windows)."""
    step = window if size == window else max(int(window * (1.0 - overlap)), 1)
    starts, start = [], 0
    while start + window < size:
        starts.append(start)
        start += step
    return starts + [size - window]


def sliding_window_logits(model, image, arch, torch, np):
    """`Segmenter::image_logits`: zero-pad to at least one window, run every
    window, stitch with the Gaussian weights; `[classes, h, w]`."""
    c, h, w = image.shape
    p = arch["patch"]
    ph, pw = max(p - h, 0), max(p - w, 0)
    padded = np.zeros((c, h + ph, w + pw), np.float32)
    padded[:, ph // 2 : ph // 2 + h, pw // 2 : pw // 2 + w] = image
    rows, cols = (window_starts(n, p, arch["overlap"]) for n in (h + ph, w + pw))
    starts = [(r, q) for r in rows for q in cols]
    sigma = max(p * arch["sigma_scale"], 1e-6)
    axis = np.exp(-((np.arange(p) - p // 2) ** 2) / (2 * sigma * sigma))
    importance = np.outer(axis, axis).astype(np.float32)
    importance = np.maximum(importance, importance[importance > 0].min())
    windows = np.stack([padded[:, r : r + p, q : q + p] for r, q in starts])
    with torch.no_grad():
        out = model(torch.from_numpy(windows)).numpy()
    total = np.zeros((out.shape[1],) + padded.shape[1:], np.float32)
    weight = np.zeros(padded.shape[1:], np.float32)
    for (r, q), o in zip(starts, out):
        total[:, r : r + p, q : q + p] += importance * o
        weight[r : r + p, q : q + p] += importance
    stitched = total / np.maximum(weight, np.finfo(np.float32).tiny)
    return stitched[:, ph // 2 : ph // 2 + h, pw // 2 : pw // 2 + w]


def segmentation_check(run_dir, model, meta, torch, np, tol):
    """U-Net runs: the network on random windows must give `[batch,
    classes, patch, patch]`; for image/mask file pairs, each test image's
    Dice (argmax of the stitched logits, foreground = any class but 0)
    must be the one in `per_image_metrics.csv`."""
    arch = meta["pytorch"]["architecture"]
    c, p, k = meta["input_shape"][0], arch["patch"], meta["n_outputs"]
    x = torch.from_numpy(np.random.default_rng(0).random((2, c, p, p), dtype=np.float32))
    with torch.no_grad():
        shape = tuple(model(x).shape)
    if shape != (2, k, p, p):
        fail(f"torch: U-Net output {shape} for input {tuple(x.shape)}, expected {(2, k, p, p)}")
    print(f"torch: 2 random {p}x{p} windows give logits {list(shape)}")
    data = data_section(run_dir)
    if data.get("format") != "segmentation" or k != 2:
        print("torch: test Dice is recomputed for binary masks in image files only")
        return
    from PIL import Image

    with open(os.path.join(run_dir, "per_image_metrics.csv"), newline="") as f:
        test = [r for r in csv.DictReader(f) if r["split"] == "test"]
    got, stored = [], []
    for row in test:
        image_path = os.path.join(data["path"], data["image"].format(id=row["id"]))
        mask_path = os.path.join(data["path"], data["mask"].format(id=row["id"]))
        require_here(image_path, "images are")
        pixels = np.asarray(Image.open(image_path).convert("L" if c == 1 else "RGB"), dtype=np.float32)
        image = (pixels[None] if c == 1 else pixels.transpose(2, 0, 1)) / np.float32(255.0)
        truth = np.asarray(Image.open(mask_path).convert("L")) >= 128
        predicted = sliding_window_logits(model, image, arch, torch, np).argmax(axis=0) != 0
        total = predicted.sum() + truth.sum()
        got.append(2.0 * (predicted & truth).sum() / total if total else 1.0)
        stored.append(float(row["dice"]))
    compare("torch", np.array(got), np.array(stored), tol, "test Dice values", "per_image_metrics.csv")


def compare(name, got, stored, tol, what="test predictions", source="predictions.csv"):
    worst = float(abs(got - stored).max())
    if not (worst <= tol) or math.isnan(worst):
        fail(f"{name}: {what} differ from {source} by up to {worst:.3g} (tolerance {tol:g})")
    print(f"{name}: {stored.shape[0]} {what} match {source} (largest difference {worst:.2g})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("run_dir")
    ap.add_argument("--torch", action="store_true", help="also load the weights into the PyTorch model")
    ap.add_argument("--tol", type=float, default=1e-5)
    args = ap.parse_args()
    try:
        import numpy as np
    except ImportError:
        fail("the Python package `numpy` is missing: pip install numpy safetensors", 2)
    meta_path = os.path.join(args.run_dir, "model.json")
    if not os.path.isfile(meta_path):
        fail(f"{meta_path}: no such file (not a finished medref run)", 2)
    with open(meta_path) as f:
        meta = json.load(f)
    if "pytorch" not in meta:
        fail(f"{meta_path} has no \"pytorch\" entry: the run predates model.safetensors", 2)
    weights = load_weights(args.run_dir, meta)
    check_names(meta, weights)

    kind = meta["pytorch"]["architecture"]["kind"]
    table = table_inputs(args.run_dir, np) if kind in TABLE_KINDS else None
    if table is not None:
        x, stored, recipe = table
        compare("numpy", scores(numpy_forward(weights, x, np), meta, recipe, np), stored, args.tol)
    if args.torch:
        import torch

        model = medref_torch.load(args.run_dir)
        print(f"torch: load_state_dict(strict=True) took all {len(weights)} tensors")
        if table is not None:
            with torch.no_grad():
                logits = model(torch.from_numpy(x)).numpy()
            compare("torch", scores(logits, meta, recipe, np), stored, args.tol)
        images = image_inputs(args.run_dir, np) if kind in IMAGE_KINDS else None
        if images is not None:
            x, stored = images
            with torch.no_grad():
                logits = model(torch.from_numpy(x)).numpy()
            compare("torch", scores(logits, meta, {}, np), stored, args.tol)
        elif kind == "unet":
            segmentation_check(args.run_dir, model, meta, torch, np, args.tol)
        elif table is None:
            print("torch: forward checks cover table, MedMNIST and U-Net runs; this run was checked by names and shapes")


if __name__ == "__main__":
    main()
