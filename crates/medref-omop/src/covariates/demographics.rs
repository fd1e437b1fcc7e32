//! FeatureExtraction's demographic analyses: gender (1), age group (3), race
//! (4), ethnicity (5), index year (6) and index month (7), one yes/no
//! covariate per person each (race and ethnicity only where recorded).
//!
//! Race and ethnicity: concept 0 means not recorded and gives no covariate.
//! FeatureExtraction keeps only concepts that `concept` lists with class
//! `Race` (or `Ethnicity`); a trimmed vocabulary such as Eunomia's lists
//! none, so here a concept `concept` does not list is kept (named by its id)
//! and only one listed with another class is left out. On a full vocabulary
//! the two rules agree.

use std::collections::HashMap;

use super::{rows_of, Builder, CovariateRef, CovariateSettings};
use crate::cohort::StudyPopulation;
use crate::date::civil_from_days;
use crate::error::OmopError;
use crate::table::{Cdm, IdFilter};
use crate::vocabulary::{concept_classes, concept_info};
use crate::IdSet;

pub(super) fn extract(
    cdm: &Cdm,
    population: &StudyPopulation,
    settings: &CovariateSettings,
    b: &mut Builder,
) -> Result<(), OmopError> {
    if settings.gender {
        let genders: IdSet = population.persons.iter().map(|p| p.gender_concept_id).collect();
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
    let recorded = [
        (settings.race, "race_concept_id", 4, "DemographicsRace", "race", "Race"),
        (settings.ethnicity, "ethnicity_concept_id", 5, "DemographicsEthnicity", "ethnicity", "Ethnicity"),
    ];
    for (wanted, column, analysis_id, analysis_name, words, class) in recorded {
        if !wanted {
            continue;
        }
        let purpose = format!("the {words} covariates");
        let Some(concepts) = recorded_concepts(cdm, population, column, &purpose)? else { continue };
        let listed: IdSet = concepts.values().copied().collect();
        let info = concept_info(cdm, &listed, &purpose)?;
        let classes = concept_classes(cdm, &listed, &purpose)?.unwrap_or_default();
        for (row, concept) in concepts {
            if classes.get(&concept).is_some_and(|c| !c.eq_ignore_ascii_case(class)) {
                continue;
            }
            let name = info.get(&concept).map_or_else(|| format!("concept {concept}"), |c| c.name.clone());
            let reference = CovariateRef::new(concept, analysis_id, analysis_name, format!("{words} = {name}"), None);
            b.set(row, reference, 1.0);
        }
    }
    Ok(())
}

/// Row to the non-zero concept in `person.column`; `None` when `person` has
/// no such column (a CDM may leave race or ethnicity out).
fn recorded_concepts(
    cdm: &Cdm,
    population: &StudyPopulation,
    column: &str,
    purpose: &str,
) -> Result<Option<HashMap<usize, i64>>, OmopError> {
    let rows = rows_of(population);
    let persons: IdSet = rows.keys().copied().collect();
    let mut out = HashMap::new();
    let scanned =
        cdm.scan_ids("person", &["person_id", column], purpose, IdFilter { column: 0, ids: &persons }, |row| {
            let concept = row.optional_int(1)?.unwrap_or(0);
            if concept != 0 {
                out.insert(rows[&row.id(0)?], concept);
            }
            Ok(())
        });
    match scanned {
        Ok(()) => Ok(Some(out)),
        Err(OmopError::ColumnMissing { column: missing, .. }) if missing == column => Ok(None),
        Err(e) => Err(e),
    }
}
