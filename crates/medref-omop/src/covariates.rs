//! Baseline covariates of a study population as OHDSI FeatureExtraction's
//! default analyses name and number them: `covariate_id = concept_id * 1000 +
//! analysis_id` (demographic values in place of a concept, `1000 + analysis_id` for counts).
//!
//! Eras count in a window when they overlap it (`start <= index + end_day`
//! and `end >= index + start_day`), as FeatureExtraction's era analyses do.
//! Groups: an era's own concept and each of its strict ancestors in
//! `concept_ancestor` that `concept` lists in the same domain as a standard or
//! classification concept, except the catch-alls "Clinical finding" (441840) and
//! "Disease" (4274025). FeatureExtraction restricts drug groups to ATC classes and
//! ingredients, which on a CDM whose `concept` holds no ATC classes is the same.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use crate::cohort::StudyPopulation;
use crate::date::civil_from_days;
use crate::error::OmopError;
use crate::table::{Cdm, IdFilter};
use crate::vocabulary::{ancestors, concept_info};
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
    pub index_year: bool,
    pub index_month: bool,
    pub condition_group_era: bool,
    pub drug_group_era: bool,
    pub visit_count: bool,
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
            index_year: true,
            index_month: true,
            condition_group_era: true,
            drug_group_era: true,
            visit_count: true,
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
        }
    }
}

/// A sparse covariate matrix `[persons, covariates]` as FeatureExtraction's long
/// table, sorted by row then covariate id, and its reference sorted by id.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CovariateData {
    pub covariates: Vec<Covariate>,
    pub reference: Vec<CovariateRef>,
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
        let column: HashMap<i64, usize> = self.reference.iter().enumerate().map(|(j, r)| (r.covariate_id, j)).collect();
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

struct Builder {
    values: BTreeMap<(usize, i64), f64>,
    reference: BTreeMap<i64, CovariateRef>,
}

impl Builder {
    fn set(&mut self, row: usize, reference: CovariateRef, value: f64) {
        self.values.insert((row, reference.covariate_id), value);
        self.reference.entry(reference.covariate_id).or_insert(reference);
    }
}

fn window_words(window: (i32, i32)) -> String {
    format!("during day {} through {} days relative to index", window.0, window.1)
}

/// Computes the covariates of `population` from `cdm`.
///
/// Reads `concept` (names), and as the settings ask `condition_era`, `drug_era`,
/// `concept_ancestor` and `visit_occurrence`.
pub fn extract_covariates(
    cdm: &Cdm,
    population: &StudyPopulation,
    settings: &CovariateSettings,
) -> Result<CovariateData, OmopError> {
    let mut b = Builder { values: BTreeMap::new(), reference: BTreeMap::new() };
    let rows: HashMap<i64, usize> = population.persons.iter().enumerate().map(|(r, p)| (p.person_id, r)).collect();
    let persons: HashSet<i64> = rows.keys().copied().collect();
    let windows = [
        (settings.long_term_start_days, settings.end_days, "LongTerm"),
        (settings.short_term_start_days, settings.end_days, "ShortTerm"),
    ];

    if settings.gender {
        let genders: HashSet<i64> = population.persons.iter().map(|p| p.gender_concept_id).collect();
        let names = concept_info(cdm, &genders, "gender covariate names")?;
        for (row, p) in population.persons.iter().enumerate() {
            let name = names
                .get(&p.gender_concept_id)
                .map_or_else(|| format!("concept {}", p.gender_concept_id), |c| c.name.clone());
            let reference =
                CovariateRef::new(p.gender_concept_id, 1, "DemographicsGender", format!("gender = {name}"), None);
            b.set(row, reference, 1.0);
        }
    }
    for (row, p) in population.persons.iter().enumerate() {
        let (year, month, _) = civil_from_days(p.index_date);
        if settings.age_group {
            let band = i64::from(p.age_at_index.div_euclid(5));
            let reference = CovariateRef::new(
                band,
                3,
                "DemographicsAgeGroup",
                format!("age group: {} - {}", band * 5, band * 5 + 4),
                None,
            );
            b.set(row, reference, 1.0);
        }
        if settings.index_year {
            let reference =
                CovariateRef::new(i64::from(year), 6, "DemographicsIndexYear", format!("index year: {year}"), None);
            b.set(row, reference, 1.0);
        }
        if settings.index_month {
            let reference =
                CovariateRef::new(i64::from(month), 7, "DemographicsIndexMonth", format!("index month: {month}"), None);
            b.set(row, reference, 1.0);
        }
    }

    let era_analyses = [
        (
            settings.condition_group_era,
            "condition_era",
            "condition_concept_id",
            "Condition",
            "condition_era group",
            210,
            212,
        ),
        (settings.drug_group_era, "drug_era", "drug_concept_id", "Drug", "drug_era group", 410, 412),
    ];
    for (wanted, table, concept_column, domain, words, long_id, short_id) in era_analyses {
        if !wanted {
            continue;
        }
        let start_column = format!("{table}_start_date");
        let end_column = format!("{table}_end_date");
        // (row, concept, window index) for every era overlapping a window.
        let mut hits: BTreeSet<(usize, i64, usize)> = BTreeSet::new();
        let purpose = format!("the {words} covariates");
        let columns = ["person_id", concept_column, &start_column, &end_column];
        cdm.scan_ids(table, &columns, &purpose, IdFilter { column: 0, ids: &persons }, |row| {
            let Some(&r) = rows.get(&row.id(0)?) else { return Ok(()) };
            let index = population.persons[r].index_date;
            let start = row.date(2)?;
            let end = row.optional_date(3)?.unwrap_or(start);
            for (w, &(from, to, _)) in windows.iter().enumerate() {
                if start <= index + to && end >= index + from {
                    hits.insert((r, row.id(1)?, w));
                }
            }
            Ok(())
        })?;
        let concepts: HashSet<i64> = hits.iter().map(|&(_, c, _)| c).collect();
        let up = ancestors(cdm, &concepts, &purpose)?;
        let mut named: HashSet<i64> = concepts.clone();
        named.extend(up.values().flatten().copied());
        let info = concept_info(cdm, &named, &purpose)?;
        let is_group = |a: &i64| {
            info.get(a).is_some_and(|c| {
                c.domain_id == domain
                    && matches!(c.standard_concept.as_str(), "S" | "C")
                    && !EXCLUDED_GROUPS.contains(a)
            })
        };
        for &(r, concept, w) in &hits {
            let (from, to, term) = windows[w];
            let analysis_id = if w == 0 { long_id } else { short_id };
            let groups =
                std::iter::once(concept).chain(up.get(&concept).into_iter().flatten().copied().filter(is_group));
            for group in groups {
                let name = info.get(&group).map_or_else(|| format!("concept {group}"), |c| c.name.clone());
                let analysis_name = match (domain == "Drug", term == "LongTerm") {
                    (true, true) => "DrugGroupEraLongTerm",
                    (true, false) => "DrugGroupEraShortTerm",
                    (false, true) => "ConditionGroupEraLongTerm",
                    (false, false) => "ConditionGroupEraShortTerm",
                };
                let covariate_name = format!("{words} {}: {name}", window_words((from, to)));
                let reference = CovariateRef::new(group, analysis_id, analysis_name, covariate_name, Some((from, to)));
                b.set(r, reference, 1.0);
            }
        }
    }

    if settings.visit_count {
        let mut counts: BTreeMap<(usize, usize), u32> = BTreeMap::new();
        cdm.scan_ids(
            "visit_occurrence",
            &["person_id", "visit_start_date", "visit_end_date"],
            "the visit count covariates",
            IdFilter { column: 0, ids: &persons },
            |row| {
                let Some(&r) = rows.get(&row.id(0)?) else { return Ok(()) };
                let index = population.persons[r].index_date;
                let start = row.date(1)?;
                let end = row.optional_date(2)?.unwrap_or(start);
                for (w, &(from, to, _)) in windows.iter().enumerate() {
                    if start <= index + to && end >= index + from {
                        *counts.entry((r, w)).or_default() += 1;
                    }
                }
                Ok(())
            },
        )?;
        for ((r, w), n) in counts {
            let (from, to, _) = windows[w];
            let analysis_id = if w == 0 { 920 } else { 922 };
            let reference = CovariateRef {
                covariate_id: 1000 + analysis_id,
                covariate_name: format!("visit_count {}", window_words((from, to))),
                analysis_id,
                analysis_name: if w == 0 { "VisitCountLongTerm" } else { "VisitCountShortTerm" },
                concept_id: 0,
                window: Some((from, to)),
            };
            b.set(r, reference, f64::from(n));
        }
    }

    let n = population.persons.len();
    let mut frequency: HashMap<i64, usize> = HashMap::new();
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
    Ok(CovariateData { covariates, reference })
}
