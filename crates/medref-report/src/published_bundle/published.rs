//! What the report reads from a bundle besides a run's usual files: the
//! publish record (for the header banner) and the aggregates that stand in
//! for the removed predictions. A run directory has neither, and its report
//! is unchanged.

use super::aggregates::{Curves, SubgroupSuppression, CURVES_FILE};
use super::report::{PublishReport, REPORT_FILE};
use crate::error::ReportError;
use crate::text::escape;
use std::fmt::Write as _;
use std::path::Path;

/// A bundle's own files, loaded with the run.
#[derive(Debug, Clone)]
pub(crate) struct Published {
    pub report: PublishReport,
    pub curves: Option<Curves>,
    pub subgroups: Option<SubgroupSuppression>,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, ReportError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(ReportError::Read { path: path.to_path_buf(), source }),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| ReportError::parse(path, format!("not the JSON `medref publish` writes: {e}")))
}

/// The bundle files of `dir`, or `None` when it is not a published bundle.
pub(crate) fn load(dir: &Path) -> Result<Option<Published>, ReportError> {
    let Some(report) = read_json::<PublishReport>(&dir.join(REPORT_FILE))? else {
        return Ok(None);
    };
    let subgroups = read_json::<serde_json::Value>(&dir.join("subgroups.json"))?
        .and_then(|v| serde_json::from_value(v.get("suppressed")?.clone()).ok());
    Ok(Some(Published { report, curves: read_json(&dir.join(CURVES_FILE))?, subgroups }))
}

/// The file names of a list of entries, for one line of the banner.
fn names(entries: &[super::report::Entry]) -> String {
    entries.iter().map(|e| format!("<code>{}</code>", escape(&e.file))).collect::<Vec<_>>().join(", ")
}

/// The banner at the top of a bundle's report: that it is published, under
/// which k, and what the policy removed and changed.
pub(crate) fn banner_html(p: &Published) -> String {
    let r = &p.report;
    let mut s = String::from("<section id=\"published\" class=\"warn\">\n");
    let _ = writeln!(
        s,
        "<p><strong>Published bundle</strong>, made by <code>medref publish</code> (k = {}): no table, curve \
         step or cell stands for fewer than {} patients, and nothing in it is one patient's record. \
         This report was redrawn from the bundle's files only.</p>",
        r.k, r.k
    );
    if !r.removed.is_empty() {
        let _ = writeln!(s, "<p>Removed: {}.</p>", names(&r.removed));
    }
    if !r.changed.is_empty() {
        let _ = writeln!(s, "<p>Changed: {}.</p>", names(&r.changed));
    }
    if !r.added.is_empty() {
        let _ = writeln!(s, "<p>Added from the removed data as aggregates: {}.</p>", names(&r.added));
    }
    s.push_str("<p class=\"note\">publish_report.json gives the reason for each file.</p>\n</section>\n");
    s
}

/// The same for `model_card.md`.
pub(crate) fn banner_markdown(p: &Published) -> String {
    let list = |entries: &[super::report::Entry]| {
        entries.iter().map(|e| format!("`{}`", e.file)).collect::<Vec<_>>().join(", ")
    };
    let r = &p.report;
    let mut s = format!(
        "> **Published bundle** (`medref publish`, k = {}): nothing here stands for fewer than {} patients.",
        r.k, r.k
    );
    if !r.removed.is_empty() {
        let _ = write!(s, " Removed: {}.", list(&r.removed));
    }
    if !r.changed.is_empty() {
        let _ = write!(s, " Changed: {}.", list(&r.changed));
    }
    s.push_str(" See publish_report.json.\n\n");
    s
}

/// The note under the subgroup table saying groups were taken out.
pub(crate) fn subgroup_note(p: &Published) -> String {
    let Some(g) = &p.subgroups else {
        return String::new();
    };
    let mut s = format!(
        "<p class=\"note\" data-suppressed=\"subgroups\">Suppressed in this published bundle: {} subgroup(s) \
         with fewer than {} test patients",
        g.below_k, g.k
    );
    if g.complementary > 0 {
        let _ = write!(s, ", and {} more so that their size cannot be worked out from the others", g.complementary);
    }
    if g.missing_suppressed {
        s.push_str("; the count of rows without a subgroup value too");
    }
    s.push_str(".</p>\n");
    s
}
