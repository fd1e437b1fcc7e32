//! `medref`: train, evaluate and use the medref reference baselines.
//!
//! Exit codes: 0 success; 2 bad input (config, data, device, run
//! directory, command line); 1 anything else.

mod data_cmd;
mod help;
mod progress;
mod reproduce;
mod sweep;

use anyhow::Context;
use clap::{CommandFactory, Parser, Subcommand};
use medref_train::run::TrainRequest;
use medref_train::DeviceChoice;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "medref", version, about = "Reference machine-learning baselines for healthcare AI teaching", after_help = help::MEDREF)]
struct Cli {
    /// No progress bars or per-epoch lines; only results and errors.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a baseline from its config and write a run directory.
    #[command(after_help = help::TRAIN)]
    Train {
        /// The baseline config, e.g. configs/imaging/tiny.toml.
        #[arg(required_unless_present = "resume", conflicts_with = "resume")]
        config: Option<PathBuf>,
        /// Continue an interrupted run (killed, crashed, out of time) from
        /// its last committed epoch; it ends with the metrics an
        /// uninterrupted run would have given.
        #[arg(long, value_name = "RUN_DIR", conflicts_with_all = ["out", "set", "force"])]
        resume: Option<PathBuf>,
        /// cpu (burn flex backend) or wgpu (GPU; Vulkan/Metal/DX12); default
        /// cpu, or with --resume the device the run was started on.
        #[arg(long)]
        device: Option<DeviceChoice>,
        /// Run directory (default: runs/<config name>-<date and time>).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Override a config key, e.g. --set train.epochs=3 (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
        /// Replace the run directory if it already holds a run.
        #[arg(long)]
        force: bool,
    },
    /// Re-evaluate a trained run on its data or on another file of the same format.
    #[command(after_help = help::EVAL)]
    Eval {
        /// The run directory (written by `medref train`).
        run_dir: PathBuf,
        /// Data to evaluate on instead of the config's (same format).
        #[arg(long)]
        data: Option<PathBuf>,
        /// cpu (burn flex backend) or wgpu (GPU).
        #[arg(long, default_value = "cpu")]
        device: DeviceChoice,
        /// Also write the metrics JSON to this file.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Score new inputs with a trained run; prints a CSV of id and one score
    /// per class (or the predicted value for regression).
    #[command(after_help = help::PREDICT)]
    Predict {
        /// The run directory (written by `medref train`).
        run_dir: PathBuf,
        /// What to score, in a form the run's domain reads. Images: a
        /// MedMNIST .npz (every split; ids
        /// train-0, ..., test-0, ...), one PNG/JPEG image, a folder of
        /// images, or a DICOM slice (.dcm). DNA: a FASTA file (each record
        /// centre-cropped or N-padded to the model's length). Tables: CSV,
        /// TSV, Parquet or ARFF with the training columns (the label may be
        /// absent). Molecules: SDF, a SMILES file (.smi) or a CSV with the
        /// config's SMILES column. Signals and surgery runs are not scored
        /// by predict (use eval --data).
        input: PathBuf,
        /// cpu (burn flex backend) or wgpu (GPU).
        #[arg(long, default_value = "cpu")]
        device: DeviceChoice,
        /// Write the CSV here instead of to stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Explain a DNA model's prediction by in-silico saturation mutagenesis:
    /// writes ism.tsv ([4, L] logit changes) and ism.svg (a heat map).
    #[command(after_help = help::EXPLAIN)]
    Explain {
        /// The DNA run directory (written by `medref train`).
        run_dir: PathBuf,
        /// The sequence to explain (centre-cropped or N-padded to the model's length).
        #[arg(long, conflicts_with = "fasta")]
        sequence: Option<String>,
        /// Explain a FASTA record instead (the first, or --record ID).
        #[arg(long)]
        fasta: Option<PathBuf>,
        /// The FASTA record to explain, by its ID (the text after `>` up to
        /// the first space); default the first record.
        #[arg(long, requires = "fasta")]
        record: Option<String>,
        /// Folder for ism.tsv and ism.svg.
        #[arg(long)]
        out: PathBuf,
        /// The model output whose logit is explained (1: the positive class
        /// of a binary model).
        #[arg(long, default_value_t = 1)]
        class: usize,
        /// cpu (burn flex backend) or wgpu (GPU).
        #[arg(long, default_value = "cpu")]
        device: DeviceChoice,
    },
    /// Genomic medicine tools.
    #[command(after_help = help::GENOMICS)]
    Genomics {
        #[command(subcommand)]
        command: GenomicsCommand,
    },
    /// Fetch, generate, check and look into datasets; anonymity and DICOM
    /// de-identification.
    #[command(after_help = help::DATA)]
    Data {
        #[command(subcommand)]
        command: data_cmd::DataCommand,
    },
    /// Run the baseline table (configs/baselines.toml) and judge every row
    /// against its reference number; exits 1 if any row fails.
    #[command(after_help = help::REPRODUCE)]
    Reproduce {
        /// Only the tiny CI rows (every domain, a few minutes on 2 cores).
        #[arg(long)]
        tiny: bool,
        /// Only rows whose config lies under configs/<DOMAIN>/.
        #[arg(long)]
        domain: Option<String>,
        /// Only these rows (repeatable).
        #[arg(long)]
        only: Vec<String>,
        /// Rows trained at once (each in its own process; each uses
        /// RAYON_NUM_THREADS threads, all cores by default).
        #[arg(long, default_value_t = 1)]
        jobs: usize,
        /// The baseline table.
        #[arg(long, default_value = "configs/baselines.toml")]
        baselines: PathBuf,
        /// Where the runs, reproduce.json and reproduce.md go.
        #[arg(long, default_value = "runs/reproduce")]
        out: PathBuf,
        /// Train every row on this device.
        #[arg(long, default_value = "cpu")]
        device: DeviceChoice,
        /// Train each row with this many seeds (the config's seed, +1, ...)
        /// and judge the mean; the table shows mean and standard deviation.
        #[arg(long, default_value_t = 1)]
        seeds: u64,
    },
    /// Train a grid of config overrides times seeds: here as plain
    /// processes (--emit local), or as a Slurm array job (--emit slurm).
    /// `medref sweep collect DIR` merges the finished runs into one table.
    #[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true, after_help = help::SWEEP)]
    Sweep {
        #[command(subcommand)]
        action: Option<SweepCommand>,
        #[command(flatten)]
        args: SweepArgs,
    },
    /// Publish a run as open teaching material: a bundle (folder, or a zip
    /// when --out ends in .zip) with nothing at the level of a patient:
    /// predictions.csv and explanations of real records left out, curves
    /// and confusion cells as aggregates of at least k patients, subgroups
    /// under k suppressed, local paths reduced to file names; every decision
    /// is recorded in publish_report.json. With --check, scan any bundle or
    /// folder (or .zip) instead and list what the policy forbids.
    #[command(after_help = help::PUBLISH)]
    Publish {
        /// The run directory to publish (written by `medref train`).
        #[arg(required_unless_present = "check", conflicts_with = "check")]
        run_dir: Option<PathBuf>,
        /// Where the bundle goes: a new or empty folder, or FILE.zip. Nothing
        /// is written there unless the finished bundle passes its own check.
        #[arg(long, value_name = "BUNDLE", required_unless_present = "check", conflicts_with = "check")]
        out: Option<PathBuf>,
        /// Check a bundle folder or .zip (or a run directory about to be
        /// shared) instead of publishing: prints one finding per line.
        #[arg(long, value_name = "BUNDLE")]
        check: Option<PathBuf>,
        /// The smallest number of patients any published count, subgroup,
        /// calibration bin or curve step may stand for.
        #[arg(long, default_value_t = medref_report::DEFAULT_K, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
        k: usize,
        /// Keep predictions.csv, every id replaced by a salted SHA-256 hash;
        /// the salt is the secret in MEDREF_DEID_SECRET (required, never
        /// written to the bundle).
        #[arg(long, conflicts_with = "check")]
        keep_predictions: bool,
        /// More quasi-identifier columns, comma-separated (e.g. ward,zip):
        /// their categories in preprocess.json are replaced by placeholders.
        /// Added to the built-in list (site, hospital, zip, postcode,
        /// ethnicity, ...); a name matches any column containing it, case
        /// ignored.
        #[arg(long, value_delimiter = ',', value_name = "COL,...", conflicts_with = "check")]
        quasi: Vec<String>,
    },
    /// Print a shell completion script for medref to stdout.
    #[command(after_help = help::COMPLETIONS)]
    Completions {
        /// The shell: bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print medref's manual page (roff) to stdout, or write one page per
    /// command into a folder.
    #[command(after_help = help::MAN)]
    Man {
        /// Write medref.1 and medref-<command>.1 for every command here
        /// (for MANPATH, as man1/ of it) instead of printing medref.1.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Redraw a run's report.html and model_card.md, or put several runs
    /// side by side in one page.
    #[command(after_help = help::REPORT)]
    Report {
        /// One or more run directories.
        #[arg(required = true)]
        run_dirs: Vec<PathBuf>,
        /// With several runs: the comparison page to write (HTML).
        #[arg(long, default_value = "comparison.html")]
        out: PathBuf,
    },
}

#[derive(clap::Args)]
struct SweepArgs {
    /// The baseline config the grid varies.
    #[arg(required = true)]
    config: Option<PathBuf>,
    /// A config key and its values, e.g. --grid train.lr=0.01,0.03 (repeatable;
    /// the runs are the cartesian product). Values are split at commas.
    #[arg(long, value_name = "KEY=V1,V2")]
    grid: Vec<String>,
    /// Seeds per grid point (seed = first-seed, first-seed + 1, ...).
    #[arg(long, default_value_t = 1)]
    seeds: u64,
    /// The first seed of each grid point.
    #[arg(long, default_value_t = 0)]
    first_seed: u64,
    /// cpu (burn flex backend) or wgpu (GPU); with slurm, wgpu also asks
    /// for one GPU per task (--gres=gpu:1).
    #[arg(long, default_value = "cpu")]
    device: DeviceChoice,
    /// The sweep directory: sweep.json, runs/, logs/, summary.csv, summary.md.
    #[arg(long, default_value = "runs/sweep")]
    out: PathBuf,
    /// `local`: run every task here now; `slurm`: write sweep.sbatch, an array job.
    #[arg(long, default_value = "local", value_parser = ["local", "slurm"])]
    emit: String,
    /// local: tasks trained at once.
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// slurm: the partition (default: the cluster's).
    #[arg(long)]
    partition: Option<String>,
    /// slurm: wall-clock limit per task, HH:MM:SS (or D-HH:MM:SS).
    #[arg(long, default_value = "04:00:00")]
    time: String,
    /// slurm: CPUs per task (also the training threads).
    #[arg(long, default_value_t = 2)]
    cpus: usize,
    /// slurm: at most this many tasks at once (the array's % throttle).
    #[arg(long)]
    max_parallel: Option<usize>,
}

#[derive(Subcommand)]
enum SweepCommand {
    /// Merge a sweep's finished runs into summary.csv and summary.md
    /// (mean and standard deviation over seeds).
    #[command(after_help = help::SWEEP_COLLECT)]
    Collect {
        /// The sweep directory (the --out of `medref sweep`).
        dir: PathBuf,
    },
    /// Train one task of a sweep (what each Slurm array task runs).
    #[command(hide = true, after_help = help::SWEEP_TASK)]
    Task {
        /// The sweep directory.
        dir: PathBuf,
        /// The task's index in sweep.json (SLURM_ARRAY_TASK_ID).
        index: usize,
    },
}

#[derive(Subcommand)]
enum GenomicsCommand {
    /// Score each VCF variant with a trained DNA model: REF and ALT windows
    /// from the reference, both strands, difference in logit space.
    #[command(after_help = help::SCORE_VARIANTS)]
    ScoreVariants {
        /// The DNA run directory (written by `medref train`).
        run_dir: PathBuf,
        /// Reference FASTA (plain with .fai, or bgzip with .fai and .gzi).
        #[arg(long)]
        reference: PathBuf,
        /// The variants to score (VCF, plain text; chromosome names as in the reference).
        #[arg(long)]
        vcf: PathBuf,
        /// Output: `.tsv` (one row per ALT) or `.vcf` (every record, INFO fields added).
        #[arg(long)]
        out: PathBuf,
        /// The model output to score (default 1: the positive class of a binary model).
        #[arg(long, default_value_t = 1)]
        class: usize,
        /// cpu (burn flex backend) or wgpu (GPU).
        #[arg(long, default_value = "cpu")]
        device: DeviceChoice,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run_command(cli) {
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
