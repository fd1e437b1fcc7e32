#!/usr/bin/env python3
"""Writes BasicMotionsCut_TRAIN.ts and BasicMotionsCut_TEST.ts: the shipped
BasicMotions cases, each cut to a random length, as recordings arrive when a
session ends early. Case k keeps its first L samples of every channel, L
drawn uniformly from 30..100 (of 100) with Python's random.Random(30), one
draw per case in file order, TRAIN before TEST. The header says
`@equalLength false`; values and labels are copied as written.

Usage (from the repository root): python3 datasets/eldercare/make_basicmotions_cut.py
"""

import pathlib
import random

HERE = pathlib.Path(__file__).resolve().parent
SEED = 30
SHORTEST, LONGEST = 30, 100


def cut(source: pathlib.Path, target: pathlib.Path, rng: random.Random) -> None:
    out = []
    in_data = False
    for line in source.read_text().splitlines():
        stripped = line.strip()
        low = stripped.lower()
        if not in_data:
            if low.startswith("@equallength"):
                line = "@equalLength false"
            elif low.startswith("@serieslength"):
                continue
            elif low.startswith("@problemname"):
                line = "@problemName BasicMotionsCut"
            elif low == "@data":
                in_data = True
            out.append(line)
            continue
        if not stripped:
            continue
        *channels, label = stripped.split(":")
        keep = rng.randint(SHORTEST, LONGEST)
        channels = [",".join(c.split(",")[:keep]) for c in channels]
        out.append(":".join(channels + [label]))
    header = f"# BasicMotions cut to random lengths ({SHORTEST}-{LONGEST} samples, seed {SEED}) by make_basicmotions_cut.py"
    target.write_text(header + "\n" + "\n".join(out) + "\n")


def main() -> None:
    rng = random.Random(SEED)
    for split in ("TRAIN", "TEST"):
        cut(HERE / f"BasicMotions_{split}.ts", HERE / f"BasicMotionsCut_{split}.ts", rng)


if __name__ == "__main__":
    main()
