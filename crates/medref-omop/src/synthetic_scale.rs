//! A synthetic OMOP CDM of any size, for measuring how cohort building and
//! covariate extraction scale (10^4 to 10^6 persons). Deterministic for a
//! seed: person `i` draws from its own random stream, so the same
//! `(persons, seed)` writes byte-identical files. Rows are written as they are
//! drawn (a 9 MB peak at 10^6 persons), and persons differ the way real
//! extracts do, unlike a generator built to plant a known risk model.
//!
//! What makes it plausible rather than uniform:
//! - activity per person is log-normal (a few persons hold many records, most few);
//! - concepts are drawn with a Zipf skew (a handful of common conditions and drugs);
//! - every record lies inside an observation period (10% of persons have two);
//! - conditions and drugs roll up to groups in `concept_ancestor`, so the
//!   group covariates have something to count;
//! - the celecoxib / GI haemorrhage question of [`crate::study`] has an answer:
//!   osteoarthritis makes celecoxib likelier, and celecoxib with age or an
//!   anticoagulant makes a bleed in the following year likelier (a planted signal).
//!
//! About 50 event rows per person: ~15 condition eras and as many condition
//! occurrences, ~10 drug eras, ~10 visits. Synthetic concepts use ids from
//! 2,000,000,000 up, which no OMOP vocabulary uses; the few real ids (celecoxib,
//! GI haemorrhage, osteoarthritis, genders, visit types) carry their OMOP names.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use crate::date::{civil_from_days, days_from_civil};
use crate::error::OmopError;
use crate::study::{CELECOXIB, GI_HEMORRHAGE};

/// Osteoarthritis (SNOMED), the indication that makes celecoxib likelier.
const OSTEOARTHRITIS: i64 = 80180;
/// The NSAID class celecoxib and diclofenac roll up to (ATC M01A).
const NSAID_CLASS: i64 = 21603933;
const DICLOFENAC: i64 = 1124300;
const CONDITIONS: i64 = 150;
const CONDITION_GROUPS: i64 = 15;
const DRUGS: i64 = 80;
const DRUG_CLASSES: i64 = 8;
const CONDITION_BASE: i64 = 2_000_000_000;
const CONDITION_GROUP_BASE: i64 = 2_100_000_000;
const BLEED_SUBTYPE_BASE: i64 = 2_200_000_000;
const DRUG_BASE: i64 = 3_000_000_000;
const DRUG_CLASS_BASE: i64 = 3_100_000_000;
/// The synthetic drug that doubles the bleeding risk of celecoxib users.
const ANTICOAGULANT: i64 = DRUG_BASE + 3;

/// How much to generate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScaleSettings {
    pub persons: u64,
    pub seed: u64,
}

/// Rows written per table, in the order written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScaleSummary {
    pub rows: Vec<(&'static str, u64)>,
}

/// SplitMix64: tiny, fast and good enough to draw plausible records; not for cryptography.
struct Random(u64);

impl Random {
    fn for_person(seed: u64, person: u64) -> Self {
        let mut r = Random(seed ^ person.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next();
        r
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (1.0 - self.unit(), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
    fn exponential(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.unit()).ln()
    }
    /// Poisson by inversion (means here are small, at most ~100).
    fn poisson(&mut self, mean: f64) -> u64 {
        let (limit, mut product, mut k) = ((-mean.min(500.0)).exp(), self.unit(), 0);
        while product > limit {
            product *= self.unit();
            k += 1;
        }
        k
    }
}

/// Cumulative Zipf weights (`1 / rank^1.1`) over `n` items, for drawing skewed concept frequencies.
fn zipf(n: i64) -> Vec<f64> {
    let mut total = 0.0;
    let mut cdf: Vec<f64> = (1..=n)
        .map(|rank| {
            total += 1.0 / (rank as f64).powf(1.1);
            total
        })
        .collect();
    cdf.iter_mut().for_each(|c| *c /= total);
    cdf
}

fn draw(cdf: &[f64], r: &mut Random) -> i64 {
    let u = r.unit();
    cdf.partition_point(|&c| c < u).min(cdf.len() - 1) as i64
}

/// One CSV file, counting its data rows.
struct Table {
    name: &'static str,
    out: BufWriter<File>,
    rows: u64,
}

impl Table {
    fn create(dir: &Path, name: &'static str, header: &str) -> Result<Self, OmopError> {
        let path = dir.join(format!("{name}.csv"));
        let file = File::create(&path).map_err(|source| OmopError::Io { file: path.clone(), source })?;
        let mut table = Table { name, out: BufWriter::with_capacity(1 << 20, file), rows: 0 };
        table
            .out
            .write_all(header.as_bytes())
            .and_then(|_| table.out.write_all(b"\n"))
            .map_err(|e| table.io(dir, e))?;
        Ok(table)
    }
    fn io(&self, dir: &Path, source: std::io::Error) -> OmopError {
        OmopError::Io { file: dir.join(format!("{}.csv", self.name)), source }
    }
}

/// Appends `YYYY-MM-DD` of a day count.
struct Day(i32);

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (y, m, d) = civil_from_days(self.0);
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// Writes `concept.csv` and `concept_ancestor.csv`: the few real concepts and the synthetic vocabulary.
fn write_vocabulary(dir: &Path) -> Result<Vec<(&'static str, u64)>, OmopError> {
    let mut concept =
        Table::create(dir, "concept", "concept_id,concept_name,domain_id,vocabulary_id,standard_concept")?;
    let mut ancestor = Table::create(
        dir,
        "concept_ancestor",
        "ancestor_concept_id,descendant_concept_id,min_levels_of_separation,max_levels_of_separation",
    )?;
    let mut concepts: Vec<(i64, String, &str, &str, &str)> = vec![
        (8507, "MALE".into(), "Gender", "Gender", "S"),
        (8532, "FEMALE".into(), "Gender", "Gender", "S"),
        (9201, "Inpatient Visit".into(), "Visit", "Visit", "S"),
        (9202, "Outpatient Visit".into(), "Visit", "Visit", "S"),
        (9203, "Emergency Room Visit".into(), "Visit", "Visit", "S"),
        (CELECOXIB, "celecoxib".into(), "Drug", "RxNorm", "S"),
        (DICLOFENAC, "diclofenac".into(), "Drug", "RxNorm", "S"),
        (NSAID_CLASS, "Antiinflammatory and antirheumatic products, non-steroids".into(), "Drug", "ATC", "C"),
        (GI_HEMORRHAGE, "Gastrointestinal hemorrhage".into(), "Condition", "SNOMED", "S"),
        (OSTEOARTHRITIS, "Osteoarthritis".into(), "Condition", "SNOMED", "S"),
    ];
    let mut pairs: Vec<(i64, i64, u32)> = vec![(NSAID_CLASS, CELECOXIB, 1), (NSAID_CLASS, DICLOFENAC, 1)];
    for k in 1..=3 {
        concepts.push((
            BLEED_SUBTYPE_BASE + k,
            format!("synthetic GI bleed subtype {k}"),
            "Condition",
            "Synthetic",
            "S",
        ));
        pairs.push((GI_HEMORRHAGE, BLEED_SUBTYPE_BASE + k, 1));
    }
    for g in 0..CONDITION_GROUPS {
        concepts.push((
            CONDITION_GROUP_BASE + g,
            format!("synthetic condition group {g}"),
            "Condition",
            "Synthetic",
            "S",
        ));
    }
    for c in 0..CONDITIONS {
        concepts.push((CONDITION_BASE + c, format!("synthetic condition {c}"), "Condition", "Synthetic", "S"));
        pairs.push((CONDITION_GROUP_BASE + c % CONDITION_GROUPS, CONDITION_BASE + c, 1));
    }
    for g in 0..DRUG_CLASSES {
        concepts.push((DRUG_CLASS_BASE + g, format!("synthetic drug class {g}"), "Drug", "Synthetic", "C"));
    }
    for d in 0..DRUGS {
        let name = if DRUG_BASE + d == ANTICOAGULANT {
            "synthetic anticoagulant".to_string()
        } else {
            format!("synthetic drug {d}")
        };
        concepts.push((DRUG_BASE + d, name, "Drug", "Synthetic", "S"));
        pairs.push((DRUG_CLASS_BASE + d % DRUG_CLASSES, DRUG_BASE + d, 1));
    }
    for (id, name, domain, vocabulary, standard) in &concepts {
        // Names hold commas ("..., non-steroids"): quoted, as a CSV export quotes them.
        let name = name.replace('"', "\"\"");
        writeln!(concept.out, "{id},\"{name}\",{domain},{vocabulary},{standard}").map_err(|e| concept.io(dir, e))?;
        writeln!(ancestor.out, "{id},{id},0,0").map_err(|e| ancestor.io(dir, e))?;
        concept.rows += 1;
        ancestor.rows += 1;
    }
    for (a, d, levels) in pairs {
        writeln!(ancestor.out, "{a},{d},{levels},{levels}").map_err(|e| ancestor.io(dir, e))?;
        ancestor.rows += 1;
    }
    let mut rows = Vec::new();
    for mut t in [concept, ancestor] {
        t.out.flush().map_err(|e| t.io(dir, e))?;
        rows.push((t.name, t.rows));
    }
    Ok(rows)
}

/// The event tables, with their running record ids.
struct Events {
    person: Table,
    observation_period: Table,
    condition_era: Table,
    condition_occurrence: Table,
    drug_era: Table,
    visit_occurrence: Table,
}

impl Events {
    fn create(dir: &Path) -> Result<Self, OmopError> {
        Ok(Self {
            person: Table::create(
                dir,
                "person",
                "person_id,gender_concept_id,year_of_birth,month_of_birth,day_of_birth,race_concept_id,ethnicity_concept_id",
            )?,
            observation_period: Table::create(
                dir,
                "observation_period",
                "observation_period_id,person_id,observation_period_start_date,observation_period_end_date,period_type_concept_id",
            )?,
            condition_era: Table::create(
                dir,
                "condition_era",
                "condition_era_id,person_id,condition_concept_id,condition_era_start_date,condition_era_end_date,condition_occurrence_count",
            )?,
            condition_occurrence: Table::create(
                dir,
                "condition_occurrence",
                "condition_occurrence_id,person_id,condition_concept_id,condition_start_date,condition_end_date,condition_type_concept_id",
            )?,
            drug_era: Table::create(
                dir,
                "drug_era",
                "drug_era_id,person_id,drug_concept_id,drug_era_start_date,drug_era_end_date,drug_exposure_count,gap_days",
            )?,
            visit_occurrence: Table::create(
                dir,
                "visit_occurrence",
                "visit_occurrence_id,person_id,visit_concept_id,visit_start_date,visit_end_date,visit_type_concept_id",
            )?,
        })
    }

    fn tables(self) -> [Table; 6] {
        [
            self.person,
            self.observation_period,
            self.condition_era,
            self.condition_occurrence,
            self.drug_era,
            self.visit_occurrence,
        ]
    }
}

/// A condition era and the occurrence that started it.
fn condition(e: &mut Events, dir: &Path, person: u64, concept: i64, start: i32, end: i32) -> Result<(), OmopError> {
    e.condition_era.rows += 1;
    let (id, t) = (e.condition_era.rows, &mut e.condition_era);
    writeln!(t.out, "{id},{person},{concept},{},{},1", Day(start), Day(end)).map_err(|err| t.io(dir, err))?;
    e.condition_occurrence.rows += 1;
    let (id, t) = (e.condition_occurrence.rows, &mut e.condition_occurrence);
    writeln!(t.out, "{id},{person},{concept},{},{},32020", Day(start), Day(end)).map_err(|err| t.io(dir, err))
}

fn drug(e: &mut Events, dir: &Path, person: u64, concept: i64, start: i32, end: i32) -> Result<(), OmopError> {
    e.drug_era.rows += 1;
    let (id, t) = (e.drug_era.rows, &mut e.drug_era);
    writeln!(t.out, "{id},{person},{concept},{},{},1,0", Day(start), Day(end)).map_err(|err| t.io(dir, err))
}

/// Writes one person and all their records.
fn write_person(
    e: &mut Events,
    dir: &Path,
    r: &mut Random,
    person: u64,
    cdfs: (&[f64], &[f64]),
) -> Result<(), OmopError> {
    let last_day = days_from_civil(2024, 12, 31);
    let gender = if r.chance(0.5) { 8507 } else { 8532 };
    let year_of_birth = 1925 + r.below(80) as i32;
    let (month, day) = (1 + r.below(12), 1 + r.below(28));
    let t = &mut e.person;
    writeln!(t.out, "{person},{gender},{year_of_birth},{month},{day},0,0").map_err(|err| t.io(dir, err))?;
    t.rows += 1;

    // Observation: from 2000-2014, for a year and an exponential tail; sometimes a second period.
    let start = days_from_civil(2000, 1, 1) + r.below(15 * 365) as i32;
    let end = (start + 365 + r.exponential(6.0 * 365.0) as i32).min(last_day);
    let mut periods = vec![(start, end)];
    if r.chance(0.1) && end + 800 < last_day {
        let second = end + 100 + r.below(700) as i32;
        periods.push((second, (second + 200 + r.exponential(3.0 * 365.0) as i32).min(last_day)));
    }
    for &(s, t_end) in &periods {
        e.observation_period.rows += 1;
        let (id, t) = (e.observation_period.rows, &mut e.observation_period);
        writeln!(t.out, "{id},{person},{},{},44814724", Day(s), Day(t_end)).map_err(|err| t.io(dir, err))?;
    }
    let observed_days: i32 = periods.iter().map(|(s, e)| e - s + 1).sum();
    // A day inside the observation periods, uniformly.
    let observed_day = |r: &mut Random| {
        let mut k = r.below(observed_days as u64) as i32;
        for &(s, e) in &periods {
            if k <= e - s {
                return s + k;
            }
            k -= e - s + 1;
        }
        periods[0].0
    };
    let activity = (0.8 * r.normal() - 0.32).exp();
    let (conditions, drugs) = cdfs;

    let arthritic = r.chance(0.3);
    if arthritic {
        let s = observed_day(r);
        condition(e, dir, person, OSTEOARTHRITIS, s, s + 30 + r.exponential(300.0) as i32)?;
    }
    for _ in 0..r.poisson(15.0 * activity) {
        let concept = CONDITION_BASE + draw(conditions, r);
        let s = observed_day(r);
        condition(e, dir, person, concept, s, s + r.exponential(60.0) as i32)?;
    }
    let mut anticoagulated = false;
    for _ in 0..r.poisson(10.0 * activity) {
        let concept = DRUG_BASE + draw(drugs, r);
        anticoagulated |= concept == ANTICOAGULANT;
        let s = observed_day(r);
        drug(e, dir, person, concept, s, s + 30 + r.exponential(90.0) as i32)?;
    }
    let mut first_celecoxib = None;
    if r.chance(if arthritic { 0.4 } else { 0.05 }) {
        for _ in 0..1 + r.below(3) {
            let s = observed_day(r);
            first_celecoxib = Some(first_celecoxib.map_or(s, |f: i32| f.min(s)));
            drug(e, dir, person, CELECOXIB, s, s + 30 + r.exponential(60.0) as i32)?;
        }
    }
    if r.chance(0.1) {
        let s = observed_day(r);
        drug(e, dir, person, DICLOFENAC, s, s + 30)?;
    }
    // A background rate for everyone (some bleeds come before celecoxib, for the
    // prior-outcome rule), and the planted signal: celecoxib users bleed more in
    // the following year with age and an anticoagulant.
    let background = r.chance(0.02).then(|| observed_day(r));
    let induced = first_celecoxib.and_then(|index| {
        let age = civil_from_days(index).0 - year_of_birth;
        let p = 0.06 + 0.003 * f64::from((age - 50).max(0)) + if anticoagulated { 0.1 } else { 0.0 };
        r.chance(p).then(|| index + 1 + r.below(400) as i32)
    });
    for day in [background, induced].into_iter().flatten() {
        if periods.iter().any(|&(s, e)| s <= day && day <= e) {
            let subtype = if r.chance(0.5) { GI_HEMORRHAGE } else { BLEED_SUBTYPE_BASE + 1 + r.below(3) as i64 };
            condition(e, dir, person, subtype, day, day + r.below(14) as i32)?;
        }
    }
    for _ in 0..r.poisson(10.0 * activity) {
        let s = observed_day(r);
        let (concept, length) = match r.below(10) {
            0 => (9201, 1 + r.below(10) as i32),
            1 => (9203, 0),
            _ => (9202, 0),
        };
        e.visit_occurrence.rows += 1;
        let (id, t) = (e.visit_occurrence.rows, &mut e.visit_occurrence);
        writeln!(t.out, "{id},{person},{concept},{},{},44818517", Day(s), Day(s + length))
            .map_err(|err| t.io(dir, err))?;
    }
    Ok(())
}

/// Writes a synthetic CDM (one CSV per table) into `dir`, which must exist.
pub fn write_scale_cdm(dir: &Path, settings: &ScaleSettings) -> Result<ScaleSummary, OmopError> {
    write_scale_cdm_with(dir, settings, |_| {})
}

/// [`write_scale_cdm`], calling `persons_written` with the persons written so
/// far every 10,000 persons and at the end (a caller's progress bar).
pub fn write_scale_cdm_with(
    dir: &Path,
    settings: &ScaleSettings,
    mut persons_written: impl FnMut(u64),
) -> Result<ScaleSummary, OmopError> {
    let mut rows = write_vocabulary(dir)?;
    let (conditions, drugs) = (zipf(CONDITIONS), zipf(DRUGS));
    let mut events = Events::create(dir)?;
    for i in 0..settings.persons {
        let mut r = Random::for_person(settings.seed, i);
        write_person(&mut events, dir, &mut r, i + 1, (&conditions, &drugs))?;
        if (i + 1) % 10_000 == 0 {
            persons_written(i + 1);
        }
    }
    persons_written(settings.persons);
    for mut t in events.tables() {
        t.out.flush().map_err(|e| t.io(dir, e))?;
        rows.push((t.name, t.rows));
    }
    Ok(ScaleSummary { rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_writes_the_same_files_and_another_seed_does_not() {
        let read = |dir: &Path| std::fs::read_to_string(dir.join("drug_era.csv")).unwrap();
        let (a, b, c) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let settings = ScaleSettings { persons: 200, seed: 7 };
        let summary = write_scale_cdm(a.path(), &settings).unwrap();
        write_scale_cdm(b.path(), &settings).unwrap();
        write_scale_cdm(c.path(), &ScaleSettings { seed: 8, ..settings }).unwrap();
        assert_eq!(read(a.path()), read(b.path()));
        assert_ne!(read(a.path()), read(c.path()));
        let person_rows = summary.rows.iter().find(|(t, _)| *t == "person").unwrap().1;
        assert_eq!(person_rows, 200);
        let events: u64 = summary
            .rows
            .iter()
            .filter(|(t, _)| t.ends_with("_era") || t.ends_with("_occurrence"))
            .map(|(_, n)| n)
            .sum();
        assert!((30 * 200..80 * 200).contains(&events), "{events} event rows for 200 persons");
        // Every table is well-formed CSV (the same field count on every row), ids and dates readable.
        for (table, _) in &summary.rows {
            let mut reader = csv::Reader::from_path(a.path().join(format!("{table}.csv"))).unwrap();
            let width = reader.headers().unwrap().len();
            assert!(reader.records().all(|r| r.unwrap().len() == width), "{table}.csv");
        }
        let cdm = crate::Cdm::new(a.path());
        let mut nsaid_class = None;
        cdm.scan("concept", &["concept_id", "domain_id"], "a test", |row| {
            if row.id(0)? == NSAID_CLASS {
                nsaid_class = Some(row.text(1).to_string());
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(nsaid_class.as_deref(), Some("Drug"));
    }

    #[test]
    fn zipf_draws_favour_the_first_concepts() {
        let cdf = zipf(100);
        let mut r = Random::for_person(1, 0);
        let draws: Vec<i64> = (0..10_000).map(|_| draw(&cdf, &mut r)).collect();
        let first = draws.iter().filter(|&&d| d == 0).count();
        let last = draws.iter().filter(|&&d| d == 99).count();
        assert!(first > 10 * last.max(1), "first {first}, last {last}");
        assert!(draws.iter().all(|&d| (0..100).contains(&d)));
    }
}
