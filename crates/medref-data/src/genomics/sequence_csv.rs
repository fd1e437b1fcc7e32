//! Labelled sequences without coordinates: a `sequence,label` table
//! ([`read_sequence_csv`], e.g. the primate splice-junction set) and one
//! FASTA file per class ([`read_fasta_per_class`], e.g. bound peaks of one
//! factor against another, as in DeepBind-style data sets).
//!
//! Both return [`LabelledSequences`]: split them with
//! [`split_train_val_test`](medref_core::split::split_train_val_test) and
//! [`LabelledSequences::into_dataset`]. A model needs one input length,
//! so every sequence must have the length of the first, unless
//! `pad_or_crop_to` asks for centre cropping / `N` padding
//! ([`pad_or_crop`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::encode::{describe_byte, normalise_sequence, EXPECTED_BASES};
use super::fasta::read_fasta;
use super::input::open_text;
use super::sequence::{class_indices, pad_or_crop, LabelledSequences, SequenceSplit};
use crate::error::DataError;

/// Which columns of a sequence table to read, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceCsvOptions {
    /// Header name of the column holding the bases (default `sequence`).
    pub sequence_column: String,
    /// Header names of the label columns (default `["label"]`). One column:
    /// its text is the class (`ei`, `ie`, `n`). Several: multi-task, each
    /// column a task holding 0 or 1.
    pub label_columns: Vec<String>,
    /// Header name of an optional id column (default `id`); when the file
    /// has no such column, records are named `row1`, `row2`, ...
    pub id_column: Option<String>,
    /// Bring every sequence to this length (centre crop or `N` padding)
    /// instead of requiring one length.
    pub pad_or_crop_to: Option<usize>,
    /// Class names in index order for a single label column; default: the
    /// distinct labels sorted (numerically when all are integers).
    pub class_names: Option<Vec<String>>,
}

impl Default for SequenceCsvOptions {
    fn default() -> Self {
        Self {
            sequence_column: "sequence".into(),
            label_columns: vec!["label".into()],
            id_column: Some("id".into()),
            pad_or_crop_to: None,
            class_names: None,
        }
    }
}

/// Checks sequence lengths against the first record's (or brings them to
/// `pad_or_crop_to`), naming the offending record and both lengths.
struct LengthRule {
    target: Option<usize>,
    first: Option<(usize, String)>,
}

impl LengthRule {
    fn new(target: Option<usize>) -> Self {
        Self { target, first: None }
    }

    /// The sequence to store, or the error detail.
    fn apply(&mut self, seq: Vec<u8>, describe: impl Fn() -> String) -> Result<Vec<u8>, String> {
        if let Some(len) = self.target {
            return Ok(if seq.len() == len { seq } else { pad_or_crop(&seq, len) });
        }
        match &self.first {
            None => {
                self.first = Some((seq.len(), describe()));
                Ok(seq)
            }
            Some((len, _)) if *len == seq.len() => Ok(seq),
            Some((len, first)) => Err(format!(
                "sequence is {} bp but the first one ({first}) is {len} bp; all sequences must \
                 have one length, or set pad_or_crop_to to centre-crop / pad with N",
                seq.len()
            )),
        }
    }

    fn seq_len(&self) -> usize {
        self.target.or(self.first.as_ref().map(|f| f.0)).unwrap_or(0)
    }
}

/// Reads a CSV of labelled sequences with a header line (plain or
/// bgzip-compressed); see
/// [`SequenceCsvOptions`] for the columns. Cells are trimmed; bases are
/// validated and folded to uppercase.
///
/// Errors name the file, the line and the column: a missing column (with
/// the header's columns listed), a row with a different number of fields,
/// an id already used on an earlier line, an empty or invalid sequence
/// (with the offending base), a sequence length that differs from the
/// first, a label outside `class_names`, a multi-task flag other than 0/1,
/// or a file without records.
pub fn read_sequence_csv(path: impl AsRef<Path>, options: &SequenceCsvOptions) -> Result<LabelledSequences, DataError> {
    let path = path.as_ref();
    if options.label_columns.is_empty() {
        return Err(DataError::format(path, "no label column named; give at least one"));
    }
    if options.pad_or_crop_to == Some(0) {
        return Err(DataError::format(path, "pad_or_crop_to is 0; give a positive length"));
    }
    let mut reader =
        csv::ReaderBuilder::new().has_headers(true).flexible(false).trim(csv::Trim::All).from_reader(open_text(path)?);
    let csv_error = |e: csv::Error| {
        let line = e.position().map(|p| p.line());
        let detail = match e.kind() {
            csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
                "{len} fields but the header has {expected_len} (a stray or missing comma? quote cells that hold commas)"
            ),
            csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
            _ => e.to_string(),
        };
        match line {
            Some(line) => DataError::format(path, format!("line {line}: {detail}")),
            None => DataError::format(path, detail),
        }
    };
    let header = reader.headers().map_err(csv_error)?.clone();
    if header.is_empty() || (header.len() == 1 && header[0].is_empty()) {
        return Err(DataError::format(path, "empty file; expected a header line such as `sequence,label`"));
    }
    let find = |name: &str| header.iter().position(|h| h == name);
    let missing = |name: &str| {
        DataError::format(
            path,
            format!(
                "line 1: no column `{name}` in the header (it has {}); name the columns to read",
                header.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", ")
            ),
        )
    };
    let seq_col = find(&options.sequence_column).ok_or_else(|| missing(&options.sequence_column))?;
    let label_cols =
        options.label_columns.iter().map(|n| find(n).ok_or_else(|| missing(n))).collect::<Result<Vec<_>, _>>()?;
    let id_col = options.id_column.as_deref().and_then(find);
    let multi_task = label_cols.len() > 1;

    let mut lengths = LengthRule::new(options.pad_or_crop_to);
    let mut records = SequenceSplit::default();
    let mut text_labels: Vec<String> = Vec::new();
    let mut lines: Vec<usize> = Vec::new();
    let mut id_lines: HashMap<String, usize> = HashMap::new();
    for (row, result) in reader.records().enumerate() {
        let record = result.map_err(csv_error)?;
        let line = record.position().map_or(row + 2, |p| p.line() as usize);
        let id = match id_col {
            Some(c) => record[c].to_string(),
            None => format!("row{}", row + 1),
        };
        if id_col.is_some() {
            if let Some(first) = id_lines.insert(id.clone(), line) {
                return Err(DataError::format(
                    path,
                    format!(
                        "line {line}, column `{}`: id `{id}` is also the id on line {first}; ids must be unique \
                         (predictions and splits are keyed by them)",
                        options.id_column.as_deref().unwrap_or_default()
                    ),
                ));
            }
        }
        let mut seq = record[seq_col].as_bytes().to_vec();
        if seq.is_empty() {
            return Err(DataError::format(
                path,
                format!("line {line}, column `{}`: empty sequence", options.sequence_column),
            ));
        }
        if let Err((k, b)) = normalise_sequence(&mut seq) {
            return Err(DataError::format(
                path,
                format!(
                    "line {line}, column `{}`: {} at base {} of record `{id}` is not a nucleotide code ({EXPECTED_BASES})",
                    options.sequence_column,
                    describe_byte(b),
                    k + 1
                ),
            ));
        }
        let seq = lengths
            .apply(seq, || format!("record `{id}`, line {line}"))
            .map_err(|d| DataError::format(path, format!("line {line} (record `{id}`): {d}")))?;
        let mut flags = Vec::with_capacity(label_cols.len());
        if multi_task {
            for (&c, name) in label_cols.iter().zip(&options.label_columns) {
                match &record[c] {
                    "0" => flags.push(0),
                    "1" => flags.push(1),
                    other => {
                        return Err(DataError::format(
                            path,
                            format!(
                            "line {line}, column `{name}`: `{other}` is not 0 or 1 (multi-task labels are 0/1 flags)"
                        ),
                        ))
                    }
                }
            }
        } else {
            let label = &record[label_cols[0]];
            if label.is_empty() {
                return Err(DataError::format(
                    path,
                    format!("line {line}, column `{}`: empty label", options.label_columns[0]),
                ));
            }
            text_labels.push(label.to_string());
            flags.push(0);
        }
        records.push(id, &seq, &flags);
        lines.push(line);
    }
    if records.n == 0 {
        return Err(DataError::format(path, "no records after the header line"));
    }
    let class_names = if multi_task {
        options.label_columns.clone()
    } else {
        let (names, indices) = class_indices(&text_labels, options.class_names.as_deref()).map_err(|i| {
            DataError::format(
                path,
                format!(
                    "line {}, column `{}`: label `{}` is not one of the classes {:?}",
                    lines[i],
                    options.label_columns[0],
                    text_labels[i],
                    options.class_names.as_deref().unwrap_or_default()
                ),
            )
        })?;
        records.labels = indices;
        names
    };
    Ok(LabelledSequences { seq_len: lengths.seq_len(), label_width: label_cols.len(), class_names, records })
}

/// Reads one FASTA file per class (`files[i] = (class name, path)`; class
/// `i` is the i-th pair), e.g. `[("unbound", "ctcf_neg.fa"), ("bound",
/// "ctcf_pos.fa")]`. Ids are the FASTA record names.
///
/// Errors name the file and the record's line: anything
/// [`read_fasta`] refuses, a file without records, a class named twice,
/// or a sequence length that differs from the first record's (unless
/// `pad_or_crop_to` is given).
pub fn read_fasta_per_class(
    files: &[(String, PathBuf)],
    pad_or_crop_to: Option<usize>,
) -> Result<LabelledSequences, DataError> {
    let mut seen: HashMap<&str, &Path> = HashMap::new();
    let mut lengths = LengthRule::new(pad_or_crop_to);
    let mut records = SequenceSplit::default();
    for (class, (name, path)) in files.iter().enumerate() {
        if let Some(first) = seen.insert(name.as_str(), path) {
            return Err(DataError::format(
                path,
                format!("class `{name}` is also given for {}; name each class once", first.display()),
            ));
        }
        if pad_or_crop_to == Some(0) {
            return Err(DataError::format(path, "pad_or_crop_to is 0; give a positive length"));
        }
        let fasta = read_fasta(path)?;
        if fasta.is_empty() {
            return Err(DataError::format(path, format!("no FASTA records for class `{name}`")));
        }
        for r in fasta {
            if r.sequence.is_empty() {
                return Err(DataError::format(path, format!("line {}: record `{}` has no bases", r.line, r.id)));
            }
            let describe = || format!("record `{}` of {}, line {}", r.id, path.display(), r.line);
            let seq = lengths
                .apply(r.sequence, describe)
                .map_err(|d| DataError::format(path, format!("line {} (record `{}`): {d}", r.line, r.id)))?;
            records.push(r.id, &seq, &[class as u32]);
        }
    }
    Ok(LabelledSequences {
        seq_len: lengths.seq_len(),
        label_width: 1,
        class_names: files.iter().map(|(n, _)| n.clone()).collect(),
        records,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn reads_sequence_label_csv_with_and_without_ids() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "a.csv", "id,sequence,label\nx1,acgt,pos\nx2, TTNA ,neg\n");
        let s = read_sequence_csv(&p, &SequenceCsvOptions::default()).unwrap();
        assert_eq!((s.seq_len, s.label_width), (4, 1));
        assert_eq!(s.records.ids, ["x1", "x2"]);
        assert_eq!(s.records.sequences, b"ACGTTTNA");
        assert_eq!(s.class_names, ["neg", "pos"]);
        assert_eq!(s.records.labels, [1, 0]);
        let p = write(dir.path(), "b.csv", "seq,class\nAC,n\nGT,ei\n");
        let opts = SequenceCsvOptions {
            sequence_column: "seq".into(),
            label_columns: vec!["class".into()],
            class_names: Some(vec!["n".into(), "ei".into()]),
            ..Default::default()
        };
        let s = read_sequence_csv(&p, &opts).unwrap();
        assert_eq!(s.records.ids, ["row1", "row2"]);
        assert_eq!(s.records.labels, [0, 1]);
    }

    #[test]
    fn multi_task_columns_and_padding() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "m.csv", "sequence,ctcf,rad21\nACGTAC,1,0\nAC,0,1\n");
        let opts = SequenceCsvOptions {
            label_columns: vec!["ctcf".into(), "rad21".into()],
            pad_or_crop_to: Some(4),
            ..Default::default()
        };
        let s = read_sequence_csv(&p, &opts).unwrap();
        assert_eq!((s.seq_len, s.label_width), (4, 2));
        assert_eq!(s.records.sequences, b"CGTANACN");
        assert_eq!(s.records.labels, [1, 0, 0, 1]);
        assert_eq!(s.class_names, ["ctcf", "rad21"]);
        assert_eq!(s.class_counts(), [1, 1]);
    }

    #[test]
    fn csv_errors_name_line_column_and_lengths() {
        let dir = tempfile::tempdir().unwrap();
        let o = SequenceCsvOptions::default();
        let cases = [
            (
                "sequence,label\nACGT,a\nACG,b\n",
                "line 3 (record `row2`): sequence is 3 bp but the first one (record `row1`, line 2) is 4 bp",
            ),
            ("sequence,label\nAC@T,a\n", "line 2, column `sequence`: `@` at base 3"),
            ("sequence,label\nACGT,a,extra\n", "line 2: 3 fields but the header has 2"),
            ("seq,label\nACGT,a\n", "no column `sequence` in the header (it has `seq`, `label`)"),
            ("sequence,label\n,a\n", "line 2, column `sequence`: empty sequence"),
            ("sequence,label\nACGT,\n", "line 2, column `label`: empty label"),
            ("sequence,label\n", "no records"),
            ("", "empty file"),
        ];
        for (i, (text, want)) in cases.iter().enumerate() {
            let p = write(dir.path(), &format!("c{i}.csv"), text);
            let e = read_sequence_csv(&p, &o).unwrap_err().to_string();
            assert!(e.starts_with(&p.display().to_string()), "{e}");
            assert!(e.contains(want), "{e}\n  should contain: {want}");
        }
        let p = write(dir.path(), "k.csv", "sequence,label\nACGT,maybe\n");
        let o2 = SequenceCsvOptions { class_names: Some(vec!["yes".into(), "no".into()]), ..Default::default() };
        let e = read_sequence_csv(&p, &o2).unwrap_err().to_string();
        assert!(e.contains("line 2, column `label`: label `maybe`"), "{e}");
    }

    #[test]
    fn one_fasta_per_class() {
        let dir = tempfile::tempdir().unwrap();
        let neg = write(dir.path(), "neg.fa", ">n1\nACGT\n>n2\nTTTT\n");
        let pos = write(dir.path(), "pos.fa", ">p1\nGGGG\n");
        let files = vec![("unbound".to_string(), neg.clone()), ("bound".to_string(), pos.clone())];
        let s = read_fasta_per_class(&files, None).unwrap();
        assert_eq!(s.records.ids, ["n1", "n2", "p1"]);
        assert_eq!(s.records.labels, [0, 0, 1]);
        assert_eq!(s.class_names, ["unbound", "bound"]);
        let long = write(dir.path(), "long.fa", ">p1\nGGGG\n>p2\nGGGGGG\n");
        let files = vec![("unbound".to_string(), neg.clone()), ("bound".to_string(), long.clone())];
        let e = read_fasta_per_class(&files, None).unwrap_err().to_string();
        assert!(e.starts_with(&long.display().to_string()), "{e}");
        assert!(
            e.contains("line 3 (record `p2`): sequence is 6 bp") && e.contains("`n1`") && e.contains("is 4 bp"),
            "{e}"
        );
        let s = read_fasta_per_class(&files, Some(2)).unwrap();
        assert_eq!(s.records.sequence(3, 2), b"GG");
        let twice = vec![("a".to_string(), neg.clone()), ("a".to_string(), pos)];
        assert!(read_fasta_per_class(&twice, None).unwrap_err().to_string().contains("class `a`"));
    }
}
