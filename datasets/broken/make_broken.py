#!/usr/bin/env python3
"""Writes the generated part of medref's broken-input corpus.

Run from anywhere: `python3 datasets/broken/make_broken.py`. Only the Python
standard library is used, and every byte is fixed (no clock, no randomness),
so running it again rewrites the same files. Every value is synthetic: no
patient, molecule or sequence comes from a real data set.

Each file is broken in one way, named in its file name and in
`cases.tsv`, which says how `crates/medref-cli/tests/broken.rs` runs the
CLI on it and what the error must say. Files that were written by hand
before this script (`bad_base.fa`, `truncated.vcf`, `ragged.ts`, ...) are
not touched.
"""

import os
import struct
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def write(rel, data):
    """Writes `data` (str as UTF-8, or bytes) to `HERE/rel`, making folders."""
    path = os.path.join(HERE, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)


def utf16(text):
    """`text` as UTF-16 little endian with a byte-order mark (what Windows
    editors write as "Unicode")."""
    return b"\xff\xfe" + text.encode("utf-16-le")


# --- npz ---------------------------------------------------------------

def npy(descr, shape, payload):
    """A version 1.0 `.npy` file: magic, header dict padded to 64 bytes, data."""
    shape_text = "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
    header = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_text}, }}"
    total = 10 + len(header) + 1
    header += " " * ((64 - total % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("ascii") + payload


def u8_images(n, h, w, seed):
    return bytes((seed * 31 + i * 7) % 256 for i in range(n * h * w))


def npz(rel, arrays):
    """A stored (uncompressed) zip of `.npy` entries with a fixed timestamp."""
    path = os.path.join(HERE, rel)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        for name, data in arrays:
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            z.writestr(info, data)


def medmnist(overrides):
    """The six MedMNIST arrays of a tiny grey 8x8 set (8/4/4 images, labels
    0/1), with `overrides` replacing named entries (None drops one)."""
    sizes = {"train": 8, "val": 4, "test": 4}
    arrays = {}
    for k, (split, n) in enumerate(sizes.items()):
        arrays[f"{split}_images"] = npy("|u1", (n, 8, 8), u8_images(n, 8, 8, k))
        arrays[f"{split}_labels"] = npy("|u1", (n, 1), bytes(i % 2 for i in range(n)))
    arrays.update(overrides)
    return [(k, v) for k, v in arrays.items() if v is not None]


def make_npz():
    write("npz_empty.npz", b"")
    # a lone .npy saved with the .npz name (np.save instead of np.savez)
    write("npz_is_npy.npz", npy("|u1", (8, 8, 8), u8_images(8, 8, 8, 0)))
    npz("npz_label_count_mismatch.npz", medmnist({"train_labels": npy("|u1", (7, 1), bytes(i % 2 for i in range(7)))}))
    npz("npz_flat_images.npz", medmnist({"train_images": npy("|u1", (8, 64), u8_images(8, 8, 8, 0))}))
    labels = struct.pack("<4q", 0, 1, -1, 0)
    npz("npz_negative_label.npz", medmnist({"test_labels": npy("<i8", (4, 1), labels)}))
    labels = struct.pack("<4q", 0, 1, 2_000_000_000, 1)
    npz("npz_huge_label.npz", medmnist({"val_labels": npy("<i8", (4, 1), labels)}))
    labels = struct.pack("<8d", 0.0, 1.0, float("nan"), 1.0, 0.0, 1.0, 0.0, 1.0)
    npz("npz_nan_labels.npz", medmnist({"train_labels": npy("<f8", (8, 1), labels)}))
    # header says 4 images of 8x8, the entry holds 100 bytes of the 256
    npz("npz_short_array.npz", medmnist({"val_images": npy("|u1", (4, 8, 8), u8_images(4, 8, 8, 1)[:100])}))
    bad = npy("|u1", (4, 8, 8), u8_images(4, 8, 8, 2)).replace(b"'descr'", b"'dezcr'")
    npz("npz_bad_npy_header.npz", medmnist({"test_images": bad}))
    labels = bytes([0, 1, 0, 1, 2, 0, 0, 0, 1, 1, 0, 1])
    multi = {f"{s}_labels": npy("|u1", (n, 3), bytes(i % 2 for i in range(n * 3))) for s, n in [("train", 8), ("val", 4)]}
    multi["test_labels"] = npy("|u1", (4, 3), labels)
    npz("npz_multilabel_not_binary.npz", medmnist(multi))


# --- images --------------------------------------------------------------

def png(width, height, seed, colour_type=0):
    """An 8-bit grey (or RGB, colour_type 2) PNG."""
    channels = 3 if colour_type == 2 else 1

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(
        b"\x00" + bytes((seed * 17 + y * 5 + x * 3) % 256 for x in range(width * channels)) for y in range(height)
    )
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def image_folder(root, replace=None, drop=(), extra=None):
    """`root/{train,val,test}/{benign,malignant}/NNNN.png`, 4x4 grey, two
    images per class in train and one elsewhere; `replace` maps a relative
    path to other bytes (None deletes it), `extra` adds files."""
    files = {}
    for split, n in [("train", 2), ("val", 1), ("test", 1)]:
        for c, cls in enumerate(["benign", "malignant"]):
            for i in range(n):
                files[f"{split}/{cls}/{i:04}.png"] = png(4, 4, c * 10 + i)
    for k, v in (replace or {}).items():
        if v is None:
            files.pop(k, None)
        else:
            files[k] = v
    for k in drop:
        files = {p: b for p, b in files.items() if not p.startswith(k)}
    files.update(extra or {})
    for rel, data in files.items():
        write(f"{root}/{rel}", data)


def make_images():
    full = png(4, 4, 1)
    image_folder("img_truncated_png", {"train/malignant/0001.png": full[: len(full) - 30]})
    image_folder("img_text_as_png", {"train/benign/0001.png": b"not an image: a text file saved with a .png name\n"})
    image_folder("img_empty_png", {"val/malignant/0000.png": b""})
    # a JPEG start-of-image, JFIF header and the start of a quantisation
    # table, then nothing: a download cut after 40 bytes
    jfif = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xdb\x00\x43\x00" + bytes(range(1, 16))
    image_folder("img_truncated_jpeg", {"test/benign/0000.png": None}, extra={"test/benign/0000.jpg": jfif})
    image_folder("img_mixed_sizes", {"test/malignant/0000.png": png(6, 5, 3)})
    image_folder("img_no_test_split", drop=["test/"])
    image_folder("img_unknown_class", extra={"test/cyst/0000.png": png(4, 4, 9)})


def seg_folder(root, replace=None):
    """`root/images/NN.png` with `root/masks/NN.png` (4x4 grey, the mask
    half foreground) for ids 00 and 01; `replace` maps a relative path to
    other bytes (None deletes it)."""
    files = {}
    for i in range(2):
        files[f"images/{i:02}.png"] = png(4, 4, i)
        files[f"masks/{i:02}.png"] = mask_png(4, 4)
    for k, v in (replace or {}).items():
        if v is None:
            files.pop(k, None)
        else:
            files[k] = v
    for rel, data in files.items():
        write(f"{root}/{rel}", data)


def mask_png(width, height):
    """A grey PNG whose left half is 255 (foreground) and right half 0."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + bytes(255 if x < width // 2 else 0 for x in range(width)) for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def make_segmentation():
    full = png(4, 4, 1)
    seg_folder("seg_missing_mask", {"masks/01.png": None})
    seg_folder("seg_mask_size", {"masks/01.png": mask_png(5, 4)})
    seg_folder("seg_truncated_png", {"images/01.png": full[: len(full) - 30]})
    seg_folder("seg_no_images", {"images/00.png": None, "images/01.png": None, "images/readme.txt": b"no images here\n"})
    write("seg_split_stranger.json", '{"train": ["00", "01", "02"], "val": ["03"], "test": ["04", "not-an-image"]}\n')


# --- DICOM ---------------------------------------------------------------

EXPLICIT_LE = "1.2.840.10008.1.2.1"
JPEG_2000 = "1.2.840.10008.1.2.4.90"


def element(group, elem, vr, value):
    """One explicit-VR little-endian data element."""
    if isinstance(value, str):
        value = value.encode("ascii")
        if len(value) % 2:
            value += b"\x00" if vr == "UI" else b" "
    head = struct.pack("<HH", group, elem) + vr.encode("ascii")
    if vr in ("OB", "OW", "UN", "SQ", "UT"):
        return head + b"\x00\x00" + struct.pack("<I", len(value)) + value
    return head + struct.pack("<H", len(value)) + value


def dicom(rows=4, cols=4, bits=16, pixels=None, syntax=EXPLICIT_LE, pixel_length=None):
    """A synthetic CT slice: preamble, `DICM`, file meta, image elements."""
    meta = (
        element(0x0002, 0x0001, "OB", b"\x00\x01")
        + element(0x0002, 0x0002, "UI", "1.2.840.10008.5.1.4.1.1.2")
        + element(0x0002, 0x0003, "UI", "1.2.826.0.1.3680043.99.1")
        + element(0x0002, 0x0010, "UI", syntax)
    )
    meta = element(0x0002, 0x0000, "UL", struct.pack("<I", len(meta))) + meta
    if pixels is None:
        pixels = b"".join(struct.pack("<H", (i * 37) % 4096) for i in range(rows * cols))
    body = (
        element(0x0008, 0x0060, "CS", "CT")
        + element(0x0028, 0x0002, "US", struct.pack("<H", 1))
        + element(0x0028, 0x0004, "CS", "MONOCHROME2")
        + element(0x0028, 0x0010, "US", struct.pack("<H", rows))
        + element(0x0028, 0x0011, "US", struct.pack("<H", cols))
        + element(0x0028, 0x0100, "US", struct.pack("<H", bits))
        + element(0x0028, 0x0101, "US", struct.pack("<H", min(bits, 12)))
        + element(0x0028, 0x0102, "US", struct.pack("<H", min(bits, 12) - 1))
        + element(0x0028, 0x0103, "US", struct.pack("<H", 0))
    )
    if pixels is not False:
        px = element(0x7FE0, 0x0010, "OW", pixels)
        if pixel_length is not None:
            px = px[:8] + struct.pack("<I", pixel_length) + px[12:]
        body += px
    return b"\x00" * 128 + b"DICM" + meta + body


def make_dicom():
    write("dicom_empty.dcm", b"")
    write("dicom_preamble_only.dcm", b"\x00" * 128 + b"DICM")
    whole = dicom()
    write("dicom_truncated.dcm", whole[: len(whole) - 20])
    write("dicom_no_pixel_data.dcm", dicom(pixels=False))
    # 8x8 declared, 4x4 worth of pixel bytes
    write("dicom_pixel_count_mismatch.dcm", dicom(rows=8, cols=8, pixels=b"".join(struct.pack("<H", i) for i in range(16))))
    write("dicom_bits_allocated_12.dcm", dicom(bits=12))
    encapsulated = b"\xfe\xff\x00\xe0\x00\x00\x00\x00" + b"\xfe\xff\x00\xe0\x08\x00\x00\x00" + b"\xff\x4f\xff\x51junk" + b"\xfe\xff\xdd\xe0\x00\x00\x00\x00"
    write("dicom_jpeg2000.dcm", dicom(syntax=JPEG_2000, pixels=encapsulated, pixel_length=0xFFFFFFFF))


# --- genomics --------------------------------------------------------------

SEQ = "ACGTTGCAAGCTTACGGATCCTAGGCATCGATCGGATATCCGTA"


def make_genomics():
    # BED regions on seq1/seq2 of a small reference, for the FASTA cases
    write("fasta_regions.bed", "seq1\t0\t8\tmotif\nseq1\t8\t16\tbackground\nseq2\t0\t8\tmotif\nseq2\t8\t16\tbackground\n")
    write("fasta_empty.fa", b"")
    write("fasta_no_header.fa", f"{SEQ[:20]}\n{SEQ[20:40]}\n>seq2\n{SEQ[:20]}\n")
    write("fasta_utf16.fa", utf16(f">seq1\n{SEQ[:20]}\n>seq2\n{SEQ[20:40]}\n"))
    write("fasta_duplicate_ids.fa", f">seq1\n{SEQ[:20]}\n>seq2\n{SEQ[20:40]}\n>seq1\n{SEQ[4:24]}\n")
    write("fasta_latin1_name.fa", b">seq1\n" + SEQ[:20].encode() + b"\n>s\xe9q2 Latin-1 name\n" + SEQ[20:40].encode() + b"\n")
    # a .fai with three columns (NAME LENGTH OFFSET): not an index
    write("fasta_bad_fai.fa", f">seq1\n{SEQ[:20]}\n>seq2\n{SEQ[20:40]}\n")
    write("fasta_bad_fai.fa.fai", "seq1\t20\t6\nseq2\t20\t33\n")
    # the index of the whole file next to a copy cut inside seq2
    write("fasta_truncated.fa", f">seq1\n{SEQ[:20]}\n>seq2\n{SEQ[20:26]}")
    write("fasta_truncated.fa.fai", "seq1\t20\t6\t20\t21\nseq2\t20\t33\t20\t21\n")

    write("bed_missing_label.bed", "chr1\t100\t200\tmotif\nchr1\t230\t330\nchr1\t353\t453\tmotif\n")
    write("bed_negative_start.bed", "chr1\t100\t200\tmotif\nchr1\t-30\t70\tbackground\n")
    write("bed_non_numeric_end.bed", "chr1\t100\t200\tmotif\nchr2\t230\t3e2\tbackground\n")
    write("bed_past_contig_end.bed", "chr1\t100\t200\tmotif\nchr2\t100\t200\tmotif\nchr3\t100\t200\tbackground\nchr1\t48200\t48300\tbackground\n")
    write("bed_unknown_contig.bed", "chr1\t100\t200\tmotif\nchr9\t100\t200\tbackground\n")
    write("bed_space_separated.bed", "chr1 100 200 motif\nchr1 230 330 background\n")
    write("bed_utf16.bed", utf16("chr1\t100\t200\tmotif\nchr2\t230\t330\tbackground\n"))

    header = "##fileformat=VCFv4.2\n##contig=<ID=chr3,length=12141>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
    write("vcf_empty.vcf", b"")
    write("vcf_no_header.vcf", "chr3\t447\tv1\tC\tA\t.\tPASS\t.\nchr3\t1383\tv2\tA\tG\t.\tPASS\t.\n")
    write("vcf_latin1.vcf", (header + "chr3\t447\tv1\tC\tA\t.\tPASS\t.\n").encode() + b"chr3\t1383\tv2\tA\tG\t.\tPASS\tNOTE=r\xe9vis\xe9\n")
    write("vcf_utf16.vcf", utf16(header + "chr3\t447\tv1\tC\tA\t.\tPASS\t.\n"))
    write("vcf_bad_ref.vcf", header + "chr3\t447\tv1\tC\tA\t.\tPASS\t.\nchr3\t1383\tv2\tA?G\tG\t.\tPASS\t.\n")
    write("vcf_no_chrom_line.vcf", header.split("#CHROM")[0] + "chr3\t447\tv1\tC\tA\t.\tPASS\t.\n")

    rows = [("chr1:1-10", "ACGTACGTAC", "motif"), ("chr2:1-10", "TTGCATGCAA", "background"), ("chr3:1-10", "GGCATCGATC", "motif")]

    def seq_csv(rows, header="id,sequence,label"):
        return header + "\n" + "".join(",".join(r) + "\n" for r in rows)

    write("seqcsv_bad_base.csv", seq_csv(rows[:1] + [("chr2:1-10", "TTGCAXGCAA", "background")] + rows[2:]))
    write("seqcsv_missing_label_column.csv", seq_csv([r[:2] for r in rows], "id,sequence"))
    write("seqcsv_empty.csv", b"")
    write("seqcsv_duplicate_ids.csv", seq_csv(rows + [("chr2:1-10", "CCGGTTAACC", "motif")]))
    write("seqcsv_empty_sequence.csv", seq_csv(rows[:2] + [("chr3:1-10", "", "motif")]))


# --- tables --------------------------------------------------------------

def table_rows(n=30):
    """`patient_id,age,sex,lactate,outcome` rows of made-up patients."""
    rows = []
    for i in range(n):
        lactate = 1.0 + ((i * 37) % 23) / 10
        rows.append([f"P{i:03}", str(40 + i), "MF"[i % 2], f"{lactate:.2f}", str((i * 7) % 3 % 2)])
    return rows


def table(rows, header="patient_id,age,sex,lactate,outcome"):
    return header + "\n" + "".join(",".join(r) + "\n" for r in rows)


def make_tables():
    rows = table_rows()
    write("table_empty.csv", b"")
    write("table_header_only.csv", table([]))
    r = [list(x) for x in rows]
    r[11][3] = "inf"
    write("table_inf.csv", table(r))
    r = [list(x) for x in rows]
    r[6][2] = "M\xe4nnlich"
    write("table_latin1.csv", table(r).encode("latin-1"))
    write("table_utf16.csv", utf16(table(rows)))
    write("table_duplicate_column.csv", table(rows, "patient_id,age,sex,age,outcome"))
    r = [list(x) for x in rows]
    r[8] = r[8] + ["7.1"]
    write("table_ragged_row.csv", table(r))
    r = [list(x) for x in rows]
    r[19][4] = "2"
    write("table_label_out_of_range.csv", table(r))
    write("table_test_missing_column.csv", table([x[:3] + x[4:] for x in rows[:10]], "patient_id,age,sex,outcome"))

    write("parquet_empty.parquet", b"")
    write("parquet_csv_text.parquet", table(rows[:5]))
    # magic, a few bytes of a column chunk, and no footer: a cut download
    write("parquet_truncated.parquet", b"PAR1" + bytes(range(16, 80)))
    # both magics, but the footer length points before the file start
    write("parquet_bad_footer.parquet", b"PAR1" + b"\x15\x00\x15\x1c" + bytes(24) + struct.pack("<I", 4096) + b"PAR1")

    head = "% Synthetic ward labs for medref's bad-input tests; no real patients.\n@relation ward_labs\n\n@attribute age numeric\n@attribute creatinine numeric\n@attribute sex {female, male}\n@attribute outcome {0, 1}\n@data\n"
    write("arff_nominal_out_of_range.arff", head + "63, 0.9, female, 0\n58, 1.4, male, 2\n71, 1.2, male, 1\n")
    write("arff_nan.arff", head + "63, 0.9, female, 0\n58, NaN, male, 0\n71, 1.2, male, 1\n")
    write("arff_latin1.arff", (head + "63, 0.9, female, 0\n").encode() + b"58, 1.4, m\xe4nnlich, 0\n")
    write("arff_duplicate_attribute.arff", head.replace("@attribute sex", "@attribute age numeric\n@attribute sex") + "63, 50, 0.9, female, 0\n")


# --- molecules -------------------------------------------------------------

def molfile(name, atoms, bonds, tags, counts=None):
    """A V2000 molfile with data items and `$$$$`."""
    n_atoms, n_bonds = counts or (len(atoms), len(bonds))
    lines = [name, "  medref-broken", "", f"{n_atoms:>3}{n_bonds:>3}  0  0  0  0            999 V2000"]
    for k, el in enumerate(atoms):
        lines.append(f"{k * 1.3:>10.4f}{0.0:>10.4f}{0.0:>10.4f} {el:<3} 0  0  0  0  0  0  0  0  0  0  0  0")
    for a, b, order in bonds:
        lines.append(f"{a:>3}{b:>3}{order:>3}  0")
    lines.append("M  END")
    for tag, value in tags:
        lines += [f"> <{tag}>", value, ""]
    lines.append("$$$$")
    return "\n".join(lines) + "\n"


def ethanol(i, sol="-0.5"):
    return molfile(f"mol{i}", ["C", "C", "O"], [(1, 2, 1), (2, 3, 1)], [("ID", str(i)), ("SOL", sol), ("SMILES", "CCO")])


def make_molecules():
    write("sdf_empty.sdf", b"")
    write("sdf_bad_counts.sdf", ethanol(1) + molfile("mol2", ["C", "C", "O"], [(1, 2, 1), (2, 3, 1)], [("ID", "2"), ("SOL", "-0.4")], counts=(9, 2)))
    write("sdf_unknown_element.sdf", ethanol(1) + molfile("mol2", ["C", "Qq"], [(1, 2, 1)], [("ID", "2"), ("SOL", "-1.0"), ("SMILES", "C[Qq]")]))
    v3000 = "mol1\n  medref-broken\n\n  0  0  0     0  0            999 V3000\nM  V30 BEGIN CTAB\nM  V30 COUNTS 1 0 0 0 0\nM  V30 BEGIN ATOM\nM  V30 1 C 0 0 0 0\nM  V30 END ATOM\nM  V30 END CTAB\nM  END\n> <ID>\n1\n\n> <SOL>\n-0.1\n\n$$$$\n"
    write("sdf_v3000.sdf", v3000)

    smiles = ["CCO", "CCN", "CCC", "CCCC", "CCCO", "CCCN", "CC(C)O", "CC(=O)O", "c1ccccc1", "c1ccccc1O",
              "c1ccccc1N", "c1ccccc1C", "CCCCC", "CCCCO", "CCOC", "CCNC", "OCCO", "NCCN", "CC(C)C", "CC(C)N"]
    mols = [(f"M{i + 1}", s, f"{(i * 13) % 7 - 3.5:.2f}") for i, s in enumerate(smiles)]

    def mol_csv(rows, header="id,smiles,logs"):
        return header + "\n" + "".join(",".join(r) + "\n" for r in rows)

    r = list(mols)
    r[9] = ("M10", "c1ccccc1O", "-inf")
    write("molecules_inf_target.csv", mol_csv(r))
    r = list(mols)
    r[14] = ("M15", "C1CCCC", "-1.2")
    write("molecules_unclosed_ring.csv", mol_csv(r))
    write("molecules_utf16.csv", utf16(mol_csv(mols)))
    write("smiles_unknown_element.smi", "CCO 1520012\nc1ccccc1 1520011\nC[Xx]C 1520010\n")


# --- signals ---------------------------------------------------------------

TS_HEAD = "@problemName Broken\n@timeStamps false\n@missing false\n@univariate false\n@dimensions 2\n@equalLength true\n@seriesLength 4\n@classLabel true Walking Running\n@data\n"


def make_signals():
    ok1 = "0.1,0.2,0.3,0.4:1.0,1.1,1.2,1.3:Walking\n"
    ok2 = "0.5,0.6,0.7,0.8:1.4,1.5,1.6,1.7:Running\n"
    write("ts_empty.ts", b"")
    write("ts_no_data.ts", TS_HEAD.replace("@data\n", ""))
    write("ts_unknown_class.ts", TS_HEAD + ok1 + ok2 + "0.1,0.2,0.3,0.4:1.0,1.1,1.2,1.3:Cycling\n")
    write("ts_inf.ts", TS_HEAD + ok1 + "0.5,0.6,inf,0.8:1.4,1.5,1.6,1.7:Running\n")
    write("ts_non_numeric.ts", TS_HEAD + ok1 + ok2 + "0.5,0.6,0.7,0.8:1.4,1.5.1,1.6,1.7:Running\n")
    write("ts_wrong_dimensions.ts", TS_HEAD.replace("@dimensions 2", "@dimensions 3") + ok1 + ok2)
    write("ts_utf16.ts", utf16(TS_HEAD + ok1 + ok2))
    # valid on its own, but 2 channels where the test file has 6
    four = TS_HEAD.replace("Walking Running", "Standing Running Walking Badminton")
    write("ts_two_channels.ts", four + ok1 + ok2 + ok1.replace("Walking", "Standing") + ok2.replace("Running", "Badminton"))

    def sensor(rows, header="timestamp,ax,ay,az,subject,label"):
        return header + "\n" + "".join(",".join(r) + "\n" for r in rows)

    base = [[f"{t * 0.04:.2f}", f"{t * 0.01:.2f}", f"{t * 0.1:.2f}", "0.98", "S01", "rest"] for t in range(8)]
    r = [list(x) for x in base]
    r[5][2] = "nan"
    write("sensor_nan.csv", sensor(r))
    r = [list(x) for x in base]
    r[2][3] = "inf"
    write("sensor_inf.csv", sensor(r))
    r = [list(x) for x in base]
    r[4][1] = "0.04g"
    write("sensor_non_numeric.csv", sensor(r))
    r = [list(x) for x in base]
    r[6][0] = "0.08"
    write("sensor_time_backwards.csv", sensor(r))
    write("sensor_missing_column.csv", sensor([x[:4] + x[5:] for x in base], "timestamp,ax,ay,az,label"))
    write("sensor_empty.csv", b"")
    r = [list(x) for x in base]
    r[3] = r[3][:4] + r[3][5:]
    write("sensor_short_row.csv", sensor(r))
    write("sensor_utf16.csv", utf16(sensor(base)))

    def kinematics(frames, cols=4):
        return "".join("   " + "   ".join(f"{f * 0.1 + c:.3f}" for c in range(cols)) + "\n" for f in range(frames))

    def jigsaws(root, kin, trans, trial="Suturing_B001"):
        if kin is not None:
            write(f"{root}/kinematics/{trial}.txt", kin)
        write(f"{root}/transcriptions/{trial}.txt", trans)

    k = kinematics(10).splitlines(keepends=True)
    jigsaws("jigsaws_short_row", "".join(k[:2] + ["   0.200   1.200   2.200\n"] + k[3:]), "1 5 G1 \n6 10 G2 \n")
    k2 = list(k)
    k2[6] = k2[6].replace("1.600", "nan")
    jigsaws("jigsaws_nan", "".join(k2), "1 5 G1 \n6 10 G2 \n")
    jigsaws("jigsaws_overlap", kinematics(10), "1 6 G1 \n5 10 G2 \n")
    jigsaws("jigsaws_start_after_end", kinematics(10), "1 5 G1 \n9 6 G2 \n")
    jigsaws("jigsaws_bad_frame_number", kinematics(10), "1 5 G1 \n6 1O G2 \n")
    jigsaws("jigsaws_missing_kinematics", None, "1 5 G1 \n6 10 G2 \n")
    jigsaws("jigsaws_empty_kinematics", "", "1 5 G1 \n6 10 G2 \n")
    jigsaws("jigsaws_utf16_transcription", kinematics(10), utf16("1 5 G1 \n6 10 G2 \n"))


# --- OMOP CDM folders -----------------------------------------------------

def make_omop():
    """Three celecoxib new users in the tables the rwd-tiny study reads,
    each folder broken in one table."""
    tables = {
        "person.csv": "person_id,gender_concept_id,year_of_birth,month_of_birth,day_of_birth,"
        "race_concept_id,ethnicity_concept_id\n"
        "1,8532,1950,1,1,0,0\n2,8507,1955,,,0,0\n3,8532,1960,6,15,0,0\n",
        "observation_period.csv": "observation_period_id,person_id,observation_period_start_date,"
        "observation_period_end_date,period_type_concept_id\n"
        "1,1,2000-01-01,2020-12-31,44814724\n2,2,2000-01-01,2020-12-31,44814724\n"
        "3,3,2000-01-01,2020-12-31,44814724\n",
        "drug_era.csv": "drug_era_id,person_id,drug_concept_id,drug_era_start_date,drug_era_end_date\n"
        "1,1,1118084,2010-01-01,2010-01-31\n2,2,1118084,2011-03-01,2011-03-31\n3,3,1118084,2012-05-01,2012-05-31\n",
        "condition_occurrence.csv": "condition_occurrence_id,person_id,condition_concept_id,condition_start_date\n"
        "1,1,192671,2010-06-01\n",
        "concept.csv": "concept_id,concept_name,domain_id,vocabulary_id,concept_class_id,standard_concept\n"
        "8507,MALE,Gender,Gender,Gender,S\n8532,FEMALE,Gender,Gender,Gender,S\n"
        "1118084,celecoxib,Drug,RxNorm,Ingredient,S\n192671,Gastrointestinal hemorrhage,Condition,SNOMED,Clinical Finding,S\n"
        "3000963,Hemoglobin,Measurement,LOINC,Lab Test,S\n",
        "concept_ancestor.csv": "ancestor_concept_id,descendant_concept_id\n192671,192671\n1118084,1118084\n",
        "measurement.csv": "measurement_id,person_id,measurement_concept_id,measurement_date,value_as_number,"
        "unit_concept_id\n1,1,3000963,2009-12-01,13.2,8713\n2,2,3000963,2011-01-15,12.8,8713\n",
    }

    def cdm(root, **edits):
        for name, text in tables.items():
            text = edits.get(name.removesuffix(".csv"), lambda t: t)(text)
            if text is not None:
                write(f"{root}/{name}", text)

    # An id written as a decimal: never rounded through a float.
    cdm("omop_fractional_person_id", drug_era=lambda t: t.replace("2,2,1118084", "2,2.0,1118084"))
    # A column the cohort needs, renamed away.
    cdm("omop_missing_column",
        observation_period=lambda t: t.replace("observation_period_end_date", "observation_end"))
    # A measured value that is not a number, in a table only a covariate analysis reads.
    cdm("omop_measurement_not_a_number", measurement=lambda t: t.replace("12.8", "high"))


# --- configs -------------------------------------------------------------

CONFIG = """name = "broken-config"
domain = "imaging"
seed = 0

[data]
format = "medmnist_npz"
path = "datasets/tiny/imaging_tiny.npz"

[model]
kind = "resnet"
width = 8

[train]
epochs = 1
lr = 0.003
"""


def make_configs():
    write("config_empty.toml", b"")
    write("config_wrong_type.toml", CONFIG.replace("epochs = 1", 'epochs = "ten"'))
    write("config_syntax_error.toml", CONFIG.replace("[model]", "[model"))
    write("config_missing_data.toml", CONFIG.replace('[data]\nformat = "medmnist_npz"\npath = "datasets/tiny/imaging_tiny.npz"\n\n', ""))
    write("config_unknown_format.toml", CONFIG.replace("medmnist_npz", "medmnist_zip"))
    write("config_nan_lr.toml", CONFIG.replace("lr = 0.003", "lr = nan"))
    write("config_duplicate_key.toml", CONFIG.replace("epochs = 1\n", "epochs = 1\nepochs = 2\n"))
    write("config_utf16.toml", utf16(CONFIG))
    write("config_latin1.toml", CONFIG.replace('"broken-config"', '"r\xe9sum\xe9"').encode("latin-1"))
    write("config_negative_dropout.toml", CONFIG.replace("width = 8", "width = 8\ndropout = -0.5"))


if __name__ == "__main__":
    make_npz()
    make_images()
    make_segmentation()
    make_dicom()
    make_genomics()
    make_tables()
    make_molecules()
    make_signals()
    make_omop()
    make_configs()
