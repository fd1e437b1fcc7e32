//! Condition and drug groups from eras (analyses 210/212 and 410/412): one
//! yes/no covariate per group with an era overlapping the window.
//!
//! Eras count in a window when they overlap it (`start <= index + end_day`
//! and `end >= index + start_day`), as FeatureExtraction's era analyses do.
//! Groups: an era's own concept and each of its strict ancestors in
//! `concept_ancestor` that `concept` lists in the same domain as a standard or
//! classification concept, except the catch-alls "Clinical finding" (441840) and
//! "Disease" (4274025). FeatureExtraction restricts drug groups to ATC classes and
//! ingredients, which on a CDM whose `concept` holds no ATC classes is the same.

use std::collections::BTreeSet;

use super::{rows_of, Builder, CovariateRef, CovariateSettings, Window, EXCLUDED_GROUPS};
use crate::cohort::StudyPopulation;
use crate::error::OmopError;
use crate::table::{Cdm, IdFilter};
use crate::vocabulary::{ancestors, concept_info};
use crate::IdSet;

pub(super) fn extract(
    cdm: &Cdm,
    population: &StudyPopulation,
    settings: &CovariateSettings,
    b: &mut Builder,
) -> Result<(), OmopError> {
    let rows = rows_of(population);
    let persons: IdSet = rows.keys().copied().collect();
    let windows = Window::pair(settings);
    let era_analyses = [
        (settings.condition_group_era, "condition_era", "condition_concept_id", "Condition", "condition_era group"),
        (settings.drug_group_era, "drug_era", "drug_concept_id", "Drug", "drug_era group"),
    ];
    for (wanted, table, concept_column, domain, words) in era_analyses {
        if !wanted || !b.has(cdm, table) {
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
            for (w, window) in windows.iter().enumerate() {
                if window.overlaps(index, start, end) {
                    hits.insert((r, row.id(1)?, w));
                }
            }
            Ok(())
        })?;
        let concepts: IdSet = hits.iter().map(|&(_, c, _)| c).collect();
        let up = ancestors(cdm, &concepts, &purpose)?;
        let mut named: IdSet = concepts.clone();
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
            let window = windows[w];
            let (analysis_id, analysis_name) = match (domain == "Drug", window.long_term) {
                (true, true) => (410, "DrugGroupEraLongTerm"),
                (true, false) => (412, "DrugGroupEraShortTerm"),
                (false, true) => (210, "ConditionGroupEraLongTerm"),
                (false, false) => (212, "ConditionGroupEraShortTerm"),
            };
            let groups =
                std::iter::once(concept).chain(up.get(&concept).into_iter().flatten().copied().filter(is_group));
            for group in groups {
                let name = info.get(&group).map_or_else(|| format!("concept {group}"), |c| c.name.clone());
                let covariate_name = format!("{words} {}: {name}", window.words());
                let reference = CovariateRef::new(group, analysis_id, analysis_name, covariate_name, window.bounds());
                b.set(r, reference, 1.0);
            }
        }
    }
    Ok(())
}
