//! `medref`: train, evaluate and use the medref reference baselines.
//!
//! Exit codes: 0 success; 2 bad input (config, data, device, run
//! directory, command line); 1 anything else.

mod args;
mod data_cmd;
mod dna_cmd;
mod error_text;
mod help;
mod new_file;
mod omop_progress;
mod privacy_cmd;
mod progress;
mod reproduce;
mod run_cmd;
mod sweep;
mod usage;

use anyhow::Context;
use args::{Cli, Command, GenomicsCommand, SweepArgs, SweepCommand};
use clap::{CommandFactory, Parser};
use medref_train::run::TrainRequest;
use medref_train::DeviceChoice;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use usage::{refuse_directory, UsageError};

fn main() -> ExitCode {
    // Training steps reuse their freed buffers instead of fresh pages.
    medref_kernels::memory::reuse_freed_memory();
    let cli = Cli::parse();
    // Parallel operations then start on a pool thread instead of being
    // handed over from this one (medref_kernels::threads).
    match medref_kernels::threads::on_pool_thread(|| run_command(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if let Some(signal) = interrupted_by(&err) {
                // Not a failure: the run kept its committed epochs and says
                // how to go on. 128 + the signal, as a shell reports it.
                eprintln!("{err}");
                return ExitCode::from(128 + signal as u8);
            }
            eprintln!("error: {}", error_text::error_text(&err));
            if is_bad_input(&err) {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// The signal that stopped a training run, if one did.
fn interrupted_by(err: &anyhow::Error) -> Option<i32> {
    err.chain().find_map(|e| match e.downcast_ref::<medref_train::TrainError>() {
        Some(medref_train::TrainError::Interrupted { signal, .. }) => Some(*signal),
        _ => None,
    })
}

/// Ctrl-C or SIGTERM (Slurm's warning before a time limit) during training
/// stops the run at the next batch boundary; a second one ends the process
/// at once. Only commands that train install this: the others keep the
/// default (end at once).
fn stop_training_on_signals() {
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // SAFETY: the handler does an atomic swap and, on a second signal,
        // `_exit`; both are async-signal-safe.
        let registered = unsafe {
            signal_hook::low_level::register(signal, move || {
                if medref_train::interrupt::request_stop(signal) {
                    signal_hook::low_level::exit(128 + signal);
                }
            })
        };
        if let Err(e) = registered {
            eprintln!("warning: cannot catch {}: {e}", medref_train::interrupt::signal_name(signal));
        }
    }
}

fn is_bad_input(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<medref_train::TrainError>().is_some_and(|t| t.is_bad_input())
            || e.downcast_ref::<medref_data::DataError>()
                .is_some_and(|d| !matches!(d, medref_data::DataError::Download { .. }))
            || e.downcast_ref::<medref_core::config::ConfigError>().is_some()
            || e.downcast_ref::<UsageError>().is_some()
            || e.downcast_ref::<medref_report::PublishError>().is_some_and(publish_bad_input)
    })
}

/// A publish error the user can fix by changing the input (a missing or
/// broken run, a taken --out, no secret); failing to write is not one.
fn publish_bad_input(e: &medref_report::PublishError) -> bool {
    use medref_report::PublishError as P;
    !matches!(e, P::Write { .. } | P::Archive { .. })
}

/// One function per command; this only routes.
fn run_command(cli: Cli) -> anyhow::Result<()> {
    let quiet = cli.quiet;
    match cli.command {
        Command::Train { config, resume, device, out, set, force } => {
            run_cmd::train(config, resume, device, out, set, force, quiet)
        }
        Command::Eval { run_dir, data, device, out } => {
            run_cmd::eval(&run_dir, data.as_deref(), device, out.as_deref())
        }
        Command::Predict { run_dir, input, device, out } => run_cmd::predict(&run_dir, &input, device, out.as_deref()),
        Command::Genomics {
            command: GenomicsCommand::ScoreVariants { run_dir, reference, vcf, out, class, device },
        } => dna_cmd::score_variants(&run_dir, &reference, &vcf, &out, class, device),
        Command::Explain { run_dir, sequence, fasta, record, out, class, device } => {
            dna_cmd::explain(&run_dir, sequence, fasta, record, &out, class, device)
        }
        Command::Data { command } => data_cmd::run(command, quiet),
        Command::Reproduce { tiny, domain, only, jobs, baselines, out, device, seeds } => {
            let select = reproduce::Selection { tiny, domain, only, device: device.as_str().to_string(), seeds };
            reproduce_baselines(&baselines, select, jobs, &out, quiet)
        }
        Command::Sweep { action: Some(SweepCommand::Collect { dir }), .. } => sweep_collect(&dir),
        Command::Sweep { action: Some(SweepCommand::Task { dir, index }), .. } => sweep_task(&dir, index, quiet),
        Command::Sweep { action: None, args } => sweep_plan_and_run(args),
        Command::Publish { run_dir, out, check, k, keep_predictions, quasi } => match check {
            Some(bundle) => check_bundle(&bundle, k),
            None => {
                let (Some(run_dir), Some(out)) = (run_dir, out) else {
                    unreachable!("clap requires RUN_DIR and --out without --check")
                };
                publish(&run_dir, &out, k, keep_predictions, &quasi, quiet)
            }
        },
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "medref", &mut script);
            print_bytes(&script)
        }
        Command::Man { out } => man(out.as_deref()),
        Command::Report { run_dirs, out } => report(&run_dirs, &out),
    }
}

/// `medref reproduce`: the baseline table, pass or fail per row.
fn reproduce_baselines(
    baselines: &Path,
    select: reproduce::Selection,
    jobs: usize,
    out: &Path,
    quiet: bool,
) -> anyhow::Result<()> {
    if select.seeds == 0 {
        return Err(UsageError("--seeds must be at least 1".into()).into());
    }
    let results = reproduce::run(baselines, &select, jobs, out, quiet)?;
    print!("{}", reproduce::markdown(&results));
    let failed = results.iter().filter(|r| r.status == "fail" || r.status == "error").count();
    println!("{}: {} rows, {failed} failed", out.join("reproduce.json").display(), results.len());
    if failed > 0 {
        anyhow::bail!("{failed} of {} baselines did not reproduce their reference", results.len());
    }
    Ok(())
}

/// `medref sweep collect DIR`.
fn sweep_collect(dir: &Path) -> anyhow::Result<()> {
    let summaries = sweep::collect(dir)?;
    print!("{}", sweep::markdown(&sweep::read_plan(dir)?, &summaries));
    println!("{}", dir.join("summary.csv").display());
    Ok(())
}

/// One task of a sweep (what a Slurm array element or a local worker runs).
fn sweep_task(dir: &Path, index: usize, quiet: bool) -> anyhow::Result<()> {
    stop_training_on_signals();
    let plan = sweep::read_plan(dir)?;
    let device: DeviceChoice = plan.device.parse().map_err(UsageError)?;
    let trained = sweep::run_task(dir, index, |config, out| {
        let monitor = config.train.monitor;
        // A task killed mid-run (preempted, out of time) continues.
        let resume = out.join("checkpoints/state.json").is_file();
        let req = TrainRequest {
            config,
            device,
            out: Some(out),
            force: !resume,
            command: std::env::args().collect(),
            resume,
        };
        let mut bars = progress::Bars::new(quiet, monitor.as_str());
        medref_baselines::train(&req, &mut bars)?;
        Ok(())
    })?;
    if !trained {
        println!("task {index}: already finished, skipped");
    }
    Ok(())
}

/// `medref sweep CONFIG --grid ...`: plans, then runs locally or writes
/// the Slurm array job.
fn sweep_plan_and_run(args: SweepArgs) -> anyhow::Result<()> {
    let config = args.config.expect("clap requires CONFIG without a subcommand");
    refuse_directory(&config, "a config file (e.g. configs/clinical/tiny.toml)")?;
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
        let opts = sweep::SlurmOptions {
            partition: args.partition,
            time: args.time,
            cpus: args.cpus,
            max_parallel: args.max_parallel,
        };
        let script = sweep::slurm_script(&plan, &args.out, &exe, &opts)?;
        println!(
            "{}: {} tasks; submit with `sbatch {}`, then `medref sweep collect {}`",
            script.display(),
            plan.tasks.len(),
            script.display(),
            args.out.display()
        );
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

/// `medref publish RUN_DIR --out BUNDLE`.
fn publish(
    run_dir: &Path,
    out: &Path,
    k: usize,
    keep_predictions: bool,
    quasi: &[String],
    quiet: bool,
) -> anyhow::Result<()> {
    let mut policy = medref_report::PublishPolicy::from_env();
    policy.k = k;
    policy.keep_predictions = keep_predictions;
    for q in quasi.iter().map(|q| q.trim().to_ascii_lowercase()).filter(|q| !q.is_empty()) {
        if !policy.quasi_identifiers.contains(&q) {
            policy.quasi_identifiers.push(q);
        }
    }
    let _lock = usage::hold_run(run_dir)?;
    let report = medref_report::publish(run_dir, out, &policy)?;
    if !quiet {
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

/// `medref man`: the page on stdout, or every page into a folder.
fn man(out: Option<&Path>) -> anyhow::Result<()> {
    let Some(dir) = out else {
        let mut page = Vec::new();
        clap_mangen::Man::new(Cli::command()).render(&mut page).context("cannot render the manual page")?;
        return print_bytes(&page);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    clap_mangen::generate_to(Cli::command(), dir)
        .with_context(|| format!("{}: cannot write the manual pages", dir.display()))?;
    println!("{}: medref.1 and one page per command", dir.display());
    Ok(())
}

/// `medref report`: redraws one run's report and card, or compares runs.
fn report(run_dirs: &[PathBuf], out: &Path) -> anyhow::Result<()> {
    if let [one] = run_dirs {
        let _lock = usage::hold_run(one)?;
        let report = medref_report::write_report(one).map_err(|e| UsageError(e.to_string()))?;
        let card = medref_report::write_model_card(one).map_err(|e| UsageError(e.to_string()))?;
        println!("{}\n{}", report.display(), card.display());
    } else {
        medref_report::write_comparison(run_dirs, out).map_err(|e| UsageError(e.to_string()))?;
        println!("{}: {} runs side by side", out.display(), run_dirs.len());
    }
    Ok(())
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
        for kind in [".ts file", "sensor CSV", "kinematics", "per-frame features"] {
            assert!(help.contains(kind), "predict --help does not mention {kind}:\n{help}");
        }
    }
}
