"""Writes the two numpy-made MedMNIST-layout fixtures medref-data's tests read.

Run from this folder with numpy installed: `python3 make_numpy_fixtures.py`.
Values are formulas of the element index, so the Rust test recomputes them.
"""
import numpy as np

SPLITS = {"train": 6, "val": 2, "test": 3}

# Grey [N, 5, 4] uint8, labels [N, 1] int64, np.savez (stored, not deflated).
grey = {}
for i, (split, n) in enumerate(SPLITS.items()):
    grey[f"{split}_images"] = ((np.arange(n * 5 * 4).reshape(n, 5, 4) * 3 + i) % 256).astype(np.uint8)
    grey[f"{split}_labels"] = (np.arange(n) % 3).reshape(n, 1).astype(np.int64)
np.savez("numpy_savez_grey.npz", **grey)

# RGB [N, 5, 4, 3] uint8, multi-label [N, 4] int32, np.savez_compressed.
rgb = {}
for i, (split, n) in enumerate(SPLITS.items()):
    rgb[f"{split}_images"] = ((np.arange(n * 5 * 4 * 3).reshape(n, 5, 4, 3) * 7 + i) % 256).astype(np.uint8)
    rgb[f"{split}_labels"] = ((np.arange(n * 4).reshape(n, 4) + i) % 2).astype(np.int32)
np.savez_compressed("numpy_savez_compressed_rgb.npz", **rgb)
