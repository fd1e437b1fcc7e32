//! Baseline covariates of a study population as OHDSI FeatureExtraction's
//! default analyses name and number them: `covariate_id = concept_id * 1000 +
//! analysis_id` (demographic values in place of a concept, `1000 + analysis_id`
//! for counts, and FeatureExtraction's own scheme for measurement values), so a
//! covariate id read in a medref run means what it means in an OHDSI study.
//!
//! An event table a covariate analysis reads (eras, visits, procedures,
//! measurements) may be absent from the CDM: that analysis then yields no
//! covariates and the table is listed in [`CovariateData::tables_absent`],
//! because only the tables the cohort itself needs are required. A table that
//! is present but lacks a column the analysis reads is an error naming it.

mod demographics;
mod group_eras;
mod measurement_values;
mod procedures;
mod visits;

use std::collections::BTreeMap;

use crate::cohort::StudyPopulation;
use crate::error::OmopError;
use crate::table::{Cdm, IdFilter};
use crate::{IdMap, IdSet};
use serde::{Deserialize, Serialize};

/// Concept ids never used as a condition group: they would hold almost everyone.
pub const EXCLUDED_GROUPS: [i64; 2] = [441840, 4274025];

/// Which analyses to run and the windows, in days from index (FeatureExtraction's
/// defaults); in a config, any subset of its keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CovariateSettings {
    pub gender: bool,
    pub age_group: bool,
    /// `person.race_concept_id` (analysis 4), where the person has one.
    pub race: bool,
    /// `person.ethnicity_concept_id` (analysis 5), where the person has one.
    pub ethnicity: bool,
    pub index_year: bool,
    pub index_month: bool,
    pub condition_group_era: bool,
    pub drug_group_era: bool,
    /// One yes/no covariate per procedure concept in each window (analyses 502 and 504).
    pub procedure_occurrence: bool,
    /// Visits overlapping each window (analyses 920 and 922).
    pub visit_count: bool,
    /// Visits overlapping each window, per visit concept (analyses 923 and 925).
    pub visit_concept_count: bool,
    /// The latest `value_as_number` of each measurement concept in the long-term window (analysis 706).
    pub measurement_value: bool,
    /// Long-term window start (default -365).
    pub long_term_start_days: i32,
    /// Short-term window start (default -30).
    pub short_term_start_days: i32,
    /// End of every window (default 0, the index day included).
    pub end_days: i32,
    /// Keep a covariate only if at least this fraction of persons has a non-zero value (PLP's `minFraction`).
    pub min_fraction: f64,
}

impl Default for CovariateSettings {
    fn default() -> Self {
        Self {
            gender: true,
            age_group: true,
            race: true,
            ethnicity: true,
            index_year: true,
            index_month: true,
            condition_group_era: true,
            drug_group_era: true,
            procedure_occurrence: true,
            visit_count: true,
            visit_concept_count: true,
            measurement_value: true,
            long_term_start_days: -365,
            short_term_start_days: -30,
            end_days: 0,
            min_fraction: 0.0,
        }
    }
}

/// One non-zero value: row of the population (its position in `StudyPopulation::persons`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Covariate {
    pub row: usize,
    pub covariate_id: i64,
    pub value: f64,
}

/// What a covariate id means.
#[derive(Debug, Clone, PartialEq)]
pub struct CovariateRef {
    pub covariate_id: i64,
    pub covariate_name: String,
    pub analysis_id: i64,
    pub analysis_name: &'static str,
    /// The concept (or demographic value: age band, year, month) the covariate stands for.
    pub concept_id: i64,
    /// Window in days from index, inclusive, for windowed analyses.
    pub window: Option<(i32, i32)>,
    /// Whether a person without a value has the value 0 (a yes/no or a count),
    /// as FeatureExtraction's `missingMeansZero`; false for a measured value,
    /// where no value means not measured, so summaries average over the measured only.
    pub missing_means_zero: bool,
}

impl CovariateRef {
    /// A covariate of `analysis_id` for `concept_id`, numbered as
    /// FeatureExtraction numbers it: `concept_id * 1000 + analysis_id`.
    fn new(
        concept_id: i64,
        analysis_id: i64,
        analysis_name: &'static str,
        covariate_name: String,
        window: Option<(i32, i32)>,
    ) -> Self {
        Self {
            covariate_id: concept_id * 1000 + analysis_id,
            covariate_name,
            analysis_id,
            analysis_name,
            concept_id,
            window,
            missing_means_zero: true,
        }
    }
}

/// A sparse covariate matrix `[persons, covariates]` as FeatureExtraction's long
/// table, sorted by row then covariate id, and its reference sorted by id.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CovariateData {
    pub covariates: Vec<Covariate>,
    pub reference: Vec<CovariateRef>,
    /// Event tables an asked-for analysis would read that the CDM does not
    /// have, so that analysis gave no covariates (sorted, each once).
    pub tables_absent: Vec<String>,
}

impl CovariateData {
    /// The value of one covariate for one row (0 when absent).
    pub fn value(&self, row: usize, covariate_id: i64) -> f64 {
        self.covariates
            .binary_search_by(|c| (c.row, c.covariate_id).cmp(&(row, covariate_id)))
            .map_or(0.0, |i| self.covariates[i].value)
    }

    /// The matrix as dense row-major values `[n_rows, reference.len()]`, columns in
    /// the order of `reference` (ascending covariate id), absent values 0: what a
    /// linear model or a network takes. `n_rows` is the population's size.
    pub fn to_dense(&self, n_rows: usize) -> Vec<f32> {
        let width = self.reference.len();
        let column: IdMap<usize> = self.reference.iter().enumerate().map(|(j, r)| (r.covariate_id, j)).collect();
        let mut x = vec![0.0f32; n_rows * width];
        for c in &self.covariates {
            x[c.row * width + column[&c.covariate_id]] = c.value as f32;
        }
        x
    }

    /// The reference entry of a covariate id.
    pub fn reference_of(&self, covariate_id: i64) -> Option<&CovariateRef> {
        self.reference.iter().find(|r| r.covariate_id == covariate_id)
    }
}

/// Values and references as the analyses find them, before the frequency filter.
struct Builder {
    values: BTreeMap<(usize, i64), f64>,
    reference: BTreeMap<i64, CovariateRef>,
    tables_absent: Vec<String>,
}

impl Builder {
    fn set(&mut self, row: usize, reference: CovariateRef, value: f64) {
        self.values.insert((row, reference.covariate_id), value);
        self.reference.entry(reference.covariate_id).or_insert(reference);
    }

    /// Whether `table` is there to read; if not, it is recorded as absent.
    fn has(&mut self, cdm: &Cdm, table: &str) -> bool {
        let present = cdm.has_table(table);
        if !present && !self.tables_absent.iter().any(|t| t == table) {
            self.tables_absent.push(table.to_string());
        }
        present
    }
}

/// A window in days from index, inclusive, and which of FeatureExtraction's
/// terms it is.
#[derive(Debug, Clone, Copy)]
struct Window {
    from: i32,
    to: i32,
    long_term: bool,
}

impl Window {
    fn pair(settings: &CovariateSettings) -> [Window; 2] {
        [
            Window { from: settings.long_term_start_days, to: settings.end_days, long_term: true },
            Window { from: settings.short_term_start_days, to: settings.end_days, long_term: false },
        ]
    }

    /// Whether a record from `start` to `end` (days since 1970) overlaps the window around `index`.
    fn overlaps(self, index: i32, start: i32, end: i32) -> bool {
        start <= index + self.to && end >= index + self.from
    }

    fn bounds(self) -> Option<(i32, i32)> {
        Some((self.from, self.to))
    }

    /// FeatureExtraction's wording, as its covariate names use it.
    fn words(self) -> String {
        format!("during day {} through {} days relative to index", self.from, self.to)
    }
}

/// Person id to row of the population: covariates refer to rows.
fn rows_of(population: &StudyPopulation) -> IdMap<usize> {
    population.persons.iter().enumerate().map(|(r, p)| (p.person_id, r)).collect()
}

/// The scan the procedure and visit analyses share: every record of a
/// population person in `table` with a mapped concept (concept 0 is left
/// out, as FeatureExtraction leaves it), given as (row, window index,
/// concept) once for each window it overlaps. `columns` are the person,
/// the concept, the start date and, where the table has one, the end date
/// (a missing end is the start day).
fn mapped_records_in_windows(
    cdm: &Cdm,
    population: &StudyPopulation,
    windows: &[Window],
    table: &str,
    columns: &[&str],
    purpose: &str,
    mut each: impl FnMut(usize, usize, i64),
) -> Result<(), OmopError> {
    let rows = rows_of(population);
    let persons: IdSet = rows.keys().copied().collect();
    cdm.scan_ids(table, columns, purpose, IdFilter { column: 0, ids: &persons }, |row| {
        let Some(&r) = rows.get(&row.id(0)?) else { return Ok(()) };
        let concept = row.id(1)?;
        if concept == 0 {
            return Ok(());
        }
        let index = population.persons[r].index_date;
        let start = row.date(2)?;
        let end = if columns.len() > 3 { row.optional_date(3)?.unwrap_or(start) } else { start };
        for (w, window) in windows.iter().enumerate() {
            if window.overlaps(index, start, end) {
                each(r, w, concept);
            }
        }
        Ok(())
    })
}

/// Computes the covariates of `population` from `cdm`.
///
/// Reads `person` and `concept` (names), and as the settings ask
/// `condition_era`, `drug_era`, `concept_ancestor`, `procedure_occurrence`,
/// `visit_occurrence` and `measurement` (each may be absent).
pub fn extract_covariates(
    cdm: &Cdm,
    population: &StudyPopulation,
    settings: &CovariateSettings,
) -> Result<CovariateData, OmopError> {
    let mut b = Builder { values: BTreeMap::new(), reference: BTreeMap::new(), tables_absent: Vec::new() };
    demographics::extract(cdm, population, settings, &mut b)?;
    group_eras::extract(cdm, population, settings, &mut b)?;
    if settings.procedure_occurrence {
        procedures::extract(cdm, population, settings, &mut b)?;
    }
    if settings.visit_count || settings.visit_concept_count {
        visits::extract(cdm, population, settings, &mut b)?;
    }
    if settings.measurement_value {
        measurement_values::extract(cdm, population, settings, &mut b)?;
    }

    let n = population.persons.len();
    let mut frequency: IdMap<usize> = IdMap::default();
    for (&(_, id), &v) in &b.values {
        if v != 0.0 {
            *frequency.entry(id).or_default() += 1;
        }
    }
    let keep = |id: &i64| n == 0 || frequency.get(id).copied().unwrap_or(0) as f64 / n as f64 >= settings.min_fraction;
    let covariates = b
        .values
        .iter()
        .filter(|(&(_, id), &v)| v != 0.0 && keep(&id))
        .map(|(&(row, covariate_id), &value)| Covariate { row, covariate_id, value })
        .collect();
    let reference = b.reference.into_values().filter(|r| keep(&r.covariate_id)).collect();
    let mut tables_absent = b.tables_absent;
    tables_absent.sort();
    Ok(CovariateData { covariates, reference, tables_absent })
}
