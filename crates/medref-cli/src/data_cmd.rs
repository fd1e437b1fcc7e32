//! `medref data`: fetch official files, generate tiny data, inspect files.
//!
//! `inspect` prints shapes, types and class counts only, never pixel values
//! or records: medical data stays out of terminals and logs.

use anyhow::Context;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use medref_data::fetch;
use medref_data::synth_imaging::{self, SynthImagingSpec};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// A command-line request that cannot be carried out as asked (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

#[derive(Subcommand)]
pub enum DataCommand {
    /// Generate tiny data with a planted, learnable signal.
    Synth {
        #[command(subcommand)]
        domain: SynthDomain,
    },
    /// Show what a data file holds: arrays, shapes, splits, class counts.
    Inspect { file: PathBuf },
    /// Download an official dataset file and verify its published checksum.
    Fetch {
        #[command(subcommand)]
        source: FetchSource,
    },
}

#[derive(Subcommand)]
pub enum SynthDomain {
    /// MedMNIST-format .npz whose positive class carries a lesion-like spot.
    Imaging {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 400)]
        n_train: usize,
        #[arg(long, default_value_t = 100)]
        n_val: usize,
        #[arg(long, default_value_t = 200)]
        n_test: usize,
        #[arg(long, default_value_t = 28)]
        size: usize,
        /// 1 (grey) or 3 (RGB).
        #[arg(long, default_value_t = 1)]
        channels: usize,
        #[arg(long, default_value_t = 0.35)]
        positive_fraction: f64,
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// A small genome with planted motif sites: reference.fa (+ .fai),
    /// regions.bed, variants.vcf (some destroy a motif), sequences.csv.
    Genomics {
        /// Folder to write into.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// A visit-level clinical table (CSV) whose outcome follows a known
    /// logistic model; several visits per patient, a lab with gaps.
    Clinical {
        /// The CSV file to write.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 300)]
        n_patients: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Wrist accelerometry of several residents (long sensor CSV) with
    /// rest, walk and run segments and rare falls.
    Eldercare {
        /// Folder to write `eldercare_sensors.csv` into.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Surgical trials in the JIGSAWS layout (kinematics + gesture
    /// transcriptions) whose dynamics change by gesture.
    Surgery {
        /// Folder to write `kinematics/` and `transcriptions/` into.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 11)]
        seed: u64,
    },
    /// Molecules (CSV: id, smiles, logs) built from fragments with additive,
    /// known contributions to a solubility-like property.
    Drug {
        /// The CSV file to write.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 400)]
        n_molecules: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
}

#[derive(Subcommand)]
pub enum FetchSource {
    /// An official MedMNIST file from Zenodo (record 10519652, MedMNIST v3 / MedMNIST+) (pneumoniamnist, breastmnist, dermamnist, bloodmnist, ...).
    Medmnist {
        name: String,
        /// Image size: 28, 64, 128 or 224.
        #[arg(long, default_value_t = 28)]
        size: u32,
        /// Folder to save into.
        #[arg(long, default_value = "datasets/medmnist")]
        dir: PathBuf,
        /// Verify a file you already have instead of downloading.
        #[arg(long)]
        from: Option<PathBuf>,
        /// Download from this address instead of the official one (mirrors, tests).
        #[arg(long)]
        url: Option<String>,
    },
}

/// Writes a generated file atomically, creating its folder.
fn write_new_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create the folder", dir.display()))?;
    }
    medref_core::fsutil::write_atomic(path, bytes).with_context(|| format!("{}: cannot write", path.display()))
}

pub fn run(command: DataCommand, quiet: bool) -> anyhow::Result<()> {
    match command {
        DataCommand::Synth { domain: SynthDomain::Imaging { out, n_train, n_val, n_test, size, channels, positive_fraction, seed } } => {
            let spec = SynthImagingSpec { n_train, n_val, n_test, size, channels, positive_fraction, seed };
            spec.validate().map_err(|e| UsageError(format!("medref data synth imaging: {e}")))?;
            let ds = synth_imaging::generate(&spec);
            medref_data::npz::write_medmnist(&out, &ds)?;
            println!(
                "{}: {} train / {} val / {} test images, {}x{}x{}, seed {}",
                out.display(), n_train, n_val, n_test, channels, size, size, seed
            );
            Ok(())
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
            let table = medref_tabular::synth::synth_clinical(&medref_tabular::synth::SynthClinicalSpec { n_patients, seed });
            write_new_file(&out, medref_tabular::frame::write_csv(&table).as_bytes())?;
            println!("{}: {} visits of {n_patients} patients (seed {seed}), outcome column `outcome`", out.display(), table.n_rows());
            Ok(())
        }
        DataCommand::Synth { domain: SynthDomain::Drug { out, n_molecules, seed } } => {
            if !(10..=20_000).contains(&n_molecules) {
                return Err(UsageError("medref data synth drug: --n-molecules must be between 10 and 20000".into()).into());
            }
            let table = medref_tabular::synth::synth_drug(&medref_tabular::synth::SynthDrugSpec { n_molecules, seed });
            write_new_file(&out, medref_tabular::frame::write_csv(&table).as_bytes())?;
            println!("{}: {n_molecules} molecules (seed {seed}), columns id, smiles, logs", out.display());
            Ok(())
        }
        DataCommand::Synth { domain: SynthDomain::Eldercare { out, seed } } => {
            let spec = medref_timeseries::SynthEldercareSpec { seed, ..medref_timeseries::SynthEldercareSpec::tiny() };
            let path = spec.write(&out).map_err(|e| UsageError(e.to_string()))?;
            println!("{}: {} residents x {} s at {} Hz (seed {seed})", path.display(), spec.subjects, spec.seconds_per_subject, spec.rate_hz);
            Ok(())
        }
        DataCommand::Synth { domain: SynthDomain::Surgery { out, seed } } => {
            let spec = medref_timeseries::SynthSurgerySpec { seed, ..medref_timeseries::SynthSurgerySpec::tiny() };
            let path = spec.write(&out).map_err(|e| UsageError(e.to_string()))?;
            println!("{}: {} trials in the JIGSAWS layout (seed {seed})", path.display(), spec.trial_names().len());
            Ok(())
        }
        DataCommand::Inspect { file } => inspect(&file),
        DataCommand::Fetch { source: FetchSource::Medmnist { name, size, dir, from, url } } => {
            let official = fetch::medmnist_file(&name, size).ok_or_else(|| {
                let known: Vec<String> = fetch::medmnist_files()
                    .iter()
                    .filter(|f| f.size == size)
                    .map(|f| f.name.to_string())
                    .collect();
                UsageError(format!(
                    "no published MedMNIST file `{name}` at size {size}; known at this size: {}",
                    known.join(", ")
                ))
            })?;
            if let Some(from) = from {
                fetch::verify_md5(&from, official.md5)?;
                println!("{}: MD5 {} matches the published {} ({}px)", from.display(), official.md5, name, size);
                return Ok(());
            }
            let dest = dir.join(official.file_name());
            let url = url.unwrap_or_else(|| official.url.clone());
            let bar = download_bar(quiet);
            let path = fetch::download(&url, &dest, official.md5, &mut |done, total| {
                if let Some(t) = total {
                    bar.set_length(t);
                }
                bar.set_position(done);
            })?;
            bar.finish_and_clear();
            println!("{}: downloaded, MD5 {} verified", path.display(), official.md5);
            Ok(())
        }
    }
}

fn download_bar(quiet: bool) -> ProgressBar {
    let bar = ProgressBar::new(0);
    if quiet || !std::io::stdout().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}").expect("valid template"),
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
                    if ds.label_width == 1 { format!("{} classes", ds.n_classes) } else { format!("{} labels (multi-label)", ds.label_width) }
                );
                for (name, s) in ds.splits() {
                    println!("  {name:<5} {:>7} images; per class {{{}}}", s.n, class_counts(&s.labels, ds.label_width));
                }
            }
            Ok(())
        }
        Some("dcm") => {
            let s = medref_data::dicom::read_slice(file)?;
            println!("DICOM slice {}x{} (rows x columns), modality {}", s.rows, s.cols, s.modality.as_deref().unwrap_or("unknown"));
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
