//! `format = "fasta_classes"`: one FASTA file per class, as peak callers
//! and motif tools hand them out (bound peaks of one factor against
//! another's, or against shuffled background).

use super::super::defaults::*;
use super::DataSection;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One class and its sequences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FastaClass {
    /// The class name; classes take indices in the order listed, so a
    /// binary task lists the negative class first.
    pub name: String,
    pub path: PathBuf,
    /// This class's held-out test sequences; give one for every class or
    /// for none (then a stratified share of `path` is held out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_path: Option<PathBuf>,
}

/// `[[data.classes]]` tables, at least two.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FastaClassesData {
    pub classes: Vec<FastaClass>,
    /// Centre-crop or `N`-pad every sequence to this length; without it all
    /// sequences must share one length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq_len: Option<usize>,
    #[serde(default = "default_fraction")]
    pub val_fraction: f64,
    /// Ignored when every class has a `test_path`.
    #[serde(default = "default_fraction")]
    pub test_fraction: f64,
}

impl DataSection for FastaClassesData {
    fn path(&self) -> &Path {
        self.classes.first().map_or(Path::new(""), |c| c.path.as_path())
    }
    fn inputs(&self) -> Vec<&Path> {
        self.classes.iter().flat_map(|c| std::iter::once(&c.path).chain(&c.test_path)).map(PathBuf::as_path).collect()
    }
    fn validate(&self) -> Result<(), (String, String)> {
        if self.classes.len() < 2 {
            return Err(("[data].classes".into(), "list at least two classes, each with a name and a FASTA path".into()));
        }
        let with_test = self.classes.iter().filter(|c| c.test_path.is_some()).count();
        if with_test != 0 && with_test != self.classes.len() {
            return Err(("[data].classes".into(), "give a test_path for every class or for none".into()));
        }
        if self.seq_len == Some(0) {
            return Err(("[data].seq_len".into(), "must be at least 1".into()));
        }
        let test = if with_test > 0 { 0.0 } else { self.test_fraction };
        let ok = (0.0..1.0).contains(&self.val_fraction) && (0.0..1.0).contains(&test) && self.val_fraction + test < 1.0;
        if !ok {
            return Err(("[data]".into(), "val_fraction and test_fraction must be in [0, 1) and sum below 1".into()));
        }
        Ok(())
    }
}
