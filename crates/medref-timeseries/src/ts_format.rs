//! The sktime / UEA archive `.ts` format (e.g. `BasicMotions_TRAIN.ts`).
//!
//! ```text
//! # comment lines start with a hash
//! @problemName BasicMotions
//! @timeStamps false
//! @missing false
//! @univariate false
//! @dimensions 6
//! @equalLength true
//! @seriesLength 100
//! @classLabel true Standing Running Walking Badminton
//! @data
//! 0.07,0.08,...:-0.9,1.1,...:...:Standing
//! ```
//!
//! After `@data` each line is one case: channels separated by `:`, values
//! within a channel by `,`, the class label last. `?` or `NaN` marks a
//! missing value (read as NaN; [`read_ts_with`] refuses what the
//! configured [`MissingPolicy`] cannot fill, naming the line and series).
//! Tags are case-insensitive, as in sktime.
//!
//! Supported: classification problems without timestamps, equal or
//! unequal length across cases. Refused with a message saying so:
//! `@timeStamps true` (values written as `(time,value)`), `@classLabel
//! false` and `@targetLabel` (regression or unlabelled data), and a case
//! whose channels differ in length (medref stores `[channels, len]`).

use std::path::Path;

use crate::error::{parse_value, read_text, TsError};
use crate::missing::{entirely_missing_channel, MissingPolicy};
use crate::series::{Series, SeriesDataset};

/// Header facts gathered before `@data`.
#[derive(Default)]
struct Header {
    problem_name: Option<String>,
    univariate: Option<bool>,
    dimensions: Option<usize>,
    equal_length: Option<bool>,
    series_length: Option<usize>,
    class_names: Option<Vec<String>>,
}

fn parse_bool(path: &Path, line: usize, tag: &str, value: Option<&str>) -> Result<bool, TsError> {
    match value.map(str::to_ascii_lowercase).as_deref() {
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        _ => Err(TsError::line(path, line, format!("{tag} must be followed by true or false"))),
    }
}

fn parse_count(path: &Path, line: usize, tag: &str, value: Option<&str>) -> Result<usize, TsError> {
    value
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .ok_or_else(|| TsError::line(path, line, format!("{tag} must be followed by a positive whole number")))
}

/// Reads one header line (starting with `@`) into `header`; returns true
/// for `@data`.
fn header_line(path: &Path, line: usize, text: &str, header: &mut Header) -> Result<bool, TsError> {
    let mut words = text.split_whitespace();
    let tag = words.next().unwrap_or("@");
    let value = words.clone().next();
    match tag.to_ascii_lowercase().as_str() {
        "@data" => return Ok(true),
        "@problemname" => header.problem_name = value.map(str::to_string),
        "@timestamps" => {
            if parse_bool(path, line, "@timeStamps", value)? {
                return Err(TsError::line(
                    path,
                    line,
                    "@timeStamps true is not supported: medref reads series written as plain \
                     values; resample to a fixed rate and write values only (@timeStamps false)",
                ));
            }
        }
        "@missing" => {
            parse_bool(path, line, "@missing", value)?;
        }
        "@univariate" => header.univariate = Some(parse_bool(path, line, "@univariate", value)?),
        "@dimensions" | "@dimension" => header.dimensions = Some(parse_count(path, line, "@dimensions", value)?),
        "@equallength" => header.equal_length = Some(parse_bool(path, line, "@equalLength", value)?),
        "@serieslength" => header.series_length = Some(parse_count(path, line, "@seriesLength", value)?),
        "@classlabel" => {
            if !parse_bool(path, line, "@classLabel", value)? {
                return Err(TsError::line(
                    path,
                    line,
                    "@classLabel false: unlabelled or regression data is not supported; \
                     medref reads classification problems (@classLabel true A B ...)",
                ));
            }
            let names: Vec<String> = words.skip(1).map(str::to_string).collect();
            if names.is_empty() {
                return Err(TsError::line(
                    path,
                    line,
                    "@classLabel true lists no classes; expected `@classLabel true A B ...`",
                ));
            }
            for (i, name) in names.iter().enumerate() {
                if names[..i].contains(name) {
                    return Err(TsError::line(path, line, format!("@classLabel lists class `{name}` twice")));
                }
            }
            header.class_names = Some(names);
        }
        "@targetlabel" => {
            return Err(TsError::line(
                path,
                line,
                "@targetLabel (regression) is not supported; medref reads classification \
                 problems (@classLabel true A B ...)",
            ))
        }
        _ => {
            return Err(TsError::line(
                path,
                line,
                "unknown header tag (expected @problemName, @timeStamps, @missing, @univariate, \
                 @dimensions, @equalLength, @seriesLength, @classLabel or @data)",
            ))
        }
    }
    Ok(false)
}

/// Reads a `.ts` file of labelled cases; see the module doc for the format.
///
/// Class indices follow the order of `@classLabel`, so a `_TRAIN` and a
/// `_TEST` file of one problem agree. Series ids are `<file stem>_<case>`
/// (case 1-based); channels are named `dim_0`, `dim_1`, ...; subjects are
/// unknown (`None`).
///
/// Errors name the file and line: a missing or malformed header tag, a case
/// with the wrong number of channels (against `@dimensions`, or the first
/// case), a channel whose length differs from the case's other channels or
/// from `@seriesLength` / the first case when `@equalLength true`, a value
/// that is not a number (channel and position given, the value not
/// echoed), a label missing from `@classLabel`, and files without `@data`
/// or cases.
pub fn read_ts(path: impl AsRef<Path>) -> Result<SeriesDataset, TsError> {
    read(path.as_ref(), None)
}

/// [`read_ts`] for training or scoring under a missing-value policy: a
/// case with a channel that has no observed value is refused (nothing can
/// be filled in from nothing), and under [`MissingPolicy::Refuse`] so is a
/// case with any missing value; both errors name the line and the series.
pub fn read_ts_with(path: impl AsRef<Path>, missing: MissingPolicy) -> Result<SeriesDataset, TsError> {
    read(path.as_ref(), Some(missing))
}

fn read(path: &Path, missing: Option<MissingPolicy>) -> Result<SeriesDataset, TsError> {
    let text = read_text(path)?;
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "series".into());
    let mut header = Header::default();
    let mut in_data = false;
    let mut series: Vec<Series> = Vec::new();
    // (channels, line) of the first case, and (len, line) for equal length.
    let mut first_channels: Option<(usize, usize)> = None;
    let mut first_len: Option<(usize, usize)> = None;
    let mut class_names: Vec<String> = Vec::new();

    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if !in_data {
            if !trimmed.starts_with('@') {
                return Err(TsError::line(
                    path,
                    line,
                    "data before the @data line; expected header tags (@problemName, \
                     @classLabel, ...) then @data",
                ));
            }
            if header_line(path, line, trimmed, &mut header)? {
                in_data = true;
                class_names = header.class_names.clone().ok_or_else(|| {
                    TsError::line(
                        path,
                        line,
                        "@data reached without @classLabel; expected `@classLabel true A B ...` \
                         in the header",
                    )
                })?;
                if header.univariate == Some(true) {
                    match header.dimensions {
                        Some(d) if d != 1 => {
                            return Err(TsError::line(path, line, format!("@univariate true but @dimensions {d}")))
                        }
                        _ => header.dimensions = Some(1),
                    }
                }
            }
            continue;
        }
        if trimmed.starts_with('@') {
            return Err(TsError::line(path, line, "header tag after @data; all tags must come before @data"));
        }
        let mut fields: Vec<&str> = trimmed.split(':').collect();
        let label_text = fields.pop().unwrap_or("").trim();
        let channels = fields.len();
        if channels == 0 {
            return Err(TsError::line(
                path,
                line,
                "no `:` separating the values from the class label; expected \
                 `v,v,...:v,v,...:label`",
            ));
        }
        match (header.dimensions, first_channels) {
            (Some(d), _) if d != channels => {
                return Err(TsError::line(
                    path,
                    line,
                    format!(
                        "{channels} channels (`:`-separated fields before the label) but \
                         @dimensions says {d}"
                    ),
                ))
            }
            (None, Some((d, first))) if d != channels => {
                return Err(TsError::line(
                    path,
                    line,
                    format!(
                        "{channels} channels (`:`-separated fields before the label) but the \
                         first case (line {first}) has {d}"
                    ),
                ))
            }
            _ => {}
        }
        first_channels.get_or_insert((channels, line));

        let mut values: Vec<f32> = Vec::new();
        let mut len = 0;
        for (c, field) in fields.iter().enumerate() {
            let field = field.trim();
            if field.is_empty() {
                return Err(TsError::line(
                    path,
                    line,
                    format!("channel {} is empty (expected comma-separated values)", c + 1),
                ));
            }
            let before = values.len();
            for (k, cell) in field.split(',').enumerate() {
                let cell = cell.trim();
                match parse_value(cell) {
                    Some(v) => values.push(v),
                    None => {
                        let hint = if cell.starts_with('(') {
                            " (timestamped `(time,value)` pairs are not supported)"
                        } else {
                            ""
                        };
                        return Err(TsError::line(
                            path,
                            line,
                            format!(
                                "channel {}, value {}: not a finite number (expected a decimal \
                                 number, or ? / NaN for missing){hint}",
                                c + 1,
                                k + 1
                            ),
                        ));
                    }
                }
            }
            let n = values.len() - before;
            if c == 0 {
                len = n;
            } else if n != len {
                return Err(TsError::line(
                    path,
                    line,
                    format!(
                        "ragged case: channel {} has {n} values but channel 1 has {len} (every \
                         channel of a case must have the same length)",
                        c + 1
                    ),
                ));
            }
        }
        if header.equal_length == Some(true) {
            if let Some(expected) = header.series_length {
                if len != expected {
                    return Err(TsError::line(
                        path,
                        line,
                        format!(
                            "{len} values per channel but @seriesLength is {expected} \
                             (@equalLength true)"
                        ),
                    ));
                }
            } else if let Some((expected, first)) = first_len {
                if len != expected {
                    return Err(TsError::line(
                        path,
                        line,
                        format!(
                            "{len} values per channel but the first case (line {first}) has \
                             {expected} (@equalLength true)"
                        ),
                    ));
                }
            }
            first_len.get_or_insert((len, line));
        }
        if label_text.is_empty() {
            return Err(TsError::line(path, line, "no class label after the last channel"));
        }
        let label = class_names.iter().position(|c| c == label_text).ok_or_else(|| {
            TsError::line(
                path,
                line,
                format!(
                    "the class label (last field) is not one of the @classLabel classes: {}",
                    class_names.join(", ")
                ),
            )
        })?;
        let id = format!("{stem}_{}", series.len() + 1);
        if let Some(policy) = missing {
            check_missing(path, line, &id, &values, channels, len, policy)?;
        }
        series.push(Series { id, subject: None, channels, len, values, label });
    }
    if !in_data {
        return Err(TsError::format(path, "no @data line; expected header tags, then @data, then one case per line"));
    }
    if series.is_empty() {
        return Err(TsError::format(path, "no cases after @data"));
    }
    let channels = series[0].channels;
    Ok(SeriesDataset {
        name: header.problem_name.unwrap_or(stem),
        class_names,
        channel_names: (0..channels).map(|c| format!("dim_{c}")).collect(),
        series,
    })
}

/// Refuses a case the policy cannot fill, naming the line and series.
fn check_missing(
    path: &Path,
    line: usize,
    id: &str,
    values: &[f32],
    channels: usize,
    len: usize,
    policy: MissingPolicy,
) -> Result<(), TsError> {
    if let Some(c) = entirely_missing_channel(values, channels, len) {
        return Err(TsError::line(
            path,
            line,
            format!("series `{id}`: channel {} has no observed value (every value is ? or NaN)", c + 1),
        ));
    }
    let n = values.iter().filter(|v| v.is_nan()).count();
    if policy == MissingPolicy::Refuse && n > 0 {
        return Err(TsError::line(
            path,
            line,
            format!(
                "series `{id}` has {n} missing values (? or NaN) and [data].missing is \"refuse\"; \
                 set missing = \"interpolate\", \"ffill\" or \"mask\" to fill them"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    const HEADER: &str = "# two channels\n@problemName Tiny\n@timeStamps false\n@missing true\n\
                          @univariate false\n@dimensions 2\n@equalLength true\n@seriesLength 3\n\
                          @classLabel true yes no\n@data\n";

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn error(text: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "bad.ts", text);
        let e = read_ts(&p).unwrap_err().to_string();
        assert!(e.starts_with(&p.display().to_string()), "{e}");
        e
    }

    #[test]
    fn reads_a_small_file_with_missing_values_and_crlf() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("{HEADER}1,2,3:4,?,6:no\r\n\r\n0.5,NaN,-1:1e1,0,0:yes\r\n")
            .replace('\n', "\r\n")
            .replace("\r\r", "\r");
        let p = write(&dir, "tiny_TRAIN.ts", &text);
        let d = read_ts(&p).unwrap();
        assert_eq!(d.name, "Tiny");
        assert_eq!(d.class_names, vec!["yes", "no"]);
        assert_eq!(d.labels(), vec![1, 0]);
        assert_eq!(d.series[0].id, "tiny_TRAIN_1");
        assert_eq!(d.series[0].values[..3], [1.0, 2.0, 3.0]);
        assert!(d.series[0].values[4].is_nan());
        assert!(d.series[1].values[1].is_nan());
        assert_eq!(d.series[1].values[3], 10.0);
        assert_eq!(d.channel_names, vec!["dim_0", "dim_1"]);
    }

    #[test]
    fn unequal_length_cases_are_allowed_when_declared() {
        let dir = tempfile::tempdir().unwrap();
        let text = "@problemName U\n@univariate true\n@equalLength false\n@classLabel true a b\n\
                    @data\n1,2,3:a\n1,2:b\n";
        let d = read_ts(write(&dir, "u.ts", text)).unwrap();
        assert_eq!(d.series[0].len, 3);
        assert_eq!(d.series[1].len, 2);
        assert_eq!(d.common_len(), None);
    }

    #[test]
    fn ragged_channels_are_refused_with_the_line() {
        let e = error(&format!("{HEADER}1,2,3:4,5,6:no\n1,2,3:4,5:yes\n"));
        assert!(e.contains("line 12: ragged case: channel 2 has 2 values but channel 1 has 3"), "{e}");
    }

    #[test]
    fn series_length_mismatch_is_refused() {
        let e = error(&format!("{HEADER}1,2:4,5:no\n"));
        assert!(e.contains("line 11: 2 values per channel but @seriesLength is 3"), "{e}");
        let e = error("@dimensions 1\n@equalLength true\n@classLabel true a\n@data\n1,2:a\n1,2,3:a\n");
        assert!(e.contains("line 6: 3 values per channel but the first case (line 5) has 2"), "{e}");
    }

    #[test]
    fn label_not_declared_is_refused_without_echoing_it() {
        let e = error(&format!("{HEADER}1,2,3:4,5,6:maybe_secret\n"));
        assert!(
            e.contains("line 11: the class label (last field) is not one of the @classLabel classes: yes, no"),
            "{e}"
        );
        assert!(!e.contains("maybe_secret"));
    }

    #[test]
    fn wrong_channel_count_is_refused() {
        let e = error(&format!("{HEADER}1,2,3:no\n"));
        assert!(e.contains("line 11: 1 channels"), "{e}");
        assert!(e.contains("@dimensions says 2"), "{e}");
        let e = error("@classLabel true a\n@data\n1:2:a\n1:a\n");
        assert!(e.contains("line 4: 1 channels"), "{e}");
        assert!(e.contains("first case (line 3) has 2"), "{e}");
    }

    #[test]
    fn non_numeric_value_is_refused_without_echoing_it() {
        let e = error(&format!("{HEADER}1,2,3:4,72kg,6:no\n"));
        assert!(e.contains("line 11: channel 2, value 2: not a finite number"), "{e}");
        assert!(!e.contains("72kg"));
        let e = error(&format!("{HEADER}1,,3:4,5,6:no\n"));
        assert!(e.contains("channel 1, value 2"), "{e}");
    }

    #[test]
    fn timestamps_and_regression_are_refused_clearly() {
        let e = error("@timeStamps true\n@classLabel true a\n@data\n(0,1),(1,2):a\n");
        assert!(e.contains("line 1: @timeStamps true is not supported"), "{e}");
        let e = error("@classLabel true a\n@data\n(0,1),(1,2):a\n");
        assert!(e.contains("timestamped"), "{e}");
        let e = error("@targetLabel true\n@data\n1,2:0.5\n");
        assert!(e.contains("line 1: @targetLabel (regression) is not supported"), "{e}");
        let e = error("@classLabel false\n@data\n1,2\n");
        assert!(e.contains("@classLabel false"), "{e}");
    }

    #[test]
    fn a_missing_value_policy_refuses_by_line_and_series() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "gappy.ts", &format!("{HEADER}1,?,3:4,5,6:no\n?,NaN,?:1,2,3:yes\n"));
        let e = read_ts_with(&p, MissingPolicy::Refuse).unwrap_err().to_string();
        assert!(e.contains("gappy.ts: line 11: series `gappy_1` has 1 missing values"), "{e}");
        let e = read_ts_with(&p, MissingPolicy::Interpolate).unwrap_err().to_string();
        assert!(e.contains("line 12: series `gappy_2`: channel 1 has no observed value"), "{e}");
        assert_eq!(read_ts(&p).unwrap().len(), 2, "the plain reader keeps missing values as NaN");
    }

    #[test]
    fn header_problems_are_refused() {
        assert!(error("@classLabel true a\n").contains("no @data line"));
        assert!(error("@classLabel true a\n@data\n").contains("no cases after @data"));
        assert!(error("@data\n1:a\n").contains("line 1: @data reached without @classLabel"));
        assert!(error("@classLabel true a a\n@data\n").contains("twice"));
        assert!(
            error("@seriesLength ten\n").contains("line 1: @seriesLength must be followed by a positive whole number")
        );
        assert!(error("@colour blue\n").contains("line 1: unknown header tag"));
        assert!(error("1,2:a\n").contains("line 1: data before the @data line"));
        assert!(error("@classLabel true a\n@data\n1:a\n@missing true\n").contains("line 4: header tag after @data"));
        assert!(error("@classLabel true a\n@data\n1,2\n").contains("line 3: no `:`"));
        assert!(error("@classLabel true a\n@data\n1:\n").contains("line 3: no class label"));
    }
}
