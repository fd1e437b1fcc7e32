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
`load_state_dict(strict=True)` and, for table models, the test
predictions are recomputed with that model too.

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
    """MedMNIST runs: the `.npz`'s official test images, normalised as medref
    does (`x * 2/255 - 1`), and the test scores of `predictions.csv`."""
    data = data_section(run_dir)
    if data.get("format") != "medmnist_npz":
        return None
    require_here(data["path"], "images are")
    images = np.load(data["path"])["test_images"]
    if images.ndim == 3:
        images = images[:, None, :, :]
    else:
        images = images.transpose(0, 3, 1, 2)
    test, stored = test_predictions(run_dir, np)
    rows = [int(p["id"].rsplit("-", 1)[-1]) for p in test]
    x = images[rows].astype(np.float32) * np.float32(2.0 / 255.0) - np.float32(1.0)
    return x, stored


def compare(name, got, stored, tol):
    worst = float(abs(got - stored).max())
    if not (worst <= tol) or math.isnan(worst):
        fail(f"{name}: test predictions differ from predictions.csv by up to {worst:.3g} (tolerance {tol:g})")
    print(f"{name}: {stored.shape[0]} test predictions match predictions.csv (largest difference {worst:.2g})")


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
        images = image_inputs(args.run_dir, np) if kind == "resnet" else None
        if images is not None:
            x, stored = images
            with torch.no_grad():
                logits = model(torch.from_numpy(x)).numpy()
            compare("torch", scores(logits, meta, {}, np), stored, args.tol)
        elif table is None:
            print("torch: forward check runs on table and MedMNIST runs; this run was checked by names and shapes")


if __name__ == "__main__":
    main()
