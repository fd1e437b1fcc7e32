//! The baseline table: every config is listed (in configs/baselines.toml and
//! BASELINES.md), `medref reproduce --tiny` passes, and a row whose
//! reference cannot be reached fails the command and is marked.

mod common;

use common::{medref, repo};
use std::path::Path;

fn configs(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            configs(&p, out);
        } else if p.extension().is_some_and(|e| e == "toml") && p.file_name().unwrap() != "baselines.toml" {
            out.push(p.strip_prefix(repo()).unwrap().to_string_lossy().replace('\\', "/"));
        }
    }
}

#[test]
fn every_config_is_in_the_table_and_in_baselines_md() {
    let mut all = Vec::new();
    configs(&repo().join("configs"), &mut all);
    assert!(all.len() >= 19, "{all:?}");
    let table = std::fs::read_to_string(repo().join("configs/baselines.toml")).unwrap();
    let md = std::fs::read_to_string(repo().join("BASELINES.md")).unwrap();
    for c in &all {
        assert!(table.contains(&format!("config = \"{c}\"")), "{c} is not in configs/baselines.toml");
        assert!(md.contains(&format!("`{c}`")), "{c} is not in BASELINES.md");
    }
}

#[test]
fn reproduce_tiny_passes_every_row() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("repro");
    let o = medref(&["reproduce", "--tiny", "--jobs", "2", "--out", out.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&o.stderr));
    let rows: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("reproduce.json")).unwrap()).unwrap();
    let rows = rows.as_array().unwrap();
    assert!(rows.len() >= 8, "{rows:?}");
    for r in rows {
        assert_eq!(r["status"], "pass", "{r}");
    }
    let domains = ["imaging", "genomics", "clinical", "drug", "eldercare", "surgery"];
    for d in domains {
        assert!(
            rows.iter().any(|r| r["config"].as_str().unwrap().contains(&format!("configs/{d}/"))),
            "no tiny row for {d}"
        );
    }
    assert!(std::fs::read_to_string(out.join("reproduce.md")).unwrap().contains("| clinical-tiny | auroc |"));
}

/// Issue 27 part 9: the tiny imaging row ranked (AUROC 0.997) but put most
/// positives below the 0.5 cut-off (F1 0.28 over seeds 0-4, 0 for seed 2),
/// judged with batch-norm statistics that trailed the weights. Its
/// `at_least` bars (accuracy 0.90, F1 0.85) must hold on every seed.
#[test]
fn imaging_tiny_classifies_at_its_cut_off_on_every_seed() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("repro");
    let args = ["reproduce", "--only", "imaging-tiny", "--seeds", "5", "--quiet", "--out", out.to_str().unwrap()];
    let o = medref(&args);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&o.stderr));
    let rows: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("reproduce.json")).unwrap()).unwrap();
    let bars = &rows[0]["at_least_per_seed"];
    for (name, bar) in [("accuracy", 0.90), ("f1", 0.85)] {
        let values: Vec<f64> = bars[name].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        assert_eq!(values.len(), 5, "{name}: {values:?}");
        assert!(values.iter().all(|&v| v >= bar), "{name} under {bar}: {values:?}");
    }
    assert!(stdout.contains("f1 0.9"), "{stdout}");
}

#[test]
fn an_unreachable_reference_fails_and_is_marked() {
    let tmp = tempfile::tempdir().unwrap();
    let table = tmp.path().join("table.toml");
    std::fs::write(
        &table,
        "[[baseline]]\nname = \"too-good\"\nconfig = \"configs/clinical/tiny.toml\"\ntiny = true\ndata = \"ships\"\n\
         metric = \"auroc\"\nreference = 0.999\ntolerance = 0.0\nsource = \"test\"\n",
    )
    .unwrap();
    let out = tmp.path().join("repro");
    let o = medref(&["reproduce", "--baselines", table.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    assert_ne!(o.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("| too-good | auroc | >= 0.999 |") && stdout.contains("FAIL"), "{stdout}");
    let rows: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("reproduce.json")).unwrap()).unwrap();
    assert_eq!(rows[0]["status"], "fail");
}
