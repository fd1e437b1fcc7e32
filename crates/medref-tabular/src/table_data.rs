//! `format = "table"`: a clinical table (CSV, TSV, Parquet or ARFF) read
//! into a [`TabularDataset`]: the outcome (a label column, or an event by a
//! survival horizon), a patient-respecting split, and the features.

use crate::dataset::{
    build_dataset, class_order, column, RawTargets, Roles, SourceRows, TabularDataset, TabularRecipe,
};
use crate::sections::TableSection;
use crate::split::{check_groups_disjoint, group_split};
use crate::{read_table, ColumnData, CsvLayout, FeatureSpec, RawTable, TableError};
use medref_core::config::Task;
use medref_core::split::{split_train_val_test, SplitIndices};
use std::collections::BTreeMap;
use std::path::Path;

/// The per-row outcome of a table: a class name or a number, `None` for rows
/// that carry no usable outcome (missing, or censored before the horizon).
enum Outcomes {
    Classes(Vec<Option<String>>),
    Values(Vec<Option<f64>>),
    /// Follow-up time and event per row; `None` where either is missing.
    Survival(Vec<Option<(f64, bool)>>),
}

/// Reads the outcome of every row of `table`.
fn outcomes(
    d: &TableSection,
    table: &RawTable,
    path: &Path,
    report: &mut BTreeMap<String, usize>,
) -> Result<Outcomes, TableError> {
    let numeric = |name: &str| -> Result<Vec<Option<f64>>, TableError> {
        match &column(table, name, path)?.data {
            ColumnData::Numeric(v) => Ok(v.clone()),
            ColumnData::Text(v) => binary_codes(v).ok_or_else(|| {
                TableError::format(
                    path,
                    format!("column \"{name}\""),
                    "must be numeric (or a 0/1, false/true, no/yes category)",
                )
            }),
        }
    };
    if let (Some(s), Task::Survival) = (&d.survival, d.task) {
        // Time to event: every patient with a time and an event indicator
        // counts, the censored ones too (the partial likelihood uses them
        // while they are at risk).
        let time = numeric(&s.time)?;
        let event = numeric(&s.event)?;
        let mut rows = Vec::with_capacity(time.len());
        for (row, (t, e)) in time.iter().zip(&event).enumerate() {
            rows.push(match (t, e) {
                (Some(_), Some(e)) if *e != 0.0 && *e != 1.0 => {
                    return Err(TableError::format(
                        path,
                        format!("data row {}, column \"{}\"", row + 1, s.event),
                        "the event indicator must be 0 (censored) or 1 (event)",
                    ))
                }
                (Some(t), _) if *t < 0.0 => {
                    return Err(TableError::format(
                        path,
                        format!("data row {}, column \"{}\"", row + 1, s.time),
                        "a follow-up time cannot be negative",
                    ))
                }
                (Some(t), Some(e)) => Some((*t, *e == 1.0)),
                _ => {
                    *report.entry("missing_outcome".into()).or_default() += 1;
                    None
                }
            });
        }
        let censored = rows.iter().flatten().filter(|(_, e)| !e).count();
        report.insert("censored_kept".into(), censored);
        return Ok(Outcomes::Survival(rows));
    }
    if let Some(s) = &d.survival {
        let time = numeric(&s.time)?;
        let event = numeric(&s.event)?;
        let mut labels = Vec::with_capacity(time.len());
        for (row, (t, e)) in time.iter().zip(&event).enumerate() {
            labels.push(match (t, e) {
                (Some(t), Some(e)) if *e != 0.0 && *e != 1.0 => {
                    return Err(TableError::format(
                        path,
                        format!("data row {}, column \"{}\"", row + 1, s.event),
                        "the event indicator must be 0 (censored) or 1 (event)",
                    ))
                }
                (Some(t), Some(e)) if *e == 1.0 && *t <= s.horizon => Some("event".to_string()),
                (Some(t), Some(_)) if *t >= s.horizon => Some("event_free".to_string()),
                (Some(_), Some(_)) => {
                    *report.entry("censored_before_horizon".into()).or_default() += 1;
                    None
                }
                _ => {
                    *report.entry("missing_outcome".into()).or_default() += 1;
                    None
                }
            });
        }
        return Ok(Outcomes::Classes(labels));
    }
    let name = d.label.as_deref().expect("validated: label or survival");
    let col = column(table, name, path)?;
    let out = match (d.task, &col.data) {
        (Task::Regression, ColumnData::Numeric(v)) => Outcomes::Values(v.clone()),
        (Task::Regression, ColumnData::Text(_)) => {
            return Err(TableError::format(path, format!("column \"{name}\""), "a regression target must be numeric"))
        }
        (Task::Classification, data) => Outcomes::Classes((0..data.len()).map(|r| data.text_at(r)).collect()),
        (Task::Survival, _) => {
            return Err(TableError::format(
                path,
                "",
                "task = \"survival\" reads [data.survival] (time and event columns), not a label",
            ))
        }
    };
    let missing = match &out {
        Outcomes::Classes(v) => v.iter().filter(|x| x.is_none()).count(),
        Outcomes::Values(v) => v.iter().filter(|x| x.is_none()).count(),
        Outcomes::Survival(v) => v.iter().filter(|x| x.is_none()).count(),
    };
    if missing > 0 {
        *report.entry("missing_outcome".into()).or_default() += missing;
    }
    Ok(out)
}

/// The feature columns of a table config: as listed, or every column that
/// plays no other role.
fn feature_columns(d: &TableSection, table: &RawTable) -> Vec<String> {
    if !d.features.is_empty() {
        return d.features.clone();
    }
    let mut reserved: Vec<&str> = d.exclude.iter().map(String::as_str).collect();
    reserved.extend(d.label.as_deref());
    // The subgroup column stays a feature (sex, age band): reporting by it
    // does not make it useless for prediction.
    reserved.extend([&d.id, &d.group, &d.split_column].into_iter().flatten().map(String::as_str));
    if let Some(s) = &d.survival {
        reserved.extend([s.time.as_str(), s.event.as_str()]);
    }
    table.names().into_iter().filter(|n| !reserved.contains(n)).map(str::to_string).collect()
}

/// Reads a `format = "table"` config's data; `path` replaces its main file.
pub fn load_table(d: &TableSection, seed: u64, path: Option<&Path>) -> Result<TabularDataset, TableError> {
    let main_path = path.unwrap_or(&d.path);
    let layout = CsvLayout { skip_lines: d.skip_lines, has_header: d.header, ..CsvLayout::default() };
    let main = read_table(main_path, &layout)?;
    let test_table = d.test_path.as_deref().map(|p| read_table(p, &layout)).transpose()?;
    let mut report = BTreeMap::new();
    report.insert("rows_read".into(), main.n_rows() + test_table.as_ref().map_or(0, RawTable::n_rows));
    if main.n_rows() == 0 {
        return Err(TableError::format(main_path, "", "the table has no rows"));
    }

    let main_out = outcomes(d, &main, main_path, &mut report)?;
    let test_out = match (&test_table, d.test_path.as_deref()) {
        (Some(t), Some(p)) => Some(outcomes(d, t, p, &mut report)?),
        _ => None,
    };
    let usable = |o: &Outcomes| -> Vec<usize> {
        match o {
            Outcomes::Classes(v) => (0..v.len()).filter(|&r| v[r].is_some()).collect(),
            Outcomes::Values(v) => (0..v.len()).filter(|&r| v[r].is_some()).collect(),
            Outcomes::Survival(v) => (0..v.len()).filter(|&r| v[r].is_some()).collect(),
        }
    };
    let main_rows = usable(&main_out);
    let class_names = match (&main_out, &test_out) {
        (Outcomes::Classes(m), t) => {
            let mut seen: Vec<String> = m.iter().flatten().cloned().collect();
            if let Some(Outcomes::Classes(t)) = t {
                seen.extend(t.iter().flatten().cloned());
            }
            // A survival outcome's positive class is the event a clinician
            // screens for, so sensitivity and PPV speak of it.
            let positive = d.positive.as_deref().or(d.survival.as_ref().map(|_| "event"));
            class_order(seen, positive, main_path)?
        }
        _ => Vec::new(),
    };
    let class_of = |name: &str| class_names.iter().position(|c| c == name).unwrap_or(0) as u32;

    // Strata for the random split: the class, or nothing for regression.
    let strata: Vec<u32> = match &main_out {
        Outcomes::Classes(v) => main_rows.iter().map(|&r| class_of(v[r].as_deref().unwrap_or(""))).collect(),
        Outcomes::Values(_) => vec![0; main_rows.len()],
        // Events and censored patients in every split in proportion.
        Outcomes::Survival(v) => main_rows.iter().map(|&r| v[r].map_or(0, |(_, e)| u32::from(e))).collect(),
    };
    let groups: Option<Vec<String>> = d
        .group
        .as_deref()
        .map(|g| -> Result<Vec<String>, TableError> {
            let col = column(&main, g, main_path)?;
            Ok(main_rows.iter().map(|&r| col.data.text_at(r).unwrap_or_else(|| format!("\u{0}row{r}"))).collect())
        })
        .transpose()?;
    let test_fraction = if test_table.is_some() { 0.0 } else { d.test_fraction };
    let fractions = [1.0 - d.val_fraction - test_fraction, d.val_fraction, test_fraction];
    let local: SplitIndices = if let Some(split_col) = &d.split_column {
        let col = column(&main, split_col, main_path)?;
        let mut s = SplitIndices::default();
        for (k, &r) in main_rows.iter().enumerate() {
            match col.data.text_at(r).as_deref().map(str::trim) {
                Some("train") => s.train.push(k),
                Some("val") | Some("valid") | Some("validation") => s.val.push(k),
                Some("test") => s.test.push(k),
                _ => {
                    return Err(TableError::format(
                        main_path,
                        format!("data row {}, column \"{split_col}\"", r + 1),
                        "must be `train`, `val` or `test`",
                    ))
                }
            }
        }
        if let Some(g) = &groups {
            check_groups_disjoint(g, &s).map_err(|m| TableError::Mismatch(format!("{}: {m}", main_path.display())))?;
        }
        s
    } else if let Some(g) = &groups {
        group_split(g, fractions, seed)
    } else {
        split_train_val_test(&strata, 1, d.val_fraction, test_fraction, seed).map_err(TableError::Mismatch)?
    };
    let pick = |idx: &[usize]| idx.iter().map(|&k| main_rows[k]).collect::<Vec<usize>>();
    let train_rows = pick(&local.train);
    let val_rows = pick(&local.val);
    let (test_src_table, test_src_path, test_rows) = match (&test_table, &test_out) {
        (Some(t), Some(o)) => (t, d.test_path.as_deref().unwrap_or(main_path), usable(o)),
        _ => (&main, main_path, pick(&local.test)),
    };
    if let (Some(g), Some(t)) = (&d.group, &test_table) {
        let train_ids: std::collections::BTreeSet<String> =
            main_rows.iter().filter_map(|&r| main.column(g).and_then(|c| c.data.text_at(r))).collect();
        let col = column(t, g, test_src_path)?;
        let shared =
            test_rows.iter().filter(|&&r| col.data.text_at(r).is_some_and(|id| train_ids.contains(&id))).count();
        if shared > 0 {
            return Err(TableError::Mismatch(format!(
                "{}: {shared} test row(s) belong to a group (column \"{g}\") that also appears in {}; every row of a patient must be in one split",
                test_src_path.display(),
                main_path.display()
            )));
        }
    }

    let spec =
        FeatureSpec { columns: feature_columns(d, &main), categorical: d.categorical.clone(), unscaled: Vec::new() };
    if spec.columns.is_empty() {
        return Err(TableError::format(
            main_path,
            "",
            "no feature columns are left after removing the label, id and excluded columns",
        ));
    }
    let sources = [
        SourceRows { table: &main, path: main_path, rows: train_rows },
        SourceRows { table: &main, path: main_path, rows: val_rows },
        SourceRows { table: test_src_table, path: test_src_path, rows: test_rows },
    ];
    let outcome_of = |src: &SourceRows| -> &Outcomes {
        if std::ptr::eq(src.table, &main) {
            &main_out
        } else {
            test_out.as_ref().unwrap_or(&main_out)
        }
    };
    let roles = Roles { id: d.id.as_deref(), subgroup: d.subgroup.as_deref() };
    build_dataset(
        &spec,
        &sources,
        |src, rows| targets_for(outcome_of(src), rows, &class_names),
        roles,
        report,
        class_names.clone(),
        d.task,
    )
}

fn targets_for(out: &Outcomes, rows: &[usize], class_names: &[String]) -> RawTargets {
    match out {
        Outcomes::Classes(v) => RawTargets::Classes(
            rows.iter().map(|&r| class_names.iter().position(|c| Some(c) == v[r].as_ref()).unwrap_or(0)).collect(),
        ),
        Outcomes::Values(v) => RawTargets::Values(rows.iter().map(|&r| v[r].unwrap_or(f64::NAN)).collect()),
        Outcomes::Survival(v) => {
            RawTargets::Survival(rows.iter().map(|&r| v[r].unwrap_or((f64::NAN, false))).collect())
        }
    }
}

/// Features of new rows for `predict`: reads `input` as the config's table
/// layout and applies the saved transform. Returns row ids and row-major
/// `[n, n_features]` features.
pub fn predict_table_features(
    d: &TableSection,
    recipe: &TabularRecipe,
    input: &Path,
) -> Result<(Vec<String>, Vec<f32>), TableError> {
    let layout = CsvLayout { skip_lines: d.skip_lines, has_header: d.header, ..CsvLayout::default() };
    let table = read_table(input, &layout)?;
    let rows: Vec<usize> = (0..table.n_rows()).collect();
    let ids = match d.id.as_deref() {
        Some(id) => {
            let col = column(&table, id, input)?;
            rows.iter().map(|&r| col.data.text_at(r).unwrap_or_default()).collect()
        }
        None => rows.iter().map(|&r| format!("row{}", r + 1)).collect(),
    };
    let x = recipe.preprocessor.transform(&table, &rows, input)?;
    Ok((ids, x))
}

/// A two-valued category read as 0/1, as ARFF and scikit-survival write
/// event indicators (`{0,1}`, `{false,true}`, `{no,yes}`); `None` when any
/// value is something else.
pub fn binary_codes(values: &[Option<String>]) -> Option<Vec<Option<f64>>> {
    values
        .iter()
        .map(|v| match v.as_deref().map(|s| s.trim().to_ascii_lowercase()) {
            None => Some(None),
            Some(s) => match s.as_str() {
                "0" | "false" | "no" | "f" | "n" => Some(Some(0.0)),
                "1" | "true" | "yes" | "t" | "y" => Some(Some(1.0)),
                _ => None,
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nominal_event_indicators_read_as_numbers() {
        let v = |s: &[&str]| s.iter().map(|x| Some(x.to_string())).collect::<Vec<_>>();
        assert_eq!(binary_codes(&v(&["0", "1", "1"])), Some(vec![Some(0.0), Some(1.0), Some(1.0)]));
        assert_eq!(binary_codes(&v(&["false", "TRUE"])), Some(vec![Some(0.0), Some(1.0)]));
        assert_eq!(binary_codes(&v(&["no", "yes"])), Some(vec![Some(0.0), Some(1.0)]));
        assert_eq!(binary_codes(&[None, Some("1".into())]), Some(vec![None, Some(1.0)]));
        assert_eq!(binary_codes(&v(&["0", "2"])), None);
        assert_eq!(binary_codes(&v(&["dead", "alive"])), None);
    }
}
