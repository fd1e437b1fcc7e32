//! Visit counts: the number of visits overlapping each window (analyses 920
//! long term, 922 short term) and the same per visit concept (923, 925:
//! inpatient, outpatient, emergency ... counted apart), as
//! FeatureExtraction's `VisitCount` and `VisitConceptCount` analyses define
//! them. A visit without an end date counts on its start day; visits of
//! concept 0 (unmapped) are not counted, as FeatureExtraction leaves them out.

use std::collections::{BTreeMap, HashSet};

use super::{rows_of, Builder, CovariateRef, CovariateSettings, Window};
use crate::cohort::StudyPopulation;
use crate::error::OmopError;
use crate::table::{Cdm, IdFilter};
use crate::vocabulary::concept_info;

const TABLE: &str = "visit_occurrence";

pub(super) fn extract(
    cdm: &Cdm,
    population: &StudyPopulation,
    settings: &CovariateSettings,
    b: &mut Builder,
) -> Result<(), OmopError> {
    if !b.has(cdm, TABLE) {
        return Ok(());
    }
    let rows = rows_of(population);
    let persons: HashSet<i64> = rows.keys().copied().collect();
    let windows = Window::pair(settings);
    // Visits per (row, window index, visit concept).
    let mut counts: BTreeMap<(usize, usize, i64), u32> = BTreeMap::new();
    let columns = ["person_id", "visit_concept_id", "visit_start_date", "visit_end_date"];
    let purpose = "the visit count covariates";
    cdm.scan_ids(TABLE, &columns, purpose, IdFilter { column: 0, ids: &persons }, |row| {
        let Some(&r) = rows.get(&row.id(0)?) else { return Ok(()) };
        let concept = row.id(1)?;
        if concept == 0 {
            return Ok(());
        }
        let index = population.persons[r].index_date;
        let start = row.date(2)?;
        let end = row.optional_date(3)?.unwrap_or(start);
        for (w, window) in windows.iter().enumerate() {
            if window.overlaps(index, start, end) {
                *counts.entry((r, w, concept)).or_default() += 1;
            }
        }
        Ok(())
    })?;
    if settings.visit_count {
        let mut totals: BTreeMap<(usize, usize), u32> = BTreeMap::new();
        for (&(r, w, _), &n) in &counts {
            *totals.entry((r, w)).or_default() += n;
        }
        for ((r, w), n) in totals {
            let window = windows[w];
            let (analysis_id, analysis_name) =
                if window.long_term { (920, "VisitCountLongTerm") } else { (922, "VisitCountShortTerm") };
            let reference = CovariateRef {
                covariate_id: 1000 + analysis_id,
                covariate_name: format!("visit_count {}", window.words()),
                analysis_id,
                analysis_name,
                concept_id: 0,
                window: window.bounds(),
                missing_means_zero: true,
            };
            b.set(r, reference, f64::from(n));
        }
    }
    if settings.visit_concept_count {
        let concepts: HashSet<i64> = counts.keys().map(|&(_, _, c)| c).collect();
        let info = concept_info(cdm, &concepts, "the visit count covariates' names")?;
        for ((r, w, concept), n) in counts {
            let window = windows[w];
            let (analysis_id, analysis_name) =
                if window.long_term { (923, "VisitConceptCountLongTerm") } else { (925, "VisitConceptCountShortTerm") };
            let name = info.get(&concept).map_or_else(|| format!("concept {concept}"), |c| c.name.clone());
            let covariate_name = format!("visit_count {}: {name}", window.words());
            b.set(
                r,
                CovariateRef::new(concept, analysis_id, analysis_name, covariate_name, window.bounds()),
                f64::from(n),
            );
        }
    }
    Ok(())
}
