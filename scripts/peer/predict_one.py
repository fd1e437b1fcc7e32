#!/usr/bin/env python3
"""The PyTorch side of `medref predict RUN_DIR IMAGE` for an imaging run:
start Python, import torch, build the run's network from model.json, load
model.safetensors (scripts/pytorch/medref_torch.py), score one PNG/JPEG
image and print `id,score_0,score_1,...,predicted` as medref does. Timed from outside
by scripts/peer-whole-loop (the cold start is what it measures).

    python scripts/peer/predict_one.py RUN_DIR IMAGE [--threads 2]
"""
import os
import sys

try:
    import numpy as np
    import torch
    from PIL import Image
except ImportError as e:
    sys.exit(f"predict_one.py: cannot import torch, numpy or Pillow ({e}); set PEER_PYTHON")

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pytorch"))
import medref_torch  # noqa: E402


def main():
    import argparse

    ap = argparse.ArgumentParser(description="PyTorch's cold start of `medref predict` on one image")
    ap.add_argument("run_dir")
    ap.add_argument("image")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    run_dir, image = args.run_dir, args.image
    model = medref_torch.load(run_dir)
    x = np.asarray(Image.open(image).convert("L"), dtype=np.float32) * (2 / 255) - 1
    with torch.inference_mode():
        p = torch.softmax(model(torch.from_numpy(x)[None, None]), 1)[0]
    print("id," + ",".join(f"score_{i}" for i in range(len(p))) + ",predicted")
    print(image + "," + ",".join(f"{v:.6f}" for v in p.tolist()) + f",{int(p.argmax())}")


if __name__ == "__main__":
    main()
