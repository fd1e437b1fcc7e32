//! End-to-end tests of the `medref` binary on the tiny fixture and on the
//! broken inputs in `datasets/broken/`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn medref(args: &[&str]) -> Output {
    medref_env(args, &[])
}

fn medref_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_medref"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(repo())
        .env("RAYON_NUM_THREADS", "2")
        .output()
        .expect("run medref")
}

fn text(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn metrics(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("metrics.json")).unwrap()).unwrap()
}

/// The main job: the tiny config learns its planted lesion and the same
/// seed gives byte-identical metrics.
#[test]
fn tiny_imaging_trains_to_auroc_090_and_is_reproducible() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    for dir in [&a, &b] {
        let o = medref(&["train", "configs/imaging/tiny.toml", "--out", dir.to_str().unwrap(), "--quiet"]);
        let (out, err) = text(&o);
        assert!(o.status.success(), "stdout: {out}\nstderr: {err}");
    }
    let ma = metrics(&a);
    let auroc = ma["test"]["auroc"].as_f64().unwrap();
    assert!(auroc >= 0.90, "test AUROC {auroc}");
    assert!(ma["val"]["auroc"].as_f64().is_some());
    assert_eq!(
        std::fs::read_to_string(a.join("metrics.json")).unwrap(),
        std::fs::read_to_string(b.join("metrics.json")).unwrap(),
        "same config and seed must give identical metrics"
    );
    for f in [
        "config.toml",
        "manifest.json",
        "predictions.csv",
        "history.csv",
        "model.bpk",
        "model.json",
        "report.html",
        "model_card.md",
        "plots/explain.svg",
    ] {
        assert!(a.join(f).is_file(), "{f} missing");
    }
    let report = std::fs::read_to_string(a.join("report.html")).unwrap();
    assert!(
        report.contains("data-plot=\"explanation\"") && report.contains("Occlusion saliency"),
        "no saliency in the report"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(a.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["status"], "finished");
    assert_eq!(manifest["dataset_sha256"].as_str().unwrap().len(), 64);
    let preds = std::fs::read_to_string(a.join("predictions.csv")).unwrap();
    assert!(preds.starts_with("id,split,label,score_0,score_1\n"));
    let n_test = ma["test"]["n"].as_f64().unwrap() as usize;
    assert_eq!(preds.lines().filter(|l| l.contains(",test,")).count(), n_test);

    // A second run into the same directory is refused without --force.
    let o = medref(&["train", "configs/imaging/tiny.toml", "--out", a.to_str().unwrap(), "--quiet"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("--force"));

    // --force replaces a run but never a folder that is not one.
    let not_a_run = tmp.path().join("notes");
    std::fs::create_dir(&not_a_run).unwrap();
    std::fs::write(not_a_run.join("thesis.txt"), "keep me").unwrap();
    let o = medref(&["train", "configs/imaging/tiny.toml", "--out", not_a_run.to_str().unwrap(), "--force", "--quiet"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o).1);
    assert!(not_a_run.join("thesis.txt").is_file());

    // eval reproduces the stored test metrics from the saved weights.
    let o = medref(&["eval", a.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let again: serde_json::Value = serde_json::from_str(&out).unwrap();
    let diff = (again["test"]["auroc"].as_f64().unwrap() - auroc).abs();
    assert!(diff < 1e-9, "eval AUROC differs by {diff}");

    // predict scores every image of an npz.
    let o = medref(&["predict", a.to_str().unwrap(), "datasets/tiny/imaging_tiny.npz"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.starts_with("id,score_0,score_1,predicted\n"));
    assert!(out.contains("\ntest-0,"));
}

fn assert_bad_input(args: &[&str], must_contain: &[&str]) {
    let o = medref(args);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    for m in must_contain {
        assert!(err.contains(m), "{args:?}: expected `{m}` in: {err}");
    }
}

#[test]
fn broken_inputs_exit_2_with_a_message_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let out_s = out.to_str().unwrap();
    assert_bad_input(
        &["train", "configs/imaging/tiny.toml", "--out", out_s, "--set", "data.path=datasets/broken/truncated.npz"],
        &["datasets/broken/truncated.npz"],
    );
    assert_bad_input(
        &[
            "train",
            "configs/imaging/tiny.toml",
            "--out",
            out_s,
            "--set",
            "data.path=datasets/broken/missing_test_labels.npz",
        ],
        &["datasets/broken/missing_test_labels.npz", "test_labels"],
    );
    assert_bad_input(
        &["data", "inspect", "datasets/broken/not_dicom.dcm"],
        &["datasets/broken/not_dicom.dcm", "DICOM"],
    );
    assert_bad_input(
        &["train", "datasets/broken/unknown_key.toml", "--out", out_s],
        &["datasets/broken/unknown_key.toml", "[train]", "unknown field `learning_rate`"],
    );
    assert_bad_input(
        &["train", "configs/imaging/tiny.toml", "--out", out_s, "--set", "train.lr=fast"],
        &["configs/imaging/tiny.toml", "[train].lr", "expected a float"],
    );
    assert!(!out.exists(), "a failed start must not leave a run directory");
}

#[test]
fn wgpu_trains_or_says_clearly_that_no_adapter_exists() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("gpu");
    let o = medref(&[
        "train",
        "configs/imaging/tiny.toml",
        "--device",
        "wgpu",
        "--out",
        out.to_str().unwrap(),
        "--set",
        "train.epochs=2",
        "--quiet",
    ]);
    let (_, err) = text(&o);
    assert!(!err.contains("panicked"), "{err}");
    match o.status.code() {
        Some(0) => assert!(metrics(&out)["test"]["auroc"].as_f64().is_some()),
        Some(2) => assert!(err.contains("no usable GPU adapter"), "{err}"),
        other => panic!("unexpected exit {other:?}: {err}"),
    }
}

/// A machine without the asked-for adapter (simulated by pointing wgpu at
/// a discrete GPU that does not exist) gets exit 2 and a clear message.
#[test]
fn wgpu_without_adapter_exits_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("gpu");
    let o = medref_env(
        &["train", "configs/imaging/tiny.toml", "--device", "wgpu", "--out", out.to_str().unwrap()],
        &[("CUBECL_WGPU_DEFAULT_DEVICE", "DiscreteGpu(7)")],
    );
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("no usable GPU adapter"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!out.exists());
}

#[test]
fn synth_writes_a_readable_npz_and_inspect_describes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("s.npz");
    let o = medref(&[
        "data",
        "synth",
        "imaging",
        "--out",
        f.to_str().unwrap(),
        "--n-train",
        "40",
        "--n-val",
        "10",
        "--n-test",
        "10",
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let o = medref(&["data", "inspect", f.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.contains("train_images"), "{out}");
    assert!(out.contains("40 images; per class {0: 26, 1: 14}"), "{out}");
}

/// The genomics tiny config learns the planted motif through the same loop
/// and run directory, split by chromosome, and `predict` scores a FASTA.
#[test]
fn tiny_genomics_learns_the_planted_motif() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("dna");
    let o = medref(&["train", "configs/genomics/tiny.toml", "--out", dir.to_str().unwrap(), "--quiet"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "stdout: {out}\nstderr: {err}");
    let m = metrics(&dir);
    let auroc = m["test"]["auroc"].as_f64().unwrap();
    assert!(auroc >= 0.90, "test AUROC {auroc}");
    let preds = std::fs::read_to_string(dir.join("predictions.csv")).unwrap();
    assert!(
        preds.lines().skip(1).all(|l| l.starts_with("chr2:") || l.starts_with("chr3:")),
        "only held-out chromosomes are scored"
    );

    // The same regions read from BED + reference FASTA give the same run.
    let bed_dir = tmp.path().join("bed");
    let o = medref(&["train", "configs/genomics/tiny-bed.toml", "--out", bed_dir.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", text(&o).1);
    assert_eq!(metrics(&bed_dir), m, "BED + FASTA input must match the CSV of the same windows");
    let o = medref(&["predict", dir.to_str().unwrap(), "datasets/genomics/tiny/reference.fa"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    assert!(out.starts_with("id,score_0,score_1,predicted\n"), "{out}");
    assert_eq!(out.lines().count(), 1 + 3, "one row per contig: {out}");

    // Variant effects: breaking a planted motif lowers the score; the known
    // answers (MOTIF_BREAK in the fixture) are ranked by -logit_diff.
    let tsv = tmp.path().join("effects.tsv");
    let o = medref(&[
        "genomics",
        "score-variants",
        dir.to_str().unwrap(),
        "--reference",
        "datasets/genomics/tiny/reference.fa",
        "--vcf",
        "datasets/genomics/tiny/variants.vcf",
        "--out",
        tsv.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let rows: Vec<Vec<String>> = std::fs::read_to_string(&tsv)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split('\t').map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 60);
    let is_break: Vec<bool> = rows.iter().map(|r| r[2].starts_with("motif_break")).collect();
    let effect: Vec<f64> = rows.iter().map(|r| -r[7].parse::<f64>().unwrap()).collect();
    let auroc = medref_core::metrics::auroc(&is_break, &effect).unwrap();
    assert!(auroc >= 0.9, "motif-breaking variants ranked with AUROC {auroc}");

    // Edge cases are flagged, never scored silently; VCF output keeps every record.
    let vcf_out = tmp.path().join("edge.vcf");
    let o = medref(&[
        "genomics",
        "score-variants",
        dir.to_str().unwrap(),
        "--reference",
        "datasets/genomics/tiny/reference.fa",
        "--vcf",
        "datasets/genomics/tiny/variants_edge_cases.vcf",
        "--out",
        vcf_out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o).1);
    let v = std::fs::read_to_string(&vcf_out).unwrap();
    let records: Vec<&str> = v.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(records.len(), 8);
    for (id, flag) in [
        ("ref_mismatch", "MEDREF_FLAG=ref_mismatch"),
        ("too_close_to_contig_start", "MEDREF_FLAG=too_close_to_contig_start"),
        ("too_close_to_contig_end", "MEDREF_FLAG=too_close_to_contig_end"),
        ("unknown_contig", "MEDREF_FLAG=unknown_contig"),
        ("symbolic_allele", "MEDREF_FLAG=unsupported_alt"),
        ("multiallelic", "MEDREF_FLAG=ok,ok"),
    ] {
        let line = records.iter().find(|l| l.split('\t').nth(2) == Some(id)).unwrap();
        assert!(line.contains(flag), "{id}: {line}");
    }
    assert!(v.contains("##INFO=<ID=MEDREF_DLOGIT,Number=A,Type=Float"));

    // Mutagenesis: on a window with an exact motif copy, the most damaging
    // single-base change falls inside the motif.
    let csv = std::fs::read_to_string(repo().join("datasets/genomics/tiny/sequences.csv")).unwrap();
    let seq = csv
        .lines()
        .filter_map(|l| l.split(',').nth(1))
        .find(|s| s.matches("TGACTCA").count() == 1 && !s.contains("TGAGTCA"))
        .unwrap()
        .to_string();
    let at = seq.find("TGACTCA").unwrap();
    let ism_dir = tmp.path().join("ism");
    let o = medref(&["explain", dir.to_str().unwrap(), "--sequence", &seq, "--out", ism_dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o).1);
    let tsv = std::fs::read_to_string(ism_dir.join("ism.tsv")).unwrap();
    let rows: Vec<Vec<f64>> =
        tsv.lines().skip(1).map(|l| l.split('\t').skip(1).map(|v| v.parse().unwrap()).collect()).collect();
    assert_eq!(rows.len(), 4);
    let worst = (0..seq.len())
        .min_by(|&a, &b| {
            let m = |i: usize| rows.iter().map(|r| r[i]).fold(f64::INFINITY, f64::min);
            m(a).partial_cmp(&m(b)).unwrap()
        })
        .unwrap();
    assert!((at..at + 7).contains(&worst), "most damaging position {worst}, motif at {at}..{}", at + 7);
    let svg = std::fs::read_to_string(ism_dir.join("ism.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.matches("<rect").count() == 4 * seq.len());
}

/// Multi-task DNA: two 0/1 label columns train one sigmoid output each
/// through the same loop (the second task is the first one inverted).
#[test]
fn multi_task_dna_trains_one_output_per_label_column() {
    let tmp = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(repo().join("datasets/genomics/tiny/sequences.csv")).unwrap();
    let mut csv = String::from("id,sequence,has_motif,no_motif\n");
    for line in src.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let y = u8::from(f[2] == "motif");
        csv.push_str(&format!("{},{},{},{}\n", f[0], f[1], y, 1 - y));
    }
    let data = tmp.path().join("multi.csv");
    std::fs::write(&data, csv).unwrap();
    let config = std::fs::read_to_string(repo().join("configs/genomics/tiny.toml"))
        .unwrap()
        .replace("path = \"datasets/genomics/tiny/sequences.csv\"", &format!("path = {:?}", data.to_str().unwrap()))
        .replace("label_column = \"label\"", "label_columns = [\"has_motif\", \"no_motif\"]");
    let cfg = tmp.path().join("multi.toml");
    std::fs::write(&cfg, config).unwrap();
    let dir = tmp.path().join("run");
    let o = medref(&["train", cfg.to_str().unwrap(), "--out", dir.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", text(&o).1);
    let m = metrics(&dir);
    for k in ["auroc_label_0", "auroc_label_1", "auroc"] {
        let v = m["test"][k].as_f64().unwrap();
        assert!(v >= 0.9, "{k} = {v}");
    }
    let preds = std::fs::read_to_string(dir.join("predictions.csv")).unwrap();
    assert!(preds.starts_with("id,split,label_0,label_1,score_0,score_1\n"), "{preds}");
}

/// A learning rate that overflows the weights stops the run with a message
/// naming the epoch, the batches and what to change; nothing is left that
/// looks like a result. (The loop reads the loss every few batches, so the
/// message names a span of batches.)
#[test]
fn a_diverging_run_stops_and_says_where() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let o = medref(&[
        "train",
        "configs/clinical/tiny.toml",
        "--out",
        dir.to_str().unwrap(),
        "--quiet",
        "--set",
        "model.kind=mlp",
        "--set",
        "model.hidden=[16]",
        "--set",
        "train.lr=1e38",
        "--set",
        "train.epochs=3",
    ]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("the training loss became") && err.contains("at epoch 1, batches"), "{err}");
    assert!(err.contains("lower [train].lr (now "), "{err}");
    assert!(!dir.join("metrics.json").exists() && !dir.join("model.safetensors").exists());
}

/// A shipped config started from another directory: its relative data
/// path is missing there, and the error says where it was looked for,
/// where the file is, and the `cd` or `--set` that fixes it; a path found
/// nowhere names the directory it was resolved against. No message says
/// its cause twice.
#[test]
fn a_relative_path_missing_from_here_says_where_it_is_and_how_to_reach_it() {
    let tmp = tempfile::tempdir().unwrap();
    let here = std::fs::canonicalize(tmp.path()).unwrap();
    let root = std::fs::canonicalize(repo()).unwrap();
    let config = root.join("configs/clinical/tiny.toml");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_medref"))
        .args(["train", config.to_str().unwrap(), "--out", "run", "--quiet"])
        .current_dir(&here)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for needle in [
        format!("datasets/clinical/tiny/visits.csv is not in the current directory ({})", here.display()),
        format!("cd {}", root.display()),
        format!("--set data.path={}", root.join("datasets/clinical/tiny/visits.csv").display()),
    ] {
        assert!(err.contains(&needle), "lacks {needle:?}: {err}");
    }
    assert!(!here.join("run").exists(), "a refused run left a directory");

    let o = medref(&["train", "configs/clinical/tiny.toml", "--set", "data.path=nowhere.csv", "--out", "x"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    let resolved = format!("relative paths are read from the current directory, {}", repo().display());
    assert!(err.contains("nowhere.csv: no such file") && err.contains(&resolved), "{err}");
    assert_eq!(err.matches("no such file").count(), 1, "{err}");
}
