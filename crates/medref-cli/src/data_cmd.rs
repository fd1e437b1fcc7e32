//! `medref data`: fetch official files, generate tiny data, inspect files,
//! measure and improve anonymity, de-identify DICOM.
//!
//! `inspect` prints shapes, types and class counts only, never pixel values
//! or records; the anonymity commands print class sizes and counts, and
//! `deidentify` attribute names: medical data stays out of terminals and
//! logs.

use crate::new_file::write_new_file;
use crate::usage::{refuse_directory, UsageError};
use anyhow::Context;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use medref_data::fetch;
use medref_data::synth_imaging::{self, SynthImagingSpec};
use medref_data::SynthVolumesSpec;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum DataCommand {
    /// Generate tiny data with a planted, learnable signal.
    #[command(after_help = crate::help::SYNTH)]
    Synth {
        #[command(subcommand)]
        domain: SynthDomain,
    },
    /// Show what a data file holds: arrays, shapes, splits, class counts
    /// (never pixel values).
    #[command(after_help = crate::help::INSPECT)]
    Inspect {
        /// A MedMNIST-style .npz, a DICOM slice (.dcm) or a folder of class
        /// folders of images.
        file: PathBuf,
    },
    /// Check a data file against a config before training: reads it exactly
    /// as `medref train` would and reports what it would reject, with the
    /// same messages (exit 2), or the examples per split (exit 0).
    #[command(after_help = crate::help::VALIDATE)]
    Validate {
        /// The data file (or folder) to check; replaces the config's main file.
        file: Option<PathBuf>,
        /// The baseline config whose `[data]` and `[model]` sections apply.
        #[arg(long)]
        config: PathBuf,
    },
    /// Download an official dataset file and verify its published checksum.
    #[command(after_help = crate::help::FETCH_SOURCES)]
    Fetch {
        #[command(subcommand)]
        source: FetchSource,
    },
    /// Measure k-anonymity over quasi-identifier columns (the smallest group
    /// of rows sharing all their values) and, with --sensitive, l-diversity.
    /// Prints group sizes, never values. Exit status: 0 target met, 1 not
    /// met, 2 bad input (missing column, unreadable table).
    #[command(after_help = crate::help::CHECK_ANONYMITY)]
    CheckAnonymity {
        /// CSV, TSV, Parquet or ARFF table.
        table: PathBuf,
        /// Quasi-identifier columns, comma-separated (age,sex,zip).
        #[arg(long, value_delimiter = ',', required = true)]
        quasi: Vec<String>,
        /// The smallest group size wanted (rows sharing all quasi-identifier values).
        #[arg(long)]
        k: usize,
        /// The fewest distinct sensitive values wanted per group.
        #[arg(long, requires = "sensitive")]
        l: Option<usize>,
        /// The sensitive column (a diagnosis) whose diversity is measured.
        #[arg(long)]
        sensitive: Option<String>,
        /// Also write the report as JSON (atomically).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Generalise quasi-identifiers (age bands, truncated codes, top-coding),
    /// coarsen further within configured limits, then suppress the groups
    /// still smaller than k; writes a CSV. Exit status: 0 written with the
    /// target met, 1 target not reachable (nothing written), 2 bad input.
    #[command(after_help = crate::help::GENERALISE)]
    Generalise {
        /// CSV, TSV, Parquet or ARFF table.
        table: PathBuf,
        /// TOML file: k, quasi_identifiers, [columns.NAME] rules.
        #[arg(long)]
        config: PathBuf,
        /// The generalised table (.csv).
        #[arg(long)]
        out: PathBuf,
        /// Also write what was changed as JSON.
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Remove patient identity from a DICOM file (DICOM PS3.15 Basic
    /// Application Level Confidentiality Profile); pixel data unchanged.
    /// New UIDs mix in the secret in MEDREF_DEID_SECRET when set.
    #[command(after_help = crate::help::DEIDENTIFY)]
    Deidentify {
        /// The DICOM file to read.
        input: PathBuf,
        /// The de-identified file to write (atomically).
        output: PathBuf,
        /// Also write what was done as JSON.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Keep dates and times (Retain Longitudinal Temporal Information
        /// Full Dates Option).
        #[arg(long, conflicts_with = "shift_dates")]
        keep_dates: bool,
        /// Move every date by DAYS (Modified Dates Option); use the same
        /// secret shift for every file of a patient.
        #[arg(long, value_name = "DAYS", allow_hyphen_values = true)]
        shift_dates: Option<i64>,
    },
}

#[derive(Subcommand)]
pub enum SynthDomain {
    /// A synthetic OMOP CDM (one CSV per table), about 50 event rows a
    /// person with realistic skew and a planted celecoxib / GI bleeding
    /// signal: for measuring a study at scale.
    #[command(after_help = crate::help::SYNTH_OMOP)]
    Omop {
        /// The folder to write the tables into (created if absent).
        out: PathBuf,
        /// Persons to generate.
        #[arg(long)]
        persons: u64,
        /// Random seed: the same seed gives the same files.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// MedMNIST-format .npz whose positive class carries a lesion-like spot.
    #[command(after_help = crate::help::SYNTH_IMAGING)]
    Imaging {
        /// The .npz file to write.
        #[arg(long)]
        out: PathBuf,
        /// Training images.
        #[arg(long, default_value_t = 400)]
        n_train: usize,
        /// Validation images.
        #[arg(long, default_value_t = 100)]
        n_val: usize,
        /// Test images.
        #[arg(long, default_value_t = 200)]
        n_test: usize,
        /// Image side length in pixels (square images).
        #[arg(long, default_value_t = 28)]
        size: usize,
        /// 1 (grey) or 3 (RGB).
        #[arg(long, default_value_t = 1)]
        channels: usize,
        /// Share of images in the positive class (with the spot), 0 to 1.
        #[arg(long, default_value_t = 0.35)]
        positive_fraction: f64,
        /// Random seed: the same seed gives the same bytes.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// MedMNIST 3D-format .npz of grey cubes whose positive class carries
    /// a small bright nodule (the tiny volume data of the CI).
    #[command(after_help = crate::help::SYNTH_VOLUMES)]
    Volumes {
        /// The .npz file to write.
        #[arg(long)]
        out: PathBuf,
        /// Training volumes.
        #[arg(long, default_value_t = 120)]
        n_train: usize,
        /// Validation volumes.
        #[arg(long, default_value_t = 40)]
        n_val: usize,
        /// Test volumes.
        #[arg(long, default_value_t = 60)]
        n_test: usize,
        /// Side of the cube in voxels, 8 to 128.
        #[arg(long, default_value_t = 12)]
        size: usize,
        /// Share of volumes in the positive class (with the nodule), 0 to 1.
        #[arg(long, default_value_t = 0.4)]
        positive_fraction: f64,
        /// Random seed: the same seed gives the same bytes.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// A small genome with planted motif sites: reference.fa (+ .fai),
    /// regions.bed, variants.vcf (some destroy a motif), sequences.csv.
    #[command(after_help = crate::help::SYNTH_GENOMICS)]
    Genomics {
        /// Folder to write into.
        #[arg(long)]
        out: PathBuf,
        /// Random seed: the same seed gives the same files.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// A visit-level clinical table (CSV) whose outcome follows a known
    /// logistic model; several visits per patient, a lab with gaps.
    #[command(after_help = crate::help::SYNTH_CLINICAL)]
    Clinical {
        /// The CSV file to write.
        #[arg(long)]
        out: PathBuf,
        /// Patients (at least 10); each has one or more visits (rows).
        #[arg(long, default_value_t = 300)]
        n_patients: usize,
        /// Random seed: the same seed gives the same table.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Wrist accelerometry of several residents (long sensor CSV) with
    /// rest, walk and run segments and rare falls.
    #[command(after_help = crate::help::SYNTH_ELDERCARE)]
    Eldercare {
        /// Folder to write `eldercare_sensors.csv` into.
        #[arg(long)]
        out: PathBuf,
        /// Random seed: the same seed gives the same recordings.
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Surgical trials in the JIGSAWS layout (kinematics + gesture
    /// transcriptions) whose dynamics change by gesture.
    #[command(after_help = crate::help::SYNTH_SURGERY)]
    Surgery {
        /// Folder to write `kinematics/` and `transcriptions/` into.
        #[arg(long)]
        out: PathBuf,
        /// Random seed: the same seed gives the same trials.
        #[arg(long, default_value_t = 11)]
        seed: u64,
    },
    /// The synthetic patients of datasets/anonymity/patients.csv (CSV:
    /// patient_id, age, sex, zip, diagnosis) with a known k and l.
    #[command(after_help = crate::help::SYNTH_ANONYMITY)]
    Anonymity {
        /// The CSV file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Molecules (CSV: id, smiles, logs) built from fragments with additive,
    /// known contributions to a solubility-like property.
    #[command(after_help = crate::help::SYNTH_DRUG)]
    Drug {
        /// The CSV file to write.
        #[arg(long)]
        out: PathBuf,
        /// Molecules (rows), 10 to 20000.
        #[arg(long, default_value_t = 400)]
        n_molecules: usize,
        /// Random seed: the same seed gives the same molecules.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
}

#[derive(Subcommand)]
pub enum FetchSource {
    /// An official MedMNIST file from Zenodo (record 10519652, MedMNIST v3 /
    /// MedMNIST+), its MD5 checked. A failed transfer (no connection, a
    /// broken one, HTTP 5xx) is tried again after 1 s, 2 s and 4 s; a
    /// checksum mismatch or a 404 is not.
    #[command(after_help = crate::help::FETCH)]
    Medmnist {
        /// The dataset: pathmnist, chestmnist, dermamnist, octmnist,
        /// pneumoniamnist, retinamnist, breastmnist, bloodmnist,
        /// tissuemnist, organamnist, organcmnist or organsmnist.
        name: String,
        /// Image size in pixels: 28, 64, 128 or 224.
        #[arg(long, default_value_t = 28)]
        size: u32,
        /// Folder to save into [default: $MEDREF_DATA_DIR/medmnist when
        /// MEDREF_DATA_DIR is set, else datasets/medmnist].
        #[arg(long)]
        dir: Option<PathBuf>,
        /// Verify a file you already have instead of downloading.
        #[arg(long)]
        from: Option<PathBuf>,
        /// Download from this address instead of the official one (mirrors, tests).
        #[arg(long)]
        url: Option<String>,
    },
}

pub fn run(command: DataCommand, quiet: bool) -> anyhow::Result<()> {
    match command {
        DataCommand::Validate { file, config } => {
            refuse_directory(&config, "a config file (e.g. configs/clinical/tiny.toml)")?;
            let config = medref_baselines::load_config(&config, &[])?;
            let s = medref_baselines::validate(&config, file.as_deref())?;
            let source = file.as_deref().unwrap_or(config.data.path());
            let classes = match s.shape.n_classes {
                Some(k) => format!(", {k} classes"),
                None if !s.shape.class_names.is_empty() => format!(", {} classes", s.shape.class_names.len()),
                None => String::new(),
            };
            println!(
                "{}: valid `{}` data for {}: {} train / {} val / {} test examples, input {:?}{classes}",
                source.display(),
                s.format,
                config.name,
                s.split_sizes[0],
                s.split_sizes[1],
                s.split_sizes[2],
                s.shape.input_shape
            );
            Ok(())
        }
        DataCommand::Synth {
            domain: SynthDomain::Imaging { out, n_train, n_val, n_test, size, channels, positive_fraction, seed },
        } => {
            let spec = SynthImagingSpec { n_train, n_val, n_test, size, channels, positive_fraction, seed };
            spec.validate().map_err(|e| UsageError(format!("medref data synth imaging: {e}")))?;
            let ds = synth_imaging::generate(&spec);
            medref_data::npz::write_medmnist(&out, &ds)?;
            println!(
                "{}: {} train / {} val / {} test images, {}x{}x{}, seed {}",
                out.display(),
                n_train,
                n_val,
                n_test,
                channels,
                size,
                size,
                seed
            );
            Ok(())
        }
        DataCommand::Synth {
            domain: SynthDomain::Volumes { out, n_train, n_val, n_test, size, positive_fraction, seed },
        } => {
            let spec = SynthVolumesSpec { n_train, n_val, n_test, size, positive_fraction, seed };
            spec.validate().map_err(|e| UsageError(format!("medref data synth volumes: {e}")))?;
            medref_data::write_medmnist3d(&out, &medref_data::synth_volumes::generate(&spec))?;
            println!(
                "{}: {n_train} train / {n_val} val / {n_test} test volumes, {size}^3 voxels, seed {seed}",
                out.display()
            );
            Ok(())
        }
        DataCommand::Synth { domain: SynthDomain::Omop { out, persons, seed } } => {
            crate::omop_progress::synth_omop(&out, persons, seed, quiet)
        }
        DataCommand::Synth { domain: SynthDomain::Genomics { out, seed } } => {
            let spec = medref_data::synth_genomics::SynthGenomicsSpec { seed, ..Default::default() };
            let paths = medref_data::synth_genomics::write_synth_genomics(&out, &spec)?;
            println!(
                "{}: reference.fa, regions.bed, variants.vcf, sequences.csv (seed {seed}); train with a config whose [data].path is {}",
                out.display(),
                paths.sequences.display()
            );
            Ok(())
        }
        DataCommand::Synth { domain: SynthDomain::Clinical { out, n_patients, seed } } => {
            if n_patients < 10 {
                return Err(UsageError("medref data synth clinical: --n-patients must be at least 10".into()).into());
            }
            let table =
                medref_tabular::synth::synth_clinical(&medref_tabular::synth::SynthClinicalSpec { n_patients, seed });
            write_new_file(&out, medref_tabular::frame::write_csv(&table).as_bytes())?;
            println!(
                "{}: {} visits of {n_patients} patients (seed {seed}), outcome column `outcome`",
                out.display(),
                table.n_rows()
            );
            Ok(())
        }
        DataCommand::Synth { domain: SynthDomain::Drug { out, n_molecules, seed } } => {
            if !(10..=20_000).contains(&n_molecules) {
                return Err(
                    UsageError("medref data synth drug: --n-molecules must be between 10 and 20000".into()).into()
                );
            }
            let table = medref_tabular::synth::synth_drug(&medref_tabular::synth::SynthDrugSpec { n_molecules, seed });
            write_new_file(&out, medref_tabular::frame::write_csv(&table).as_bytes())?;
            println!("{}: {n_molecules} molecules (seed {seed}), columns id, smiles, logs", out.display());
            Ok(())
        }
        DataCommand::Synth { domain: SynthDomain::Eldercare { out, seed } } => {
            let spec = medref_timeseries::SynthEldercareSpec { seed, ..medref_timeseries::SynthEldercareSpec::tiny() };
            let path = spec.write(&out).map_err(|e| UsageError(e.to_string()))?;
            println!(
                "{}: {} residents x {} s at {} Hz (seed {seed})",
                path.display(),
                spec.subjects,
                spec.seconds_per_subject,
                spec.rate_hz
            );
            Ok(())
        }
        DataCommand::Synth { domain: SynthDomain::Surgery { out, seed } } => {
            let spec = medref_timeseries::SynthSurgerySpec { seed, ..medref_timeseries::SynthSurgerySpec::tiny() };
            let path = spec.write(&out).map_err(|e| UsageError(e.to_string()))?;
            println!("{}: {} trials in the JIGSAWS layout (seed {seed})", path.display(), spec.trial_names().len());
            Ok(())
        }
        DataCommand::Synth { domain: SynthDomain::Anonymity { out } } => {
            let table = medref_tabular::anonymity::synth_anonymity_patients();
            write_new_file(&out, medref_tabular::frame::write_csv(&table).as_bytes())?;
            println!(
                "{}: {} synthetic patients, columns patient_id, age, sex, zip, diagnosis",
                out.display(),
                table.n_rows()
            );
            Ok(())
        }
        DataCommand::Inspect { file } => inspect(&file),
        DataCommand::CheckAnonymity { table, quasi, k, l, sensitive, out } => {
            refuse_directory(&table, "a table file (CSV, TSV, Parquet or ARFF)")?;
            let spec = medref_tabular::anonymity::AnonymitySpec { quasi_identifiers: quasi, k, sensitive, l };
            crate::privacy_cmd::check_anonymity(&table, &spec, out.as_deref())
        }
        DataCommand::Generalise { table, config, out, report } => {
            refuse_directory(&table, "a table file (CSV, TSV, Parquet or ARFF)")?;
            refuse_directory(&config, "a generalisation TOML file (e.g. datasets/anonymity/generalise.toml)")?;
            crate::privacy_cmd::generalise(&table, &config, &out, report.as_deref())
        }
        DataCommand::Deidentify { input, output, report, keep_dates, shift_dates } => {
            use medref_data::deidentify::DatePolicy;
            refuse_directory(&input, "one DICOM file")?;
            let dates = match (keep_dates, shift_dates) {
                (_, Some(days)) => DatePolicy::Shift { days },
                (true, None) => DatePolicy::Keep,
                (false, None) => DatePolicy::Remove,
            };
            crate::privacy_cmd::deidentify(&input, &output, dates, report.as_deref())
        }
        DataCommand::Fetch { source: FetchSource::Medmnist { name, size, dir, from, url } } => {
            let official = fetch::medmnist_file(&name, size).ok_or_else(|| {
                let known: Vec<String> =
                    fetch::medmnist_files().iter().filter(|f| f.size == size).map(|f| f.name.to_string()).collect();
                UsageError(format!(
                    "no published MedMNIST file `{name}` at size {size}; known at this size: {}",
                    known.join(", ")
                ))
            })?;
            if let Some(from) = from {
                refuse_directory(&from, "the downloaded .npz file")?;
                fetch::verify_md5(&from, official.md5)?;
                println!("{}: MD5 {} matches the published {} ({}px)", from.display(), official.md5, name, size);
                return Ok(());
            }
            let dest = medmnist_dir(dir).join(official.file_name());
            let url = url.unwrap_or_else(|| official.url.clone());
            let bar = download_bar(quiet);
            let retry = fetch::Retry::DEFAULT;
            let path = fetch::download_with_retry(
                &url,
                &dest,
                official.md5,
                retry,
                &mut |done, total| {
                    if let Some(t) = total {
                        bar.set_length(t);
                    }
                    bar.set_position(done);
                },
                &mut |attempt, error, wait| {
                    bar.suspend(|| {
                        eprintln!(
                            "{error}; trying again in {} s (attempt {} of {})",
                            wait.as_secs_f64(),
                            attempt + 1,
                            retry.attempts
                        )
                    })
                },
            )?;
            bar.finish_and_clear();
            println!("{}: downloaded, MD5 {} verified", path.display(), official.md5);
            Ok(())
        }
    }
}

/// Where `data fetch medmnist` saves: `--dir`, else `$MEDREF_DATA_DIR/medmnist`,
/// else `datasets/medmnist` (relative to the working directory).
fn medmnist_dir(dir: Option<PathBuf>) -> PathBuf {
    dir.unwrap_or_else(|| match std::env::var_os("MEDREF_DATA_DIR").filter(|d| !d.is_empty()) {
        Some(root) => PathBuf::from(root).join("medmnist"),
        None => PathBuf::from("datasets/medmnist"),
    })
}

/// A table reader error is bad input (exit 2).
fn download_bar(quiet: bool) -> ProgressBar {
    let bar = ProgressBar::new(0);
    if quiet || !std::io::stdout().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .expect("valid template"),
    );
    bar
}

fn class_counts(labels: &[u32], width: usize) -> String {
    if width == 1 {
        let mut counts = std::collections::BTreeMap::new();
        labels.iter().for_each(|&l| *counts.entry(l).or_insert(0usize) += 1);
        counts.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", ")
    } else {
        let n = labels.len() / width;
        (0..width)
            .map(|j| format!("{j}: {}", (0..n).filter(|&i| labels[i * width + j] == 1).count()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn inspect(file: &Path) -> anyhow::Result<()> {
    let ext = file.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("npz") => {
            for a in medref_data::npz::inspect(file)? {
                println!("{:<16} {:<6} {:?}", a.name, a.dtype, a.shape);
            }
            if let Ok(ds) = medref_data::npz::read_medmnist(file) {
                println!(
                    "MedMNIST layout: {} channel(s), {}x{}, {}",
                    ds.channels,
                    ds.height,
                    ds.width,
                    if ds.label_width == 1 {
                        format!("{} classes", ds.n_classes)
                    } else {
                        format!("{} labels (multi-label)", ds.label_width)
                    }
                );
                for (name, s) in ds.splits() {
                    println!(
                        "  {name:<5} {:>7} images; per class {{{}}}",
                        s.n,
                        class_counts(&s.labels, ds.label_width)
                    );
                }
            }
            Ok(())
        }
        Some("dcm") => {
            let s = medref_data::dicom::read_slice(file)?;
            println!(
                "DICOM slice {}x{} (rows x columns), modality {}",
                s.rows,
                s.cols,
                s.modality.as_deref().unwrap_or("unknown")
            );
            if let Some((lo, hi)) = s.value_range() {
                println!("  rescaled value range {lo} .. {hi}");
            }
            if let Some((c, w)) = s.window {
                println!("  window centre {c}, width {w}");
            }
            Ok(())
        }
        _ if file.is_dir() => {
            let f = medref_data::image_folder::read_class_folders(file, None, false)
                .with_context(|| format!("{}: reading as an image folder", file.display()))?;
            println!("image folder: {} images, {}x{}, classes {:?}", f.labels.len(), f.height, f.width, f.class_names);
            println!("  per class {{{}}}", class_counts(&f.labels, 1));
            Ok(())
        }
        _ => Err(UsageError(format!(
            "{}: cannot inspect this kind of file (expected .npz, .dcm or an image folder)",
            file.display()
        ))
        .into()),
    }
}
