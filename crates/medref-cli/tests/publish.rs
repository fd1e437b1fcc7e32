//! `medref publish`: a run of every domain becomes a bundle that passes
//! `publish --check`; a raw run directory does not; a planted subgroup of
//! two test patients and the imaging saliency over real pixels are gone
//! from the bundle and from the report drawn from it.

mod common;

use common::{json, medref, medref_env, repo, text};
use std::path::{Path, PathBuf};

/// Trains `config` for two epochs (enough to publish) into `out`.
fn train(config: &str, out: &Path, extra: &[&str]) {
    let mut args = vec!["train", config, "--out", out.to_str().unwrap(), "--quiet", "--set", "train.epochs=2"];
    args.extend_from_slice(extra);
    let o = medref(&args);
    assert!(o.status.success(), "{config}: {}", text(&o).1);
}

/// Publishes `run` into `bundle` and asserts success.
fn publish(run: &Path, bundle: &Path) {
    let o = medref(&["publish", run.to_str().unwrap(), "--out", bundle.to_str().unwrap()]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{}: {out}\n{err}", run.display());
    assert!(out.contains("published with k = 10"), "{out}");
}

/// `publish --check` on `path`: exit code and stdout.
fn check(path: &Path) -> (Option<i32>, String) {
    let o = medref(&["publish", "--check", path.to_str().unwrap()]);
    (o.status.code(), text(&o).0)
}

#[test]
fn every_domain_publishes_a_bundle_that_passes_the_check() {
    let tmp = tempfile::tempdir().unwrap();
    for domain in ["clinical", "genomics", "drug", "eldercare", "surgery"] {
        let run = tmp.path().join(domain);
        let bundle = tmp.path().join(format!("{domain}-bundle"));
        train(&format!("configs/{domain}/tiny.toml"), &run, &[]);
        publish(&run, &bundle);
        let (code, out) = check(&bundle);
        assert_eq!(code, Some(0), "{domain}: {out}");
        assert!(!bundle.join("predictions.csv").exists(), "{domain}: predictions.csv published");
        assert!(bundle.join("publish_report.json").is_file() && bundle.join("report.html").is_file(), "{domain}");
        let (code, out) = check(&run);
        assert_eq!(code, Some(1), "{domain}: the raw run passed the check: {out}");
    }
}

#[test]
fn imaging_bundle_has_no_real_pixels_and_a_raw_run_fails_the_check() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    train("configs/imaging/tiny.toml", &run, &[]);
    assert!(run.join("plots/explain.svg").is_file());
    let raw_report = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(raw_report.contains("data-plot=\"explanation\""), "the run's report has no saliency to remove");

    // The run as it is: one finding per line, predictions.csv among them.
    let (code, out) = check(&run);
    assert_eq!(code, Some(1), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines.iter().any(|l| l.starts_with("predictions.csv: ") && l.contains("row-level")), "{out}");
    assert!(lines.iter().any(|l| l.starts_with("plots/explain.svg: ")), "{out}");

    let bundle = tmp.path().join("bundle");
    publish(&run, &bundle);
    assert!(!bundle.join("plots/explain.svg").exists(), "the saliency over a real image was published");
    let report = std::fs::read_to_string(bundle.join("report.html")).unwrap();
    assert!(
        !report.contains("data-plot=\"explanation\"") && !report.contains("Occlusion saliency"),
        "the bundle's report shows the saliency"
    );
    let record = json(&bundle.join("publish_report.json"));
    let removed: Vec<&str> =
        record["removed"].as_array().unwrap().iter().map(|e| e["file"].as_str().unwrap()).collect();
    assert!(removed.contains(&"plots/explain.svg") && removed.contains(&"predictions.csv"), "{removed:?}");
    assert_eq!(check(&bundle).0, Some(0));

    // A zip bundle is checked the same way.
    let zip = tmp.path().join("bundle.zip");
    publish(&run, &zip);
    assert!(std::fs::read(&zip).unwrap().starts_with(b"PK"));
    let (code, out) = check(&zip);
    assert_eq!(code, Some(0), "{out}");

    // A larger k than the bundle was made for is a finding.
    let o = medref(&["publish", "--check", bundle.to_str().unwrap(), "--k", "1000"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o).0);
}

/// The tiny visits with `sex` set to `value` on the rows whose
/// `predictions.csv` ids (`rowN`, N counting data lines from 1) are `ids`.
fn plant_subgroup(dir: &Path, ids: &[String], value: &str) -> PathBuf {
    let text = std::fs::read_to_string(repo().join("datasets/clinical/tiny/visits.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let sex = header.split(',').position(|c| c == "sex").unwrap();
    let mut out = format!("{header}\n");
    for (i, line) in lines.enumerate() {
        let mut cells: Vec<&str> = line.split(',').collect();
        if ids.contains(&format!("row{}", i + 1)) {
            cells[sex] = value;
        }
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    let path = dir.join("visits-planted.csv");
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn a_subgroup_of_two_test_patients_is_suppressed() {
    const RARE: &str = "RAREGROUPQ";
    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("first");
    train("configs/clinical/tiny.toml", &first, &[]);
    // The split depends only on the patient ids and the seed, so these rows
    // stay in test when their `sex` changes.
    let preds = std::fs::read_to_string(first.join("predictions.csv")).unwrap();
    let test_ids: Vec<String> = preds
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(1) == Some("test"))
        .take(2)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    assert_eq!(test_ids.len(), 2);
    let data = plant_subgroup(tmp.path(), &test_ids, RARE);

    let run = tmp.path().join("run");
    let set = format!("data.path={}", data.display());
    train("configs/clinical/tiny.toml", &run, &["--set", &set]);
    let raw = json(&run.join("subgroups.json"));
    assert_eq!(raw["test"][RARE]["n"].as_f64(), Some(2.0), "the planted group is not in the run: {raw}");
    assert!(std::fs::read_to_string(run.join("report.html")).unwrap().contains(RARE));

    let bundle = tmp.path().join("bundle");
    publish(&run, &bundle);
    let published = std::fs::read_to_string(bundle.join("subgroups.json")).unwrap();
    assert!(!published.contains(RARE), "the small group is in the bundle: {published}");
    let doc: serde_json::Value = serde_json::from_str(&published).unwrap();
    assert_eq!(doc["suppressed"]["below_k"], 1, "{published}");
    for group in doc["test"].as_object().unwrap().values() {
        assert!(group["n"].as_f64().unwrap() >= 10.0, "{published}");
    }
    let report = std::fs::read_to_string(bundle.join("report.html")).unwrap();
    assert!(!report.contains(RARE), "the small group is in the bundle's report");
    let (code, out) = check(&bundle);
    assert_eq!(code, Some(0), "{out}");
}

#[test]
fn bad_publish_requests_exit_2_and_kept_predictions_are_hashed() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    train("configs/clinical/tiny.toml", &run, &[]);
    let out = tmp.path().join("bundle");
    let (run_s, out_s) = (run.to_str().unwrap(), out.to_str().unwrap());

    let o = medref(&["publish", tmp.path().join("nothing").to_str().unwrap(), "--out", out_s]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o).1);
    assert!(!out.exists());
    let o = medref(&["publish", run_s, "--out", out_s, "--k", "0"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o).1);
    let o = medref_env(&["publish", run_s, "--out", out_s, "--keep-predictions"], &[], &["MEDREF_DEID_SECRET"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("MEDREF_DEID_SECRET"), "{}", text(&o).1);
    assert!(!out.exists(), "a refused publish wrote a bundle");
    let o = medref(&["publish", "--check", tmp.path().join("nothing").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));

    let o = medref_env(
        &["publish", run_s, "--out", out_s, "--keep-predictions"],
        &[("MEDREF_DEID_SECRET", "course-secret")],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o).1);
    let preds = std::fs::read_to_string(out.join("predictions.csv")).unwrap();
    assert!(!preds.contains("row1,") && preds.lines().count() > 100, "{}", &preds[..200]);
    assert_eq!(check(&out).0, Some(0));

    // --quasi adds columns to the built-in quasi-identifiers (site stays masked).
    let masked = tmp.path().join("masked");
    let o = medref(&["publish", run_s, "--out", masked.to_str().unwrap(), "--quasi", "SEX,ward"]);
    assert!(o.status.success(), "{}", text(&o).1);
    let pre = std::fs::read_to_string(masked.join("preprocess.json")).unwrap();
    let plain = std::fs::read_to_string(out.join("preprocess.json")).unwrap();
    assert!(plain.contains("\"F\"") && !pre.contains("\"F\"") && !pre.contains("\"M\""), "{pre}");
    assert!(
        pre.contains("categories of 2 quasi-identifier")
            || json(&masked.join("publish_report.json")).to_string().contains("categories of 2 quasi-identifier")
    );

    // The folder is now taken.
    let o = medref(&["publish", run_s, "--out", out_s]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).1.contains("already exists"), "{}", text(&o).1);
}

/// The weights a bundle carries are the run's: `publish` refuses a run
/// whose model.bpk changed after training, and `publish --check` finds a
/// bundle whose weight file no longer matches its manifest's digest.
#[test]
fn changed_weights_are_refused_by_publish_and_found_by_the_check() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    train("configs/clinical/tiny.toml", &run, &[]);
    let bundle = tmp.path().join("bundle");
    publish(&run, &bundle);
    assert_eq!(check(&bundle).0, Some(0));

    let flip = |path: &Path| {
        let mut bytes = std::fs::read(path).unwrap();
        let at = bytes.len() / 2;
        bytes[at] ^= 0xFF;
        std::fs::write(path, bytes).unwrap();
    };
    flip(&bundle.join("model.bpk"));
    let (code, out) = check(&bundle);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("model.bpk") && out.contains("not the weights the run wrote"), "{out}");

    flip(&run.join("model.bpk"));
    let again = tmp.path().join("again");
    let o = medref(&["publish", run.to_str().unwrap(), "--out", again.to_str().unwrap()]);
    let err = text(&o).1;
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("model.bpk") && err.contains("not the weights the run wrote"), "{err}");
    assert!(!again.exists(), "a refused publish wrote a bundle");
}
