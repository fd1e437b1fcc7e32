"""Tiny fasta_classes fixture: one FASTA per class (background vs bound),
plus a test FASTA per class. Bound sequences carry a planted AP-1-like
TGACTCA site at a random position (either strand); background is
uniform random. Run from the repository root:
python3 datasets/genomics/tiny_fasta_classes/make_fasta_classes.py"""
import random, os

rng = random.Random(7)
here = os.path.dirname(os.path.abspath(__file__))
MOTIF = "TGACTCA"

def seq(n, bound):
    s = [rng.choice("ACGT") for _ in range(n)]
    if bound:
        m = MOTIF if rng.random() < 0.5 else MOTIF[::-1].translate(str.maketrans("ACGT", "TGCA"))
        at = rng.randrange(0, n - len(m))
        s[at:at + len(m)] = m
    return "".join(s)

def write(name, n, bound, prefix):
    with open(os.path.join(here, name), "w") as f:
        for i in range(n):
            f.write(f">{prefix}{i + 1}\n{seq(80, bound)}\n")

write("background.fa", 160, False, "bg")
write("bound.fa", 160, True, "peak")
write("background.test.fa", 50, False, "bgtest")
write("bound.test.fa", 50, True, "peaktest")
