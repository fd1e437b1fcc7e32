//! Generalisation and suppression until a table is k-anonymous.
//!
//! The classic recipe (Sweeney's k-anonymity, as in ARX or sdcMicro, kept
//! small): replace exact quasi-identifiers with coarser ones (age 43 ->
//! `40-49`, postcode `12345` -> `123**`, age 97 -> `>=90`), coarsen further
//! where k is still not met (wider bands, one more code character dropped,
//! within limits the configuration sets), and finally drop the rows of the
//! classes that are still too small. Every step is deterministic, and the
//! report says what changed per column and how many rows went, never which
//! values.
//!
//! A configuration, usually a TOML file:
//!
//! ```toml
//! k = 5
//! quasi_identifiers = ["age", "sex", "zip"]
//! drop_columns = ["patient_id"]        # direct identifiers: removed outright
//! max_suppressed_fraction = 0.1        # refuse if more rows than this would go
//!
//! [columns.age]
//! band = 10          # 43 -> "40-49"
//! max_band = 40      # may double to 20, then 40, if k is not met
//! top_code = 90      # 90 and above -> ">=90"
//!
//! [columns.zip]
//! keep_chars = 3     # "12345" -> "123**"
//! min_keep_chars = 1 # may drop to "12***", then "1****"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::anonymity::{column_index, distinct_per_class, equivalence_classes, measure, AnonymitySpec};
use crate::table::{format_number, Column, ColumnData, RawTable};
use crate::TableError;

/// What to generalise and the target to reach. Unknown keys are rejected.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GeneraliseConfig {
    /// The smallest equivalence class wanted (at least 1).
    pub k: usize,
    /// The quasi-identifier columns k is measured over; their order is the
    /// order in which further coarsening takes turns.
    pub quasi_identifiers: Vec<String>,
    /// A sensitive column whose distinct values per class are counted.
    #[serde(default)]
    pub sensitive: Option<String>,
    /// The fewest distinct sensitive values wanted per class (needs
    /// `sensitive`); classes with fewer are suppressed too.
    #[serde(default)]
    pub l: Option<usize>,
    /// Columns removed from the output (direct identifiers: names, ids).
    #[serde(default)]
    pub drop_columns: Vec<String>,
    /// The largest fraction of rows suppression may remove (0..=1); beyond
    /// it nothing is written and the user is asked to coarsen more.
    #[serde(default)]
    pub max_suppressed_fraction: Option<f64>,
    /// The rules, by column name.
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnRule>,
}

/// How one column is generalised. A column is either banded (numbers,
/// optionally top-coded) or truncated (codes, as text).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnRule {
    /// Band width: a number becomes the band holding it, `40-49` for
    /// integer data and widths, `[40, 50)` otherwise. Bands start at
    /// multiples of the width.
    #[serde(default)]
    pub band: Option<f64>,
    /// The widest band further coarsening may reach by doubling `band`.
    #[serde(default)]
    pub max_band: Option<f64>,
    /// Values at or above this become `>=T`; bands stop below it.
    #[serde(default)]
    pub top_code: Option<f64>,
    /// Characters kept from the start of the value's text; the rest become
    /// `*` (one per character, so `12345` -> `123**`).
    #[serde(default)]
    pub keep_chars: Option<usize>,
    /// The fewest characters further coarsening may keep.
    #[serde(default)]
    pub min_keep_chars: Option<usize>,
    /// Write a `*` for every character cut (default); `false` just cuts,
    /// so ICD codes `E11` and `E11.9` both become `E11`.
    #[serde(default = "yes")]
    pub mask: bool,
}

fn yes() -> bool {
    true
}

/// What happened to one generalised column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColumnChange {
    /// The column.
    pub column: String,
    /// The rule finally applied, in words (`bands of width 20 (configured
    /// 10), top-coded at 90`).
    pub rule: String,
    /// The band width finally used.
    pub band: Option<f64>,
    /// The top code.
    pub top_code: Option<f64>,
    /// Characters finally kept.
    pub keep_chars: Option<usize>,
    /// Coarsening steps taken beyond the configured rule.
    pub coarsening_steps: usize,
    /// Cells whose text changed (before suppression).
    pub cells_changed: usize,
    /// Cells top-coded (before suppression).
    pub cells_top_coded: usize,
}

/// What [`generalise`] did: counts and rules only.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GeneraliseReport {
    /// Rows read.
    pub rows_in: usize,
    /// Rows written.
    pub rows_out: usize,
    /// Rows removed because their class stayed below k (or l).
    pub suppressed_rows: usize,
    /// Classes removed.
    pub suppressed_classes: usize,
    /// The quasi-identifiers.
    pub quasi_identifiers: Vec<String>,
    /// The wanted k.
    pub target_k: usize,
    /// k of the input (direct identifiers aside).
    pub k_before: usize,
    /// k after generalisation, before suppression.
    pub k_generalised: usize,
    /// k of the output (0 when every row was suppressed).
    pub k_after: usize,
    /// The sensitive column.
    pub sensitive: Option<String>,
    /// The wanted l.
    pub target_l: Option<usize>,
    /// l of the input.
    pub l_before: Option<usize>,
    /// l of the output.
    pub l_after: Option<usize>,
    /// Columns removed outright.
    pub dropped_columns: Vec<String>,
    /// Per generalised column, in table order.
    pub columns: Vec<ColumnChange>,
    /// The configured suppression limit.
    pub max_suppressed_fraction: Option<f64>,
    /// True when the output meets k (and l) within the suppression limit;
    /// when false, no table should be written.
    pub target_met: bool,
}

impl GeneraliseReport {
    /// Lines for the terminal, without a single cell value.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        if !self.dropped_columns.is_empty() {
            s.push_str(&format!("dropped columns: {}\n", self.dropped_columns.join(", ")));
        }
        for c in &self.columns {
            s.push_str(&format!("{}: {}; {} cells changed\n", c.column, c.rule, c.cells_changed));
        }
        s.push_str(&format!(
            "k over ({}): {} before, {} after generalisation; target {}\n",
            self.quasi_identifiers.join(", "),
            self.k_before,
            self.k_generalised,
            self.target_k
        ));
        s.push_str(&format!(
            "suppressed {} rows in {} classes; {} of {} rows kept, final k = {}",
            self.suppressed_rows, self.suppressed_classes, self.rows_out, self.rows_in, self.k_after
        ));
        if let (Some(column), Some(l)) = (&self.sensitive, self.l_after) {
            s.push_str(&format!(", l of {column} = {l}"));
            if let Some(t) = self.target_l {
                s.push_str(&format!(" (target {t})"));
            }
        }
        s.push('\n');
        if !self.target_met {
            match self.max_suppressed_fraction {
                Some(f) if self.rows_out > 0 => s.push_str(&format!(
                    "target NOT met: suppression would remove more than {:.1}% of the rows; coarsen further (wider max_band, smaller min_keep_chars) or raise max_suppressed_fraction\n",
                    f * 100.0
                )),
                _ => s.push_str("target NOT met: every row would be suppressed; coarsen further\n"),
            }
        }
        s
    }
}

/// The generalised table and what was done to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Generalised {
    /// The output: rules applied, dropped columns gone, suppressed rows
    /// gone.
    pub table: RawTable,
    /// The report.
    pub report: GeneraliseReport,
}

/// A rule being applied, with its current coarseness.
struct ActiveRule<'a> {
    column: usize,
    rule: &'a ColumnRule,
    band: Option<f64>,
    keep: Option<usize>,
    steps: usize,
}

impl ActiveRule<'_> {
    /// One step coarser, if the configured limit allows.
    fn coarsen(&mut self) -> bool {
        if let (Some(w), Some(max)) = (self.band, self.rule.max_band) {
            if w * 2.0 <= max {
                self.band = Some(w * 2.0);
                self.steps += 1;
                return true;
            }
        }
        if let (Some(n), Some(min)) = (self.keep, self.rule.min_keep_chars) {
            if n > min {
                self.keep = Some(n - 1);
                self.steps += 1;
                return true;
            }
        }
        false
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(w) = self.band {
            let configured = self.rule.band.unwrap_or(w);
            parts.push(if self.steps > 0 {
                format!("bands of width {} (configured {})", format_number(w), format_number(configured))
            } else {
                format!("bands of width {}", format_number(w))
            });
        }
        if let Some(t) = self.rule.top_code {
            parts.push(format!("top-coded at {}", format_number(t)));
        }
        if let Some(n) = self.keep {
            let configured = self.rule.keep_chars.unwrap_or(n);
            let what = if self.rule.mask { "rest masked" } else { "rest cut" };
            parts.push(if self.steps > 0 {
                format!("first {n} characters kept (configured {configured}), {what}")
            } else {
                format!("first {n} characters kept, {what}")
            });
        }
        parts.join(", ")
    }

    /// The generalised column, cells changed and cells top-coded.
    fn apply(&self, column: &Column) -> (ColumnData, usize, usize) {
        let n = column.data.len();
        let mut out = Vec::with_capacity(n);
        let (mut changed, mut top_coded) = (0, 0);
        let integer = match &column.data {
            ColumnData::Numeric(v) => v.iter().flatten().all(|x| x.fract() == 0.0),
            ColumnData::Text(_) => false,
        };
        for row in 0..n {
            let original = column.data.text_at(row);
            let new = match (&column.data, self.keep) {
                (_, Some(keep)) => original.as_deref().map(|t| truncate(t, keep, self.rule.mask)),
                (ColumnData::Numeric(v), None) => v[row].map(|x| {
                    if self.rule.top_code.is_some_and(|t| x >= t) {
                        top_coded += 1;
                    }
                    band_label(x, self.band, self.rule.top_code, integer)
                }),
                (ColumnData::Text(_), None) => original.clone(),
            };
            if new != original {
                changed += 1;
            }
            out.push(new);
        }
        (ColumnData::Text(out), changed, top_coded)
    }
}

/// `12345` keeping 3 -> `123**` (masked) or `123` (cut).
fn truncate(text: &str, keep: usize, mask: bool) -> String {
    let total = text.chars().count();
    let mut s: String = text.chars().take(keep).collect();
    if mask {
        s.extend(std::iter::repeat_n('*', total.saturating_sub(keep)));
    }
    s
}

/// The band of `x`: `>=T` at or above the top code, else `lo-hi` (integer
/// data and width: inclusive ends) or `[lo, hi)`; the band's upper end stops
/// at the top code. Without a band width, only top-coding applies.
fn band_label(x: f64, band: Option<f64>, top: Option<f64>, integer: bool) -> String {
    if let Some(t) = top.filter(|&t| x >= t) {
        return format!(">={}", format_number(t));
    }
    let Some(w) = band else { return format_number(x) };
    let lo = (x / w).floor() * w;
    let mut hi = lo + w;
    if let Some(t) = top {
        hi = hi.min(t);
    }
    if integer && w.fract() == 0.0 && hi.fract() == 0.0 {
        format!("{}-{}", format_number(lo), format_number(hi - 1.0))
    } else {
        format!("[{}, {})", format_number(lo), format_number(hi))
    }
}

/// Checks a configuration against the table (`table_path`) and itself
/// (`config_path`, named in errors about keys).
fn validate(
    config: &GeneraliseConfig,
    table: &RawTable,
    table_path: &Path,
    config_path: &Path,
) -> Result<(), TableError> {
    let bad = |location: String, detail: &str| TableError::format(config_path, location, detail);
    if config.k == 0 {
        return Err(bad("k".into(), "must be at least 1"));
    }
    if config.l == Some(0) {
        return Err(bad("l".into(), "must be at least 1"));
    }
    if config.l.is_some() && config.sensitive.is_none() {
        return Err(bad("l".into(), "needs `sensitive`, the column whose diversity is counted"));
    }
    if let Some(f) = config.max_suppressed_fraction {
        if !(0.0..=1.0).contains(&f) {
            return Err(bad("max_suppressed_fraction".into(), "must be between 0 and 1"));
        }
    }
    for name in &config.drop_columns {
        if config.quasi_identifiers.contains(name) || config.sensitive.as_ref() == Some(name) {
            return Err(bad(
                "drop_columns".into(),
                &format!("\"{name}\" is also a quasi-identifier or the sensitive column"),
            ));
        }
        column_index(table, table_path, name)?;
    }
    for (name, rule) in &config.columns {
        let at = format!("[columns.{name}]");
        let column = table.column(name).ok_or_else(|| {
            bad(
                at.clone(),
                &format!("no column \"{name}\" in {} (it has {})", table_path.display(), table.names().join(", ")),
            )
        })?;
        if config.drop_columns.contains(name) {
            return Err(bad(at, "the column is also in drop_columns"));
        }
        let banded = rule.band.is_some() || rule.top_code.is_some() || rule.max_band.is_some();
        let truncated = rule.keep_chars.is_some() || rule.min_keep_chars.is_some();
        if banded && truncated {
            return Err(bad(at, "a column is either banded (band, max_band, top_code) or truncated (keep_chars, min_keep_chars), not both"));
        }
        if !banded && !truncated {
            return Err(bad(at, "no rule: give band, top_code or keep_chars"));
        }
        if banded && matches!(column.data, ColumnData::Text(_)) {
            return Err(TableError::format(
                table_path,
                format!("column \"{name}\""),
                format!("holds text, but {config} bands numbers", config = config_path.display()),
            ));
        }
        if let Some(w) = rule.band {
            if !(w.is_finite() && w > 0.0) {
                return Err(bad(at, "band must be a positive number"));
            }
        }
        match (rule.band, rule.max_band) {
            (None, Some(_)) => return Err(bad(at, "max_band needs band")),
            (Some(w), Some(m)) if m < w => return Err(bad(at, "max_band must be at least band")),
            _ => {}
        }
        match (rule.keep_chars, rule.min_keep_chars) {
            (None, Some(_)) => return Err(bad(at, "min_keep_chars needs keep_chars")),
            (Some(n), Some(m)) if m > n => return Err(bad(at, "min_keep_chars must be at most keep_chars")),
            _ => {}
        }
    }
    Ok(())
}

/// Applies `config` to `table` (read from `table_path`; `config_path` is
/// named in errors about the configuration): the column rules, then
/// coarsening in turns over the quasi-identifiers (in their configured
/// order, one step at a time) while k (or l) is not met, then suppression
/// of the classes still too small. When the suppression limit is exceeded
/// or nothing is left, `report.target_met` is false.
pub fn generalise(
    table: &RawTable,
    config: &GeneraliseConfig,
    table_path: &Path,
    config_path: &Path,
) -> Result<Generalised, TableError> {
    let spec = AnonymitySpec {
        quasi_identifiers: config.quasi_identifiers.clone(),
        k: config.k,
        sensitive: config.sensitive.clone(),
        l: config.l,
    };
    crate::anonymity::resolve(table, table_path, &spec)?;
    validate(config, table, table_path, config_path)?;
    if table.n_rows() == 0 {
        return Err(TableError::format(table_path, "", "no rows to generalise"));
    }

    // The working table: dropped columns gone, rule columns replaced.
    let kept: Vec<&Column> = table.columns.iter().filter(|c| !config.drop_columns.contains(&c.name)).collect();
    let mut work = RawTable { columns: kept.iter().map(|c| (*c).clone()).collect() };
    let index = |name: &str| work.columns.iter().position(|c| c.name == name).expect("validated column");
    let quasi: Vec<usize> = config.quasi_identifiers.iter().map(|n| index(n)).collect();
    let sensitive = config.sensitive.as_deref().map(index);
    let before = measure(&work, &quasi, sensitive, &spec);

    let mut rules: Vec<ActiveRule> = work
        .columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| config.columns.get(&c.name).map(|rule| (i, rule)))
        .map(|(column, rule)| ActiveRule { column, rule, band: rule.band, keep: rule.keep_chars, steps: 0 })
        .collect();
    // Coarsening takes turns in the order of the quasi-identifiers.
    let turn_order: Vec<usize> = quasi.iter().filter_map(|q| rules.iter().position(|r| r.column == *q)).collect();
    let originals: Vec<Column> = work.columns.clone();
    let mut turn = 0;
    let mut changes: Vec<(usize, usize)>;
    loop {
        changes = Vec::with_capacity(rules.len());
        for r in &rules {
            let (data, changed, top) = r.apply(&originals[r.column]);
            work.columns[r.column].data = data;
            changes.push((changed, top));
        }
        let now = measure(&work, &quasi, sensitive, &spec);
        if now.met() {
            break;
        }
        // The next rule, in turn, that can still coarsen.
        let mut stepped = false;
        for _ in 0..turn_order.len() {
            let r = turn_order[turn % turn_order.len()];
            turn += 1;
            if rules[r].coarsen() {
                stepped = true;
                break;
            }
        }
        if !stepped {
            break;
        }
    }
    let generalised = measure(&work, &quasi, sensitive, &spec);

    // Suppress the classes still below k (or l).
    let classes = equivalence_classes(&work, &quasi);
    let distinct = sensitive.map(|s| distinct_per_class(&work, &classes, s));
    let too_small: Vec<bool> = (0..classes.sizes.len())
        .map(|c| classes.sizes[c] < config.k || matches!((&distinct, config.l), (Some(d), Some(l)) if d[c] < l))
        .collect();
    let keep_rows: Vec<usize> = (0..work.n_rows()).filter(|&row| !too_small[classes.class_of_row[row]]).collect();
    let output = RawTable {
        columns: work
            .columns
            .iter()
            .map(|c| Column {
                name: c.name.clone(),
                data: select_rows(&c.data, &keep_rows),
                categories: c.categories.clone(),
            })
            .collect(),
    };
    let after = measure(&output, &quasi, sensitive, &spec);
    let rows_in = work.n_rows();
    let suppressed_rows = rows_in - keep_rows.len();
    let within_limit = config.max_suppressed_fraction.is_none_or(|f| suppressed_rows as f64 <= f * rows_in as f64);
    let target_met = !keep_rows.is_empty() && within_limit && after.met();

    let report = GeneraliseReport {
        rows_in,
        rows_out: keep_rows.len(),
        suppressed_rows,
        suppressed_classes: too_small.iter().filter(|&&t| t).count(),
        quasi_identifiers: config.quasi_identifiers.clone(),
        target_k: config.k,
        k_before: before.k,
        k_generalised: generalised.k,
        k_after: after.k,
        sensitive: config.sensitive.clone(),
        target_l: config.l,
        l_before: before.l,
        l_after: after.l,
        dropped_columns: table
            .columns
            .iter()
            .filter(|c| config.drop_columns.contains(&c.name))
            .map(|c| c.name.clone())
            .collect(),
        columns: rules
            .iter()
            .zip(&changes)
            .map(|(r, &(changed, top))| ColumnChange {
                column: work.columns[r.column].name.clone(),
                rule: r.describe(),
                band: r.band,
                top_code: r.rule.top_code,
                keep_chars: r.keep,
                coarsening_steps: r.steps,
                cells_changed: changed,
                cells_top_coded: top,
            })
            .collect(),
        max_suppressed_fraction: config.max_suppressed_fraction,
        target_met,
    };
    Ok(Generalised { table: output, report })
}

fn select_rows(data: &ColumnData, rows: &[usize]) -> ColumnData {
    match data {
        ColumnData::Numeric(v) => ColumnData::Numeric(rows.iter().map(|&r| v[r]).collect()),
        ColumnData::Text(v) => ColumnData::Text(rows.iter().map(|&r| v[r].clone()).collect()),
    }
}

#[cfg(test)]
mod tests;
