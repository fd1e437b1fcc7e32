//! `format = "omop"`: an OMOP CDM turned into PatientLevelPrediction's
//! shape, one row per person of the study population, their baseline
//! covariates as columns and the outcome in the time at risk as the label
//! (or, with `task = "survival"`, the days to it, censored at the end of the
//! window or of observation), so every table model trains on it unchanged.
//!
//! Besides the rows, the study writes what a real-world-data study reports
//! (`attrition.csv`, `covariate_ref.csv`, `characterisation.csv`, and with a
//! comparator cohort `comparator_attrition.csv` and
//! `comparator_characterisation.csv`) with counts under `min_cell_count`
//! suppressed, and `cdm_source.json`: which CDM it was (its `cdm_source`
//! table) and which covariate tables it lacked. Row ids are person ids: they
//! stay in the run directory (`predictions.csv`) and never reach a published bundle.

use crate::dataset::{build_dataset, RawTargets, Roles, SourceRows};
use crate::{Column, ColumnData, FeatureSpec, RawTable, TableError, TabularDataset, TabularRecipe};
use medref_core::config::defaults::default_fraction;
use medref_core::config::{check_holdout_fractions, invalid, DataSection, Task};
use medref_core::csv_text::{csv_field, split_csv_line};
use medref_core::split::split_train_val_test;
use medref_omop::characterisation::{
    attrition_csv, characterisation_csv, characterise, characterise_comparator, comparator_characterisation_csv,
};
use medref_omop::{
    extract_covariates, Cdm, CdmSource, CovariateData, CovariateSettings, StudyDefinition, StudyPopulation,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// A study on an OMOP CDM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OmopSection {
    /// The folder of CDM tables (`person.csv`, `drug_era.csv.gz`,
    /// `drug_era.parquet`, ...); or give `connection` and `schema`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// A PostgreSQL database holding the CDM, `postgresql://host:port/db`
    /// (no user or password: those come from `PGUSER` and `PGPASSWORD`,
    /// never from the config or the run directory). Across a network add
    /// `?sslmode=verify-full&sslrootcert=ca.pem`: TLS with the server's
    /// certificate and name verified (medref-omop's README).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    /// The database schema of the CDM tables (with `connection`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// `classification` (the outcome in the time at risk) or `survival`.
    #[serde(default = "default_task")]
    pub task: Task,
    /// Target cohort, outcome, time at risk and who is left out.
    pub study: StudyDefinition,
    /// FeatureExtraction's analyses and windows (defaults: all of them).
    #[serde(default)]
    pub covariates: CovariateSettings,
    /// Share of persons held out for validation (stratified by outcome).
    #[serde(default = "default_fraction")]
    pub val_fraction: f64,
    /// Share held out for test (PLP's default `testFraction` is 0.25).
    #[serde(default = "default_test_fraction")]
    pub test_fraction: f64,
    /// Counts of fewer persons than this (but more than none) are written
    /// as `<k` in the study's tables.
    #[serde(default = "default_min_cell_count")]
    pub min_cell_count: usize,
}

fn default_task() -> Task {
    Task::Classification
}
fn default_test_fraction() -> f64 {
    0.25
}
fn default_min_cell_count() -> usize {
    5
}

impl DataSection for OmopSection {
    /// The folder, or the database's address (which holds no credentials).
    fn path(&self) -> &Path {
        match (&self.path, &self.connection) {
            (Some(p), _) => p,
            (None, Some(c)) => Path::new(c),
            (None, None) => Path::new(""),
        }
    }
    /// A database has no file to hash: the manifest records its address.
    fn inputs(&self) -> Vec<&Path> {
        self.path.as_deref().into_iter().collect()
    }
    fn task(&self) -> Option<Task> {
        Some(self.task)
    }
    /// The time at risk's last day: where a Cox model's survival and
    /// AUROC are read.
    fn survival_horizon(&self) -> Option<f64> {
        let tar = &self.study.time_at_risk;
        (self.task == Task::Survival).then(|| f64::from(tar.end_offset - tar.start_offset + 1))
    }
    fn validate(&self) -> Result<(), (String, String)> {
        match (&self.path, &self.connection, &self.schema) {
            (Some(_), None, None) | (None, Some(_), Some(_)) => {}
            (None, None, _) => {
                return invalid(
                    "[data]",
                    "name the CDM: `path` (a folder of tables) or `connection` and `schema` (PostgreSQL)",
                )
            }
            (Some(_), Some(_), _) => return invalid("[data]", "give either `path` or `connection`, not both"),
            (None, Some(_), None) => return invalid("[data].schema", "missing: the schema that holds the CDM tables"),
            (Some(_), None, Some(_)) => {
                return invalid("[data].schema", "a schema goes with `connection`, not with `path`")
            }
        }
        if self.task == Task::Regression {
            return invalid(
                "[data].task",
                "an OMOP study predicts the outcome (\"classification\") or the time to it (\"survival\")",
            );
        }
        if self.study.comparator.as_ref().is_some_and(|c| c.domains.is_empty()) {
            return invalid("[data.study.comparator].domains", "names no table to read the comparator's records from");
        }
        let tar = &self.study.time_at_risk;
        if tar.end_offset < tar.start_offset {
            return invalid("[data.study.time_at_risk]", "end_offset is before start_offset");
        }
        if !(0.0..1.0).contains(&self.covariates.min_fraction) {
            return invalid("[data.covariates].min_fraction", "must be at least 0 and below 1");
        }
        check_holdout_fractions(self.val_fraction, self.test_fraction)
    }
}

fn cdm_error(e: medref_omop::OmopError) -> TableError {
    TableError::Mismatch(e.to_string())
}

/// The population and its covariates, as the reader built them.
struct Study {
    population: StudyPopulation,
    covariates: CovariateData,
}

/// The CDM a study reads: `folder` where one is given (`eval --data`,
/// `predict`), else the config's folder or database; and the name errors
/// and the data's rows go by (a folder, or the database's address).
fn open_cdm(d: &OmopSection, folder: Option<&Path>) -> Result<(Cdm, PathBuf), TableError> {
    match (folder.or(d.path.as_deref()), &d.connection, &d.schema) {
        (Some(dir), _, _) if dir.is_dir() => Ok((Cdm::new(dir), dir.to_path_buf())),
        (Some(dir), _, _) => {
            Err(TableError::format(dir, "", "not a folder of CDM tables (person.csv, observation_period.csv, ...)"))
        }
        (None, Some(connection), Some(schema)) => {
            let cdm = Cdm::postgres(connection, schema).map_err(cdm_error)?;
            let name = PathBuf::from(cdm.describe());
            Ok((cdm, name))
        }
        _ => Err(TableError::Mismatch("[data] names no CDM folder or database".into())),
    }
}

fn build_study(d: &OmopSection, folder: Option<&Path>) -> Result<(Study, PathBuf, Cdm), TableError> {
    let (cdm, dir) = open_cdm(d, folder)?;
    let population = d.study.build(&cdm).map_err(cdm_error)?;
    if population.persons.is_empty() {
        let steps: Vec<String> =
            population.attrition.iter().map(|s| format!("{}: {}", s.description, s.persons)).collect();
        return Err(TableError::format(
            dir,
            "",
            format!("no person is left in the study population ({})", steps.join("; ")),
        ));
    }
    let covariates = extract_covariates(&cdm, &population, &d.covariates).map_err(cdm_error)?;
    Ok((Study { population, covariates }, dir, cdm))
}

/// `cdm_source.json`: the CDM's own record of itself (every field null and
/// `recorded` false where it has no `cdm_source` table) and the covariate
/// tables it lacks, for the model card.
fn cdm_source_json(cdm: &Cdm, covariates: &CovariateData) -> Result<String, TableError> {
    let source = CdmSource::read(cdm).map_err(cdm_error)?;
    let mut value = serde_json::to_value(source.clone().unwrap_or_default()).expect("plain fields");
    value["recorded"] = serde_json::Value::Bool(source.is_some());
    value["covariate_tables_absent"] = serde_json::json!(covariates.tables_absent);
    Ok(serde_json::to_string_pretty(&value).expect("plain fields") + "\n")
}

/// The comparator's study population and its characterisation against the
/// target's, as run files; adds the comparator's counts to `report`.
fn comparator_files(
    d: &OmopSection,
    cdm: &Cdm,
    target: (&StudyPopulation, &CovariateData),
    report: &mut BTreeMap<String, usize>,
    files: &mut BTreeMap<String, String>,
) -> Result<(), TableError> {
    let Some(definition) = d.study.comparator_study() else { return Ok(()) };
    let in_comparator = |e: medref_omop::OmopError| TableError::Mismatch(format!("the comparator cohort: {e}"));
    let population = definition.build(cdm).map_err(in_comparator)?;
    let covariates = extract_covariates(cdm, &population, &d.covariates).map_err(in_comparator)?;
    let targeted: std::collections::HashSet<i64> = target.0.persons.iter().map(|p| p.person_id).collect();
    report.insert("comparator_persons".into(), population.persons.len());
    report.insert(
        "comparator_persons_also_in_target".into(),
        population.persons.iter().filter(|p| targeted.contains(&p.person_id)).count(),
    );
    let rows = characterise_comparator(target, (&population, &covariates));
    let n = [target.0.persons.len(), population.persons.len()];
    let k = d.min_cell_count;
    files.insert("comparator_attrition.csv".into(), attrition_csv(&population.attrition, k));
    files.insert("comparator_characterisation.csv".into(), comparator_characterisation_csv(&rows, n, k));
    Ok(())
}

/// Column names: a covariate's name, made unique with its id where two share one.
fn column_names(data: &CovariateData) -> Vec<String> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for r in &data.reference {
        *seen.entry(r.covariate_name.as_str()).or_default() += 1;
    }
    data.reference
        .iter()
        .map(|r| match seen[r.covariate_name.as_str()] {
            1 => r.covariate_name.clone(),
            _ => format!("{} [{}]", r.covariate_name, r.covariate_id),
        })
        .collect()
}

/// The sparse covariates as a table of `columns` (covariate ids in output
/// order); a covariate the persons lack is all zeros.
fn covariate_table(data: &CovariateData, n_rows: usize, columns: &[(i64, String)]) -> RawTable {
    let position: HashMap<i64, usize> = columns.iter().enumerate().map(|(j, (id, _))| (*id, j)).collect();
    let mut values = vec![vec![Some(0.0); n_rows]; columns.len()];
    for c in &data.covariates {
        if let Some(&j) = position.get(&c.covariate_id) {
            values[j][c.row] = Some(c.value);
        }
    }
    RawTable {
        columns: columns
            .iter()
            .zip(values)
            .map(|((_, name), v)| Column { name: name.clone(), data: ColumnData::Numeric(v), categories: Vec::new() })
            .collect(),
    }
}

/// `covariate_ref.csv`'s columns that `predict` needs: id and column name, in order.
fn read_covariate_columns(path: &Path) -> Result<Vec<(i64, String)>, TableError> {
    let text = std::fs::read_to_string(path).map_err(|source| TableError::Io { path: path.to_path_buf(), source })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let at = || format!("line {}", i + 1);
        let fields =
            split_csv_line(line).ok_or_else(|| TableError::format(path, at(), "a quoted field is not closed"))?;
        let [id, name, ..] = fields.as_slice() else {
            return Err(TableError::format(path, at(), "expected `covariate_id,column,...`"));
        };
        let id = id.parse().map_err(|_| TableError::format(path, at(), "the covariate id is not an integer"))?;
        out.push((id, name.clone()));
    }
    Ok(out)
}

/// The file `predict` maps new persons' covariates with: id, the column it
/// fills, then FeatureExtraction's reference columns.
fn covariate_ref_csv(data: &CovariateData, names: &[String], kept: &[usize]) -> String {
    let mut s = String::from(
        "covariate_id,column,covariate_name,analysis_id,analysis_name,concept_id,window_start,window_end\n",
    );
    for &j in kept {
        let (r, column) = (&data.reference[j], &names[j]);
        let (from, to) = r.window.map_or((String::new(), String::new()), |(a, b)| (a.to_string(), b.to_string()));
        s.push_str(&format!(
            "{},{},{},{},{},{},{from},{to}\n",
            r.covariate_id,
            csv_field(column),
            csv_field(&r.covariate_name),
            r.analysis_id,
            r.analysis_name,
            r.concept_id
        ));
    }
    s
}

/// The covariate columns a model is given, as FeatureExtraction's
/// `tidyCovariates` and an unpenalised fit need them: not constant over
/// the training persons (nothing to learn, and Cox cannot identify it), not
/// an exact copy of an earlier column (an era inside both windows), and,
/// for an analysis where every person has exactly one covariate (gender,
/// age group, index year and month), without its most prevalent one, which
/// the intercept (or Cox's baseline hazard) already stands for. Returns the
/// kept column indices and the counts left out for each reason.
fn tidy_columns(table: &RawTable, train: &[usize], data: &CovariateData) -> (Vec<usize>, [usize; 3]) {
    let values = |j: usize| match &table.columns[j].data {
        ColumnData::Numeric(v) => v.iter().map(|x| x.unwrap_or(0.0)).collect::<Vec<f64>>(),
        ColumnData::Text(_) => Vec::new(),
    };
    let n_rows = table.n_rows();
    let mut redundant = std::collections::BTreeSet::new();
    let mut by_analysis: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (j, r) in data.reference.iter().enumerate() {
        by_analysis.entry(r.analysis_id).or_default().push(j);
    }
    for members in by_analysis.values() {
        let mut per_row = vec![0usize; n_rows];
        let mut prevalence = Vec::with_capacity(members.len());
        for &j in members {
            let v = values(j);
            v.iter().enumerate().filter(|(_, x)| **x != 0.0).for_each(|(i, _)| per_row[i] += 1);
            prevalence.push((v.iter().filter(|x| **x != 0.0).count(), j));
        }
        if members.len() > 1 && per_row.iter().all(|&c| c == 1) {
            let most = prevalence.iter().max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1))).expect("members");
            redundant.insert(most.1);
        }
    }
    let mut kept = Vec::new();
    let mut dropped = [0usize; 3];
    let mut seen: std::collections::HashSet<Vec<u64>> = std::collections::HashSet::new();
    for j in 0..table.columns.len() {
        let v = values(j);
        let first = train.first().map(|&i| v[i]);
        if train.iter().all(|&i| Some(v[i]) == first) {
            dropped[0] += 1;
        } else if !seen.insert(v.iter().map(|x| x.to_bits()).collect()) {
            dropped[1] += 1;
        } else if redundant.contains(&j) {
            dropped[2] += 1;
        } else {
            kept.push(j);
        }
    }
    (kept, dropped)
}

/// Reads a `format = "omop"` config's study; `path` replaces its CDM folder.
pub fn load_omop(d: &OmopSection, seed: u64, path: Option<&Path>) -> Result<TabularDataset, TableError> {
    let (Study { population, covariates }, dir, cdm) = build_study(d, path)?;
    let dir = dir.as_path();
    let persons = &population.persons;
    let names = column_names(&covariates);
    let all: Vec<(i64, String)> = covariates.reference.iter().map(|r| r.covariate_id).zip(names.clone()).collect();
    let outcome: Vec<u32> = persons.iter().map(|p| u32::from(p.outcome)).collect();
    let split =
        split_train_val_test(&outcome, 1, d.val_fraction, d.test_fraction, seed).map_err(TableError::Mismatch)?;
    let mut table = covariate_table(&covariates, persons.len(), &all);
    let (kept, dropped) = tidy_columns(&table, &split.train, &covariates);
    let columns: Vec<(i64, String)> = kept.iter().map(|&j| all[j].clone()).collect();
    let mut full = std::mem::take(&mut table.columns).into_iter().map(Some).collect::<Vec<_>>();
    table.columns = kept.iter().map(|&j| full[j].take().expect("each column kept once")).collect();
    let sources =
        [&split.train, &split.val, &split.test].map(|rows| SourceRows { table: &table, path: dir, rows: rows.clone() });
    let targets_of = |_: &SourceRows, rows: &[usize]| match d.task {
        Task::Survival => RawTargets::Survival(
            rows.iter().map(|&r| (f64::from(persons[r].survival_time), persons[r].outcome)).collect(),
        ),
        _ => RawTargets::Classes(rows.iter().map(|&r| usize::from(persons[r].outcome)).collect()),
    };
    // Covariates with a value other than 1 (counts), found in one pass.
    let counted: std::collections::HashSet<i64> =
        covariates.covariates.iter().filter(|c| c.value != 1.0).map(|c| c.covariate_id).collect();
    let spec = FeatureSpec {
        columns: columns.iter().map(|(_, name)| name.clone()).collect(),
        categorical: Vec::new(),
        // Yes/no covariates stay 0/1 (their weights read as log-odds ratios); counts are standardised.
        unscaled: columns.iter().filter(|(id, _)| !counted.contains(id)).map(|(_, name)| name.clone()).collect(),
    };
    let mut report = BTreeMap::new();
    report.insert("persons_in_population".to_string(), persons.len());
    report.insert("persons_with_outcome".to_string(), persons.iter().filter(|p| p.outcome).count());
    report.insert("covariates".to_string(), covariates.reference.len());
    report.insert("covariates_in_model".to_string(), columns.len());
    report.insert("covariates_left_out_constant_in_training".to_string(), dropped[0]);
    report.insert("covariates_left_out_duplicate".to_string(), dropped[1]);
    report.insert("covariates_left_out_redundant".to_string(), dropped[2]);
    let class_names = match d.task {
        Task::Survival => Vec::new(),
        _ => vec!["no outcome".to_string(), "outcome".to_string()],
    };
    let mut ds = build_dataset(&spec, &sources, targets_of, Roles::default(), report, class_names, d.task)?;
    let gender = |r: usize| match persons[r].gender_concept_id {
        8507 => "male".to_string(),
        8532 => "female".to_string(),
        other => format!("gender concept {other}"),
    };
    for (split, src) in [&mut ds.train, &mut ds.val, &mut ds.test].into_iter().zip(&sources) {
        split.ids = src.rows.iter().map(|&r| persons[r].person_id.to_string()).collect();
        // A person is one row: two persons with equal covariates are not a leak.
        split.record_keys = src.rows.iter().map(|&r| persons[r].person_id as u64).collect();
        split.subgroups = src.rows.iter().map(|&r| Some(gender(r))).collect();
    }
    let k = d.min_cell_count;
    let with_outcome = persons.iter().filter(|p| p.outcome).count();
    let rows = characterise(&population, &covariates);
    ds.run_files.insert("attrition.csv".into(), attrition_csv(&population.attrition, k));
    ds.run_files.insert("covariate_ref.csv".into(), covariate_ref_csv(&covariates, &names, &kept));
    ds.run_files.insert(
        "characterisation.csv".into(),
        characterisation_csv(&rows, [with_outcome, persons.len() - with_outcome], k),
    );
    ds.run_files.insert("cdm_source.json".into(), cdm_source_json(&cdm, &covariates)?);
    comparator_files(d, &cdm, (&population, &covariates), &mut ds.report, &mut ds.run_files)?;
    Ok(ds)
}

/// Features of the study population of a new CDM folder for `predict`,
/// mapped onto the training covariates (`covariate_ref.csv` in `run_dir`).
pub fn predict_omop_features(
    d: &OmopSection,
    recipe: &TabularRecipe,
    run_dir: &Path,
    input: &Path,
) -> Result<(Vec<String>, Vec<f32>), TableError> {
    let (Study { population, covariates }, _, _) = build_study(d, Some(input))?;
    let columns = read_covariate_columns(&run_dir.join("covariate_ref.csv"))?;
    let table = covariate_table(&covariates, population.persons.len(), &columns);
    let rows: Vec<usize> = (0..population.persons.len()).collect();
    let x = recipe.preprocessor.transform(&table, &rows, input)?;
    Ok((population.persons.iter().map(|p| p.person_id.to_string()).collect(), x))
}
