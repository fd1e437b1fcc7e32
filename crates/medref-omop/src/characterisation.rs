//! The table a real-world-data study shows before any model: how two groups
//! differ covariate by covariate (persons with the outcome against those
//! without, or the target cohort against a comparator cohort), as counts and
//! shares (binary covariates) or means (counts, measured values), with the
//! standardized mean difference (SMD) that OHDSI's diagnostics read: |SMD|
//! above 0.1 is the usual mark of an imbalance worth a look.
//!
//! Small counts identify people: a cell counting fewer than `min_cell_count`
//! persons (but more than none) is written as `<k`, and the share and SMD
//! computed from it are left out, so the file can leave the run directory.

use crate::cohort::{AttritionStep, StudyPopulation};
use crate::covariates::{Covariate, CovariateData};
use crate::IdMap;
use medref_core::csv_text::csv_field;
use std::collections::BTreeMap;

/// One covariate's row: the two groups side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct CharacterisationRow {
    pub covariate_id: i64,
    pub covariate_name: String,
    pub analysis_name: &'static str,
    /// Whether every non-zero value is 1 (a yes/no covariate).
    pub binary: bool,
    /// Persons with a non-zero value, per group (with the outcome and
    /// without it; or target and comparator).
    pub count: [usize; 2],
    /// Mean value per group (for a binary covariate, the share); for a
    /// measured value (no value means not measured), the mean over the measured.
    pub mean: [f64; 2],
    /// Standard deviation per group, over the same persons as the mean.
    pub sd: [f64; 2],
    /// `(mean_first - mean_second) / sqrt((sd_first^2 + sd_second^2) / 2)`;
    /// 0 where both spreads are 0 and the means agree, NaN where they differ.
    pub smd: f64,
}

/// Per group: count, sum and sum of squares of a covariate's non-zero
/// values, and whether all of them are 1.
type GroupSums = ([usize; 2], [f64; 2], [f64; 2], bool);

/// Covariates of `data` compared between persons with the outcome (first
/// group) and without, sorted by |SMD| (largest first, ties by covariate id).
pub fn characterise(population: &StudyPopulation, data: &CovariateData) -> Vec<CharacterisationRow> {
    let group: Vec<usize> = population.persons.iter().map(|p| usize::from(!p.outcome)).collect();
    characterise_groups(data, &group)
}

/// The target study population (first group) against the comparator's,
/// each with its own covariates from the same settings. A person in both
/// cohorts counts in both, as CohortMethod's `removeDuplicateSubjects =
/// "keep all"` keeps them.
pub fn characterise_comparator(
    target: (&StudyPopulation, &CovariateData),
    comparator: (&StudyPopulation, &CovariateData),
) -> Vec<CharacterisationRow> {
    let offset = target.0.persons.len();
    let mut reference: BTreeMap<i64, _> = BTreeMap::new();
    for r in target.1.reference.iter().chain(&comparator.1.reference) {
        reference.entry(r.covariate_id).or_insert_with(|| r.clone());
    }
    let covariates = target
        .1
        .covariates
        .iter()
        .copied()
        .chain(comparator.1.covariates.iter().map(|c| Covariate { row: c.row + offset, ..*c }))
        .collect();
    let both = CovariateData { covariates, reference: reference.into_values().collect(), ..CovariateData::default() };
    let group: Vec<usize> = (0..offset + comparator.0.persons.len()).map(|row| usize::from(row >= offset)).collect();
    characterise_groups(&both, &group)
}

/// Covariates of `data` compared between group 0 and group 1 (`group[row]`),
/// sorted by |SMD| (largest first, ties by covariate id).
fn characterise_groups(data: &CovariateData, group: &[usize]) -> Vec<CharacterisationRow> {
    let n = [0, 1].map(|g| group.iter().filter(|&&x| x == g).count());
    // Count, sum, sum of squares per group and whether every value is 1,
    // per covariate, in one pass over the non-zero values.
    let mut stats: IdMap<GroupSums> = IdMap::default();
    for c in &data.covariates {
        let (count, sum, sum_sq, binary) = stats.entry(c.covariate_id).or_insert(([0; 2], [0.0; 2], [0.0; 2], true));
        let g = group[c.row];
        count[g] += 1;
        sum[g] += c.value;
        sum_sq[g] += c.value * c.value;
        *binary &= c.value == 1.0;
    }
    let mut rows = Vec::with_capacity(data.reference.len());
    for reference in &data.reference {
        let (count, sum, sum_sq, binary) =
            stats.get(&reference.covariate_id).copied().unwrap_or(([0; 2], [0.0; 2], [0.0; 2], true));
        // Over everyone where no value means 0, over those with a value otherwise.
        let over = [0, 1].map(|g| if reference.missing_means_zero { n[g] } else { count[g] });
        let mean = [0, 1].map(|g| if over[g] == 0 { f64::NAN } else { sum[g] / over[g] as f64 });
        // Population variance, as FeatureExtraction's balance table uses.
        let sd = [0, 1].map(|g| {
            if over[g] == 0 {
                f64::NAN
            } else {
                (sum_sq[g] / over[g] as f64 - mean[g] * mean[g]).max(0.0).sqrt()
            }
        });
        let pooled = ((sd[0] * sd[0] + sd[1] * sd[1]) / 2.0).sqrt();
        let diff = mean[0] - mean[1];
        let smd = if pooled > 0.0 {
            diff / pooled
        } else if diff == 0.0 {
            0.0
        } else {
            f64::NAN
        };
        rows.push(CharacterisationRow {
            covariate_id: reference.covariate_id,
            covariate_name: reference.covariate_name.clone(),
            analysis_name: reference.analysis_name,
            binary,
            count,
            mean,
            sd,
            smd,
        });
    }
    rows.sort_by(|a, b| {
        let key = |r: &CharacterisationRow| if r.smd.is_nan() { f64::INFINITY } else { r.smd.abs() };
        key(b).total_cmp(&key(a)).then(a.covariate_id.cmp(&b.covariate_id))
    });
    rows
}

/// A count as it may be shown: itself, or `<k` when `0 < count < k`.
pub fn suppressed(count: usize, min_cell_count: usize) -> Option<String> {
    (count == 0 || count >= min_cell_count).then(|| count.to_string())
}

fn cell(count: usize, k: usize) -> String {
    suppressed(count, k).unwrap_or_else(|| format!("<{k}"))
}

/// `characterisation.csv`: one row per covariate, counts under `k` suppressed
/// together with the share, mean and SMD they would reveal (as are all of a
/// group's when the group itself, of `n` persons, is under `k`). The group
/// sizes are the last step of `attrition.csv`.
pub fn characterisation_csv(rows: &[CharacterisationRow], n: [usize; 2], k: usize) -> String {
    groups_csv(rows, ["with_outcome", "without_outcome"], n, k)
}

/// `comparator_characterisation.csv`: [`characterisation_csv`] for the
/// target cohort against the comparator (`target_count`, ...,
/// `comparator_count`, ...), the SMD target minus comparator.
pub fn comparator_characterisation_csv(rows: &[CharacterisationRow], n: [usize; 2], k: usize) -> String {
    groups_csv(rows, ["target", "comparator"], n, k)
}

fn groups_csv(rows: &[CharacterisationRow], groups: [&str; 2], n: [usize; 2], k: usize) -> String {
    let [a, b] = groups;
    let mut s =
        format!("covariate_id,covariate_name,analysis_name,{a}_count,{a}_mean,{a}_sd,{b}_count,{b}_mean,{b}_sd,smd\n");
    for r in rows {
        let hidden = [0, 1].map(|g| suppressed(r.count[g], k).is_none() || suppressed(n[g], k).is_none());
        let num = |x: f64, hide: bool| if hide || !x.is_finite() { String::new() } else { format!("{x:.6}") };
        s.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{}\n",
            r.covariate_id,
            csv_field(&r.covariate_name),
            r.analysis_name,
            cell(r.count[0], k),
            num(r.mean[0], hidden[0]),
            num(r.sd[0], hidden[0]),
            cell(r.count[1], k),
            num(r.mean[1], hidden[1]),
            num(r.sd[1], hidden[1]),
            num(r.smd, hidden[0] || hidden[1]),
        ));
    }
    s
}

/// `attrition.csv` with counts under `k` suppressed.
pub fn attrition_csv(steps: &[AttritionStep], k: usize) -> String {
    let mut s = String::from("step,description,persons,outcomes\n");
    for (i, step) in steps.iter().enumerate() {
        s.push_str(&format!(
            "{},{},{},{}\n",
            i + 1,
            csv_field(&step.description),
            cell(step.persons, k),
            cell(step.outcomes, k)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::covariates::CovariateRef;

    fn person(outcome: bool) -> crate::cohort::StudyPerson {
        crate::cohort::StudyPerson {
            person_id: 0,
            index_date: 0,
            gender_concept_id: 0,
            year_of_birth: 1950,
            age_at_index: 60,
            observation_start: 0,
            observation_end: 0,
            risk_start: 1,
            risk_end: 365,
            time_at_risk: 365,
            outcome,
            days_to_event: None,
            survival_time: 365,
        }
    }

    fn reference(id: i64) -> CovariateRef {
        CovariateRef {
            covariate_id: id,
            covariate_name: format!("c{id}"),
            analysis_id: 1,
            analysis_name: "Test",
            concept_id: id,
            window: None,
            missing_means_zero: true,
        }
    }

    /// Four persons with the outcome, four without. Covariate 1: 3 of 4 vs 1
    /// of 4, shares 0.75 and 0.25, sds sqrt(0.1875) each, so SMD = 0.5 /
    /// 0.4330127 = 1.1547005. Covariate 2 (a count): 2,2,2,2 vs 0,0,0,0:
    /// both spreads 0 and the means differ, SMD undefined.
    #[test]
    fn shares_means_and_smd_match_the_hand_count() {
        let population = StudyPopulation { persons: (0..8).map(|i| person(i < 4)).collect(), attrition: Vec::new() };
        let mut covariates = Vec::new();
        for row in [0, 1, 2, 4] {
            covariates.push(Covariate { row, covariate_id: 1, value: 1.0 });
        }
        for row in 0..4 {
            covariates.push(Covariate { row, covariate_id: 2, value: 2.0 });
        }
        covariates.sort_by_key(|c| (c.row, c.covariate_id));
        let data = CovariateData { covariates, reference: vec![reference(1), reference(2)], ..Default::default() };
        let rows = characterise(&population, &data);
        assert_eq!(rows[0].covariate_id, 2, "an undefined SMD sorts first");
        assert!(rows[0].smd.is_nan() && !rows[0].binary);
        assert_eq!(rows[0].mean, [2.0, 0.0]);
        let r = &rows[1];
        assert!(r.binary);
        assert_eq!(r.count, [3, 1]);
        assert_eq!(r.mean, [0.75, 0.25]);
        assert!((r.sd[0] - 0.1875f64.sqrt()).abs() < 1e-12);
        assert!((r.smd - 1.1547005383792515).abs() < 1e-12, "{}", r.smd);

        let text = characterisation_csv(&rows, [4, 4], 2);
        let line = text.lines().find(|l| l.starts_with("1,")).unwrap();
        // One person without the outcome: suppressed, and with it the SMD.
        assert_eq!(line, "1,c1,Test,3,0.750000,0.433013,<2,,,");
        let open = characterisation_csv(&rows, [4, 4], 0);
        assert!(open.contains("1,c1,Test,3,0.750000,0.433013,1,0.250000,0.433013,1.154701"), "{open}");
    }

    #[test]
    fn attrition_hides_small_counts_but_not_zero() {
        let steps = vec![
            AttritionStep { description: "first exposure".into(), persons: 12, outcomes: 3 },
            AttritionStep { description: "aged 18, or older".into(), persons: 10, outcomes: 0 },
        ];
        assert_eq!(
            attrition_csv(&steps, 5),
            "step,description,persons,outcomes\n1,first exposure,12,<5\n2,\"aged 18, or older\",10,0\n"
        );
    }
}
