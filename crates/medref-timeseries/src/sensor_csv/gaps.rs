//! Time stamps checked against the declared sampling rate: a short gap
//! becomes missing samples (filled later by the `[data].missing` policy),
//! a long one ends the recording, and the windows that would have
//! straddled it are counted per subject.

use std::collections::BTreeMap;
use std::path::Path;

use super::{Row, SensorCsvSpec};
use crate::missing::MissingPolicy;
use crate::TsError;

/// Intervals within this share of the period of the declared rate count as
/// regular (clock jitter); a longer one is a gap.
const JITTER: f64 = 0.5;

/// Most samples one short gap may be filled with (`max_gap_seconds` x
/// `sampling_hz`): filling is for dropouts, not for hours off the wrist.
pub(super) const MAX_FILLED_PER_GAP: usize = 100_000;

/// Rows on a regular grid, and where long gaps end recordings.
pub(super) struct Regular {
    /// The rows with one all-missing row per sample lost in a short gap.
    pub rows: Vec<Row>,
    /// `true` at a row that follows a long gap (a recording starts there).
    pub long_gap_before: Vec<bool>,
    /// Missing samples inserted for short gaps.
    pub samples_inserted: usize,
}

/// Checks every interval between consecutive samples of one recording
/// against `hz`. Errors name the line: samples closer than the rate
/// allows (the rate is wrong, or samples are duplicated), and under
/// `missing = "refuse"` a short gap that would need filling.
pub(super) fn regularise(path: &Path, rows: Vec<Row>, spec: &SensorCsvSpec, hz: f64) -> Result<Regular, TsError> {
    let period = 1.0 / hz;
    let max_gap = spec.max_gap_seconds.unwrap_or(0.0);
    let mut out = Regular { rows: Vec::with_capacity(rows.len()), long_gap_before: Vec::new(), samples_inserted: 0 };
    let mut previous: Option<(usize, f64, usize, usize)> = None; // key, time, line, label
    for row in rows {
        let mut long_gap = false;
        if let Some((key, time, line, label)) = previous.filter(|p| p.0 == row.key) {
            let dt = (row.time - time) * spec.seconds_per_unit;
            if dt < (1.0 - JITTER) * period {
                return Err(TsError::line(
                    path,
                    row.line,
                    format!(
                        "column `{}`: {dt:.4} s after the previous sample (line {line}), but \
                         sampling_hz = {hz} means {period:.4} s between samples",
                        spec.timestamp_column
                    ),
                ));
            }
            if dt > (1.0 + JITTER) * period {
                let lost = ((dt / period).round() as usize).saturating_sub(1).max(1);
                if dt > max_gap {
                    long_gap = true;
                } else if spec.missing == MissingPolicy::Refuse {
                    return Err(TsError::line(
                        path,
                        row.line,
                        format!(
                            "a gap of {dt:.3} s ({lost} missing samples) before this sample and \
                             [data].missing is \"refuse\"; set missing = \"interpolate\", \"ffill\" \
                             or \"mask\", or lower max_gap_seconds to split recordings there"
                        ),
                    ));
                } else {
                    for k in 1..=lost {
                        out.rows.push(Row {
                            line: row.line,
                            time: time + k as f64 * period / spec.seconds_per_unit,
                            key,
                            label,
                            values: vec![f32::NAN; row.values.len()],
                        });
                        out.long_gap_before.push(false);
                    }
                    out.samples_inserted += lost;
                }
            }
        }
        previous = Some((row.key, row.time, row.line, row.label));
        out.rows.push(row);
        out.long_gap_before.push(long_gap);
    }
    Ok(out)
}

/// Windows of `window` samples every `stride` that a recording of `a + b`
/// samples would have cut across the join of its first `a` and last `b`
/// samples: those a long gap there costs.
pub(super) fn windows_across(a: usize, b: usize, window: usize, stride: usize) -> usize {
    (0..).map(|k| k * stride.max(1)).take_while(|&s| s < a && s + window <= a + b).filter(|&s| s + window > a).count()
}

/// Adds `n` dropped windows to `subject`'s count.
pub(super) fn count(dropped: &mut BTreeMap<String, usize>, subject: &str, n: usize) {
    if n > 0 {
        *dropped.entry(subject.to_string()).or_insert(0) += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_across_a_join_are_counted() {
        // 10 + 10 samples, windows of 4 every 2: starts 8 (8..12) and 6?
        // 6..10 ends at the join, so only starts 8 straddle it.
        assert_eq!(windows_across(10, 10, 4, 2), 1);
        assert_eq!(windows_across(10, 10, 5, 1), 4);
        assert_eq!(windows_across(10, 1, 5, 1), 1);
        assert_eq!(windows_across(10, 0, 5, 1), 0);
    }
}
