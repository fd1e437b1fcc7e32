//! `medref`: train, evaluate and use the medref reference baselines.
//!
//! Exit codes: 0 success; 2 bad input (config, data, device, run
//! directory, command line); 1 anything else.

mod args;
mod data_cmd;
mod help;
mod progress;
mod reproduce;
mod sweep;

use anyhow::Context;
use args::{Cli, Command, GenomicsCommand, SweepCommand};
use clap::{CommandFactory, Parser};
use medref_train::run::TrainRequest;
use medref_train::DeviceChoice;
use std::path::Path;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Training steps reuse their freed buffers instead of fresh pages.
    medref_kernels::memory::reuse_freed_memory();
    let cli = Cli::parse();
    // Parallel operations then start on a pool thread instead of being
    // handed over from this one (medref_kernels::threads).
    match medref_kernels::threads::on_pool_thread(|| run_command(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            if is_bad_input(&err) {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

fn is_bad_input(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<medref_train::TrainError>().is_some_and(|t| t.is_bad_input())
            || e.downcast_ref::<medref_data::DataError>().is_some_and(|d| !matches!(d, medref_data::DataError::Download { .. }))
            || e.downcast_ref::<medref_core::config::ConfigError>().is_some()
            || e.downcast_ref::<data_cmd::UsageError>().is_some()
            || e.downcast_ref::<medref_report::PublishError>().is_some_and(publish_bad_input)
    })
}

/// A publish error the user can fix by changing the input (a missing or
/// broken run, a taken --out, no secret); failing to write is not one.
fn publish_bad_input(e: &medref_report::PublishError) -> bool {
    use medref_report::PublishError as P;
    !matches!(e, P::Write { .. } | P::Archive { .. })
}

/// `[data].format`s whose `eval --data` may be a folder.
const FOLDER_DATA_FORMATS: &[&str] = &["image_folder", "jigsaws", "cholec80", "fasta_classes"];

/// `[data].format`s whose `predict` input may be a folder (of images).
const FOLDER_PREDICT_FORMATS: &[&str] = &["medmnist_npz", "image_folder"];

/// Refuses a folder as `path` unless the run in `run_dir` has one of
/// `folder_formats`; a run whose config cannot be read is left to the
/// command's own error.
fn refuse_directory_for(run_dir: &Path, path: &Path, folder_formats: &[&str], what: &str) -> anyhow::Result<()> {
    if !path.is_dir() {
        return Ok(());
    }
    let format = std::fs::read_to_string(run_dir.join("config.toml"))
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| t.get("data")?.get("format")?.as_str().map(String::from));
    match format {
        Some(f) if !folder_formats.contains(&f.as_str()) => Err(data_cmd::UsageError(format!(
            "{}: is a directory; give {what} (a `{f}` run reads no folders)",
            path.display()
        ))
        .into()),
        _ => Ok(()),
    }
}

/// The device a run was started on, from its `manifest.json`; a resumed
/// run continues there unless `--device` says otherwise.
fn recorded_device(dir: &Path) -> anyhow::Result<DeviceChoice> {
    let path = dir.join("manifest.json");
    let Ok(text) = std::fs::read_to_string(&path) else { return Ok(DeviceChoice::Cpu) };
    let manifest: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| data_cmd::UsageError(format!("{}: not valid JSON: {e}", path.display())))?;
    match manifest["device"].as_str() {
        Some(d) => Ok(d.parse().map_err(|e: String| data_cmd::UsageError(format!("{}: device: {e}", path.display())))?),
        None => Ok(DeviceChoice::Cpu),
    }
}

fn run_command(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Train { config, resume, device, out, set, force } => {
            let resuming = resume.is_some();
            let device = match (device, &resume) {
                (Some(d), _) => d,
                (None, Some(dir)) => recorded_device(dir)?,
                (None, None) => DeviceChoice::Cpu,
            };
            let (config, out) = match (config, resume) {
                (_, Some(dir)) => {
                    if !dir.join("config.toml").is_file() {
                        return Err(data_cmd::UsageError(format!(
                            "{}: not a medref run directory (no config.toml); nothing to resume",
                            dir.display()
                        ))
                        .into());
                    }
                    (medref_core::config::Config::load(&dir.join("config.toml"), &[])?, Some(dir))
                }
                (Some(config), None) => {
                    data_cmd::refuse_directory(&config, "a config file (e.g. configs/imaging/tiny.toml)")?;
                    (medref_core::config::Config::load(&config, &set)?, out)
                }
                (None, None) => unreachable!("clap requires CONFIG or --resume"),
            };
            let monitor = config.train.monitor;
            let req = TrainRequest {
                config,
                device,
                out,
                force,
                command: std::env::args().collect(),
                resume: resuming,
            };
            let mut bars = progress::Bars::new(cli.quiet, monitor.as_str());
            let outcome = medref_baselines::train(&req, &mut bars)?;
            let test = outcome.metrics.get("test").cloned().unwrap_or_default();
            let show = |k: &str| test.get(k).map_or("n/a".to_string(), |v| format!("{v:.4}"));
            let headline = if test.contains_key("frame_accuracy") {
                format!(
                    "test frame accuracy {}, edit {}, F1@50 {}",
                    show("frame_accuracy"),
                    show("edit"),
                    show("f1_at_50")
                )
            } else if test.contains_key("c_index") {
                format!("test C-index {} (95% CI {}-{}), {} events", show("c_index"), show("c_index_ci_low"), show("c_index_ci_high"), test.get("n_events").map_or(0, |v| *v as u64))
            } else if matches!(outcome.metrics.get("val"), Some(v) if v.contains_key("rmse")) {
                // A regression run speaks of errors in the target's units,
                // never of AUROC.
                let ci = |k: &str| format!("{} (95% CI {}-{})", show(k), show(&format!("{k}_ci_low")), show(&format!("{k}_ci_high")));
                format!("test RMSE {}, MAE {}, R^2 {}", ci("rmse"), ci("mae"), ci("r2"))
            } else {
                format!(
                    "test AUROC {} (95% CI {}-{}), accuracy {}",
                    show("auroc"),
                    show("auroc_ci_low"),
                    show("auroc_ci_high"),
                    show("accuracy")
                )
            };
            println!(
                "{}: {headline}; best epoch {} of {}{}; {:.1}s, {:.0} train samples/s",
                outcome.dir.display(),
                outcome.best_epoch,
                outcome.epochs_run,
                if outcome.stopped_early { " (stopped early)" } else { "" },
                outcome.seconds,
                outcome.train_samples_per_second
            );
            Ok(())
        }
        Command::Eval { run_dir, data, device, out } => {
            if let Some(data) = &data {
                refuse_directory_for(&run_dir, data, FOLDER_DATA_FORMATS, "a data file in the run's format")?;
            }
            let metrics = medref_baselines::eval(&run_dir, device, data.as_deref())?;
            let json = serde_json::to_string_pretty(&metrics)? + "\n";
            if let Some(out) = out {
                write_output(&out, json.as_bytes())?;
            }
            print!("{json}");
            Ok(())
        }
        Command::Predict { run_dir, input, device, out } => {
            refuse_directory_for(&run_dir, &input, FOLDER_PREDICT_FORMATS, "a file to score")?;
            let csv = medref_baselines::predict(&run_dir, device, &input)?;
            match out {
                Some(out) => write_output(&out, csv.as_bytes()),
                None => {
                    print!("{csv}");
                    Ok(())
                }
            }
        }
        Command::Genomics { command: GenomicsCommand::ScoreVariants { run_dir, reference, vcf, out, class, device } } => {
            use medref_baselines::genomics::{open_dna_run, score_variants, to_tsv, to_vcf};
            data_cmd::refuse_directory(&reference, "a reference FASTA file")?;
            data_cmd::refuse_directory(&vcf, "a VCF file")?;
            let loaded = open_dna_run(&run_dir, device)?;
            let mut fasta = medref_data::genomics::IndexedFasta::open(&reference)?;
            let records = medref_data::genomics::read_vcf(&vcf)?;
            let rows = score_variants(&loaded, &mut fasta, &records, class)?;
            let text = match out.extension().and_then(|e| e.to_str()) {
                Some("vcf") => to_vcf(&records, &rows)?,
                Some("tsv") => to_tsv(&rows),
                _ => return Err(data_cmd::UsageError(format!("{}: --out must end in .tsv or .vcf", out.display())).into()),
            };
            write_output(&out, text.as_bytes())?;
            let scored = rows.iter().filter(|r| r.flag == "ok").count();
            println!("{}: {} of {} ALT alleles scored ({} flagged, see the flag column)", out.display(), scored, rows.len(), rows.len() - scored);
            Ok(())
        }
        Command::Explain { run_dir, sequence, fasta, record, out, class, device } => {
            let loaded = medref_baselines::genomics::open_dna_run(&run_dir, device)?;
            let len = loaded.info.meta.input_shape[0];
            let (name, raw) = match (sequence, fasta) {
                (Some(seq), None) => ("sequence".to_string(), seq.into_bytes()),
                (None, Some(path)) => {
                    data_cmd::refuse_directory(&path, "a FASTA file")?;
                    let records = medref_data::genomics::read_fasta(&path)?;
                    let rec = match &record {
                        Some(id) => records.into_iter().find(|r| &r.id == id).ok_or_else(|| {
                            data_cmd::UsageError(format!("{}: no record named `{id}`", path.display()))
                        })?,
                        None => records.into_iter().next().ok_or_else(|| {
                            data_cmd::UsageError(format!("{}: no FASTA records", path.display()))
                        })?,
                    };
                    (rec.id, rec.sequence)
                }
                _ => return Err(data_cmd::UsageError("give --sequence SEQ or --fasta FILE".into()).into()),
            };
            let raw = raw.to_ascii_uppercase();
            if let Err((pos, byte)) = medref_data::genomics::validate_sequence(&raw) {
                return Err(data_cmd::UsageError(format!(
                    "{name}: position {}: `{}` is not a DNA base or IUPAC code", pos + 1, byte.escape_ascii()
                )).into());
            }
            let seq = medref_data::genomics::sequence::pad_or_crop(&raw, len);
            let ism = medref_baselines::genomics::saturation_mutagenesis(&loaded, &seq, class)?;
            std::fs::create_dir_all(&out).with_context(|| format!("{}: cannot create", out.display()))?;
            write_output(&out.join("ism.tsv"), ism.to_tsv().as_bytes())?;
            let title = format!("{name}: score {:.3} (class {class}), in-silico mutagenesis", ism.reference_score);
            write_output(&out.join("ism.svg"), ism.to_svg(&title).as_bytes())?;
            println!("{}: ism.tsv and ism.svg for {name} ({len} bp), score {:.4}", out.display(), ism.reference_score);
            Ok(())
        }
        Command::Data { command } => data_cmd::run(command, cli.quiet),
        Command::Reproduce { tiny, domain, only, jobs, baselines, out, device, seeds } => {
            if seeds == 0 {
                return Err(data_cmd::UsageError("--seeds must be at least 1".into()).into());
            }
            let select = reproduce::Selection { tiny, domain, only, device: device.as_str().to_string(), seeds };
            let results = reproduce::run(&baselines, &select, jobs, &out, cli.quiet)?;
            print!("{}", reproduce::markdown(&results));
            let failed = results.iter().filter(|r| r.status == "fail" || r.status == "error").count();
            println!("{}: {} rows, {failed} failed", out.join("reproduce.json").display(), results.len());
            if failed > 0 {
                anyhow::bail!("{failed} of {} baselines did not reproduce their reference", results.len());
            }
            Ok(())
        }
        Command::Sweep { action: Some(SweepCommand::Collect { dir }), .. } => {
            let summaries = sweep::collect(&dir)?;
            print!("{}", sweep::markdown(&sweep::read_plan(&dir)?, &summaries));
            println!("{}", dir.join("summary.csv").display());
            Ok(())
        }
        Command::Sweep { action: Some(SweepCommand::Task { dir, index }), .. } => {
            let plan = sweep::read_plan(&dir)?;
            let device: DeviceChoice = plan.device.parse().map_err(data_cmd::UsageError)?;
            let trained = sweep::run_task(&dir, index, |config, out| {
                let monitor = config.train.monitor;
                // A task killed mid-run (preempted, out of time) continues.
                let resume = out.join("checkpoints/state.json").is_file();
                let req = TrainRequest { config, device, out: Some(out), force: !resume, command: std::env::args().collect(), resume };
                let mut bars = progress::Bars::new(cli.quiet, monitor.as_str());
                medref_baselines::train(&req, &mut bars)?;
                Ok(())
            })?;
            if !trained {
                println!("task {index}: already finished, skipped");
            }
            Ok(())
        }
        Command::Sweep { action: None, args } => {
            let config = args.config.expect("clap requires CONFIG without a subcommand");
            data_cmd::refuse_directory(&config, "a config file (e.g. configs/clinical/tiny.toml)")?;
            let req = sweep::SweepRequest {
                config,
                grid: args.grid,
                seeds: args.seeds,
                first_seed: args.first_seed,
                device: args.device.as_str().to_string(),
                out: args.out.clone(),
            };
            let plan = sweep::plan(&req)?;
            let exe = std::env::current_exe().context("cannot find the medref executable")?;
            if args.emit == "slurm" {
                let opts = sweep::SlurmOptions { partition: args.partition, time: args.time, cpus: args.cpus, max_parallel: args.max_parallel };
                let script = sweep::slurm_script(&plan, &args.out, &exe, &opts)?;
                println!("{}: {} tasks; submit with `sbatch {}`, then `medref sweep collect {}`", script.display(), plan.tasks.len(), script.display(), args.out.display());
                return Ok(());
            }
            let failed = sweep::run_local(&args.out, &plan, args.jobs, &exe);
            for (i, e) in &failed {
                eprintln!("task {i} ({}): {e}", plan.tasks[*i].run.display());
            }
            let summaries = sweep::collect(&args.out)?;
            print!("{}", sweep::markdown(&plan, &summaries));
            println!("{}", args.out.join("summary.csv").display());
            if !failed.is_empty() {
                anyhow::bail!("{} of {} sweep tasks failed", failed.len(), plan.tasks.len());
            }
            Ok(())
        }
        Command::Publish { run_dir, out, check, k, keep_predictions, quasi } => {
            if let Some(bundle) = check {
                return check_bundle(&bundle, k);
            }
            let (Some(run_dir), Some(out)) = (run_dir, out) else {
                unreachable!("clap requires RUN_DIR and --out without --check")
            };
            let mut policy = medref_report::PublishPolicy::from_env();
            policy.k = k;
            policy.keep_predictions = keep_predictions;
            for q in quasi.iter().map(|q| q.trim().to_ascii_lowercase()).filter(|q| !q.is_empty()) {
                if !policy.quasi_identifiers.contains(&q) {
                    policy.quasi_identifiers.push(q);
                }
            }
            let report = medref_report::publish(&run_dir, &out, &policy)?;
            if !cli.quiet {
                for (what, entries) in [("changed", &report.changed), ("removed", &report.removed), ("added", &report.added)] {
                    for e in entries.iter() {
                        println!("  {what:<7} {}: {}", e.file, e.reason);
                    }
                }
            }
            println!(
                "{}: published with k = {k}: {} files kept, {} changed, {} removed, {} added; the record is {}",
                out.display(),
                report.kept.len(),
                report.changed.len(),
                report.removed.len(),
                report.added.len(),
                medref_report::REPORT_FILE
            );
            Ok(())
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "medref", &mut script);
            print_bytes(&script)
        }
        Command::Man { out: None } => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut page).context("cannot render the manual page")?;
            print_bytes(&page)
        }
        Command::Man { out: Some(dir) } => {
            std::fs::create_dir_all(&dir).with_context(|| format!("{}: cannot create", dir.display()))?;
            clap_mangen::generate_to(Cli::command(), &dir).with_context(|| format!("{}: cannot write the manual pages", dir.display()))?;
            println!("{}: medref.1 and one page per command", dir.display());
            Ok(())
        }
        Command::Report { run_dirs, out } => {
            if let [one] = run_dirs.as_slice() {
                let report = medref_report::write_report(one).map_err(|e| data_cmd::UsageError(e.to_string()))?;
                let card = medref_report::write_model_card(one).map_err(|e| data_cmd::UsageError(e.to_string()))?;
                println!("{}\n{}", report.display(), card.display());
            } else {
                medref_report::write_comparison(&run_dirs, &out).map_err(|e| data_cmd::UsageError(e.to_string()))?;
                println!("{}: {} runs side by side", out.display(), run_dirs.len());
            }
            Ok(())
        }
    }
}

/// `medref publish --check`: one finding per line on stdout; findings are
/// a failure (exit 1), an unreadable bundle bad input (exit 2).
fn check_bundle(bundle: &Path, k: usize) -> anyhow::Result<()> {
    let findings = medref_report::check_bundle(bundle, k)?;
    for f in &findings {
        println!("{f}");
    }
    if findings.is_empty() {
        println!("{}: nothing the publishing policy forbids (k = {k})", bundle.display());
        return Ok(());
    }
    anyhow::bail!(
        "{}: {} finding(s); not safe to publish as it is (make a bundle with `medref publish RUN_DIR --out BUNDLE`)",
        bundle.display(),
        findings.len()
    )
}

/// Writes generated text to stdout; a reader that stops early (`| head`)
/// is not an error.
fn print_bytes(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    match std::io::stdout().lock().write_all(bytes) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e).context("cannot write to stdout"),
        _ => Ok(()),
    }
}

/// Writes a result file atomically, naming it in any error.
pub fn write_output(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    medref_core::fsutil::write_atomic(path, bytes).with_context(|| format!("{}: cannot write", path.display()))
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every command below `cmd` (itself included) with its path.
    fn walk(cmd: &clap::Command, path: String, out: &mut Vec<(String, clap::Command)>) {
        out.push((path.clone(), cmd.clone()));
        // clap's generated `help` subcommand tree mirrors the real one.
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            walk(sub, format!("{path} {}", sub.get_name()), out);
        }
    }

    fn commands() -> Vec<(String, clap::Command)> {
        let mut cmd = Cli::command();
        cmd.build();
        let mut out = Vec::new();
        walk(&cmd, "medref".into(), &mut out);
        out
    }

    #[test]
    fn every_command_and_argument_has_a_description() {
        let mut missing = Vec::new();
        let all = commands();
        assert!(all.len() > 30, "the walk found only {} commands", all.len());
        for (path, cmd) in &all {
            if cmd.get_about().is_none() {
                missing.push(format!("command `{path}`"));
            }
            for arg in cmd.get_arguments() {
                if matches!(arg.get_id().as_str(), "help" | "version") {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("`{path}` argument `{}`", arg.get_id()));
                }
            }
        }
        assert!(missing.is_empty(), "no help text for:\n  {}", missing.join("\n  "));
    }

    #[test]
    fn every_command_ends_its_help_with_examples_and_exit_status() {
        let mut missing = Vec::new();
        for (path, cmd) in commands() {
            let after = cmd.get_after_help().map(|h| h.to_string()).unwrap_or_default();
            if !after.contains("Examples:\n  medref ") && !after.contains("Examples:\n  MEDREF_") {
                missing.push(format!("`{path}`: no example"));
            }
            if !after.contains("Exit status: ") {
                missing.push(format!("`{path}`: no exit status"));
            }
        }
        assert!(missing.is_empty(), "{}", missing.join("\n"));
    }

    #[test]
    fn the_walk_would_find_an_undocumented_argument() {
        let cmd = clap::Command::new("x").arg(clap::Arg::new("bare").long("bare"));
        let mut all = Vec::new();
        walk(&cmd, "x".into(), &mut all);
        assert!(all[0].1.get_arguments().any(|a| a.get_id() == "bare" && a.get_help().is_none()));
    }

    #[test]
    fn predict_help_names_every_input_it_reads() {
        let mut cmd = Cli::command();
        let help = cmd.find_subcommand_mut("predict").unwrap().render_long_help().to_string();
        for kind in [".npz", "PNG", "folder of images", "DICOM", "FASTA", "CSV", "Parquet", "ARFF", "SDF", ".smi"] {
            assert!(help.contains(kind), "predict --help does not mention {kind}:\n{help}");
        }
        assert!(help.contains("not scored by predict"), "{help}");
    }
}
