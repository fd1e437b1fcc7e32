//! Progress for OMOP CDM work, which at 10^6 persons reads or writes about
//! 50 million event rows: `medref data synth omop` (persons written) and the
//! table scans of a study under `medref train` (rows read per table).
//! Hidden when stdout is not a terminal or with --quiet, as the training bars.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::{Arc, Mutex};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use medref_omop::synthetic_scale::{write_scale_cdm_with, ScaleSettings};
use medref_omop::ScanProgress;

fn visible(quiet: bool) -> bool {
    !quiet && std::io::stdout().is_terminal()
}

/// `medref data synth omop`: a synthetic CDM of `persons` persons in `out`, one CSV per table.
pub fn synth_omop(out: &Path, persons: u64, seed: u64, quiet: bool) -> anyhow::Result<()> {
    if persons == 0 {
        return Err(crate::usage::UsageError("medref data synth omop: --persons must be at least 1".into()).into());
    }
    std::fs::create_dir_all(out).map_err(|e| anyhow::anyhow!("{}: cannot create the folder: {e}", out.display()))?;
    let bar = ProgressBar::new(persons);
    if !visible(quiet) {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.set_style(
        ProgressStyle::with_template("persons {bar:30.cyan/blue} {human_pos}/{human_len} {per_sec} eta {eta}")
            .expect("valid template"),
    );
    let summary = write_scale_cdm_with(out, &ScaleSettings { persons, seed }, |n| bar.set_position(n))?;
    bar.finish_and_clear();
    for (table, rows) in &summary.rows {
        println!("{table:>22} {rows:>12}");
    }
    println!("{}: a synthetic OMOP CDM of {persons} persons (seed {seed})", out.display());
    Ok(())
}

/// One bar per table scan: the table, the step that reads it, rows read and their rate.
struct ScanBars {
    bar: Mutex<Option<ProgressBar>>,
}

impl ScanProgress for ScanBars {
    fn start(&self, table: &str, purpose: &str) {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {prefix:>22} {human_pos} rows {per_sec} ({msg})")
                .expect("valid template"),
        );
        bar.set_prefix(table.to_string());
        bar.set_message(purpose.to_string());
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }

    fn rows(&self, rows: u64) {
        if let Some(bar) = self.bar.lock().ok().as_ref().and_then(|b| b.as_ref()) {
            bar.set_position(rows);
        }
    }

    fn finish(&self, rows: u64) {
        if let Some(bar) = self.bar.lock().ok().and_then(|mut b| b.take()) {
            bar.set_position(rows);
            bar.finish_and_clear();
        }
    }
}

/// Shows the scans of OMOP studies on a terminal (not with --quiet or into a pipe).
pub fn show_table_scans(quiet: bool) {
    if visible(quiet) {
        medref_omop::set_default_progress(Some(Arc::new(ScanBars { bar: Mutex::new(None) })));
    }
}
