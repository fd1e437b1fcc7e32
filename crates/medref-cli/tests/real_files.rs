//! What users' own files exposed (survival labels, nominal event columns,
//! the linear model, empty scaffold splits, regression summaries, the
//! manifest's commit, several seeds, validating data before training):
//! each case runs the `medref` binary as a user would.

mod common;

use common::{json, medref, repo};
use std::path::Path;

/// A table config around `data` (TOML lines of `[data]` after `format`).
fn table_config(dir: &Path, name: &str, data: &str, model: &str) -> String {
    let text = format!(
        "name = \"{name}\"\ndomain = \"clinical\"\nseed = 0\n\n[data]\nformat = \"table\"\n{data}\n\n[model]\n{model}\n\n[train]\nepochs = 3\n\n[eval]\nbootstrap = 50\n"
    );
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn train_ok(config: &str, out: &Path) -> String {
    let o = medref(&["train", config, "--out", out.to_str().unwrap(), "--force"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{config}: {err}");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn survival_outcomes_make_the_event_the_positive_class() {
    let tmp = tempfile::tempdir().unwrap();
    let survival = repo().join("datasets/tiny/survival.csv");
    let data = format!(
        "path = \"{}\"\nid = \"id\"\n[data.survival]\ntime = \"time\"\nevent = \"event\"\nhorizon = 1000",
        survival.display()
    );
    let config = table_config(tmp.path(), "event", &data, "kind = \"linear\"");
    let out = tmp.path().join("run");
    train_ok(&config, &out);
    let meta = json(&out.join("model.json"));
    assert_eq!(meta["class_names"][1], "event", "class 1 (sensitivity, PPV) must be the event: {meta}");
    let card = std::fs::read_to_string(out.join("model_card.md")).unwrap();
    assert!(card.contains("positive class is `event`"), "{card}");
}

#[test]
fn a_nominal_event_column_as_scikit_survival_ships_it_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = std::fs::read_to_string(repo().join("datasets/tiny/survival.csv")).unwrap();
    let mut arff = String::from("@relation tiny_survival\n@attribute age numeric\n@attribute x1 numeric\n@attribute x2 numeric\n@attribute time numeric\n@attribute status {0,1}\n@data\n");
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        arff.push_str(&format!("{},{},{},{},{}\n", f[1], f[2], f[3], f[5], f[6]));
    }
    let path = tmp.path().join("survival.arff");
    std::fs::write(&path, arff).unwrap();
    let data =
        format!("path = \"{}\"\n[data.survival]\ntime = \"time\"\nevent = \"status\"\nhorizon = 1000", path.display());
    let config = table_config(tmp.path(), "nominal", &data, "kind = \"linear\"");
    train_ok(&config, &tmp.path().join("run"));
}

#[test]
fn the_linear_model_is_solved_to_its_gradient_tolerance() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    train_ok("configs/clinical/tiny.toml", &out);
    let fit = json(&out.join("convex_fit.json"));
    assert_eq!(fit["converged"], true, "{fit}");
    let (grad, tol) = (fit["gradient_max_abs"].as_f64().unwrap(), fit["tol"].as_f64().unwrap());
    assert!(grad <= tol, "gradient {grad} above tolerance {tol}");
    assert_eq!(fit["l2"].as_f64().unwrap(), 1.0, "C = 1 is l2 = 1, as scikit-learn's default");
    // Deterministic: the same config gives the same coefficients.
    let again = tmp.path().join("again");
    train_ok("configs/clinical/tiny.toml", &again);
    assert_eq!(json(&again.join("convex_fit.json"))["coefficients"], fit["coefficients"]);
}

#[test]
fn a_scaffold_split_that_empties_the_test_split_is_an_error_naming_the_cause() {
    let tmp = tempfile::tempdir().unwrap();
    // Acyclic molecules all share the empty Bemis-Murcko scaffold.
    let mut csv = String::from("smiles,value\n");
    for n in 1..=40 {
        csv.push_str(&format!("{},{}\n", "C".repeat(n % 12 + 1) + &"O".repeat(n % 3), n as f64 * 0.1));
    }
    let path = tmp.path().join("acyclic.csv");
    std::fs::write(&path, csv).unwrap();
    for split in ["scaffold", "balanced_scaffold"] {
        let config = tmp.path().join(format!("{split}.toml"));
        std::fs::write(
            &config,
            format!(
                "name = \"acyclic\"\ndomain = \"drug\"\n[data]\nformat = \"molecules\"\npath = \"{}\"\nsmiles = \"smiles\"\ntarget = \"value\"\ntask = \"regression\"\nsplit = \"{split}\"\n[model]\nkind = \"mlp\"\n[train]\nepochs = 2\n",
                path.display()
            ),
        )
        .unwrap();
        let out = tmp.path().join(format!("run-{split}"));
        let o = medref(&["train", config.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{split}: {err}");
        assert!(err.contains("acyclic.csv") && err.contains("the largest holds 40"), "{split}: {err}");
        assert!(!out.join("metrics.json").exists());
    }
}

#[test]
fn regression_runs_speak_of_errors_not_auroc() {
    let tmp = tempfile::tempdir().unwrap();
    let stdout = train_ok("configs/drug/tiny.toml", &tmp.path().join("run"));
    assert!(stdout.contains("RMSE") && stdout.contains("MAE") && stdout.contains("R^2"), "{stdout}");
    assert!(!stdout.contains("AUROC"), "{stdout}");
}

#[test]
fn the_manifest_records_medrefs_commit_and_the_working_directorys_apart() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("project");
    std::fs::create_dir(&project).unwrap();
    let git = |args: &[&str]| {
        let o = std::process::Command::new("git").args(args).current_dir(&project).output().unwrap();
        assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    git(&["init", "-q"]);
    std::fs::write(project.join("notes.txt"), "a user's own project\n").unwrap();
    git(&["add", "notes.txt"]);
    git(&["-c", "user.name=u", "-c", "user.email=u@example.org", "commit", "-qm", "first"]);
    let theirs = git(&["rev-parse", "HEAD"]);
    let config = repo().join("configs/clinical/tiny.toml");
    let out = tmp.path().join("run");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_medref"))
        .args(["train", config.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"])
        .args(["--set", &format!("data.path={}", repo().join("datasets/clinical/tiny/visits.csv").display())])
        .current_dir(&project)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m = json(&out.join("manifest.json"));
    assert_eq!(m["working_directory_commit"], theirs.as_str());
    assert_ne!(m["git_commit"], theirs.as_str(), "git_commit must be medref's, not the user's project's");
}

#[test]
fn reproduce_with_several_seeds_judges_the_mean_and_reports_the_spread() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("repro");
    let o =
        medref(&["reproduce", "--only", "clinical-tiny", "--seeds", "2", "--out", out.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = json(&out.join("reproduce.json"));
    let row = &rows[0];
    assert_eq!(row["per_seed"].as_array().unwrap().len(), 2);
    assert!(row["measured_sd"].as_f64().is_some(), "{row}");
    let md = std::fs::read_to_string(out.join("reproduce.md")).unwrap();
    assert!(md.contains("+-") && md.contains("recall per class"), "{md}");
}

#[test]
fn data_validate_reports_what_train_would_reject_with_the_same_message() {
    let bad = "datasets/broken/table_non_numeric.csv";
    let v = medref(&["data", "validate", bad, "--config", "configs/clinical/tiny.toml"]);
    assert_eq!(v.status.code(), Some(2));
    let tmp = tempfile::tempdir().unwrap();
    let t = medref(&[
        "train",
        "configs/clinical/tiny.toml",
        "--set",
        &format!("data.path={bad}"),
        "--out",
        tmp.path().join("run").to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(t.status.code(), Some(2));
    let (v_err, t_err) = (String::from_utf8_lossy(&v.stderr), String::from_utf8_lossy(&t.stderr));
    assert!(v_err.contains("line 23") && v_err == t_err, "validate: {v_err}\ntrain: {t_err}");
    let ok = medref(&["data", "validate", "--config", "configs/clinical/tiny.toml"]);
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).contains("train /"));
}

#[test]
fn an_empty_test_split_is_refused_before_any_run_directory_by_train_and_validate_alike() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let set = ["--set", "data.test_fraction=0.0"];
    let t = medref(&["train", "configs/clinical/tiny.toml", set[0], set[1], "--out", out.to_str().unwrap(), "--quiet"]);
    assert_eq!(t.status.code(), Some(2));
    assert!(!out.exists(), "a run that cannot be evaluated leaves no directory");
    let config = tmp.path().join("no-test.toml");
    let text = std::fs::read_to_string(repo().join("configs/clinical/tiny.toml")).unwrap();
    std::fs::write(&config, text.replace("test_fraction = 0.25", "test_fraction = 0.0")).unwrap();
    let v = medref(&["data", "validate", "--config", config.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(2));
    let (t_err, v_err) = (String::from_utf8_lossy(&t.stderr), String::from_utf8_lossy(&v.stderr));
    assert!(t_err.contains("the test split is empty, so the run cannot be evaluated"), "{t_err}");
    assert_eq!(t_err, v_err);
}
