//! How far a table scan has come, for a caller that draws progress bars: at
//! 10^6 persons a study reads about 50 million event rows and takes minutes.
//! medref-omop draws nothing and depends on no terminal crate; the caller
//! supplies a [`ScanProgress`] (the `medref` CLI, an indicatif bar) and
//! tests supply none.
//!
//! The CDM is opened several crates below the CLI (behind the training
//! loop's data-format trait, shared by every format), so besides
//! [`crate::Cdm::with_progress`] a process-wide default can be set once at
//! start-up with [`set_default_progress`]; every `Cdm` made afterwards reports to it.

use std::sync::{Arc, RwLock};

/// Rows between two reports: frequent enough for a bar, rare enough to cost nothing.
pub const REPORT_EVERY_ROWS: u64 = 1 << 16;

/// Receives the progress of table scans. Counts only, never values.
pub trait ScanProgress: Send + Sync {
    /// A scan of the CDM table `table` (`person`, `drug_era`) begins, for `purpose` (the step that needs it).
    fn start(&self, table: &str, purpose: &str);
    /// `rows` rows of the current scan read so far.
    fn rows(&self, rows: u64);
    /// The scan ended after `rows` rows (also when it failed).
    fn finish(&self, rows: u64);
}

static DEFAULT: RwLock<Option<Arc<dyn ScanProgress>>> = RwLock::new(None);

/// Every `Cdm` made after this call reports its scans to `progress` (`None`: to no one).
pub fn set_default_progress(progress: Option<Arc<dyn ScanProgress>>) {
    if let Ok(mut default) = DEFAULT.write() {
        *default = progress;
    }
}

pub(crate) fn default_progress() -> Option<Arc<dyn ScanProgress>> {
    DEFAULT.read().ok().and_then(|d| d.clone())
}

/// Counts the rows a scan hands on and reports them every [`REPORT_EVERY_ROWS`].
pub(crate) struct Counter<'p> {
    progress: Option<&'p dyn ScanProgress>,
    rows: u64,
}

impl<'p> Counter<'p> {
    pub(crate) fn start(progress: Option<&'p dyn ScanProgress>, table: &str, purpose: &str) -> Self {
        if let Some(p) = progress {
            p.start(table, purpose);
        }
        Self { progress, rows: 0 }
    }

    pub(crate) fn row(&mut self) {
        self.rows += 1;
        if self.rows.is_multiple_of(REPORT_EVERY_ROWS) {
            if let Some(p) = self.progress {
                p.rows(self.rows);
            }
        }
    }
}

impl Drop for Counter<'_> {
    fn drop(&mut self) {
        if let Some(p) = self.progress {
            p.finish(self.rows);
        }
    }
}
