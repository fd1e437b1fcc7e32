"""Tiny Cholec80-layout fixture: 8 generated "videos" that pass through the
seven Cholec80 phases in order with random durations (a few phases are
skipped now and then, as in real operations). Annotations are at 5 fps (the real videos have 25; only the fixture size differs);
the per-frame features (5 numbers per second of video, one feature row
per 5 annotation frames) are a noisy code of the phase plus drift. Run
from the repository root:
python3 datasets/surgery/cholec80_tiny/make_cholec80_tiny.py"""
import os, random

PHASES = ["Preparation", "CalotTriangleDissection", "ClippingCutting", "GallbladderDissection",
          "GallbladderPackaging", "CleaningCoagulation", "GallbladderRetraction"]
rng = random.Random(11)
here = os.path.dirname(os.path.abspath(__file__))
os.makedirs(os.path.join(here, "phase_annotations"), exist_ok=True)
os.makedirs(os.path.join(here, "features"), exist_ok=True)
codes = [[rng.gauss(0, 1) for _ in range(5)] for _ in PHASES]
for v in range(1, 9):
    seconds = []
    for p in range(len(PHASES)):
        if p in (4, 5) and rng.random() < 0.2:
            continue
        seconds += [p] * rng.randint(6, 16)
    vid = f"video{v:02d}"
    with open(os.path.join(here, "phase_annotations", f"{vid}-phase.txt"), "w") as f:
        f.write("Frame\tPhase\n")
        for s, p in enumerate(seconds):
            for k in range(5):
                f.write(f"{s * 5 + k}\t{PHASES[p]}\n")
    drift = rng.gauss(0, 0.3)
    with open(os.path.join(here, "features", f"{vid}.csv"), "w") as f:
        for s, p in enumerate(seconds):
            row = [c + drift + rng.gauss(0, 0.6) for c in codes[p]]
            f.write(",".join(f"{x:.4f}" for x in row) + "\n")
