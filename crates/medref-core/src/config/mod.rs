//! The baseline config: one TOML file per baseline, parsed into typed structs.
//!
//! A trainee edits these files by hand, so a typo must never be silently
//! ignored: unknown keys and wrong types are rejected with the file and the
//! key path (`configs/imaging/tiny.toml: [train].lr: expected a float, found
//! a string`). Sections whose shape depends on a tag (`[data].format`,
//! `[model].kind`) are parsed in two steps so that errors inside them still
//! name the exact key.
//!
//! The schema is split by section: [`data`] (one variant per `[data].format`),
//! [`model`] (one per `[model].kind`), [`train`] (`[train]` and `[eval]`),
//! [`validation`] (range checks types cannot express) and [`parse`] (tags,
//! key paths and `--set`).

#[macro_use]
mod tagged;
mod data;
pub mod defaults;
mod model;
mod parse;
#[cfg(test)]
mod tests;
mod train;
// Tree ensembles' model sections (issue 31).
mod trees;
mod unet;
mod validation;

pub use data::*;
pub use model::*;
pub use parse::apply_override;
pub use train::*;
pub use trees::*;
pub use unet::*;

use parse::deserialize_at;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Why a config could not be loaded. Every message starts with the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read config: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not valid TOML: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("{path}: {key}: {message}")]
    Field { path: PathBuf, key: String, message: String },
    #[error("--set {arg}: {message}")]
    Override { arg: String, message: String },
}

impl crate::input_error::InputError for ConfigError {}

/// The six priority domains of healthcare AI that medref covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Domain {
    Genomics,
    Imaging,
    Clinical,
    Drug,
    Eldercare,
    Surgery,
}

impl Domain {
    /// The name used for `configs/<domain>/` and `--domain`.
    pub fn as_str(self) -> &'static str {
        match self {
            Domain::Genomics => "genomics",
            Domain::Imaging => "imaging",
            Domain::Clinical => "clinical",
            Domain::Drug => "drug",
            Domain::Eldercare => "eldercare",
            Domain::Surgery => "surgery",
        }
    }
}

/// A whole baseline: what data, which model, how to train and evaluate it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Config {
    /// Short identifier, used in reports and the baseline table.
    pub name: String,
    pub domain: Domain,
    /// One sentence for the report: what clinical question this answers.
    pub description: String,
    /// Seeds every random choice: shuffles, augmentation, initialisation.
    pub seed: u64,
    pub data: DataConfig,
    pub model: ModelConfig,
    pub train: TrainConfig,
    pub eval: EvalConfig,
}

/// The untagged top level, read before the tagged sections.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    name: String,
    domain: Domain,
    #[serde(default)]
    description: String,
    #[serde(default)]
    seed: u64,
    data: toml::Table,
    model: toml::Table,
    #[serde(default)]
    train: TrainConfig,
    #[serde(default)]
    eval: EvalConfig,
}

impl Config {
    /// Reads `path`, applies `--set key=value` overrides, and validates;
    /// `formats` parses the `[data]` section of the config's format.
    pub fn load(path: &Path, overrides: &[String], formats: &dyn DataFormats) -> Result<Config, ConfigError> {
        let bytes = std::fs::read(path).map_err(|source| ConfigError::Io { path: path.to_path_buf(), source })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let bytes = e.as_bytes();
            let at = e.utf8_error().valid_up_to();
            let message = if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
                "line 1: the file is UTF-16 text; TOML must be saved as UTF-8".to_string()
            } else {
                let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
                format!(
                    "line {line}: not UTF-8 text (a Latin-1 or Windows-1252 character?); TOML must be saved as UTF-8"
                )
            };
            ConfigError::Syntax { path: path.to_path_buf(), message }
        })?;
        Self::from_toml_str(&text, path, overrides, formats)
    }

    /// Parses config text; `path` only names the source in errors.
    pub fn from_toml_str(
        text: &str,
        path: &Path,
        overrides: &[String],
        formats: &dyn DataFormats,
    ) -> Result<Config, ConfigError> {
        let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| ConfigError::Syntax {
            path: path.to_path_buf(),
            message: e.to_string().trim().replace('\n', " "),
        })?;
        for arg in overrides {
            apply_override(&mut table, arg)?;
        }
        Self::from_table(table, formats).map_err(|(key, message)| ConfigError::Field {
            path: path.to_path_buf(),
            key,
            message,
        })
    }

    fn from_table(table: toml::Table, formats: &dyn DataFormats) -> Result<Config, (String, String)> {
        let monitor_given = table.get("train").and_then(|t| t.get("monitor")).is_some();
        let raw: RawConfig = deserialize_at("", toml::Value::Table(table))?;
        let mut config = Config {
            name: raw.name,
            domain: raw.domain,
            description: raw.description,
            seed: raw.seed,
            data: DataConfig::parse(raw.data, formats)?,
            model: ModelConfig::parse(raw.model)?,
            train: raw.train,
            eval: raw.eval,
        };
        // The default monitor follows the task: AUROC means nothing for a
        // number, so a regression config that names none monitors RMSE.
        if !monitor_given && config.data.task() == Some(Task::Regression) {
            config.train.monitor = Monitor::Rmse;
        }
        config.validate()?;
        Ok(config)
    }

    /// The resolved config as TOML, written into every run directory so a
    /// run can be repeated without the original file or overrides.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a Config always serialises to TOML")
    }
}

/// Relative data paths are read from the directory medref runs in, as a
/// shell would. A shipped config names `datasets/...` from the project's
/// root, so started from anywhere else its file is "missing" though it sits
/// beside the config: when an input is absent here but present relative to
/// a folder above the config, say where and how to reach it instead of
/// letting the reader report a bare "no such file". An input found nowhere
/// is left to the reader (`medref data fetch` may be about to create it).
/// Called where a config is about to be trained, not when one is only
/// read (listing, checking or planning configs works from anywhere).
pub fn check_relative_inputs(config: &Config, config_path: &Path) -> Result<(), ConfigError> {
    let Some(config_dir) = std::fs::canonicalize(config_path).ok().and_then(|p| p.parent().map(Path::to_path_buf))
    else {
        return Ok(());
    };
    for input in config.data.inputs() {
        if input.is_absolute() || input.exists() {
            continue;
        }
        let Some(project) = config_dir.ancestors().find(|a| a.join(input).exists()) else { continue };
        let here = std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_else(|_| "?".into());
        let fix = if input == config.data.path() {
            format!("--set data.path={}", project.join(input).display())
        } else {
            "absolute paths in the config".to_string()
        };
        return Err(ConfigError::Field {
            path: config_path.to_path_buf(),
            key: "[data]".into(),
            message: format!(
                "{} is not in the current directory ({here}): relative paths are read from the directory medref \
                 runs in; the file is in {}, so run from there (cd {}) or pass {fix}",
                input.display(),
                project.display(),
                project.display()
            ),
        });
    }
    Ok(())
}
