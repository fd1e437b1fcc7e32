//! CSV and Parquet through polars, into a [`RawTable`].
//!
//! polars infers each column's type; a column it reads as text although
//! nearly every cell is a number almost always hides a typo in one cell, so
//! [`read_table`] reports that cell's line instead of silently turning a
//! measurement into a category.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::table::{Column, ColumnData, RawTable};
use crate::TableError;

/// How a delimited text file is laid out; the defaults read an ordinary CSV
/// with a header line.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvLayout {
    /// Lines to skip before the header (or the first row without a header).
    pub skip_lines: usize,
    /// Whether the first (unskipped) line names the columns. Without a
    /// header polars names them `column_1`, `column_2`, ...
    pub has_header: bool,
    /// Field separator.
    pub separator: u8,
}

impl Default for CsvLayout {
    fn default() -> Self {
        Self { skip_lines: 0, has_header: true, separator: b',' }
    }
}

/// Cell texts that mean "not measured" in clinical exports.
const MISSING_MARKERS: [&str; 5] = ["", "NA", "N/A", "NaN", "?"];

/// Reads a `.csv`/`.tsv`/`.txt` (delimited text), `.parquet` or `.arff`
/// file, chosen by extension.
pub fn read_table(path: &Path, layout: &CsvLayout) -> Result<RawTable, TableError> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    if !path.is_file() {
        return Err(TableError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    match ext.as_deref() {
        Some("arff") => crate::arff::read_arff(path),
        Some("parquet" | "pq") => from_frame(read_parquet(path)?, path, 0, true),
        Some("tsv" | "tab") => read_delimited(path, &CsvLayout { separator: b'\t', ..layout.clone() }),
        _ => read_delimited(path, layout),
    }
}

fn polars_error(path: &Path, e: PolarsError) -> TableError {
    // polars messages can quote a cell; keep only the first line, which names
    // the problem, and never more than a short prefix of it.
    let msg = e.to_string();
    let first = msg.lines().next().unwrap_or("unreadable").chars().take(160).collect::<String>();
    TableError::format(path, "", format!("not a readable table ({first})"))
}

fn read_delimited(path: &Path, layout: &CsvLayout) -> Result<RawTable, TableError> {
    refuse_utf16(path)?;
    let nulls = NullValues::AllColumns(MISSING_MARKERS.iter().map(|s| PlSmallStr::from(*s)).collect());
    let parse = CsvParseOptions::default().with_separator(layout.separator).with_null_values(Some(nulls));
    let options = CsvReadOptions::default()
        .with_has_header(layout.has_header)
        .with_skip_rows(layout.skip_lines)
        .with_infer_schema_length(None)
        .with_parse_options(parse);
    let path_buf = PathBuf::from(path);
    let frame = guarded(path, || options.try_into_reader_with_file_path(Some(path_buf)).and_then(|r| r.finish()))
        .map_err(|e| match locate_text_problem(path, layout) {
            Some((line, detail)) => TableError::format(path, format!("line {line}"), detail),
            None => e,
        })?;
    if layout.has_header {
        refuse_duplicate_names(&frame, path, layout.skip_lines + 1)?;
    }
    let header_lines = layout.skip_lines + usize::from(layout.has_header);
    from_frame(frame, path, header_lines, false)
}

/// UTF-16 text (what Windows tools save as "Unicode") reads as garbage
/// column names rather than failing, so it is caught by its byte-order mark.
fn refuse_utf16(path: &Path) -> Result<(), TableError> {
    use std::io::Read;
    let mut head = [0u8; 2];
    let mut file = std::fs::File::open(path).map_err(|source| TableError::Io { path: path.to_path_buf(), source })?;
    let n = file.read(&mut head).map_err(|source| TableError::Io { path: path.to_path_buf(), source })?;
    if n == 2 && (head == [0xFF, 0xFE] || head == [0xFE, 0xFF]) {
        return Err(TableError::format(
            path,
            "line 1",
            "the file is UTF-16 text; save it as UTF-8 (in Excel: \"CSV UTF-8\")",
        ));
    }
    Ok(())
}

/// polars renames a repeated header name `x` to `x_duplicated_0`; two
/// columns with one name are a broken export, not two measurements.
fn refuse_duplicate_names(frame: &DataFrame, path: &Path, header_line: usize) -> Result<(), TableError> {
    let names: Vec<&str> = frame.get_column_names().into_iter().map(|n| n.as_str()).collect();
    for name in &names {
        if let Some(i) = name.rfind("_duplicated_") {
            let base = &name[..i];
            if names.contains(&base) {
                return Err(TableError::format(
                    path,
                    format!("line {header_line}"),
                    format!("column \"{base}\" is named more than once in the header; column names must be unique"),
                ));
            }
        }
    }
    Ok(())
}

/// polars says what is wrong with a delimited file but not where: finds the
/// first line that is not UTF-8 or whose record has another number of
/// fields than the first (quotes may hold separators and line breaks).
/// Reads the file again; only called once polars has refused it.
fn locate_text_problem(path: &Path, layout: &CsvLayout) -> Option<(usize, String)> {
    let bytes = std::fs::read(path).ok()?;
    let mut expected: Option<usize> = None;
    let mut fields = 1;
    let mut in_quotes = false;
    let mut record_line = layout.skip_lines + 1;
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let number = i + 1;
        if std::str::from_utf8(line).is_err() {
            return Some((number, "not UTF-8 text; save the file as UTF-8".to_string()));
        }
        if number <= layout.skip_lines {
            continue;
        }
        if !in_quotes {
            record_line = number;
            fields = 1;
            if line.iter().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
        }
        for &b in line {
            if b == b'"' {
                in_quotes = !in_quotes;
            } else if b == layout.separator && !in_quotes {
                fields += 1;
            }
        }
        if in_quotes {
            continue;
        }
        match expected {
            None => expected = Some(fields),
            Some(want) if want != fields => {
                let first = if layout.has_header { "the header" } else { "the first row" };
                return Some((
                    record_line,
                    format!("{fields} fields but {first} has {want} (a stray or missing separator?)"),
                ));
            }
            Some(_) => {}
        }
    }
    None
}

fn read_parquet(path: &Path) -> Result<DataFrame, TableError> {
    let file = std::fs::File::open(path).map_err(|source| TableError::Io { path: path.to_path_buf(), source })?;
    guarded(path, || ParquetReader::new(file).finish())
}

/// Runs a polars call, turning its errors (and, as a last resort, a panic
/// inside polars on a malformed file) into a [`TableError`] naming the file.
fn guarded<T>(path: &Path, f: impl FnOnce() -> PolarsResult<T>) -> Result<T, TableError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(polars_error(path, e)),
        Err(_) => Err(TableError::format(path, "", "not a readable table (the reader gave up on malformed content)")),
    }
}

/// Converts polars columns; `header_lines` turns a row index into the
/// file's line number for errors (0 for binary formats, which report rows).
fn from_frame(frame: DataFrame, path: &Path, header_lines: usize, binary: bool) -> Result<RawTable, TableError> {
    let mut columns = Vec::with_capacity(frame.width());
    for col in frame.columns() {
        let name = col.name().to_string();
        let where_ = format!("column \"{name}\"");
        let dtype = col.dtype().clone();
        let data = if dtype.is_primitive_numeric() || dtype == DataType::Boolean {
            let cast = col.cast(&DataType::Float64).map_err(|e| polars_error(path, e))?;
            let values = cast.f64().map_err(|e| polars_error(path, e))?;
            if let Some(row) = values.iter().position(|v| v.is_some_and(f64::is_infinite)) {
                let location =
                    if binary { format!("row {}", row + 1) } else { format!("line {}", row + 1 + header_lines) };
                return Err(TableError::format(
                    path,
                    format!("{location}, {where_}"),
                    "not a finite number (an infinity); fix the cell or mark it missing (empty, NA)",
                ));
            }
            ColumnData::Numeric(values.iter().map(|v| v.filter(|x| !x.is_nan())).collect())
        } else if dtype == DataType::String {
            let values = col.str().map_err(|e| polars_error(path, e))?;
            let cells: Vec<Option<String>> = values.iter().map(|v| v.map(str::to_string)).collect();
            mostly_numeric(&cells, path, &where_, header_lines, binary)?;
            ColumnData::Text(cells)
        } else if dtype == DataType::Null {
            ColumnData::Numeric(vec![None; frame.height()])
        } else {
            let cast = col.cast(&DataType::String).map_err(|e| polars_error(path, e))?;
            let values = cast.str().map_err(|e| polars_error(path, e))?;
            ColumnData::Text(values.iter().map(|v| v.map(str::to_string)).collect())
        };
        columns.push(Column { name, data, categories: Vec::new() });
    }
    Ok(RawTable { columns })
}

/// A text column whose cells are numbers except for a few is a numeric
/// column with a typo: name the first bad cell's line (never its content).
fn mostly_numeric(
    cells: &[Option<String>],
    path: &Path,
    column: &str,
    header_lines: usize,
    binary: bool,
) -> Result<(), TableError> {
    let present: Vec<(usize, &str)> =
        cells.iter().enumerate().filter_map(|(i, c)| c.as_deref().map(|c| (i, c))).collect();
    // `inf` parses as a number but is no measurement.
    let finite = |c: &str| c.trim().parse::<f64>().is_ok_and(f64::is_finite);
    let bad: Vec<usize> = present.iter().filter(|(_, c)| !finite(c)).map(|(i, _)| *i).collect();
    if present.len() >= 5 && !bad.is_empty() && bad.len() * 20 <= present.len() {
        let row = bad[0];
        let location = if binary { format!("row {}", row + 1) } else { format!("line {}", row + 1 + header_lines) };
        let what = if cells[row].as_deref().is_some_and(|c| c.trim().parse::<f64>().is_ok()) {
            "not a finite number"
        } else {
            "not a number"
        };
        return Err(TableError::format(
            path,
            format!("{location}, {column}"),
            format!(
                "{what}, although {} of the column's {} other cells are ({} such cell(s) in all); fix the cell or mark it missing (empty, NA)",
                present.len() - bad.len(),
                present.len() - 1,
                bad.len()
            ),
        ));
    }
    Ok(())
}

/// Writes `table` as CSV with a header (for generated fixtures and
/// `data generalise`); missing cells are empty fields.
pub fn write_csv(table: &RawTable) -> String {
    let mut out = String::new();
    let quote =
        |s: &str| if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() };
    out.push_str(&table.columns.iter().map(|c| quote(&c.name)).collect::<Vec<_>>().join(","));
    out.push('\n');
    for row in 0..table.n_rows() {
        let cells: Vec<String> =
            table.columns.iter().map(|c| c.data.text_at(row).map(|s| quote(&s)).unwrap_or_default()).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn reads_numbers_text_and_missing_cells() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "t.csv", "age,sex,score\n61,F,1.5\n,M,NA\n70,,2\n");
        let t = read_table(&p, &CsvLayout::default()).unwrap();
        assert_eq!(t.names(), ["age", "sex", "score"]);
        assert_eq!(t.column("age").unwrap().data, ColumnData::Numeric(vec![Some(61.0), None, Some(70.0)]));
        assert_eq!(t.column("sex").unwrap().data, ColumnData::Text(vec![Some("F".into()), Some("M".into()), None]));
        assert_eq!(t.column("score").unwrap().data, ColumnData::Numeric(vec![Some(1.5), None, Some(2.0)]));
    }

    #[test]
    fn headerless_file_after_a_skipped_line_gets_numbered_columns() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "t.csv", "3,2,a,b\n1.0,2.0,0\n3.0,4.0,1\n");
        let t = read_table(&p, &CsvLayout { skip_lines: 1, has_header: false, separator: b',' }).unwrap();
        assert_eq!(t.names(), ["column_1", "column_2", "column_3"]);
        assert_eq!(t.n_rows(), 2);
    }

    #[test]
    fn a_typo_in_a_numeric_column_names_its_line_but_not_its_value() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::from("id,glucose\n");
        for i in 0..30 {
            text.push_str(&format!("{i},{}\n", if i == 17 { "53x".to_string() } else { format!("{}.5", 90 + i) }));
        }
        let p = write(&dir, "labs.csv", &text);
        let msg = read_table(&p, &CsvLayout::default()).unwrap_err().to_string();
        assert!(msg.contains("labs.csv: line 19, column \"glucose\": not a number"), "{msg}");
        assert!(!msg.contains("53x"), "{msg}");
    }

    #[test]
    fn a_missing_file_and_a_binary_file_are_errors_not_panics() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.csv");
        assert!(read_table(&missing, &CsvLayout::default()).unwrap_err().to_string().contains("nope.csv"));
        let p = dir.path().join("bad.parquet");
        std::fs::write(&p, b"PAR1\x00\x01garbage").unwrap();
        let msg = read_table(&p, &CsvLayout::default()).unwrap_err().to_string();
        assert!(msg.contains("bad.parquet"), "{msg}");
    }

    #[test]
    fn parquet_columns_arrive_typed_with_nulls() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("visits.parquet");
        let mut df = df!(
            "age" => [Some(61i64), None, Some(70)],
            "sex" => [Some("F"), Some("M"), None],
            "lactate" => [Some(1.5f64), Some(f64::NAN), Some(2.0)],
            "flag" => [true, false, true]
        )
        .unwrap();
        ParquetWriter::new(std::fs::File::create(&p).unwrap()).finish(&mut df).unwrap();
        let t = read_table(&p, &CsvLayout::default()).unwrap();
        assert_eq!(t.column("age").unwrap().data, ColumnData::Numeric(vec![Some(61.0), None, Some(70.0)]));
        assert_eq!(t.column("sex").unwrap().data, ColumnData::Text(vec![Some("F".into()), Some("M".into()), None]));
        // NaN in a float column is a missing measurement.
        assert_eq!(t.column("lactate").unwrap().data, ColumnData::Numeric(vec![Some(1.5), None, Some(2.0)]));
        assert_eq!(t.column("flag").unwrap().data, ColumnData::Numeric(vec![Some(1.0), Some(0.0), Some(1.0)]));
    }

    #[test]
    fn csv_round_trip_keeps_cells() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "t.csv", "a,b\n1,\"x, y\"\n2.5,\n");
        let t = read_table(&p, &CsvLayout::default()).unwrap();
        let q = write(&dir, "u.csv", &write_csv(&t));
        assert_eq!(read_table(&q, &CsvLayout::default()).unwrap(), t);
    }
}
