//! A run's `model.safetensors` read from outside medref: Python with only
//! `numpy` and `safetensors` (`scripts/pytorch/check_run.py`) checks every
//! tensor's name and shape against the PyTorch definitions in
//! `scripts/pytorch/medref_torch.py`, and recomputes the test predictions
//! of the linear model and the MLP from the table, `preprocess.json` and
//! the file's weights, to 1e-5 of `predictions.csv`.
//!
//! `.ci/run` makes a venv with those two packages and sets MEDREF_PYTHON to
//! its python and MEDREF_REQUIRE_PYTHON=1, so in CI a missing package fails
//! the test; elsewhere it is skipped with a message.

mod common;

use common::{medref, repo, text};
use std::path::Path;
use std::process::Command;

/// The python to run the check with, if it has numpy and safetensors.
fn python() -> Option<String> {
    let candidate = std::env::var("MEDREF_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&candidate)
        .args(["-c", "import numpy, safetensors.numpy"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(candidate);
    }
    assert!(
        std::env::var_os("MEDREF_REQUIRE_PYTHON").is_none(),
        "MEDREF_REQUIRE_PYTHON is set but {candidate} lacks numpy or safetensors"
    );
    eprintln!("skipped: no python with numpy and safetensors (set MEDREF_PYTHON)");
    None
}

fn train(config: &str, out: &Path, extra: &[&str]) {
    let mut args = vec!["train", config, "--out", out.to_str().unwrap(), "--quiet", "--set", "eval.bootstrap=0"];
    args.extend_from_slice(extra);
    let o = medref(&args);
    assert!(o.status.success(), "{config}: {}", text(&o).1);
}

fn check_run(python: &str, run: &Path) -> std::process::Output {
    Command::new(python).arg(repo().join("scripts/pytorch/check_run.py")).arg(run).current_dir(repo()).output().unwrap()
}

/// Runs the check on `run`, asserts it passed, and returns its stdout.
fn check(python: &str, run: &Path) -> String {
    let o = check_run(python, run);
    let (stdout, stderr) = text(&o);
    assert!(o.status.success(), "{}: {stdout}{stderr}", run.display());
    stdout
}

#[test]
fn table_models_reproduce_their_predictions_from_the_safetensors_file() {
    let Some(py) = python() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let linear = tmp.path().join("linear");
    train("configs/clinical/tiny.toml", &linear, &[]);
    let mlp = tmp.path().join("mlp");
    train(
        "configs/clinical/tiny.toml",
        &mlp,
        &["--set", "model.kind=mlp", "--set", "model.hidden=[8, 4]", "--set", "train.epochs=3"],
    );
    for (run, tensors) in [(&linear, 2), (&mlp, 6)] {
        let out = check(&py, run);
        assert!(out.contains(&format!("{tensors} tensors match the PyTorch definition")), "{out}");
        assert!(out.contains("test predictions match predictions.csv"), "{out}");
    }
}

#[test]
fn convolutional_models_have_pytorch_names_and_shapes() {
    let Some(py) = python() else { return };
    let tmp = tempfile::tempdir().unwrap();
    for (config, kind) in [
        ("configs/imaging/tiny.toml", "resnet"),
        ("configs/genomics/tiny.toml", "dna_cnn"),
        ("configs/eldercare/tiny.toml", "signal_cnn"),
        ("configs/surgery/tiny.toml", "tcn"),
    ] {
        let run = tmp.path().join(kind);
        train(config, &run, &["--set", "train.epochs=1"]);
        let out = check(&py, &run);
        assert!(out.contains(&format!("match the PyTorch definition ({kind})")), "{out}");
    }
}

/// The U-Net (both upsamplings), the 3D ResNet and the MedMNIST paper's
/// ResNet-18/50, 2D on images and "+3D" on volumes (the data picks): one
/// epoch each on the tiny data, the paper's networks at width 2 or 4 (their
/// depth, and so every tensor name, is the paper's whatever the width).
/// A paper network's `[model]` is set as a whole table: the compact
/// ResNet's keys are refused by its section.
#[test]
fn imaging_models_have_pytorch_names_and_shapes() {
    let Some(py) = python() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (images, volumes) = ("configs/imaging/tiny.toml", "configs/imaging/tiny-volumes.toml");
    let segmentation = "configs/imaging/segmentation-tiny.toml";
    let bilinear: &[&str] = &["--set", "model.upsample=bilinear", "--set", "model.batch_norm=false"];
    for (name, config, extra, kind, tensors) in [
        ("unet", segmentation, &[][..], "unet", 56),
        ("unet_bilinear", segmentation, bilinear, "unet", 26),
        ("resnet3d", volumes, &[], "resnet3d", 32),
        ("resnet18", images, &["--set", r#"model={kind="resnet18", width=4}"#], "resnet18", 102),
        ("resnet18_3d", volumes, &["--set", r#"model={kind="resnet18", width=2}"#], "resnet18", 102),
        ("resnet50", images, &["--set", r#"model={kind="resnet50", width=2}"#], "resnet50", 267),
    ] {
        let run = tmp.path().join(name);
        train(config, &run, &[&["--set", "train.epochs=1"], extra].concat());
        let out = check(&py, &run);
        assert!(out.contains(&format!("{tensors} tensors match the PyTorch definition ({kind})")), "{name}: {out}");
    }
}

#[test]
fn a_tampered_file_is_caught() {
    let Some(py) = python() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("linear");
    train("configs/clinical/tiny.toml", &run, &[]);
    // Swap the two output rows of the head: names and shapes still match,
    // the predictions no longer do.
    let path = run.join("model.safetensors");
    let mut bytes = std::fs::read(&path).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    let [a, b] = [0, 1].map(|i| header["head.weight"]["data_offsets"][i].as_u64().unwrap() as usize + 8 + n);
    let (first, second) = bytes[a..b].split_at_mut((b - a) / 2);
    first.swap_with_slice(second);
    std::fs::write(&path, &bytes).unwrap();
    let o = check_run(&py, &run);
    let (_, stderr) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("test predictions differ from predictions.csv"), "{stderr}");
}
