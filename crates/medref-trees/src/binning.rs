//! Features to small integer bins, as histogram boosting needs them: a
//! split then only has to look at a feature's bins (at most 255 plus one
//! for missing values) instead of every distinct value, so a node costs one
//! pass over its rows whatever the number of distinct values.
//!
//! A feature with at most 255 distinct training values gets one bin per
//! value, the edge between two bins at the midpoint of the two values; a
//! feature with more gets edges at quantiles of its training values, so
//! each bin holds about the same number of rows. Bin `b` holds the values
//! `x` with `edges[b-1] < x <= edges[b]`, so "bin <= b" is exactly
//! "x <= edges[b]" and a split found on bins is a threshold on values.

use crate::Features;
use rayon::prelude::*;

/// Bins for non-missing values per feature, at most.
pub const MAX_BINS: usize = 255;
/// The bin of a missing value (NaN), for every feature.
pub const MISSING_BIN: u8 = 255;

/// The bin edges fitted on training rows.
#[derive(Debug, Clone, PartialEq)]
pub struct BinMapper {
    /// Per feature, increasing edges; `edges[f].len() + 1` bins.
    pub edges: Vec<Vec<f64>>,
    /// Per feature, whether the training rows had a missing value.
    pub has_missing: Vec<bool>,
}

/// Binned features, column-major: `bins[f * n_rows + i]`, so building a
/// feature's histogram reads one contiguous column.
#[derive(Debug, Clone)]
pub struct Binned {
    pub bins: Vec<u8>,
    pub n_rows: usize,
    pub n_features: usize,
}

impl Binned {
    pub fn column(&self, f: usize) -> &[u8] {
        &self.bins[f * self.n_rows..(f + 1) * self.n_rows]
    }
}

impl BinMapper {
    /// Fits edges for every feature of `x` (in parallel over features).
    pub fn fit(x: Features, max_bins: usize) -> Self {
        let max_bins = max_bins.clamp(2, MAX_BINS);
        let per_feature: Vec<(Vec<f64>, bool)> = (0..x.n_features)
            .into_par_iter()
            .map(|f| {
                let mut values: Vec<f64> =
                    (0..x.n_rows).map(|i| x.get(i, f)).filter(|v| !v.is_nan()).map(f64::from).collect();
                let missing = values.len() < x.n_rows;
                values.sort_by(|a, b| a.partial_cmp(b).expect("NaN filtered out"));
                (feature_edges(&values, max_bins), missing)
            })
            .collect();
        let (edges, has_missing) = per_feature.into_iter().unzip();
        Self { edges, has_missing }
    }

    /// Bins of non-missing values of feature `f`.
    pub fn n_bins(&self, f: usize) -> usize {
        self.edges[f].len() + 1
    }

    /// The bin of one value of feature `f`.
    pub fn bin(&self, f: usize, x: f32) -> u8 {
        if x.is_nan() {
            return MISSING_BIN;
        }
        let x = f64::from(x);
        self.edges[f].partition_point(|&e| e < x) as u8
    }

    /// Every value of `x`, binned (in parallel over features).
    pub fn transform(&self, x: Features) -> Binned {
        let n = x.n_rows;
        let mut bins = vec![0u8; n * x.n_features];
        bins.par_chunks_mut(n.max(1)).enumerate().for_each(|(f, col)| {
            for (i, b) in col.iter_mut().enumerate() {
                *b = self.bin(f, x.get(i, f));
            }
        });
        Binned { bins, n_rows: n, n_features: x.n_features }
    }
}

/// Edges for one feature's sorted non-missing values.
fn feature_edges(sorted: &[f64], max_bins: usize) -> Vec<f64> {
    let mut distinct: Vec<f64> = sorted.to_vec();
    distinct.dedup();
    if distinct.len() <= max_bins {
        return distinct.windows(2).map(|w| midpoint(w[0], w[1])).collect();
    }
    // Quantile edges: the midpoint between the order statistics around
    // each of the `max_bins - 1` inner quantiles, duplicates removed.
    let n = sorted.len();
    let mut edges = Vec::with_capacity(max_bins - 1);
    for q in 1..max_bins {
        let pos = q as f64 * (n - 1) as f64 / max_bins as f64;
        let lo = sorted[pos.floor() as usize];
        let hi = sorted[pos.ceil() as usize];
        let e = midpoint(lo, hi);
        if edges.last().is_none_or(|&last| e > last) {
            edges.push(e);
        }
    }
    edges
}

/// A threshold between two values that stays below `b` in f32 rounding of
/// the data, so `a <= t < b` holds for the values the data can hold.
fn midpoint(a: f64, b: f64) -> f64 {
    let m = a + (b - a) / 2.0;
    if m >= b {
        a
    } else {
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_values_get_one_bin_each_and_missing_its_own() {
        let x = [1.0, 3.0, f32::NAN, 3.0, 2.0];
        let m = BinMapper::fit(Features::new(&x, 5, 1).unwrap(), 255);
        assert_eq!(m.edges[0], vec![1.5, 2.5]);
        assert!(m.has_missing[0]);
        let b = m.transform(Features::new(&x, 5, 1).unwrap());
        assert_eq!(b.bins, vec![0, 2, MISSING_BIN, 2, 1]);
    }

    #[test]
    fn many_values_get_quantile_bins_of_similar_size() {
        let x: Vec<f32> = (0..1000).map(|i| ((i * 7919) % 1000) as f32).collect();
        let m = BinMapper::fit(Features::new(&x, 1000, 1).unwrap(), 10);
        assert_eq!(m.n_bins(0), 10);
        let b = m.transform(Features::new(&x, 1000, 1).unwrap());
        let mut counts = [0; 10];
        b.bins.iter().for_each(|&v| counts[v as usize] += 1);
        assert!(counts.iter().all(|&c| (95..=105).contains(&c)), "{counts:?}");
        // bin <= b is x <= edge b.
        for (v, &bin) in x.iter().zip(&b.bins) {
            if (bin as usize) < m.edges[0].len() {
                assert!(f64::from(*v) <= m.edges[0][bin as usize]);
            }
            if bin > 0 {
                assert!(f64::from(*v) > m.edges[0][bin as usize - 1]);
            }
        }
    }
}
