#!/usr/bin/env python3
"""Predict with a medref tree ensemble (trees.json, format medref-trees/1)
using numpy alone: for Python users who want medref's random forest or
gradient boosting without medref.

    python scripts/trees_predict.py RUN_DIR/trees.json FEATURES.csv [OUT.csv]

FEATURES.csv has a header and one row per example with the model's
n_features columns, already preprocessed as the run's preprocess.json
describes (medref's thresholds apply to those values); empty cells or nan
are missing values. Extra trailing columns (a label `y`, say) are ignored.
Writes one row per example: class probabilities (score_0, score_1, ...) or
the predicted value (score_0).

The format (see medref_trees::export): each tree adds its leaf's `value`
to the outputs from `output` on; the sums are divided by the number of
trees when `average`; `baseline` is added; then `link` (identity, sigmoid
or softmax) turns raw outputs into predictions.
"""

import csv
import json
import sys

import numpy as np


def tree_leaf_values(tree, x):
    """Leaf value vectors `[n, len(value)]` of one tree for rows `x`."""
    nodes = tree["nodes"]
    at = np.zeros(len(x), dtype=np.int64)
    done = np.zeros(len(x), dtype=bool)
    width = next(len(n["value"]) for n in nodes if "value" in n)
    out = np.zeros((len(x), width))
    # Children come after their parents, so one pass in node order routes
    # every row from the root to its leaf.
    for i, node in enumerate(nodes):
        here = (at == i) & ~done
        if not here.any():
            continue
        if "value" in node:
            out[here] = node["value"]
            done |= here
            continue
        v = x[here, node["feature"]]
        missing = np.isnan(v)
        left = np.where(missing, node["missing_left"], v <= node["threshold"])
        at[here] = np.where(left, node["left"], node["right"])
    return out


def predict(model, x):
    """Predictions `[n, columns]`: class probabilities or values."""
    x = np.asarray(x, dtype=np.float32).astype(np.float64)
    raw = np.zeros((len(x), model["n_outputs"]))
    for tree in model["trees"]:
        values = tree_leaf_values(tree, x)
        o = tree["output"]
        raw[:, o : o + values.shape[1]] += values
    if model["average"] and model["trees"]:
        raw /= len(model["trees"])
    raw += np.asarray(model["baseline"])
    link = model["link"]
    if link == "sigmoid":
        p = 1.0 / (1.0 + np.exp(-raw[:, 0]))
        return np.column_stack([1.0 - p, p])
    if link == "softmax":
        e = np.exp(raw - raw.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    return raw


def read_features(path, n_features):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    body = [[float(c) if c not in ("", "nan", "NaN") else np.nan for c in r[:n_features]] for r in rows[1:]]
    return np.array(body, dtype=np.float64).reshape(-1, n_features)


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        model = json.load(f)
    if model.get("format") != "medref-trees/1":
        print(f"{argv[1]}: not a medref-trees/1 file", file=sys.stderr)
        return 2
    pred = predict(model, read_features(argv[2], model["n_features"]))
    out = open(argv[3], "w", newline="") if len(argv) > 3 else sys.stdout
    w = csv.writer(out)
    w.writerow([f"score_{j}" for j in range(pred.shape[1])])
    w.writerows([[repr(float(v)) for v in row] for row in pred])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
