//! Procedures (analyses 502 long term, 504 short term): one yes/no covariate
//! per procedure concept recorded in the window, as FeatureExtraction's
//! `ProcedureOccurrenceLongTerm`/`ShortTerm` define them: `procedure_date`
//! inside the window, concept 0 (unmapped) left out. Procedures are not
//! rolled up to groups: FeatureExtraction's defaults do not either.

use std::collections::BTreeSet;

use super::{mapped_records_in_windows, Builder, CovariateRef, CovariateSettings, Window};
use crate::cohort::StudyPopulation;
use crate::error::OmopError;
use crate::table::Cdm;
use crate::vocabulary::concept_info;
use crate::IdSet;

const TABLE: &str = "procedure_occurrence";

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
    let purpose = "the procedure covariates";
    // (row, concept, window index) for every procedure inside a window.
    let mut hits: BTreeSet<(usize, i64, usize)> = BTreeSet::new();
    let columns = ["person_id", "procedure_concept_id", "procedure_date"];
    mapped_records_in_windows(cdm, population, &windows, TABLE, &columns, purpose, |r, w, concept| {
        hits.insert((r, concept, w));
    })?;
    let concepts: IdSet = hits.iter().map(|&(_, c, _)| c).collect();
    let info = concept_info(cdm, &concepts, purpose)?;
    for (r, concept, w) in hits {
        let window = windows[w];
        let (analysis_id, analysis_name) =
            if window.long_term { (502, "ProcedureOccurrenceLongTerm") } else { (504, "ProcedureOccurrenceShortTerm") };
        let name = info.get(&concept).map_or_else(|| format!("concept {concept}"), |c| c.name.clone());
        let covariate_name = format!("{TABLE} {}: {name}", window.words());
        b.set(r, CovariateRef::new(concept, analysis_id, analysis_name, covariate_name, window.bounds()), 1.0);
    }
    Ok(())
}
