//! The command line: every subcommand, argument and its help text, as clap
//! reads it. `main.rs` runs what it parses.

use crate::{data_cmd, help};
use clap::{Parser, Subcommand};
use medref_train::DeviceChoice;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "medref", version, about = "Reference machine-learning baselines for healthcare AI teaching", after_help = help::MEDREF)]
pub(crate) struct Cli {
    /// No progress bars or per-epoch lines; only results and errors.
    #[arg(long, short, global = true)]
    pub(crate) quiet: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
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
        /// images, or a DICOM slice (.dcm). Volumes: a uint8 .npy of one
        /// volume [D, H, W] or several [N, D, H, W] of the model's size, or
        /// a MedMNIST 3D .npz. DNA: a FASTA file (each record
        /// centre-cropped or N-padded to the model's length). Tables: CSV,
        /// TSV, Parquet or ARFF with the training columns (the label may be
        /// absent). OMOP studies: a CDM folder (its study population, by
        /// person id). Molecules: SDF, a SMILES file (.smi) or a CSV with the
        /// config's SMILES column. Signals: a .ts file (one row per case)
        /// or a long sensor CSV in the training layout (one row per window,
        /// id subject/recording/first sample). Surgery: one trial's
        /// kinematics file (JIGSAWS) or one video's per-frame features
        /// (.npy or CSV, Cholec80), one row per frame with its predicted
        /// gesture or phase. Segmentation: one image (any size), whose
        /// predicted mask is written as PNG to --out.
        input: PathBuf,
        /// cpu (burn flex backend) or wgpu (GPU).
        #[arg(long, default_value = "cpu")]
        device: DeviceChoice,
        /// Write the CSV here instead of to stdout (a segmentation's mask:
        /// the PNG file, required).
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
pub(crate) struct SweepArgs {
    /// The baseline config the grid varies.
    #[arg(required = true)]
    pub(crate) config: Option<PathBuf>,
    /// A config key and its values, e.g. --grid train.lr=0.01,0.03 (repeatable;
    /// the runs are the cartesian product). Values are split at commas.
    #[arg(long, value_name = "KEY=V1,V2")]
    pub(crate) grid: Vec<String>,
    /// Seeds per grid point (seed = first-seed, first-seed + 1, ...).
    #[arg(long, default_value_t = 1)]
    pub(crate) seeds: u64,
    /// The first seed of each grid point.
    #[arg(long, default_value_t = 0)]
    pub(crate) first_seed: u64,
    /// cpu (burn flex backend) or wgpu (GPU); with slurm, wgpu also asks
    /// for one GPU per task (--gres=gpu:1).
    #[arg(long, default_value = "cpu")]
    pub(crate) device: DeviceChoice,
    /// The sweep directory: sweep.json, runs/, logs/, summary.csv, summary.md.
    #[arg(long, default_value = "runs/sweep")]
    pub(crate) out: PathBuf,
    /// `local`: run every task here now; `slurm`: write sweep.sbatch, an array job.
    #[arg(long, default_value = "local", value_parser = ["local", "slurm"])]
    pub(crate) emit: String,
    /// local: tasks trained at once.
    #[arg(long, default_value_t = 1)]
    pub(crate) jobs: usize,
    /// slurm: the partition (default: the cluster's).
    #[arg(long)]
    pub(crate) partition: Option<String>,
    /// slurm: wall-clock limit per task, HH:MM:SS (or D-HH:MM:SS).
    #[arg(long, default_value = "04:00:00")]
    pub(crate) time: String,
    /// slurm: CPUs per task (also the training threads).
    #[arg(long, default_value_t = 2)]
    pub(crate) cpus: usize,
    /// slurm: at most this many tasks at once (the array's % throttle).
    #[arg(long)]
    pub(crate) max_parallel: Option<usize>,
}

#[derive(Subcommand)]
pub(crate) enum SweepCommand {
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
pub(crate) enum GenomicsCommand {
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
