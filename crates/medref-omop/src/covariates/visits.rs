//! Visit counts: the number of visits overlapping each window (analyses 920
//! long term, 922 short term) and the same per visit concept (923, 925:
//! inpatient, outpatient, emergency ... counted apart), as
//! FeatureExtraction's `VisitCount` and `VisitConceptCount` analyses define
//! them. A visit without an end date counts on its start day; visits of
//! concept 0 (unmapped) are not counted, as FeatureExtraction leaves them out.

use std::collections::BTreeMap;

use super::{mapped_records_in_windows, Builder, CovariateRef, CovariateSettings, Window};
use crate::cohort::StudyPopulation;
use crate::error::OmopError;
use crate::table::Cdm;
use crate::vocabulary::concept_info;
use crate::IdSet;

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
    let windows = Window::pair(settings);
    // Visits per (row, window index, visit concept).
    let mut counts: BTreeMap<(usize, usize, i64), u32> = BTreeMap::new();
    let columns = ["person_id", "visit_concept_id", "visit_start_date", "visit_end_date"];
    let purpose = "the visit count covariates";
    mapped_records_in_windows(cdm, population, &windows, TABLE, &columns, purpose, |r, w, concept| {
        *counts.entry((r, w, concept)).or_default() += 1;
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
        let concepts: IdSet = counts.keys().map(|&(_, _, c)| c).collect();
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
