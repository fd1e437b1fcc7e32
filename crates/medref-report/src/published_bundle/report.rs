//! `publish_report.json`: what the policy kept, changed and removed, file
//! by file with the reason, so a reviewer can audit a bundle without the
//! run it came from.

use serde::{Deserialize, Serialize};

/// The name of the record inside every bundle.
pub const REPORT_FILE: &str = "publish_report.json";

/// One file and why the policy treated it so. Reasons name counts and
/// rules, never a value from a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Path inside the run directory (and the bundle), `/`-separated.
    pub file: String,
    pub reason: String,
}

/// An explanation picture drawn on generated data, recorded with its
/// SHA-256 so `check_bundle` can tell it from a real record's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyntheticExplanation {
    pub file: String,
    pub sha256: String,
}

/// The account of one publish.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishReport {
    /// The medref-report version that applied the policy.
    pub medref_version: String,
    /// The k of the policy: the smallest group any published count stands for.
    pub k: usize,
    /// Copied unchanged.
    pub kept: Vec<Entry>,
    /// Copied with something taken out or coarsened.
    pub changed: Vec<Entry>,
    /// Left out of the bundle.
    pub removed: Vec<Entry>,
    /// Written by publish from the run's data before it was removed.
    #[serde(default)]
    pub added: Vec<Entry>,
    #[serde(default)]
    pub synthetic_explanations: Vec<SyntheticExplanation>,
}

impl PublishReport {
    pub(crate) fn new(k: usize) -> Self {
        PublishReport {
            medref_version: env!("CARGO_PKG_VERSION").to_string(),
            k,
            kept: Vec::new(),
            changed: Vec::new(),
            removed: Vec::new(),
            added: Vec::new(),
            synthetic_explanations: Vec::new(),
        }
    }

    pub(crate) fn keep(&mut self, file: &str, reason: impl Into<String>) {
        self.kept.push(entry(file, reason));
    }

    pub(crate) fn change(&mut self, file: &str, reason: impl Into<String>) {
        self.changed.push(entry(file, reason));
    }

    pub(crate) fn remove(&mut self, file: &str, reason: impl Into<String>) {
        self.removed.push(entry(file, reason));
    }

    pub(crate) fn add(&mut self, file: &str, reason: impl Into<String>) {
        self.added.push(entry(file, reason));
    }
}

fn entry(file: &str, reason: impl Into<String>) -> Entry {
    Entry { file: file.to_string(), reason: reason.into() }
}
