//! A model's own feature importance: mean decrease in impurity (MDI) for a
//! forest, total split gain for boosting. Both measure how much the fitted
//! trees used a feature on the training rows, not what the feature is worth
//! on new patients (permutation importance on the test split says that),
//! and both favour features with many distinct values.

/// `v` scaled to sum to one (all zeros stay zeros: a tree with no split).
pub fn normalised(v: &[f64]) -> Vec<f64> {
    let total: f64 = v.iter().sum();
    if total > 0.0 {
        v.iter().map(|x| x / total).collect()
    } else {
        vec![0.0; v.len()]
    }
}

/// MDI as scikit-learn reports it: each tree's weighted impurity decreases
/// scaled to sum to one, averaged over trees (in tree order), scaled again.
pub fn mean_decrease_in_impurity(per_tree: &[Vec<f64>], n_features: usize) -> Vec<f64> {
    let mut sum = vec![0.0; n_features];
    for tree in per_tree {
        for (s, v) in sum.iter_mut().zip(normalised(tree)) {
            *s += v;
        }
    }
    normalised(&sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_count_equally_whatever_their_scale() {
        let mdi = mean_decrease_in_impurity(&[vec![3.0, 1.0], vec![0.0, 100.0], vec![0.0, 0.0]], 2);
        assert_eq!(mdi, vec![0.375, 0.625]);
    }
}
