#!/usr/bin/env python3
"""Where PyTorch's cnn2d time goes, eager, training step against inference
(scripts/peer/bench.py's SmallCnn), by torch.profiler: the top operators by
self CPU time, per sample. For PERFORMANCE.md's note on why PyTorch's
inference is barely faster than its training.

    python scripts/peer/profile_cnn2d.py [--threads 2] [--train-batch 128] [--infer-batch 1024] [--batches 4]
        [--channels-last] [--inplace] [--rows 12] [--compiled]

Run it with and without MALLOC_MMAP_THRESHOLD_=33554432
MALLOC_TRIM_THRESHOLD_=1073741824 to see the fresh-page cost.
"""
import argparse
import os
import resource
import sys
import time

try:
    import torch
    import torch.nn.functional as F
    from torch.profiler import ProfilerActivity, profile
except ImportError as e:
    sys.exit(f"profile_cnn2d.py: cannot import torch ({e}); set PEER_PYTHON")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import SmallCnn  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--train-batch", type=int, default=128)
    ap.add_argument("--infer-batch", type=int, default=1024)
    ap.add_argument("--batches", type=int, default=4, help="profiled batches of each kind (after 2 warm-up batches)")
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--inplace", action="store_true")
    ap.add_argument("--rows", type=int, default=12)
    ap.add_argument("--compiled", action="store_true", help="inference by torch.compile with inductor's freezing (under no_grad)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = SmallCnn(args.inplace)
    fmt = torch.channels_last if args.channels_last else torch.contiguous_format
    model = model.to(memory_format=fmt)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    xt = torch.rand(args.train_batch, 1, 28, 28).contiguous(memory_format=fmt)
    yt = torch.randint(0, 2, (args.train_batch,))
    xi = torch.rand(args.infer_batch, 1, 28, 28).contiguous(memory_format=fmt)

    def train_step():
        model.train()
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(xt), yt).backward()
        opt.step()

    def infer_step():
        model.eval()
        with torch.inference_mode():
            float(model(xi)[0, 0])

    if args.compiled:
        import torch._inductor.config as inductor_config

        inductor_config.freezing = True
        frozen = torch.compile(model, dynamic=False)

        def infer_step():  # noqa: F811
            model.eval()
            with torch.no_grad():
                float(frozen(xi)[0, 0])

    kinds = [("training step", train_step, args.train_batch), ("inference" + (", compiled and frozen" if args.compiled else ""), infer_step, args.infer_batch)]
    for name, step, batch in kinds:
        for _ in range(2):
            step()
        faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        start = time.perf_counter()
        for _ in range(args.batches):
            step()
        wall = (time.perf_counter() - start) / (args.batches * batch)
        faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / (args.batches * batch)
        with profile(activities=[ProfilerActivity.CPU], record_shapes=False) as prof:
            for _ in range(args.batches):
                step()
        print(f"\n== {name}, batch {batch}: {wall * 1e6:.1f} us per sample unprofiled "
              f"({1 / wall:,.0f} samples/s), {faults:.1f} minor page faults per sample; profile of {args.batches} batches ==")
        print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=args.rows))


if __name__ == "__main__":
    main()
