//! Volumes end to end: the tiny planted-nodule config trains the 3D ResNet
//! through the CLI to a test AUROC of at least 0.9 (the bar
//! `configs/baselines.toml` sets), writes the 2D classification outputs
//! with a mid-slice figure that `publish` keeps out of a bundle, `predict`
//! scores a `.npy` volume, and wrong inputs are refused with exit 2.

mod common;
use common::{assert_bad_trainings, json, medref, text};

#[test]
fn the_3d_resnet_finds_the_planted_nodule_and_predict_scores_a_volume() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let o = medref(&["train", "configs/imaging/tiny-volumes.toml", "--out", run.to_str().unwrap(), "--quiet"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}\n{err}");

    let metrics = json(&run.join("metrics.json"));
    assert_eq!(metrics["task"], "binary");
    let test = &metrics["test"];
    let auroc = test["auroc"].as_f64().unwrap();
    assert!(auroc >= 0.9, "test AUROC {auroc}: {test}");
    assert!(test["auroc_ci_low"].as_f64() <= Some(auroc) && Some(auroc) <= test["auroc_ci_high"].as_f64());
    assert_eq!(test["n"].as_f64(), Some(60.0));
    let model = json(&run.join("model.json"));
    assert_eq!(model["model"], "resnet3d");
    assert_eq!(model["input_shape"], serde_json::json!([1, 12, 12, 12]));
    let predictions = std::fs::read_to_string(run.join("predictions.csv")).unwrap();
    assert_eq!(predictions.lines().filter(|l| l.contains(",test,")).count(), 60);
    for file in ["model_card.md", "model.safetensors", "history.csv", "manifest.json"] {
        assert!(run.join(file).is_file(), "{file} missing");
    }

    // The mid-slice figure: two volumes of each class, three planes each,
    // in the run's plots and inlined in its report.
    let figure = std::fs::read_to_string(run.join("plots/explain.svg")).unwrap();
    assert_eq!(figure.matches(">test volume ").count(), 4, "two volumes of each class");
    for plane in ["axial", "coronal", "sagittal"] {
        assert_eq!(figure.matches(&format!(">{plane}<")).count(), 4, "{plane}");
    }
    let report = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(report.contains("Example test volumes, mid-slices"), "the report shows the figure");

    // Drawn on records, it stays out of a published bundle.
    let bundle = tmp.path().join("bundle");
    let o = medref(&["publish", run.to_str().unwrap(), "--out", bundle.to_str().unwrap()]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(!bundle.join("plots/explain.svg").exists());
    assert!(!std::fs::read_to_string(bundle.join("report.html")).unwrap().contains("mid-slices"));

    // predict: one volume as .npy, then a volume of the wrong size.
    let volumes = medref_data::read_medmnist3d(common::repo().join("datasets/tiny/volumes_tiny.npz")).unwrap();
    let first = &volumes.test.images[..12 * 12 * 12];
    let npy = tmp.path().join("one.npy");
    std::fs::write(&npy, medref_data::npy::encode("|u1", &[12, 12, 12], first)).unwrap();
    let o = medref(&["predict", run.to_str().unwrap(), npy.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{err}");
    let row = out.lines().nth(1).unwrap_or_default();
    assert!(row.starts_with(npy.to_str().unwrap()), "{out}");
    // The same score as the run gave the first test volume.
    let score = |line: &str, column: usize| line.split(',').nth(column).unwrap().parse::<f64>().unwrap();
    let header: Vec<&str> = predictions.lines().next().unwrap().split(',').collect();
    let column = header.iter().position(|c| *c == "score_1").unwrap();
    let run_row = predictions.lines().find(|l| l.split(',').nth(1) == Some("test")).unwrap();
    let predict_header: Vec<&str> = out.lines().next().unwrap().split(',').collect();
    let predict_column = predict_header.iter().position(|c| *c == "score_1").unwrap();
    assert!((score(row, predict_column) - score(run_row, column)).abs() < 1e-5, "{row} vs {run_row}");

    let wrong = tmp.path().join("wrong.npy");
    std::fs::write(&wrong, medref_data::npy::encode("|u1", &[8, 12, 12], &first[..8 * 144])).unwrap();
    let o = medref(&["predict", run.to_str().unwrap(), wrong.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(out.is_empty() && err.contains("wrong.npy") && err.contains("[8, 12, 12]"), "{err}");
}

/// A 2D file under the volume format, and a volume model asked of the 2D
/// format's data, are refused before any training, naming what is wrong.
#[test]
fn wrong_pairings_of_format_data_and_model_are_refused() {
    assert_bad_trainings(&[
        (
            "configs/imaging/tiny-volumes.toml",
            &["--set", "data.path=datasets/tiny/imaging_tiny.npz"],
            &["imaging_tiny.npz", "`train_images`", "medmnist_npz"],
        ),
        ("configs/imaging/tiny-volumes.toml", &["--set", "model.kind=resnet"], &["resnet"]),
        ("configs/imaging/tiny.toml", &["--set", "model.kind=resnet3d"], &["resnet3d"]),
    ]);
}
