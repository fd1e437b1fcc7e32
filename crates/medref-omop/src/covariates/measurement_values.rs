//! The latest measured value (analysis 706, FeatureExtraction's
//! `MeasurementValueLongTerm`): per measurement concept, the
//! `value_as_number` of the person's last measurement in the long-term
//! window (`measurement_date` from `index + long_term_start_days` to
//! `index + end_days`), so a lab test enters the model as its most recent
//! result before index rather than as "was measured".
//!
//! As in FeatureExtraction: rows without a number or with concept 0 are
//! skipped; the latest row is picked per concept whatever its unit, and the
//! covariate id carries that unit, `concept * 1_000_000 + (unit mod 1000) *
//! 1000 + 706`. Two rows on the same latest day: the larger `measurement_id`
//! wins (FeatureExtraction leaves that tie to the database). A value of
//! exactly 0 is stored like an absent one: the matrix is sparse.

use std::collections::BTreeMap;

use super::{rows_of, Builder, CovariateRef, CovariateSettings, Window};
use crate::cohort::StudyPopulation;
use crate::error::OmopError;
use crate::table::{Cdm, IdFilter};
use crate::vocabulary::concept_info;
use crate::IdSet;

const TABLE: &str = "measurement";
const ANALYSIS_ID: i64 = 706;

/// The latest measurement of one concept for one person so far.
struct Latest {
    date: i32,
    measurement_id: i64,
    unit: i64,
    value: f64,
}

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
    let persons: IdSet = rows.keys().copied().collect();
    let window = Window::pair(settings)[0];
    let purpose = "the measurement value covariates";
    let mut latest: BTreeMap<(usize, i64), Latest> = BTreeMap::new();
    let columns = [
        "person_id",
        "measurement_id",
        "measurement_concept_id",
        "measurement_date",
        "value_as_number",
        "unit_concept_id",
    ];
    cdm.scan_ids(TABLE, &columns, purpose, IdFilter { column: 0, ids: &persons }, |row| {
        let Some(&r) = rows.get(&row.id(0)?) else { return Ok(()) };
        let concept = row.id(2)?;
        let Some(value) = row.optional_number(4)? else { return Ok(()) };
        let date = row.date(3)?;
        if concept == 0 || !window.overlaps(population.persons[r].index_date, date, date) {
            return Ok(());
        }
        let candidate = Latest { date, measurement_id: row.id(1)?, unit: row.optional_int(5)?.unwrap_or(0), value };
        let slot =
            latest.entry((r, concept)).or_insert(Latest { date: i32::MIN, measurement_id: i64::MIN, unit: 0, value });
        if (candidate.date, candidate.measurement_id) > (slot.date, slot.measurement_id) {
            *slot = candidate;
        }
        Ok(())
    })?;
    let mut named: IdSet = latest.keys().map(|&(_, c)| c).collect();
    named.extend(latest.values().map(|l| l.unit).filter(|&u| u != 0));
    let info = concept_info(cdm, &named, purpose)?;
    let name_of = |id: i64, what: &str| info.get(&id).map_or_else(|| format!("{what}{id}"), |c| c.name.clone());
    for ((r, concept), l) in latest {
        let unit = if l.unit == 0 { "Unknown unit".to_string() } else { name_of(l.unit, "unit concept ") };
        let reference = CovariateRef {
            covariate_id: concept * 1_000_000 + l.unit.rem_euclid(1000) * 1000 + ANALYSIS_ID,
            covariate_name: format!("measurement value {}: {} ({unit})", window.words(), name_of(concept, "concept ")),
            analysis_id: ANALYSIS_ID,
            analysis_name: "MeasurementValueLongTerm",
            concept_id: concept,
            window: window.bounds(),
            missing_means_zero: false,
        };
        b.set(r, reference, l.value);
    }
    Ok(())
}
