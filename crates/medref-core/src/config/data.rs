//! `[data]`: where the examples come from; `format` picks the reader.
//!
//! The section's keys belong to its format: each format declares its
//! section as a type beside its reader, and the registry of formats (in
//! `medref-baselines`) parses it through [`DataFormats`]. This module only
//! knows what every section tells the run (its files, its task), so adding
//! a format never edits the config schema.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::any::Any;
use std::fmt::Debug;
use std::path::Path;
use std::sync::Arc;

/// What every `[data]` section tells the run besides its reader's options.
pub trait DataSection {
    /// The file or folder the data is read from, for the manifest and errors.
    fn path(&self) -> &Path;
    /// Every file or folder the data is read from (the manifest hashes
    /// them all: a BED file means nothing without its reference).
    fn inputs(&self) -> Vec<&Path> {
        vec![self.path()]
    }
    /// What a table or molecule model predicts; `None` where the format
    /// fixes it (class labels).
    fn task(&self) -> Option<Task> {
        None
    }
    /// Survival data: the time at which a model's survival, AUROC and
    /// calibration are read (a table's `[data.survival].horizon`, a study's
    /// time at risk); `None` where there is none.
    fn survival_horizon(&self) -> Option<f64> {
        None
    }
    /// Range checks of this section's keys: `Err((key, message))`.
    fn validate(&self) -> Result<(), (String, String)> {
        Ok(())
    }
}

/// A range check that failed, as `validate` returns it: the key path
/// (`[data].window`) and what is wrong.
pub fn invalid(key: &str, message: &str) -> Result<(), (String, String)> {
    Err((key.to_string(), message.to_string()))
}

/// A section's `val_fraction` and `test_fraction`, checked by the one
/// holdout check (`medref_core::split::check_holdout`) and reported
/// against `[data]`.
pub fn check_holdout_fractions(val: f64, test: f64) -> Result<(), (String, String)> {
    crate::split::check_holdout(val, test).map_err(|m| ("[data]".to_string(), m))
}

/// What a table or molecule model predicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Task {
    /// A class per row (binary or multi-class).
    Classification,
    /// A number per row (pIC50, logS, ...).
    Regression,
    /// Time to an event with censoring (`[data.survival]` names the time and
    /// event columns): every patient is kept, censored ones included.
    Survival,
}

/// The parsers of every `[data].format`, which the registry of formats
/// provides; `Config::load` asks it for the section of the config's format.
pub trait DataFormats {
    /// Every accepted `format`, in the registry's order (for the error that
    /// lists the choices).
    fn names(&self) -> Vec<&'static str>;
    /// Parses a `[data]` table (without its `format` key) as format `name`;
    /// `None` when no format of that name is registered.
    fn parse(&self, name: &str, table: toml::Table) -> Option<Result<DataConfig, (String, String)>>;
}

/// A parsed section as the config holds it, whatever its format.
trait SectionObject: DataSection + Debug + Send + Sync {
    fn as_any(&self) -> &dyn Any;
    fn same_as(&self, other: &dyn SectionObject) -> bool;
    fn to_toml(&self) -> toml::Table;
}

impl<T> SectionObject for T
where
    T: DataSection + Serialize + PartialEq + Debug + Send + Sync + 'static,
{
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn same_as(&self, other: &dyn SectionObject) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }
    fn to_toml(&self) -> toml::Table {
        match toml::Value::try_from(self) {
            Ok(toml::Value::Table(t)) => t,
            _ => unreachable!("a [data] section is a struct and serialises to a TOML table"),
        }
    }
}

/// `[data]`: the format's name and its parsed section.
#[derive(Clone, Debug)]
pub struct DataConfig {
    format: &'static str,
    section: Arc<dyn SectionObject>,
}

impl DataConfig {
    /// Parses `table` (without `format`) as `format`'s section type `S`;
    /// errors name the key (`[data].window`).
    pub fn parse_as<S>(format: &'static str, table: toml::Table) -> Result<DataConfig, (String, String)>
    where
        S: DataSection + DeserializeOwned + Serialize + PartialEq + Debug + Send + Sync + 'static,
    {
        let section: S = super::parse::section("data", table)?;
        Ok(DataConfig::new(format, section))
    }

    fn new<S>(format: &'static str, section: S) -> DataConfig
    where
        S: DataSection + Serialize + PartialEq + Debug + Send + Sync + 'static,
    {
        DataConfig { format, section: Arc::new(section) }
    }

    /// The `format = "..."` value.
    pub fn format(&self) -> &'static str {
        self.format
    }

    /// The section through what every section tells the run.
    pub fn section(&self) -> &dyn DataSection {
        &*self.section
    }

    /// The section as its format's own type; `None` for another format's.
    pub fn get<S: 'static>(&self) -> Option<&S> {
        self.section.as_any().downcast_ref::<S>()
    }

    /// The file or folder the data is read from, for the manifest and errors.
    pub fn path(&self) -> &Path {
        self.section.path()
    }

    /// Every file or folder the data is read from.
    pub fn inputs(&self) -> Vec<&Path> {
        self.section.inputs()
    }

    /// What the model predicts, where the format leaves it to the config.
    pub fn task(&self) -> Option<Task> {
        self.section.task()
    }

    pub(super) fn parse(table: toml::Table, formats: &dyn DataFormats) -> Result<DataConfig, (String, String)> {
        let (tag, rest) = super::parse::take_tag("data", "format", table)?;
        formats.parse(&tag, rest).unwrap_or_else(|| {
            let names: Vec<String> = formats.names().iter().map(|t| format!("`{t}`")).collect();
            Err(("[data].format".into(), format!("unknown format `{tag}`, expected one of {}", names.join(", "))))
        })
    }
}

impl PartialEq for DataConfig {
    fn eq(&self, other: &Self) -> bool {
        self.format == other.format && self.section.same_as(&*other.section)
    }
}

/// Written as the config was: `format` first, then the section's keys.
impl Serialize for DataConfig {
    fn serialize<Ser: serde::Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        use serde::ser::SerializeMap;
        let table = self.section.to_toml();
        let mut map = serializer.serialize_map(Some(table.len() + 1))?;
        map.serialize_entry("format", self.format)?;
        for (key, value) in &table {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}
