//! Series of unequal length: fixing the length for users who want it
//! (`resample = N`, `max_length = N` with `truncate`), summarising the
//! lengths for `data_report.json`, and grouping an epoch's shuffled order
//! into batches of similar length so that padding stays small.
//!
//! Without `resample` or `max_length`, series keep their lengths and the
//! models pad each batch to its longest member, masking the padded steps
//! (see `medref_models::FrameBatch`).

use serde::{Deserialize, Serialize};

use crate::series::Series;

/// Which part of a series longer than `max_length` is kept, `[data].truncate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Truncate {
    /// The first `max_length` steps (the onset of a recording).
    #[default]
    Start,
    /// The middle `max_length` steps (drops equal parts at both ends, where
    /// recordings start and stop untidily).
    Centre,
}

/// A series' length made fixed, or left free, as `[data]` asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LengthPolicy {
    /// Linear interpolation of every series to this many steps.
    pub resample: Option<usize>,
    /// Series longer than this are cut to it (shorter ones are padded per
    /// batch).
    pub max_length: Option<usize>,
    /// Which part a cut keeps.
    pub truncate: Truncate,
}

impl LengthPolicy {
    /// Applies the policy to one series; returns whether it changed it.
    pub fn apply(&self, series: &mut Series) -> bool {
        if let Some(n) = self.resample {
            if series.len != n {
                *series = resample_to_length(series, n);
                return true;
            }
        } else if let Some(n) = self.max_length {
            if series.len > n {
                *series = truncate(series, n, self.truncate);
                return true;
            }
        }
        false
    }

    /// What the policy does, in words, for `data_report.json`.
    pub fn describe(&self, equal: bool) -> String {
        match (self.resample, self.max_length) {
            (Some(n), _) => format!("resampled to {n} steps (linear)"),
            (None, Some(n)) => {
                let part = if self.truncate == Truncate::Start { "first" } else { "middle" };
                let rest = if equal { "" } else { "; shorter series padded per batch and masked" };
                format!("cut to the {part} {n} steps{rest}")
            }
            (None, None) if equal => "equal lengths, nothing done".into(),
            (None, None) => "padded per batch to the longest member and masked".into(),
        }
    }
}

/// `series` linearly interpolated to `n >= 1` steps spanning the same
/// start and end (a missing neighbour gives a missing value).
pub fn resample_to_length(series: &Series, n: usize) -> Series {
    let (channels, len) = (series.channels, series.len);
    let mut values = Vec::with_capacity(channels * n);
    for c in 0..channels {
        let x = &series.values[c * len..(c + 1) * len];
        for j in 0..n {
            let p = if n > 1 && len > 1 { j as f64 * (len - 1) as f64 / (n - 1) as f64 } else { 0.0 };
            let i = (p.floor() as usize).min(len.saturating_sub(1));
            let frac = (p - i as f64) as f32;
            values.push(if i + 1 < len && frac > 0.0 { x[i] + (x[i + 1] - x[i]) * frac } else { x[i] });
        }
    }
    Series { values, len: n, ..series.clone() }
}

/// The `n` steps of `series` that `how` keeps (`n <= len`).
pub fn truncate(series: &Series, n: usize, how: Truncate) -> Series {
    let (channels, len) = (series.channels, series.len);
    let n = n.min(len);
    let start = match how {
        Truncate::Start => 0,
        Truncate::Centre => (len - n) / 2,
    };
    let values =
        (0..channels).flat_map(|c| series.values[c * len + start..c * len + start + n].iter().copied()).collect();
    Series { values, len: n, ..series.clone() }
}

/// Smallest, median and largest length of a split.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LengthSummary {
    /// Shortest series.
    pub min: usize,
    /// Median length (mean of the two middle ones for an even count).
    pub median: f64,
    /// Longest series.
    pub max: usize,
}

impl LengthSummary {
    /// `None` for no series.
    pub fn of(series: &[Series]) -> Option<Self> {
        let mut lengths: Vec<usize> = series.iter().map(|s| s.len).collect();
        lengths.sort_unstable();
        let n = lengths.len();
        let median = match n {
            0 => return None,
            _ if n % 2 == 1 => lengths[n / 2] as f64,
            _ => (lengths[n / 2 - 1] + lengths[n / 2]) as f64 / 2.0,
        };
        Some(Self { min: lengths[0], median, max: lengths[n - 1] })
    }
}

/// Batches per pool: an epoch's shuffled order is cut into pools of this
/// many batches, and each pool is sorted by length band before it is cut
/// into batches. Larger pools pad less but vary batches less.
const POOL_BATCHES: usize = 16;
/// Length bands per pool: series whose lengths fall in one band keep their
/// shuffled order, so a batch's members still change from epoch to epoch.
const LENGTH_BANDS: usize = 8;

/// An epoch's shuffled `order` regrouped so that each run of `batch_size`
/// holds series of similar length (the same elements, so the seed decides
/// the result). Pools alternate short-to-long and long-to-short so that
/// the batches of one length are spread over the epoch.
///
/// Lengths within 25% of each other (padding at most a fifth of a batch)
/// leave `order` as it is, equal lengths included: grouping buys little
/// there and costs the variety of batches that small training sets need.
pub fn bucket_by_length(mut order: Vec<usize>, lengths: &[usize], batch_size: usize) -> Vec<usize> {
    let (Some(&lo), Some(&hi)) = (lengths.iter().min(), lengths.iter().max()) else { return order };
    if hi * 4 <= lo * 5 {
        return order;
    }
    let band_width = (hi - lo).div_ceil(LENGTH_BANDS).max(1);
    let band = |i: usize| (lengths[i] - lo) / band_width;
    for (k, pool) in order.chunks_mut(batch_size.max(1) * POOL_BATCHES).enumerate() {
        // Stable: within a band the shuffled order stays.
        if k % 2 == 0 {
            pool.sort_by_key(|&i| band(i));
        } else {
            pool.sort_by_key(|&i| std::cmp::Reverse(band(i)));
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(len: usize) -> Series {
        Series {
            id: "r".into(),
            subject: None,
            channels: 2,
            len,
            values: (0..len).map(|t| t as f32).chain((0..len).map(|t| 10.0 * t as f32)).collect(),
            label: 0,
        }
    }

    #[test]
    fn resampling_keeps_both_ends_and_interpolates_between() {
        let s = resample_to_length(&ramp(5), 9);
        assert_eq!(s.len, 9);
        assert_eq!(&s.values[..9], &[0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]);
        assert_eq!(s.values[17], 40.0);
        let short = resample_to_length(&ramp(5), 3);
        assert_eq!(&short.values[..3], &[0.0, 2.0, 4.0]);
        assert_eq!(resample_to_length(&ramp(1), 3).values, vec![0.0; 6]);
    }

    #[test]
    fn truncation_keeps_the_start_or_the_middle() {
        assert_eq!(truncate(&ramp(6), 2, Truncate::Start).values, vec![0.0, 1.0, 0.0, 10.0]);
        assert_eq!(truncate(&ramp(6), 2, Truncate::Centre).values, vec![2.0, 3.0, 20.0, 30.0]);
        let p = LengthPolicy { max_length: Some(4), ..LengthPolicy::default() };
        let mut short = ramp(3);
        assert!(!p.apply(&mut short), "a shorter series is kept whole");
        let mut long = ramp(9);
        assert!(p.apply(&mut long));
        assert_eq!(long.len, 4);
    }

    #[test]
    fn summary_gives_min_median_max() {
        let s = LengthSummary::of(&[ramp(5), ramp(2), ramp(9), ramp(4)]).unwrap();
        assert_eq!((s.min, s.median, s.max), (2, 4.5, 9));
        assert!(LengthSummary::of(&[]).is_none());
    }

    #[test]
    fn buckets_keep_the_elements_and_group_similar_lengths() {
        let lengths: Vec<usize> = (0..64).map(|i| 10 + (i * 37) % 90).collect();
        let order: Vec<usize> = (0..64).rev().collect();
        let out = bucket_by_length(order.clone(), &lengths, 4);
        let mut sorted = out.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..64).collect::<Vec<_>>());
        let spread = |o: &[usize]| -> usize {
            o.chunks(4)
                .map(|b| b.iter().map(|&i| lengths[i]).max().unwrap() - b.iter().map(|&i| lengths[i]).min().unwrap())
                .sum()
        };
        assert!(spread(&out) * 3 < spread(&order), "{} vs {}", spread(&out), spread(&order));
        let equal = vec![5; 64];
        assert_eq!(bucket_by_length(order.clone(), &equal, 4), order);
        let close: Vec<usize> = (0..64).map(|i| 100 + i % 20).collect();
        assert_eq!(bucket_by_length(order.clone(), &close, 4), order, "within 25%: the shuffle stays");
    }
}
