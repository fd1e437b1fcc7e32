//! The forest on fingerprint-like data: sparse whole-number counts (most
//! entries zero), which the forest searches through its sparse layout.
//! The split it picks must be the best one an exhaustive search finds, it
//! must learn a planted signal, and it must give the same trees on one and
//! two threads.

use medref_trees::rng::TreeRng;
use medref_trees::*;

/// `[n, p]` counts: each entry non-zero with probability 6%, then 1 to 4;
/// every seventh feature may also be negative (-1 or -2), so a zero block
/// sits between values on both sides; the last two features are dense.
fn counts(n: usize, p: usize, seed: u64) -> Vec<f32> {
    let mut rng = TreeRng::for_tree(seed, 77);
    let mut x = vec![0f32; n * p];
    for i in 0..n {
        for f in 0..p {
            let v = if f >= p - 2 {
                (rng.below(1000) as f32) / 100.0 - 5.0
            } else if rng.below(100) < 6 {
                let v = 1.0 + rng.below(4) as f32;
                if f % 7 == 0 && rng.below(2) == 0 {
                    -(v.min(2.0))
                } else {
                    v
                }
            } else {
                0.0
            };
            x[i * p + f] = v;
        }
    }
    x
}

/// A value planted on bits 0..10 (a weight each) plus the first dense
/// feature, with a little noise.
fn planted(x: &[f32], p: usize, seed: u64) -> Vec<f64> {
    let mut rng = TreeRng::for_tree(seed, 78);
    x.chunks(p)
        .map(|r| {
            let signal: f64 = (0..10).map(|j| r[j] as f64 * (j as f64 - 4.5)).sum();
            signal + 0.3 * r[p - 2] as f64 + 0.1 * (rng.below(1000) as f64 / 1000.0 - 0.5)
        })
        .collect()
}

/// Sum of squared errors of a split of `y` by `x[.., f] <= t`.
fn split_sse(x: &[f32], p: usize, y: &[f64], f: usize, t: f64) -> f64 {
    let side = |left: bool| {
        let v: Vec<f64> = (0..y.len()).filter(|&i| (f64::from(x[i * p + f]) <= t) == left).map(|i| y[i]).collect();
        let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
        v.iter().map(|y| (y - mean) * (y - mean)).sum::<f64>()
    };
    side(true) + side(false)
}

/// A stump over every feature with every row once: its split has the
/// smallest squared error of all thresholds between neighbouring values
/// of all features, found here by brute force.
#[test]
fn the_stump_is_the_best_split_an_exhaustive_search_finds() {
    let (n, p) = (300, 60);
    for seed in 0..4 {
        let x = counts(n, p, seed);
        let y = planted(&x, p, seed);
        let params = ForestParams {
            n_trees: 1,
            max_depth: Some(1),
            max_features: Some(MaxFeatures::Fraction(1.0)),
            bootstrap: false,
            oob_score: false,
            seed,
            ..ForestParams::default()
        };
        let fit = RandomForest::fit(Features::new(&x, n, p).unwrap(), Target::Values(&y), &params).unwrap();
        let Node::Split { feature, threshold, .. } = fit.ensemble.trees[0].nodes[0] else { panic!("no split") };
        let mut best = f64::INFINITY;
        for f in 0..p {
            let mut values: Vec<f32> = (0..n).map(|i| x[i * p + f]).collect();
            values.sort_by(f32::total_cmp);
            values.dedup();
            for w in values.windows(2) {
                best = best.min(split_sse(&x, p, &y, f, (f64::from(w[0]) + f64::from(w[1])) / 2.0));
            }
        }
        let chosen = split_sse(&x, p, &y, feature, threshold);
        assert!(
            (chosen - best).abs() <= 1e-9 * best,
            "seed {seed}: feature {feature} <= {threshold}: {chosen} > {best}"
        );
    }
}

/// Regression on the planted counts: test R² above 0.8; classification of
/// its sign: test accuracy above 0.8 (sqrt(p) features a node).
#[test]
fn the_forest_learns_planted_counts() {
    let (n, p) = (1500, 300);
    let (x, y) = (counts(n, p, 1), planted(&counts(n, p, 1), p, 1));
    let (tx, ty) = (counts(500, p, 2), planted(&counts(500, p, 2), p, 2));
    let (train, test) = (Features::new(&x, n, p).unwrap(), Features::new(&tx, 500, p).unwrap());
    let params = ForestParams { n_trees: 50, seed: 3, ..ForestParams::default() };
    let forest = RandomForest::fit(train, Target::Values(&y), &params).unwrap();
    let pred = forest.ensemble.predict(test);
    let mean = ty.iter().sum::<f64>() / ty.len() as f64;
    let ss_res: f64 = pred.iter().zip(&ty).map(|(p, y)| (p - y) * (p - y)).sum();
    let ss_tot: f64 = ty.iter().map(|y| (y - mean) * (y - mean)).sum();
    assert!(1.0 - ss_res / ss_tot > 0.8, "test R2 {}", 1.0 - ss_res / ss_tot);

    let labels: Vec<usize> = y.iter().map(|&v| usize::from(v > 0.0)).collect();
    let test_labels: Vec<usize> = ty.iter().map(|&v| usize::from(v > 0.0)).collect();
    let target = Target::Classes { labels: &labels, n_classes: 2 };
    let forest = RandomForest::fit(train, target, &params).unwrap();
    let probs = forest.ensemble.predict(test);
    let right = probs.chunks(2).zip(&test_labels).filter(|(pr, &l)| usize::from(pr[1] > pr[0]) == l).count();
    assert!(right as f64 / 500.0 > 0.8, "test accuracy {}", right as f64 / 500.0);
}

/// The same trees on one thread and on two, for numbers and classes.
#[test]
fn sparse_forests_are_the_same_on_one_and_two_threads() {
    let (n, p) = (600, 200);
    let x = counts(n, p, 5);
    let y = planted(&x, p, 5);
    let labels: Vec<usize> = y.iter().map(|&v| usize::from(v > 0.0) + usize::from(v > 5.0)).collect();
    let train = Features::new(&x, n, p).unwrap();
    let fit = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let params = ForestParams { n_trees: 16, seed: 9, ..ForestParams::default() };
            let values = RandomForest::fit(train, Target::Values(&y), &params).unwrap();
            let classes = RandomForest::fit(train, Target::Classes { labels: &labels, n_classes: 3 }, &params).unwrap();
            (values.ensemble, values.report, classes.ensemble, classes.report)
        })
    };
    let (one, two) = (fit(1), fit(2));
    assert_eq!(one.0, two.0, "regression trees");
    assert_eq!(one.1, two.1, "regression report");
    assert_eq!(one.2, two.2, "classification trees");
    assert_eq!(one.3, two.3, "classification report");
}

/// `max_features` counts every feature drawn, constant in the node or not
/// (scikit-learn's meaning), and the search goes on until one varies. With
/// 98 all-zero features, a strong feature and a weak one, and two draws a
/// node, a stump rarely meets both varying features within its first two
/// draws, so it splits on whichever varying feature it meets first: the
/// weak one in about half of the trees. (If constant features did not
/// count, every stump would see both and pick the strong one.)
#[test]
fn constant_features_count_as_drawn() {
    let (n, p) = (200, 100);
    let mut rng = TreeRng::for_tree(4, 4);
    let mut x = vec![0f32; n * p];
    let mut y = vec![0f64; n];
    for i in 0..n {
        x[i * p] = rng.below(1000) as f32 / 1000.0 + 1.0;
        x[i * p + 1] = rng.below(1000) as f32 / 1000.0 + 1.0;
        y[i] = f64::from(x[i * p]) + 0.1 * f64::from(x[i * p + 1]);
    }
    let params = ForestParams {
        n_trees: 200,
        max_depth: Some(1),
        max_features: Some(MaxFeatures::Count(2)),
        seed: 1,
        ..ForestParams::default()
    };
    let fit = RandomForest::fit(Features::new(&x, n, p).unwrap(), Target::Values(&y), &params).unwrap();
    let on = |f: usize| {
        fit.ensemble.trees.iter().filter(|t| matches!(t.nodes[0], Node::Split { feature, .. } if feature == f)).count()
    };
    let (strong, weak) = (on(0), on(1));
    assert_eq!(strong + weak, 200);
    assert!((60..=140).contains(&weak), "{weak} of 200 stumps split on the weak feature");
}
