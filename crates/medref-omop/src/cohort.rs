//! A target cohort, an outcome and a time at risk turned into a study
//! population with labels and an attrition table, the way PatientLevelPrediction's
//! `createStudyPopulation` does on an ATLAS new-user cohort.
//!
//! Index date: a person's first ever record of the target concept set in the
//! target domains (a new user). That first record must then lie in an
//! observation period with enough prior observation; a person whose first record
//! fails is left out, never re-indexed at a later record. Every offset is in
//! days from the index date (day 0).

use std::collections::BTreeMap;

use crate::date::civil_from_days;
use crate::error::OmopError;
use crate::table::{Cdm, IdFilter};
use crate::vocabulary::ConceptSet;
use crate::{IdMap, IdSet};
use serde::{Deserialize, Serialize};

/// A CDM event table a cohort can draw records from, named in a config as its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    /// `drug_era` (ingredient level), from `drug_era_start_date`.
    DrugEra,
    /// `drug_exposure`, from `drug_exposure_start_date`.
    DrugExposure,
    /// `condition_occurrence`, from `condition_start_date`.
    ConditionOccurrence,
    /// `condition_era`, from `condition_era_start_date`.
    ConditionEra,
}

impl Domain {
    /// The CDM table, its concept column and its start-date column.
    pub fn columns(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Domain::DrugEra => ("drug_era", "drug_concept_id", "drug_era_start_date"),
            Domain::DrugExposure => ("drug_exposure", "drug_concept_id", "drug_exposure_start_date"),
            Domain::ConditionOccurrence => ("condition_occurrence", "condition_concept_id", "condition_start_date"),
            Domain::ConditionEra => ("condition_era", "condition_concept_id", "condition_era_start_date"),
        }
    }
}

/// Records of a concept set in one or more domains. In a config:
/// `{ concepts = [192671], include_descendants = true, domains = ["condition_occurrence"] }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "EventCriteriaKeys", into = "EventCriteriaKeys")]
pub struct EventCriteria {
    pub concept_set: ConceptSet,
    pub domains: Vec<Domain>,
}

/// [`EventCriteria`] as a config writes it: the concept set's keys inline.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventCriteriaKeys {
    concepts: Vec<i64>,
    #[serde(default)]
    include_descendants: bool,
    domains: Vec<Domain>,
}

impl From<EventCriteriaKeys> for EventCriteria {
    fn from(k: EventCriteriaKeys) -> Self {
        let concept_set = ConceptSet { concepts: k.concepts, include_descendants: k.include_descendants };
        Self { concept_set, domains: k.domains }
    }
}

impl From<EventCriteria> for EventCriteriaKeys {
    fn from(c: EventCriteria) -> Self {
        Self {
            concepts: c.concept_set.concepts,
            include_descendants: c.concept_set.include_descendants,
            domains: c.domains,
        }
    }
}

/// The time at risk and PLP's rules for who stays in the population; every
/// key defaults to PLP's `createStudyPopulationSettings` (days 1 to 365, at
/// least 364 days at risk unless the outcome happened).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimeAtRisk {
    /// First day at risk, from index (PLP `riskWindowStart`, anchored at cohort start).
    pub start_offset: i32,
    /// Last day at risk, from index (PLP `riskWindowEnd`); cut at the end of the observation period.
    pub end_offset: i32,
    /// PLP `requireTimeAtRisk`: drop persons whose time at risk ends before `start_offset +
    /// min_time_at_risk`... (without it, only persons with no day at risk are dropped)
    pub require_time_at_risk: bool,
    /// PLP `minTimeAtRisk` (days after the first day at risk).
    pub min_time_at_risk: i32,
    /// ... unless they had the outcome (PLP `includeAllOutcomes`).
    pub include_all_outcomes: bool,
}

impl Default for TimeAtRisk {
    fn default() -> Self {
        Self {
            start_offset: 1,
            end_offset: 365,
            require_time_at_risk: true,
            min_time_at_risk: 364,
            include_all_outcomes: true,
        }
    }
}

fn plp_prior_outcome_lookback() -> i32 {
    99999
}

fn yes() -> bool {
    true
}

/// A whole study population definition; in a config, its keys (unknown ones refused).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyDefinition {
    pub target: EventCriteria,
    pub outcome: EventCriteria,
    /// Days of continuous observation required before index (index - period start >= this).
    #[serde(default)]
    pub prior_observation_days: i32,
    /// Inclusive bounds on age at index (calendar year of index minus year of birth).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_age: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<i32>,
    #[serde(default)]
    pub time_at_risk: TimeAtRisk,
    /// PLP `removeSubjectsWithPriorOutcome`: drop persons with an outcome after
    /// `index - prior_outcome_lookback` and before the first day at risk.
    #[serde(default = "yes")]
    pub remove_subjects_with_prior_outcome: bool,
    #[serde(default = "plp_prior_outcome_lookback")]
    pub prior_outcome_lookback: i32,
    /// A comparator cohort, as CohortMethod pairs a target with one: first
    /// exposure to another concept set, under every rule above, described
    /// against the target (`[data.study.comparator]`); never given to the model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparator: Option<EventCriteria>,
}

/// One person of the study population: dates are days since 1970-01-01, offsets days from index.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyPerson {
    pub person_id: i64,
    pub index_date: i32,
    pub gender_concept_id: i64,
    pub year_of_birth: i32,
    pub age_at_index: i32,
    pub observation_start: i32,
    pub observation_end: i32,
    /// First day at risk, from index.
    pub risk_start: i32,
    /// Last day at risk, from index: the window's end or the end of observation, whichever is first.
    pub risk_end: i32,
    /// Days at risk, `risk_end - risk_start + 1` (PLP's `timeAtRisk`).
    pub time_at_risk: i32,
    /// Binary label: an outcome record in `[risk_start, risk_end]`.
    pub outcome: bool,
    /// Days from index to the first outcome at risk, if any.
    pub days_to_event: Option<i32>,
    /// Survival label as PLP's `survivalTime`: days at risk up to and including the first
    /// outcome (`days_to_event - risk_start + 1`), or `time_at_risk` when censored (no outcome
    /// by the window's end or the end of observation).
    pub survival_time: i32,
}

/// One inclusion step: who is left after it.
#[derive(Debug, Clone, PartialEq)]
pub struct AttritionStep {
    pub description: String,
    pub persons: usize,
    /// Persons left with an outcome in their time at risk.
    pub outcomes: usize,
}

/// The labelled population (sorted by person id) and how it was reached.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyPopulation {
    pub persons: Vec<StudyPerson>,
    pub attrition: Vec<AttritionStep>,
}

/// Start dates of `criteria`'s records, per person, for persons in `only` if given.
fn event_dates(
    cdm: &Cdm,
    criteria: &EventCriteria,
    role: &str,
    only: Option<&IdSet>,
) -> Result<IdMap<Vec<i32>>, OmopError> {
    if criteria.domains.is_empty() {
        return Err(OmopError::Definition(format!("the {role} names no domain to read records from")));
    }
    let concepts = criteria.concept_set.resolve(cdm)?;
    let mut dates: IdMap<Vec<i32>> = IdMap::default();
    for domain in &criteria.domains {
        let (table, concept, start) = domain.columns();
        let purpose = format!("the {role} cohort");
        let filter = IdFilter { column: 1, ids: &concepts };
        cdm.scan_ids(table, &["person_id", concept, start], &purpose, filter, |row| {
            let person = row.id(0)?;
            if only.is_none_or(|o| o.contains(&person)) {
                dates.entry(person).or_default().push(row.date(2)?);
            }
            Ok(())
        })?;
    }
    for d in dates.values_mut() {
        d.sort_unstable();
    }
    Ok(dates)
}

struct Candidate {
    person_id: i64,
    index_date: i32,
    period: Option<(i32, i32)>,
    person: Option<(i64, i32)>,
}

impl StudyDefinition {
    /// The comparator's own study: this definition with the comparator's
    /// records in place of the target's, so its persons pass the same rules.
    pub fn comparator_study(&self) -> Option<StudyDefinition> {
        let comparator = self.comparator.clone()?;
        Some(StudyDefinition { target: comparator, comparator: None, ..self.clone() })
    }

    /// Builds the labelled study population and its attrition from `cdm`.
    ///
    /// Reads `concept_ancestor` (if a set includes descendants), the target and outcome
    /// domain tables, `observation_period` and `person`.
    pub fn build(&self, cdm: &Cdm) -> Result<StudyPopulation, OmopError> {
        let tar = &self.time_at_risk;
        if tar.end_offset < tar.start_offset {
            return Err(OmopError::Definition(format!(
                "time at risk ends (day {}) before it starts (day {})",
                tar.end_offset, tar.start_offset
            )));
        }
        let target = event_dates(cdm, &self.target, "target", None)?;
        let targeted: IdSet = target.keys().copied().collect();
        let outcomes = event_dates(cdm, &self.outcome, "outcome", Some(&targeted))?;

        let mut periods: IdMap<Vec<(i32, i32)>> = IdMap::default();
        cdm.scan(
            "observation_period",
            &["person_id", "observation_period_start_date", "observation_period_end_date"],
            "prior observation and the end of time at risk",
            |row| {
                let person = row.id(0)?;
                if targeted.contains(&person) {
                    periods.entry(person).or_default().push((row.date(1)?, row.date(2)?));
                }
                Ok(())
            },
        )?;
        let mut demographics: IdMap<(i64, i32)> = IdMap::default();
        cdm.scan("person", &["person_id", "gender_concept_id", "year_of_birth"], "age and gender", |row| {
            let person = row.id(0)?;
            if targeted.contains(&person) {
                let year = row.id(2)?;
                demographics.insert(person, (row.id(1)?, year as i32));
            }
            Ok(())
        })?;

        let mut candidates: Vec<Candidate> = target
            .iter()
            .map(|(&person_id, dates)| {
                let index_date = dates[0];
                let period = periods
                    .get(&person_id)
                    .and_then(|ps| ps.iter().copied().find(|&(s, e)| s <= index_date && index_date <= e));
                Candidate { person_id, index_date, period, person: demographics.get(&person_id).copied() }
            })
            .collect();
        candidates.sort_by_key(|c| c.person_id);

        // Outcome at risk for a candidate: the window is cut at the end of its observation period when it has one.
        let first_outcome_at_risk = |c: &Candidate| -> Option<i32> {
            let end = match c.period {
                Some((_, op_end)) => tar.end_offset.min(op_end - c.index_date),
                None => tar.end_offset,
            };
            outcomes.get(&c.person_id)?.iter().map(|&d| d - c.index_date).find(|&d| d >= tar.start_offset && d <= end)
        };
        let mut attrition = Vec::new();
        let mut record = |description: String, cs: &[Candidate]| {
            let outcomes = cs.iter().filter(|c| first_outcome_at_risk(c).is_some()).count();
            attrition.push(AttritionStep { description, persons: cs.len(), outcomes });
        };

        let age = |c: &Candidate| c.person.map(|(_, yob)| civil_from_days(c.index_date).0 - yob);
        record("first exposure to the target concept set".into(), &candidates);
        candidates.retain(|c| c.person.is_some());
        record("in the person table".into(), &candidates);
        candidates.retain(|c| c.period.is_some());
        record("index date inside an observation period".into(), &candidates);
        let prior = self.prior_observation_days;
        candidates.retain(|c| c.period.is_some_and(|(s, _)| c.index_date - s >= prior));
        record(format!("at least {prior} days of observation before index"), &candidates);
        if self.min_age.is_some() || self.max_age.is_some() {
            let (lo, hi) = (self.min_age.unwrap_or(i32::MIN), self.max_age.unwrap_or(i32::MAX));
            candidates.retain(|c| age(c).is_some_and(|a| lo <= a && a <= hi));
            let bounds = match (self.min_age, self.max_age) {
                (Some(lo), Some(hi)) => format!("{lo} to {hi}"),
                (Some(lo), None) => format!("{lo} or older"),
                (None, Some(hi)) => format!("{hi} or younger"),
                (None, None) => unreachable!(),
            };
            record(format!("aged {bounds} at index"), &candidates);
        }
        if self.remove_subjects_with_prior_outcome {
            let lookback = self.prior_outcome_lookback;
            candidates.retain(|c| {
                !outcomes.get(&c.person_id).is_some_and(|ds| {
                    ds.iter().any(|&d| d - c.index_date > -lookback && d - c.index_date < tar.start_offset)
                })
            });
            record(format!("no outcome in the {lookback} days before the time at risk"), &candidates);
        }
        let risk_end = |c: &Candidate| tar.end_offset.min(c.period.map_or(i32::MAX, |(_, e)| e - c.index_date));
        if tar.require_time_at_risk {
            let min = tar.min_time_at_risk;
            // PLP's comparison: `tarEnd >= tarStart + minTimeAtRisk`.
            candidates.retain(|c| {
                risk_end(c) >= tar.start_offset + min
                    || (tar.include_all_outcomes && first_outcome_at_risk(c).is_some())
            });
            let tail = if tar.include_all_outcomes { " or an outcome at risk" } else { "" };
            record(format!("at least {min} days at risk after the first{tail}"), &candidates);
        } else {
            candidates.retain(|c| risk_end(c) >= tar.start_offset);
            record("some time at risk".into(), &candidates);
        }

        let persons = candidates
            .iter()
            .map(|c| {
                let (gender_concept_id, year_of_birth) = c.person.expect("kept persons are in the person table");
                let (observation_start, observation_end) = c.period.expect("kept persons are observed at index");
                let risk_end = risk_end(c);
                let days_to_event = first_outcome_at_risk(c);
                StudyPerson {
                    person_id: c.person_id,
                    index_date: c.index_date,
                    gender_concept_id,
                    year_of_birth,
                    age_at_index: civil_from_days(c.index_date).0 - year_of_birth,
                    observation_start,
                    observation_end,
                    risk_start: tar.start_offset,
                    risk_end,
                    time_at_risk: risk_end - tar.start_offset + 1,
                    outcome: days_to_event.is_some(),
                    days_to_event,
                    survival_time: days_to_event.unwrap_or(risk_end) - tar.start_offset + 1,
                }
            })
            .collect();
        Ok(StudyPopulation { persons, attrition })
    }
}

/// Persons per outcome label, for summaries: `(persons, with outcome)`.
pub fn label_counts(population: &StudyPopulation) -> (usize, usize) {
    (population.persons.len(), population.persons.iter().filter(|p| p.outcome).count())
}

/// Person id to row of the population, the row index covariates refer to.
pub fn row_of_person(population: &StudyPopulation) -> BTreeMap<i64, usize> {
    population.persons.iter().enumerate().map(|(row, p)| (p.person_id, row)).collect()
}
