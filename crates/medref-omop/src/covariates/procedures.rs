//! Procedures (analyses 502 long term, 504 short term): one yes/no covariate
//! per procedure concept recorded in the window, as FeatureExtraction's
//! `ProcedureOccurrenceLongTerm`/`ShortTerm` define them: `procedure_date`
//! inside the window, concept 0 (unmapped) left out. Procedures are not
//! rolled up to groups: FeatureExtraction's defaults do not either.

use std::collections::{BTreeSet, HashSet};

use super::{rows_of, Builder, CovariateRef, CovariateSettings, Window};
use crate::cohort::StudyPopulation;
use crate::error::OmopError;
use crate::table::{Cdm, IdFilter};
use crate::vocabulary::concept_info;

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
    let rows = rows_of(population);
    let persons: HashSet<i64> = rows.keys().copied().collect();
    let windows = Window::pair(settings);
    let purpose = "the procedure covariates";
    // (row, concept, window index) for every procedure inside a window.
    let mut hits: BTreeSet<(usize, i64, usize)> = BTreeSet::new();
    let columns = ["person_id", "procedure_concept_id", "procedure_date"];
    cdm.scan_ids(TABLE, &columns, purpose, IdFilter { column: 0, ids: &persons }, |row| {
        let Some(&r) = rows.get(&row.id(0)?) else { return Ok(()) };
        let concept = row.id(1)?;
        if concept == 0 {
            return Ok(());
        }
        let (index, day) = (population.persons[r].index_date, row.date(2)?);
        for (w, window) in windows.iter().enumerate() {
            if window.overlaps(index, day, day) {
                hits.insert((r, concept, w));
            }
        }
        Ok(())
    })?;
    let concepts: HashSet<i64> = hits.iter().map(|&(_, c, _)| c).collect();
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
