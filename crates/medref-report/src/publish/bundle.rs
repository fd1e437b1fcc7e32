//! `publish`: a run directory turned into a bundle a course can put online.
//!
//! The policy is an allow-list: only files medref writes and knows to be
//! aggregate (metrics, history, calibration, weights, ...) are copied, some
//! after suppression or path reduction; everything else, including any
//! file a later medref version adds, is left out until someone decides it
//! is safe. The bundle is built in a hidden sibling folder, checked with
//! [`check_bundle`](super::check_bundle), and only then renamed into place,
//! so an error never leaves a half-published folder behind.

use super::aggregates::test_curves;
use super::check::check_bundle;
use super::error::PublishError;
use super::paths::{reduce_json, reduce_toml};
use super::policy::{ExplainPolicy, PublishPolicy};
use super::rows::{count_split_ids, hash_predictions, mask_categories};
use super::study_counts::{study_rules, suppress_study_counts};
use super::suppress::{merge_calibration, suppress_subgroups};
use crate::published_bundle::CURVES_FILE;
use crate::published_bundle::{PublishReport, SyntheticExplanation, REPORT_FILE};
use crate::run::Run;
use medref_core::fsutil::sha256_bytes;
use std::path::{Path, PathBuf};

/// Files of a run (relative, `/`-separated), sorted, links included so they
/// can be reported as left out.
pub(crate) fn list_files(root: &Path) -> Result<Vec<(String, PathBuf, bool)>, PublishError> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(PublishError::read(&dir))? {
            let entry = entry.map_err(PublishError::read(&dir))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(PublishError::read(&path))?;
            if kind.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, path, kind.is_symlink()));
        }
    }
    out.sort();
    Ok(out)
}

/// An explanation picture or its data: `explain*.svg` and `ism.svg` (as the
/// report finds them) and the tables beside them in `plots/`.
pub(crate) fn is_explanation(rel: &str) -> bool {
    let lower = rel.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let at_top_or_plots = !lower.contains('/') || lower.starts_with("plots/");
    (at_top_or_plots && name.ends_with(".svg") && (name.starts_with("explain") || name == "ism.svg"))
        || (lower.starts_with("plots/") && name.ends_with(".tsv"))
}

/// Marks a synthetic picture on its root element, so the checker and a
/// reader can tell it from a real record's.
pub(crate) const SYNTHETIC_MARK: &str = "data-medref-synthetic=\"generated\"";

fn read_text(path: &Path) -> Result<String, PublishError> {
    std::fs::read_to_string(path).map_err(PublishError::read(path))
}

fn json_of(path: &Path) -> Result<serde_json::Value, PublishError> {
    serde_json::from_str(&read_text(path)?)
        .map_err(|e| PublishError::parse(path, format!("not the JSON a run writes: {e}")))
}

fn to_pretty(value: &impl serde::Serialize) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Builds the bundle's files in `dest` and returns the record of what
/// happened to each.
/// A weight file whose bytes are not those the run recorded.
pub(crate) const WEIGHTS_CHANGED: &str =
    "differs from the SHA-256 in manifest.json: these are not the weights the run wrote";

fn build(run_dir: &Path, dest: &Path, policy: &PublishPolicy) -> Result<PublishReport, PublishError> {
    let run = Run::load(run_dir)?;
    let k = policy.k.max(1);
    let mut report = PublishReport::new(k);
    let write = |rel: &str, bytes: &[u8]| -> Result<(), PublishError> {
        let path = dest.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(PublishError::write(parent))?;
        }
        std::fs::write(&path, bytes).map_err(PublishError::write(path))
    };
    for (rel, path, is_link) in list_files(run_dir)? {
        if is_link {
            report.remove(&rel, "a link: it may point outside the run, so it is not followed");
            continue;
        }
        match rel.as_str() {
            "config.toml" => {
                let mut value: toml::Value = read_text(&path)?
                    .parse::<toml::Table>()
                    .map(toml::Value::Table)
                    .map_err(|e| PublishError::parse(&path, format!("not valid TOML: {e}")))?;
                let n = reduce_toml(&mut value);
                if n > 0 {
                    let text = toml::to_string(&value).map_err(|e| PublishError::parse(&path, e.to_string()))?;
                    write(&rel, text.as_bytes())?;
                    report.change(&rel, format!("{n} local path(s) reduced to file names"));
                } else {
                    write(&rel, &std::fs::read(&path).map_err(PublishError::read(&path))?)?;
                    report.keep(&rel, "the resolved config, with no local path in it");
                }
            }
            // metrics.json and model.json keep the run's task and fit
            // method; convex_fit.json is a direct fit's coefficients and
            // solver record (weights, as model.bpk is), no row in it.
            // cdm_source.json names the CDM as its holder records it and the tables it lacks.
            "manifest.json" | "metrics.json" | "model.json" | "leakage.json" | "data_report.json" | "scaler.json"
            | "convex_fit.json" | "cdm_source.json" => {
                let mut value = json_of(&path)?;
                let n = reduce_json(&mut value);
                if n > 0 {
                    write(&rel, &to_pretty(&value))?;
                    report.change(&rel, format!("{n} local path(s) reduced to file names; data hashes kept"));
                } else {
                    write(&rel, &std::fs::read(&path).map_err(PublishError::read(&path))?)?;
                    report.keep(&rel, "aggregates and settings, no record in it");
                }
            }
            _ if study_rules(&rel).is_some() => {
                let rules = study_rules(&rel).expect("matched");
                let (text, hidden) = suppress_study_counts(&path, &read_text(&path)?, rules, k)?;
                write(&rel, text.as_bytes())?;
                if hidden > 0 {
                    report.change(
                        &rel,
                        format!("{hidden} count(s) under {k} written <{k}, with the shares and SMD they give"),
                    );
                } else {
                    report.keep(&rel, format!("counts of persons per step or covariate, none under {k}"));
                }
            }
            "covariate_ref.csv" => {
                write(&rel, &std::fs::read(&path).map_err(PublishError::read(&path))?)?;
                report.keep(&rel, "what each covariate column means (names, windows), no person in it");
            }
            "history.csv" | "feature_importance.csv" => {
                write(&rel, &std::fs::read(&path).map_err(PublishError::read(&path))?)?;
                report.keep(&rel, "one row per epoch or per source column, not per patient");
            }
            "model.bpk" | "model.safetensors" => {
                if let Some(expected) = run.manifest.weights_sha256.get(rel.as_str()) {
                    let digest = medref_core::fsutil::sha256_path(&path).map_err(PublishError::read(&path))?;
                    if &digest != expected {
                        return Err(PublishError::parse(&path, WEIGHTS_CHANGED));
                    }
                }
                let to = dest.join(&rel);
                std::fs::copy(&path, &to).map_err(PublishError::write(&to))?;
                report.keep(&rel, "the trained weights, so the course can reuse the model");
            }
            "calibration.json" => {
                let mut bins = serde_json::from_value(json_of(&path)?).map_err(|e| {
                    PublishError::parse(&path, format!("expected split -> list of calibration bins: {e}"))
                })?;
                let merged = merge_calibration(&mut bins, k);
                write(&rel, &to_pretty(&bins))?;
                if merged > 0 {
                    report.change(&rel, format!("{merged} bin(s) with fewer than {k} samples merged into neighbours"));
                } else {
                    report.keep(&rel, format!("every bin holds at least {k} samples"));
                }
            }
            "subgroups.json" => {
                let mut value = json_of(&path)?;
                match suppress_subgroups(&mut value, k) {
                    Some(s) => {
                        write(&rel, &to_pretty(&value))?;
                        report.change(
                            &rel,
                            format!(
                                "{} subgroup(s) with fewer than {k} test patients suppressed, {} more to protect them{}",
                                s.below_k,
                                s.complementary,
                                if s.missing_suppressed { ", and the small count of rows without a subgroup" } else { "" }
                            ),
                        );
                    }
                    None => {
                        write(&rel, &std::fs::read(&path).map_err(PublishError::read(&path))?)?;
                        report.keep(&rel, format!("every subgroup holds at least {k} test patients"));
                    }
                }
            }
            "splits.json" => {
                let mut value = json_of(&path)?;
                let n = count_split_ids(&mut value);
                reduce_json(&mut value);
                write(&rel, &to_pretty(&value))?;
                report.change(&rel, format!("{n} list(s) of subject ids replaced by their counts"));
            }
            "preprocess.json" => {
                let mut value = json_of(&path)?;
                let masked = mask_categories(&mut value, policy);
                let paths = reduce_json(&mut value);
                write(&rel, &to_pretty(&value))?;
                if masked.is_empty() && paths == 0 {
                    report.keep(&rel, "training-split statistics and categories, none of a quasi-identifier");
                } else {
                    report.change(
                        &rel,
                        format!(
                            "categories of {} quasi-identifier column(s) replaced by placeholders (`predict` reads \
                             those columns as unseen categories)",
                            masked.len()
                        ),
                    );
                }
            }
            "predictions.csv" if policy.keep_predictions => {
                let text = hash_predictions(&path, &read_text(&path)?, policy)?;
                write(&rel, text.as_bytes())?;
                report.change(&rel, "kept as asked, with every id replaced by a salted SHA-256 hash");
            }
            "predictions.csv" => {
                report.remove(
                    &rel,
                    "one row per patient (id, label, scores); its curves are kept as aggregates in curves.json",
                );
            }
            "report.html" | "model_card.md" => {
                report.change(&rel, "redrawn from the bundle's files only");
            }
            _ if is_explanation(&rel) => {
                report.remove(&rel, "an explanation drawn on a real record (its pixels or bases)");
            }
            // The writer lock of the run directory: no content of the run.
            ".medref.lock" => {}
            _ if rel.starts_with("checkpoints/") => {
                report.remove(&rel, "training state; the best weights are model.bpk");
            }
            _ => {
                report.remove(&rel, "not a file the policy knows to hold only aggregates");
            }
        }
    }
    if let Some(curves) = test_curves(&run, k) {
        write(CURVES_FILE, &to_pretty(&curves))?;
        report.add(
            CURVES_FILE,
            format!("ROC and precision-recall points, confusion matrix or binned means of the test split, in steps and cells of at least {k} patients"),
        );
    }
    if let ExplainPolicy::Synthetic(files) = &policy.explain {
        for (i, source) in files.iter().enumerate() {
            let text = read_text(source)?;
            let mut svg = crate::sanitise::sanitise_svg(&text)
                .map_err(|why| PublishError::parse(source, format!("expected a plain SVG picture: {why}")))?
                .replacen("<svg data-plot=\"explanation\"", &format!("<svg {SYNTHETIC_MARK}"), 1);
            super::paths::reduce_paths(&mut svg);
            let rel = format!("plots/explain_synthetic_{}.svg", i + 1);
            write(&rel, svg.as_bytes())?;
            report
                .synthetic_explanations
                .push(SyntheticExplanation { file: rel.clone(), sha256: sha256_bytes(svg.as_bytes()) });
            report.add(&rel, "an explanation redrawn on a generated example, not a patient's record");
        }
    }
    write(REPORT_FILE, &to_pretty(&report))?;
    crate::html::write_report(dest)?;
    crate::model_card::write_model_card(dest)?;
    Ok(report)
}

/// A hidden folder beside `out` to build in.
fn staging_dir(out: &Path) -> Result<PathBuf, PublishError> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(PublishError::write(&parent))?;
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "bundle".into());
    Ok(parent.join(format!(".{name}.publishing-{}", std::process::id())))
}

/// Whether `out` may be written: absent, or an empty folder.
fn check_out(out: &Path) -> Result<(), PublishError> {
    match std::fs::read_dir(out) {
        Ok(mut entries) => match entries.next() {
            None => Ok(()),
            Some(_) => Err(PublishError::OutExists { path: out.to_path_buf() }),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(_) => Err(PublishError::OutExists { path: out.to_path_buf() }),
    }
}

/// Publishes `run_dir` into `out` under `policy`: a folder, or a zip
/// archive when `out` ends in `.zip`. Refuses an `out` that exists and is
/// not an empty folder; writes nothing there unless the finished bundle
/// passes [`check_bundle`](super::check_bundle).
pub fn publish(run_dir: &Path, out: &Path, policy: &PublishPolicy) -> Result<PublishReport, PublishError> {
    check_out(out)?;
    let staging = staging_dir(out)?;
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(PublishError::write(&staging))?;
    }
    std::fs::create_dir_all(&staging).map_err(PublishError::write(&staging))?;
    let result = build(run_dir, &staging, policy).and_then(|report| {
        let findings = check_bundle(&staging, policy.k.max(1))?;
        if !findings.is_empty() {
            return Err(PublishError::Unsafe {
                path: run_dir.to_path_buf(),
                findings: findings.iter().map(ToString::to_string).collect(),
            });
        }
        Ok(report)
    });
    let result = result.and_then(|report| {
        if super::archive::is_zip(out) {
            super::archive::write_zip(&staging, out)?;
        } else {
            if out.is_dir() {
                std::fs::remove_dir(out).map_err(PublishError::write(out))?;
            }
            std::fs::rename(&staging, out).map_err(PublishError::write(out))?;
        }
        Ok(report)
    });
    if staging.exists() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}
