//! The classic teaching question on OHDSI's Eunomia GiBleed CDM, as a ready
//! definition: new users of celecoxib, gastrointestinal haemorrhage within a year.

use crate::cohort::{Domain, EventCriteria, StudyDefinition, TimeAtRisk};
use crate::vocabulary::ConceptSet;

/// celecoxib, the RxNorm ingredient `drug_era` records.
pub const CELECOXIB: i64 = 1118084;
/// Gastrointestinal hemorrhage (SNOMED), used with its descendants.
pub const GI_HEMORRHAGE: i64 = 192671;

/// New users of celecoxib (first `drug_era`, 365 days prior observation, aged 18
/// or older) with a GI haemorrhage (`condition_occurrence`, with descendants) on
/// days 1 to 365; PatientLevelPrediction's defaults for the rest (prior outcomes
/// removed with a 99,999-day lookback, at least 364 days at risk unless the outcome happened).
pub fn celecoxib_gi_bleed() -> StudyDefinition {
    StudyDefinition {
        target: EventCriteria { concept_set: ConceptSet::exact(&[CELECOXIB]), domains: vec![Domain::DrugEra] },
        outcome: EventCriteria {
            concept_set: ConceptSet::with_descendants(&[GI_HEMORRHAGE]),
            domains: vec![Domain::ConditionOccurrence],
        },
        prior_observation_days: 365,
        min_age: Some(18),
        max_age: None,
        time_at_risk: TimeAtRisk {
            start_offset: 1,
            end_offset: 365,
            require_time_at_risk: true,
            min_time_at_risk: 364,
            include_all_outcomes: true,
        },
        remove_subjects_with_prior_outcome: true,
        prior_outcome_lookback: 99999,
        comparator: None,
    }
}
