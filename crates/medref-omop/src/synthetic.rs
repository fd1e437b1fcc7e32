//! A generated CDM with a risk model planted in it, so a study can be
//! trained end to end where no real extract may be shipped (CI, a first
//! lesson) and a model can be judged against the truth it should find.
//!
//! New users of celecoxib, some of them with a peptic ulcer in the year
//! before, some on warfarin in the month before, some aged 65 or more; each
//! of the three raises the odds of a gastrointestinal haemorrhage in the year
//! after the first prescription (log-odds `-3.0 + 2.5 ulcer + 1.8 warfarin +
//! 1.2 old`). Four further conditions are noise. Every person is observed
//! from before 2006 to after 2017, so nobody leaves the study for want of
//! observation and the outcome alone decides the label.

use std::fmt::Write as _;
use std::path::Path;

use medref_core::seed::Rng;

use crate::date::{civil_from_days, days_from_civil};
use crate::study::{CELECOXIB, GI_HEMORRHAGE};

/// Peptic ulcer (SNOMED), the planted condition.
pub const PEPTIC_ULCER: i64 = 4027663;
/// Warfarin (RxNorm ingredient), the planted co-medication.
pub const WARFARIN: i64 = 1310149;
/// The planted log-odds: intercept, ulcer, warfarin, aged 65 or more.
pub const LOG_ODDS: [f64; 4] = [-3.0, 2.5, 1.8, 1.2];

/// Conditions with no effect on the outcome, as (concept, name).
const NOISE: [(i64, &str); 4] = [
    (80180, "Osteoarthritis"),
    (320128, "Essential hypertension"),
    (201826, "Type 2 diabetes mellitus"),
    (255573, "Chronic obstructive lung disease"),
];

fn date(days: i32) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Writes `persons` persons as CDM v5.3 CSV tables into `dir` (created if
/// absent): person, observation_period, drug_era, condition_era,
/// condition_occurrence, visit_occurrence, concept and concept_ancestor.
/// The same `seed` writes the same bytes.
pub fn write_synthetic_cdm(dir: &Path, persons: usize, seed: u64) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut rng = Rng::derive(seed, "omop/synthetic_cdm");
    let mut person = String::from(
        "person_id,gender_concept_id,year_of_birth,month_of_birth,day_of_birth,race_concept_id,ethnicity_concept_id\n",
    );
    let mut period = String::from("observation_period_id,person_id,observation_period_start_date,observation_period_end_date,period_type_concept_id\n");
    let mut drug = String::from(
        "drug_era_id,person_id,drug_concept_id,drug_era_start_date,drug_era_end_date,drug_exposure_count,gap_days\n",
    );
    let mut era = String::from("condition_era_id,person_id,condition_concept_id,condition_era_start_date,condition_era_end_date,condition_occurrence_count\n");
    let mut occurrence = String::from(
        "condition_occurrence_id,person_id,condition_concept_id,condition_start_date,condition_end_date\n",
    );
    let mut visit = String::from("visit_occurrence_id,person_id,visit_concept_id,visit_start_date,visit_end_date\n");
    let (mut drug_id, mut era_id, mut visit_id) = (0, 0, 0);
    let mut condition = |person_id: usize, concept: i64, start: i32, era: &mut String, occurrence: &mut String| {
        era_id += 1;
        let (s, e) = (date(start), date(start + 14));
        writeln!(era, "{era_id},{person_id},{concept},{s},{e},1").unwrap();
        writeln!(occurrence, "{era_id},{person_id},{concept},{s},{e}").unwrap();
    };
    for id in 1..=persons {
        let gender = if rng.uniform() < 0.5 { 8507 } else { 8532 };
        let born = 1930 + rng.below(60) as i32;
        writeln!(person, "{id},{gender},{born},{},{},0,0", 1 + rng.below(12), 1 + rng.below(28)).unwrap();
        let start = days_from_civil(2004, 1, 1) + rng.below(700) as i32;
        let end = days_from_civil(2018, 1, 1) + rng.below(700) as i32;
        writeln!(period, "{id},{id},{},{},44814724", date(start), date(end)).unwrap();
        let index = days_from_civil(2008, 1, 1) + rng.below(7 * 365) as i32;
        drug_id += 1;
        writeln!(drug, "{drug_id},{id},{CELECOXIB},{},{},1,0", date(index), date(index + 29)).unwrap();
        let ulcer = rng.uniform() < 0.25;
        if ulcer {
            condition(id, PEPTIC_ULCER, index - 30 - rng.below(300) as i32, &mut era, &mut occurrence);
        }
        let warfarin = rng.uniform() < 0.2;
        if warfarin {
            drug_id += 1;
            let from = index - 60 + rng.below(40) as i32;
            writeln!(drug, "{drug_id},{id},{WARFARIN},{},{},1,0", date(from), date(from + 90)).unwrap();
        }
        for (concept, _) in NOISE {
            if rng.uniform() < 0.3 {
                condition(id, concept, index - 1 - rng.below(360) as i32, &mut era, &mut occurrence);
            }
        }
        for _ in 0..rng.below(4) {
            visit_id += 1;
            let day = date(index - 1 - rng.below(360) as i32);
            writeln!(visit, "{visit_id},{id},9202,{day},{day}").unwrap();
        }
        let (year, _, _) = civil_from_days(index);
        let old = year - born >= 65;
        let [b0, b_ulcer, b_warfarin, b_old] = LOG_ODDS;
        let logit = b0
            + b_ulcer * f64::from(u8::from(ulcer))
            + b_warfarin * f64::from(u8::from(warfarin))
            + b_old * f64::from(u8::from(old));
        if rng.uniform() < 1.0 / (1.0 + (-logit).exp()) {
            condition(id, GI_HEMORRHAGE, index + 1 + rng.below(365) as i32, &mut era, &mut occurrence);
        }
    }
    let mut concept = String::from(
        "concept_id,concept_name,domain_id,vocabulary_id,concept_class_id,standard_concept,concept_code,valid_start_date,valid_end_date,invalid_reason\n",
    );
    let mut ancestor =
        String::from("ancestor_concept_id,descendant_concept_id,min_levels_of_separation,max_levels_of_separation\n");
    let conditions = [(GI_HEMORRHAGE, "Gastrointestinal hemorrhage"), (PEPTIC_ULCER, "Peptic ulcer")];
    for (id, name, domain, vocabulary, class) in [
        (8507, "MALE", "Gender", "Gender", "Gender"),
        (8532, "FEMALE", "Gender", "Gender", "Gender"),
        (CELECOXIB, "celecoxib", "Drug", "RxNorm", "Ingredient"),
        (WARFARIN, "Warfarin", "Drug", "RxNorm", "Ingredient"),
        (9202, "Outpatient Visit", "Visit", "Visit", "Visit"),
    ]
    .into_iter()
    .chain(conditions.iter().chain(&NOISE).map(|&(id, name)| (id, name, "Condition", "SNOMED", "Clinical Finding")))
    {
        writeln!(concept, "{id},{name},{domain},{vocabulary},{class},S,{id},1970-01-01,2099-12-31,").unwrap();
        writeln!(ancestor, "{id},{id},0,0").unwrap();
    }
    for (name, text) in [
        ("person", person),
        ("observation_period", period),
        ("drug_era", drug),
        ("condition_era", era),
        ("condition_occurrence", occurrence),
        ("visit_occurrence", visit),
        ("concept", concept),
        ("concept_ancestor", ancestor),
    ] {
        std::fs::write(dir.join(format!("{name}.csv")), text)?;
    }
    Ok(())
}
