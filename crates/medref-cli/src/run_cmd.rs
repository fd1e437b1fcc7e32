//! The commands that make or reopen a run: `train` (and `--resume`),
//! `eval` and `predict`.

use crate::progress;
use crate::usage::{refuse_directory, UsageError};
use crate::write_output;
use medref_core::task::{FitMethod, TaskKind};
use medref_train::run::{TrainOutcome, TrainRequest};
use medref_train::DeviceChoice;
use std::path::{Path, PathBuf};

/// `medref train CONFIG` or `medref train --resume RUN_DIR`.
pub fn train(
    config: Option<PathBuf>,
    resume: Option<PathBuf>,
    device: Option<DeviceChoice>,
    out: Option<PathBuf>,
    set: Vec<String>,
    force: bool,
    quiet: bool,
) -> anyhow::Result<()> {
    let resuming = resume.is_some();
    let device = match (device, &resume) {
        (Some(d), _) => d,
        (None, Some(dir)) => recorded_device(dir)?,
        (None, None) => DeviceChoice::Cpu,
    };
    let (config, out) = match (config, resume) {
        (_, Some(dir)) => {
            if !dir.join("config.toml").is_file() {
                let message =
                    format!("{}: not a medref run directory (no config.toml); nothing to resume", dir.display());
                return Err(UsageError(message).into());
            }
            (medref_baselines::load_config(&dir.join("config.toml"), &[])?, Some(dir))
        }
        (Some(config), None) => {
            refuse_directory(&config, "a config file (e.g. configs/imaging/tiny.toml)")?;
            let loaded = medref_baselines::load_config(&config, &set)?;
            medref_core::config::check_relative_inputs(&loaded, &config)?;
            (loaded, out)
        }
        (None, None) => unreachable!("clap requires CONFIG or --resume"),
    };
    crate::stop_training_on_signals();
    crate::omop_progress::show_table_scans(quiet);
    let monitor = config.train.monitor;
    let req = TrainRequest { config, device, out, force, command: std::env::args().collect(), resume: resuming };
    let mut bars = progress::Bars::new(quiet, monitor.as_str());
    let outcome = medref_baselines::train(&req, &mut bars)?;
    println!("{}", summary_line(&outcome));
    Ok(())
}

/// The line `train` ends with: the task's headline test metrics, then how
/// the model was fitted (epochs and throughput only where the loop ran).
fn summary_line(outcome: &TrainOutcome) -> String {
    let test = outcome.metrics.get("test").cloned().unwrap_or_default();
    let show = |k: &str| test.get(k).map_or("n/a".to_string(), |v| format!("{v:.4}"));
    let ci =
        |k: &str| format!("{} (95% CI {}-{})", show(k), show(&format!("{k}_ci_low")), show(&format!("{k}_ci_high")));
    let headline = match outcome.task {
        TaskKind::SequenceLabelling => {
            format!("test frame accuracy {}, edit {}, F1@50 {}", show("frame_accuracy"), show("edit"), show("f1_at_50"))
        }
        TaskKind::Segmentation => format!("test Dice {}, IoU {}, HD95 {} px", ci("dice"), show("iou"), show("hd95")),
        TaskKind::Survival => {
            let events = test.get("n_events").map_or(0, |v| *v as u64);
            format!("test C-index {}, {events} events", ci("c_index"))
        }
        // A regression run speaks of errors in the target's units, never of AUROC.
        TaskKind::Regression => format!("test RMSE {}, MAE {}, R^2 {}", ci("rmse"), ci("mae"), ci("r2")),
        TaskKind::Binary | TaskKind::Multiclass | TaskKind::Multilabel => {
            format!("test AUROC {}, accuracy {}", ci("auroc"), show("accuracy"))
        }
    };
    let fit = match outcome.fit {
        FitMethod::Direct => "fitted directly (no epochs)".to_string(),
        FitMethod::Loop => format!(
            "best epoch {} of {}{}",
            outcome.best_epoch,
            outcome.epochs_run,
            if outcome.stopped_early { " (stopped early)" } else { "" }
        ),
    };
    let speed = match outcome.fit {
        FitMethod::Direct => String::new(),
        FitMethod::Loop => format!(", {:.0} train samples/s", outcome.train_samples_per_second),
    };
    format!("{}: {headline}; {fit}; {:.1}s{speed}", outcome.dir.display(), outcome.seconds)
}

/// The device a run was started on, from its `manifest.json`; a resumed
/// run continues there unless `--device` says otherwise.
fn recorded_device(dir: &Path) -> anyhow::Result<DeviceChoice> {
    let path = dir.join("manifest.json");
    let Ok(text) = std::fs::read_to_string(&path) else { return Ok(DeviceChoice::Cpu) };
    let manifest: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| UsageError(format!("{}: not valid JSON: {e}", path.display())))?;
    match manifest["device"].as_str() {
        Some(d) => Ok(d.parse().map_err(|e: String| UsageError(format!("{}: device: {e}", path.display())))?),
        None => Ok(DeviceChoice::Cpu),
    }
}

/// Refuses a folder as `path` unless the run's format reads one (`what`
/// names what to give instead); a run that cannot be opened is left to
/// the command's own error.
fn refuse_directory_for(
    run_dir: &Path,
    path: &Path,
    folder_allowed: impl Fn(&dyn medref_train::Runner) -> bool,
    what: &str,
) -> anyhow::Result<()> {
    if !path.is_dir() {
        return Ok(());
    }
    let Ok(config) = medref_baselines::load_config(&run_dir.join("config.toml"), &[]) else { return Ok(()) };
    match medref_baselines::registry::FORMATS.runner(config.data.format()) {
        Some(runner) if !folder_allowed(runner) => {
            let message = format!(
                "{}: is a directory; give {what} (a `{}` run reads no folders)",
                path.display(),
                runner.format()
            );
            Err(UsageError(message).into())
        }
        _ => Ok(()),
    }
}

/// `medref eval RUN_DIR [--data FILE]`.
pub fn eval(run_dir: &Path, data: Option<&Path>, device: DeviceChoice, out: Option<&Path>) -> anyhow::Result<()> {
    if let Some(data) = data {
        refuse_directory_for(run_dir, data, |r| r.reads_folder(), "a data file in the run's format")?;
    }
    // Writing the metrics into the run itself is writing the run.
    let inside = |out: &Path| {
        let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        absolute(out).starts_with(absolute(run_dir))
    };
    let _lock = match out {
        Some(out) if inside(out) => crate::usage::hold_run(run_dir)?,
        _ => None,
    };
    let metrics = medref_baselines::eval(run_dir, device, data)?;
    let json = serde_json::to_string_pretty(&metrics)? + "\n";
    if let Some(out) = out {
        write_output(out, json.as_bytes())?;
    }
    print!("{json}");
    Ok(())
}

/// `medref predict RUN_DIR INPUT`.
pub fn predict(run_dir: &Path, input: &Path, device: DeviceChoice, out: Option<&Path>) -> anyhow::Result<()> {
    refuse_directory_for(run_dir, input, |r| r.predict_reads_folder(), "a file to score")?;
    match (medref_baselines::predict(run_dir, device, input)?, out) {
        (medref_train::Prediction::Table(csv), Some(out)) => write_output(out, csv.as_bytes()),
        (medref_train::Prediction::Table(csv), None) => {
            print!("{csv}");
            Ok(())
        }
        (medref_train::Prediction::File(bytes), Some(out)) => write_output(out, &bytes),
        (medref_train::Prediction::File(_), None) => Err(UsageError(format!(
            "{}: this model predicts a mask image; give --out FILE.png to write it",
            input.display()
        ))
        .into()),
    }
}
