//! Long-format sensor CSV (one row per sample, many subjects in one file)
//! cut into labelled sliding windows, the usual input of wearable activity
//! and fall detectors.
//!
//! ```text
//! timestamp,acc_x,acc_y,acc_z,subject,label
//! 0.00,0.01,-0.02,0.98,S01,rest
//! 0.04,0.03,-0.01,0.99,S01,rest
//! ```
//!
//! Timestamps are numbers in seconds by default (any origin; see
//! [`SensorCsvSpec::seconds_per_unit`] for milliseconds). Rows of one
//! subject must be in time order. A *recording* is a run of consecutive
//! rows with the same subject (and the same recording id, when a recording
//! column is named), split further where two samples are more than
//! [`SensorCsvSpec::max_gap_seconds`] apart. Windows never cross a
//! recording boundary; samples left over after the last full window of a
//! recording are dropped.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{parse_value, TsError};
use crate::missing::{entirely_missing_channel, MissingPolicy};
use crate::series::{natural_cmp, Series, SeriesDataset};

/// How a window's class is derived from its samples' labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum WindowLabelRule {
    /// `majority`: the most frequent sample label (ties go to the lowest
    /// class index).
    Majority,
    /// `last`: the label of the window's last sample (what a causal,
    /// streaming detector must call at that moment).
    Last,
    /// `any:<label>`: binary; the window is positive (class 1) if any sample
    /// carries `<label>`, e.g. `any:fall`. Classes are `not_<label>`, `<label>`.
    Any(String),
}

impl FromStr for WindowLabelRule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "majority" => Ok(Self::Majority),
            "last" => Ok(Self::Last),
            _ => match s.strip_prefix("any:") {
                Some(label) if !label.is_empty() => Ok(Self::Any(label.to_string())),
                _ => Err(format!(
                    "window label rule `{s}` is not one of `majority`, `last`, `any:<label>` \
                     (e.g. `any:fall`)"
                )),
            },
        }
    }
}

impl TryFrom<String> for WindowLabelRule {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl fmt::Display for WindowLabelRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Majority => f.write_str("majority"),
            Self::Last => f.write_str("last"),
            Self::Any(label) => write!(f, "any:{label}"),
        }
    }
}

impl From<WindowLabelRule> for String {
    fn from(rule: WindowLabelRule) -> String {
        rule.to_string()
    }
}

/// Which columns to read and how to cut windows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SensorCsvSpec {
    /// Header name of the time column (default `timestamp`).
    pub timestamp_column: String,
    /// Header names of the channels, in model input order; empty (the
    /// default) means every column not named as timestamp, subject, label or
    /// recording, in file order.
    pub channel_columns: Vec<String>,
    /// Header name of the subject (wearer) column (default `subject`).
    pub subject_column: String,
    /// Header name of the per-sample label column (default `label`).
    pub label_column: String,
    /// Header name of an optional recording / session id column; a change
    /// of its value starts a new recording.
    pub recording_column: Option<String>,
    /// Seconds per timestamp unit: 1 for seconds (default), 0.001 for ms.
    pub seconds_per_unit: f64,
    /// The declared sampling rate; with it, every interval between
    /// consecutive samples is checked: closer than half a period is an
    /// error, longer than 1.5 periods a gap. `None` (default): not checked.
    pub sampling_hz: Option<f64>,
    /// With `sampling_hz`, gaps up to this many seconds are filled with
    /// missing samples (labelled as the sample before), which the
    /// `missing` policy then fills, and longer gaps start a new recording;
    /// `None` fills no gap. Without `sampling_hz`: start a new recording
    /// where consecutive samples are more than this far apart (a sensor
    /// taken off); `None` (default) never splits on gaps.
    pub max_gap_seconds: Option<f64>,
    /// Samples per window (default 50: 2 s at 25 Hz).
    pub window: usize,
    /// Samples between window starts (default 25: half overlap).
    pub stride: usize,
    /// How a window's class is derived (default majority).
    pub label_rule: WindowLabelRule,
    /// Class names in index order for `majority` / `last`; default: the
    /// distinct labels in natural order (`G2` before `G10`). Ignored by
    /// `any:<label>`.
    pub class_names: Option<Vec<String>>,
    /// Skip recordings shorter than one window instead of failing.
    pub drop_short_recordings: bool,
    /// Empty, `NaN`, `?` or `NA` channel cells: refused with their line and
    /// column under `Refuse` (the reader's default), else read as missing
    /// (NaN) for the dataset assembly to fill. Timestamps are never missing.
    pub missing: MissingPolicy,
}

impl Default for SensorCsvSpec {
    fn default() -> Self {
        Self {
            timestamp_column: "timestamp".into(),
            channel_columns: Vec::new(),
            subject_column: "subject".into(),
            label_column: "label".into(),
            recording_column: None,
            seconds_per_unit: 1.0,
            sampling_hz: None,
            max_gap_seconds: None,
            window: 50,
            stride: 25,
            label_rule: WindowLabelRule::Majority,
            class_names: None,
            drop_short_recordings: false,
            missing: MissingPolicy::Refuse,
        }
    }
}

/// One contiguous recording found in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// The wearer.
    pub subject: String,
    /// 0-based ordinal of this recording among the subject's.
    pub index: usize,
    /// 1-based file line of its first sample.
    pub first_line: usize,
    /// Number of samples.
    pub samples: usize,
    /// Duration in seconds: `samples` times the mean sampling interval
    /// (0 for a single sample).
    pub duration_seconds: f64,
    /// Number of windows cut from it.
    pub windows: usize,
}

/// Windows cut from a sensor CSV, with what a false-alarm rate needs.
#[derive(Debug, Clone, PartialEq)]
pub struct SensorWindows {
    /// One [`Series`] per window, `[channels, window]`, subject set; ids are
    /// `<subject>/r<recording index>/<first sample index>`.
    pub dataset: SeriesDataset,
    /// Timestamp (file units) of each window's first sample, `[windows]`.
    pub window_start_times: Vec<f64>,
    /// The recordings, in file order (skipped short ones included, with 0
    /// windows).
    pub recordings: Vec<Recording>,
    /// Total duration of all recordings in hours: the denominator of
    /// "false alarms per hour".
    pub total_hours: f64,
    /// Missing samples inserted for short gaps (with `sampling_hz`).
    pub gap_samples_inserted: usize,
    /// Per subject, windows lost because a long gap split a recording:
    /// those the recording would have given across the gap.
    pub windows_dropped_at_gaps: BTreeMap<String, usize>,
}

/// One parsed row.
struct Row {
    line: usize,
    time: f64,
    key: usize,
    label: usize,
    values: Vec<f32>,
}

/// Reads a long sensor CSV and cuts it into windows; see the module doc for
/// the layout and [`SensorCsvSpec`] for the options.
///
/// Errors name the file, then the line and column: a missing column (the
/// header's columns listed), an empty or non-numeric channel value, an
/// empty subject or label, a label outside `class_names`, a timestamp not
/// after the subject's previous one (both lines given), and a recording
/// shorter than the window (subject, first line and both lengths given).
/// Cell values are never echoed.
pub fn read_sensor_csv(path: impl AsRef<Path>, spec: &SensorCsvSpec) -> Result<SensorWindows, TsError> {
    let path = path.as_ref();
    if spec.window == 0 || spec.stride == 0 {
        return Err(TsError::Invalid(format!(
            "window ({}) and stride ({}) must be positive",
            spec.window, spec.stride
        )));
    }
    if !(spec.seconds_per_unit.is_finite() && spec.seconds_per_unit > 0.0) {
        return Err(TsError::Invalid(
            "seconds_per_unit must be a positive number (1 for seconds, 0.001 for ms)".into(),
        ));
    }
    if let Some(hz) = spec.sampling_hz {
        let fill = spec.max_gap_seconds.unwrap_or(0.0) * hz;
        if !(hz.is_finite() && hz > 0.0 && (0.0..=gaps::MAX_FILLED_PER_GAP as f64).contains(&fill)) {
            return Err(TsError::Invalid(format!(
                "sampling_hz ({hz}) must be positive, and max_gap_seconds x sampling_hz (samples filled per \
                 gap) between 0 and {}",
                gaps::MAX_FILLED_PER_GAP
            )));
        }
    }
    let file = std::fs::File::open(path).map_err(|e| TsError::io(path, e))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(std::io::BufReader::new(file));
    let csv_error = |e: csv::Error| {
        let line = e.position().map_or(0, |p| p.line() as usize);
        let detail = match e.kind() {
            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                format!("{len} fields but the header has {expected_len} (a stray or missing comma?)")
            }
            csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
            csv::ErrorKind::Io(io) => io.to_string(),
            _ => "malformed CSV".to_string(),
        };
        if line > 0 {
            TsError::line(path, line, detail)
        } else {
            TsError::format(path, detail)
        }
    };
    let header = reader.headers().map_err(csv_error)?.clone();
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        return Err(TsError::format(
            path,
            format!(
                "empty file; expected a header line such as `{},x,y,z,{},{}`",
                spec.timestamp_column, spec.subject_column, spec.label_column
            ),
        ));
    }
    let find = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| {
            TsError::line(
                path,
                1,
                format!(
                    "no column `{name}` in the header (it has {}); name the columns in the spec",
                    header.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", ")
                ),
            )
        })
    };
    let time_col = find(&spec.timestamp_column)?;
    let subject_col = find(&spec.subject_column)?;
    let label_col = find(&spec.label_column)?;
    let recording_col = spec.recording_column.as_deref().map(find).transpose()?;
    let channel_cols: Vec<usize> = if spec.channel_columns.is_empty() {
        (0..header.len())
            .filter(|&c| c != time_col && c != subject_col && c != label_col && Some(c) != recording_col)
            .collect()
    } else {
        spec.channel_columns.iter().map(|n| find(n)).collect::<Result<_, _>>()?
    };
    if channel_cols.is_empty() {
        return Err(TsError::line(path, 1, "no channel columns: the header has only timestamp, subject and label"));
    }
    let channel_names: Vec<String> = channel_cols.iter().map(|&c| header[c].to_string()).collect();

    // Recording keys (subject, recording id) and label texts, interned.
    let mut keys: Vec<(String, String)> = Vec::new();
    let mut key_index: HashMap<(String, String), usize> = HashMap::new();
    let mut label_texts: Vec<String> = Vec::new();
    let mut label_index: HashMap<String, usize> = HashMap::new();
    // Last (time, line) of each key, for the ordering check.
    let mut last_seen: HashMap<usize, (f64, usize)> = HashMap::new();
    let mut rows: Vec<Row> = Vec::new();
    for (n, result) in reader.records().enumerate() {
        let record = result.map_err(csv_error)?;
        let line = record.position().map_or(n + 2, |p| p.line() as usize);
        let column_error =
            |col: usize, what: &str| TsError::line(path, line, format!("column `{}`: {what}", &header[col]));
        let number = |col: usize| -> Result<f64, TsError> {
            let cell = &record[col];
            if cell.is_empty() {
                return Err(column_error(col, "missing value (empty cell)"));
            }
            match cell.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ if parse_value(cell).is_some_and(f32::is_nan) => {
                    Err(column_error(col, "missing value (NaN, ? or NA); fill or drop the sample"))
                }
                _ => Err(column_error(col, "not a finite number")),
            }
        };
        let time = number(time_col)?;
        let mut values = Vec::with_capacity(channel_cols.len());
        for &c in &channel_cols {
            let missing = record[c].is_empty() || parse_value(&record[c]).is_some_and(f32::is_nan);
            values.push(if missing && spec.missing != MissingPolicy::Refuse { f32::NAN } else { number(c)? as f32 });
        }
        let subject = &record[subject_col];
        if subject.is_empty() {
            return Err(column_error(subject_col, "empty subject"));
        }
        let label = &record[label_col];
        if label.is_empty() {
            return Err(column_error(label_col, "empty label"));
        }
        let recording = recording_col.map_or("", |c| &record[c]);
        let id = (subject.to_string(), recording.to_string());
        let key = match key_index.get(&id) {
            Some(&k) => k,
            None => {
                keys.push(id.clone());
                key_index.insert(id, keys.len() - 1);
                keys.len() - 1
            }
        };
        if let Some(&(previous, previous_line)) = last_seen.get(&key) {
            if time <= previous {
                return Err(TsError::line(
                    path,
                    line,
                    format!(
                        "column `{}`: timestamp is not after the previous sample of subject `{}` \
                         (line {previous_line}); each subject's samples must be in increasing \
                         time order",
                        &header[time_col], keys[key].0
                    ),
                ));
            }
        }
        last_seen.insert(key, (time, line));
        let label = match label_index.get(label) {
            Some(&l) => l,
            None => {
                label_texts.push(label.to_string());
                label_index.insert(label.to_string(), label_texts.len() - 1);
                label_texts.len() - 1
            }
        };
        rows.push(Row { line, time, key, label, values });
    }
    if rows.is_empty() {
        return Err(TsError::format(path, "no samples after the header line"));
    }

    // Map interned label texts to class indices.
    let class_names: Vec<String> = match (&spec.label_rule, &spec.class_names) {
        (WindowLabelRule::Any(target), _) => vec![format!("not_{target}"), target.clone()],
        (_, Some(names)) => names.clone(),
        (_, None) => {
            let mut names = label_texts.clone();
            names.sort_by(|a, b| natural_cmp(a, b));
            names
        }
    };
    let class_of: Vec<usize> = match &spec.label_rule {
        WindowLabelRule::Any(target) => label_texts.iter().map(|t| usize::from(t == target)).collect(),
        _ => {
            let mut out = Vec::with_capacity(label_texts.len());
            for (i, text) in label_texts.iter().enumerate() {
                match class_names.iter().position(|c| c == text) {
                    Some(c) => out.push(c),
                    None => {
                        let line = rows.iter().find(|r| r.label == i).map_or(0, |r| r.line);
                        return Err(TsError::line(
                            path,
                            line,
                            format!(
                                "column `{}`: the label is not one of the classes {}",
                                spec.label_column,
                                class_names.join(", ")
                            ),
                        ));
                    }
                }
            }
            out
        }
    };

    // Short gaps filled with missing samples; long ones end recordings.
    let (rows, long_gap_before, samples_inserted) = match spec.sampling_hz {
        Some(hz) => {
            let r = gaps::regularise(path, rows, spec, hz)?;
            (r.rows, r.long_gap_before, r.samples_inserted)
        }
        None => {
            let long: Vec<bool> = (0..rows.len())
                .map(|i| {
                    i > 0
                        && rows[i].key == rows[i - 1].key
                        && spec
                            .max_gap_seconds
                            .is_some_and(|gap| (rows[i].time - rows[i - 1].time) * spec.seconds_per_unit > gap)
                })
                .collect();
            (rows, long, 0)
        }
    };

    // Split rows into recordings; count the windows long gaps cost.
    let mut bounds: Vec<(usize, usize)> = Vec::new();
    let mut windows_dropped_at_gaps = BTreeMap::new();
    let mut start = 0;
    for i in 1..=rows.len() {
        let boundary = i == rows.len() || rows[i].key != rows[i - 1].key || long_gap_before[i];
        if boundary {
            if let Some(&(from, to)) = bounds.last().filter(|&&(_, to)| to == start && long_gap_before[start]) {
                let lost = gaps::windows_across(to - from, i - start, spec.window, spec.stride);
                gaps::count(&mut windows_dropped_at_gaps, &keys[rows[start].key].0, lost);
            }
            bounds.push((start, i));
            start = i;
        }
    }

    let channels = channel_cols.len();
    let window = spec.window;
    let mut recordings = Vec::with_capacity(bounds.len());
    let mut per_subject: HashMap<&str, usize> = HashMap::new();
    let mut series = Vec::new();
    let mut window_start_times = Vec::new();
    let mut total_seconds = 0.0;
    for &(from, to) in &bounds {
        let part = &rows[from..to];
        let subject = keys[part[0].key].0.as_str();
        let ordinal = per_subject.entry(subject).or_insert(0);
        let index = *ordinal;
        *ordinal += 1;
        let n = part.len();
        let duration_seconds = if n > 1 {
            (part[n - 1].time - part[0].time) * spec.seconds_per_unit * n as f64 / (n - 1) as f64
        } else {
            0.0
        };
        total_seconds += duration_seconds;
        if n < window && !spec.drop_short_recordings {
            return Err(TsError::format(
                path,
                format!(
                    "subject `{subject}`: recording {index} (from line {}) has {n} samples but the \
                     window is {window}; use a shorter window or set drop_short_recordings",
                    part[0].line
                ),
            ));
        }
        let mut count = 0;
        let mut s = 0;
        while s + window <= n {
            let rows_in = &part[s..s + window];
            let mut values = vec![0f32; channels * window];
            for (t, row) in rows_in.iter().enumerate() {
                for (c, &v) in row.values.iter().enumerate() {
                    values[c * window + t] = v;
                }
            }
            if let Some(c) = entirely_missing_channel(&values, channels, window) {
                return Err(TsError::line(
                    path,
                    rows_in[0].line,
                    format!(
                        "subject `{subject}`: the window starting here has no observed value in column `{}`; \
                         drop the samples or set a shorter window",
                        channel_names[c]
                    ),
                ));
            }
            let classes = rows_in.iter().map(|r| class_of[r.label]);
            let label = match spec.label_rule {
                WindowLabelRule::Last => class_of[rows_in[window - 1].label],
                WindowLabelRule::Any(_) => usize::from(classes.clone().any(|c| c == 1)),
                WindowLabelRule::Majority => {
                    let mut tally = vec![0usize; class_names.len()];
                    for c in classes {
                        tally[c] += 1;
                    }
                    // First maximum: ties go to the lowest class index.
                    let top = tally.iter().copied().max().unwrap_or(0);
                    tally.iter().position(|&k| k == top).unwrap_or(0)
                }
            };
            series.push(Series {
                id: format!("{subject}/r{index}/{s}"),
                subject: Some(subject.to_string()),
                channels,
                len: window,
                values,
                label,
            });
            window_start_times.push(rows_in[0].time);
            count += 1;
            s += spec.stride;
        }
        recordings.push(Recording {
            subject: subject.to_string(),
            index,
            first_line: part[0].line,
            samples: n,
            duration_seconds,
            windows: count,
        });
    }
    let name = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(SensorWindows {
        dataset: SeriesDataset { name, class_names, channel_names, series },
        window_start_times,
        recordings,
        total_hours: total_seconds / 3600.0,
        gap_samples_inserted: samples_inserted,
        windows_dropped_at_gaps,
    })
}

mod gaps;
#[cfg(test)]
mod tests;
