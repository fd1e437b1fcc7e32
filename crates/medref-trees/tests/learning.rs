//! The learners on generated data with planted signals: they must learn
//! them to a stated bar, give the same trees on one and two threads, route
//! missing values, stop early, and predict the same after a JSON round trip.

use medref_trees::rng::TreeRng;
use medref_trees::*;

fn uniform(rng: &mut TreeRng) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
}

fn normal(rng: &mut TreeRng) -> f64 {
    // Sum of 12 uniforms on [0, 1) minus 6: close enough to N(0, 1).
    (0..12).map(|_| (uniform(rng) + 1.0) / 2.0).sum::<f64>() - 6.0
}

/// Rows of `p` uniform features on [-1, 1].
fn features(n: usize, p: usize, seed: u64) -> Vec<f32> {
    let mut rng = TreeRng::for_tree(seed, 999);
    (0..n * p).map(|_| uniform(&mut rng) as f32).collect()
}

/// Class 1 with probability sigmoid(3 x0 - 2 x1 + 2 [x2 > 0.5]).
fn binary(x: &[f32], p: usize, seed: u64) -> Vec<usize> {
    let mut rng = TreeRng::for_tree(seed, 998);
    x.chunks(p)
        .map(|r| {
            let z = 3.0 * r[0] as f64 - 2.0 * r[1] as f64 + if r[2] > 0.5 { 2.0 } else { 0.0 };
            usize::from((uniform(&mut rng) + 1.0) / 2.0 < 1.0 / (1.0 + (-z).exp()))
        })
        .collect()
}

fn auroc(scores: &[f64], labels: &[usize]) -> f64 {
    let (mut pairs, mut right) = (0.0, 0.0);
    for (s1, _) in scores.iter().zip(labels).filter(|(_, &l)| l == 1) {
        for (s0, _) in scores.iter().zip(labels).filter(|(_, &l)| l == 0) {
            pairs += 1.0;
            right += if s1 > s0 {
                1.0
            } else if s1 == s0 {
                0.5
            } else {
                0.0
            };
        }
    }
    right / pairs
}

fn class1(probs: &[f64]) -> Vec<f64> {
    probs.chunks(2).map(|p| p[1]).collect()
}

const P: usize = 8;

fn binary_data(n: usize, seed: u64) -> (Vec<f32>, Vec<usize>) {
    let x = features(n, P, seed);
    let y = binary(&x, P, seed);
    (x, y)
}

/// The Bayes AUROC of the planted model is about 0.87; both learners get
/// within a few points of it on 1000 training rows.
#[test]
fn both_learn_a_planted_binary_signal() {
    let (x, y) = binary_data(1000, 1);
    let (tx, ty) = binary_data(2000, 2);
    let (train, test) = (Features::new(&x, 1000, P).unwrap(), Features::new(&tx, 2000, P).unwrap());
    let target = Target::Classes { labels: &y, n_classes: 2 };
    let bayes: Vec<f64> =
        tx.chunks(P).map(|r| 3.0 * r[0] as f64 - 2.0 * r[1] as f64 + if r[2] > 0.5 { 2.0 } else { 0.0 }).collect();
    let best = auroc(&bayes, &ty);
    let forest = RandomForest::fit(train, target, &ForestParams::default()).unwrap();
    let rf = auroc(&class1(&forest.ensemble.predict(test)), &ty);
    let boosting = GradientBoosting::fit(train, target, None, &BoostingParams::default()).unwrap();
    let gb = auroc(&class1(&boosting.ensemble.predict(test)), &ty);
    assert!(best > 0.85, "Bayes AUROC {best}");
    assert!(rf > best - 0.04, "forest AUROC {rf} vs Bayes {best}");
    assert!(gb > best - 0.04, "boosting AUROC {gb} vs Bayes {best}");
    // The out-of-bag accuracy estimates the test accuracy.
    let oob = forest.report.oob_score.unwrap();
    assert!((0.7..0.85).contains(&oob), "oob accuracy {oob}");
    // The importance finds the three signal features.
    for imp in [&forest.report.feature_importance, &boosting.report.feature_importance] {
        let mut order: Vec<usize> = (0..P).collect();
        order.sort_by(|&a, &b| imp[b].total_cmp(&imp[a]));
        let mut top: Vec<usize> = order[..3].to_vec();
        top.sort();
        assert_eq!(top, vec![0, 1, 2], "{imp:?}");
        assert!((imp.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }
}

/// Three classes by quadrant of (x0, x1), 5% of labels flipped: accuracy
/// on clean test labels above 0.9.
#[test]
fn both_learn_three_classes() {
    let class = |r: &[f32]| {
        if r[0] < -0.2 {
            0
        } else if r[1] < 0.0 {
            1
        } else {
            2
        }
    };
    let x = features(1500, P, 3);
    let mut rng = TreeRng::for_tree(3, 1);
    let y: Vec<usize> = x.chunks(P).map(|r| if rng.below(20) == 0 { rng.below(3) } else { class(r) }).collect();
    let tx = features(1000, P, 4);
    let ty: Vec<usize> = tx.chunks(P).map(class).collect();
    let train = Features::new(&x, 1500, P).unwrap();
    let test = Features::new(&tx, 1000, P).unwrap();
    let target = Target::Classes { labels: &y, n_classes: 3 };
    let accuracy = |probs: Vec<f64>| {
        probs.chunks(3).zip(&ty).filter(|(p, &l)| (0..3).all(|j| p[l] >= p[j])).count() as f64 / ty.len() as f64
    };
    let forest = RandomForest::fit(train, target, &ForestParams::default()).unwrap();
    let boosting = GradientBoosting::fit(train, target, None, &BoostingParams::default()).unwrap();
    assert_eq!(boosting.ensemble.trees.len(), 300, "one tree per class per iteration");
    let (rf, gb) = (accuracy(forest.ensemble.predict(test)), accuracy(boosting.ensemble.predict(test)));
    assert!(rf > 0.9 && gb > 0.9, "forest {rf}, boosting {gb}");
    let sums: Vec<f64> = forest.ensemble.predict(test).chunks(3).map(|p| p.iter().sum()).collect();
    assert!(sums.iter().all(|s| (s - 1.0).abs() < 1e-9), "probabilities sum to one");
}

/// y = sin(3 x0) + x1^2 + N(0, 0.1^2): test RMSE below 0.2 (the target's
/// own standard deviation is about 0.75; the noise floor is 0.1).
#[test]
fn both_learn_a_planted_regression() {
    let make = |n: usize, seed: u64| {
        let x = features(n, P, seed);
        let mut rng = TreeRng::for_tree(seed, 5);
        let y: Vec<f64> =
            x.chunks(P).map(|r| (3.0 * r[0] as f64).sin() + (r[1] as f64).powi(2) + 0.1 * normal(&mut rng)).collect();
        (x, y)
    };
    let (x, y) = make(2000, 6);
    let (tx, ty) = make(1000, 7);
    let train = Features::new(&x, 2000, P).unwrap();
    let test = Features::new(&tx, 1000, P).unwrap();
    let rmse =
        |pred: Vec<f64>| (pred.iter().zip(&ty).map(|(p, y)| (p - y) * (p - y)).sum::<f64>() / ty.len() as f64).sqrt();
    let forest = RandomForest::fit(train, Target::Values(&y), &ForestParams::default()).unwrap();
    let boosting = GradientBoosting::fit(train, Target::Values(&y), None, &BoostingParams::default()).unwrap();
    let (rf, gb) = (rmse(forest.ensemble.predict(test)), rmse(boosting.ensemble.predict(test)));
    assert!(rf < 0.2 && gb < 0.2, "forest RMSE {rf}, boosting RMSE {gb}");
    assert!(forest.report.oob_score.unwrap() > 0.9, "oob R2 {:?}", forest.report.oob_score);
}

/// One boosting tree on six points, by hand: baseline 5 (the mean), the
/// split x <= 3.5, leaves -5 and +5 at learning rate 1.
#[test]
fn one_boosting_stump_by_hand() {
    let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let y = [0.0, 0.0, 0.0, 10.0, 10.0, 10.0];
    let params = BoostingParams {
        learning_rate: 1.0,
        max_iter: 1,
        max_leaf_nodes: Some(2),
        min_samples_leaf: 1,
        ..BoostingParams::default()
    };
    let fit = GradientBoosting::fit(Features::new(&x, 6, 1).unwrap(), Target::Values(&y), None, &params).unwrap();
    assert_eq!(fit.ensemble.baseline, vec![5.0]);
    let tree = &fit.ensemble.trees[0];
    let Node::Split { feature: 0, threshold, left, right, .. } = tree.nodes[0] else { panic!("{tree:?}") };
    assert_eq!(threshold, 3.5);
    assert_eq!(tree.nodes[left], Node::Leaf { value: vec![-5.0] });
    assert_eq!(tree.nodes[right], Node::Leaf { value: vec![5.0] });
    assert_eq!(fit.ensemble.predict(Features::new(&x, 6, 1).unwrap()), y.to_vec());
    assert_eq!(fit.report.train_loss, vec![25.0 / 2.0, 0.0]);
}

/// The same trees on one thread and on two, for both learners.
#[test]
fn one_and_two_threads_give_the_same_trees() {
    let (x, y) = binary_data(3000, 8);
    let train = Features::new(&x, 3000, P).unwrap();
    let target = Target::Classes { labels: &y, n_classes: 2 };
    let fit = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| {
            let params = ForestParams { n_trees: 20, seed: 11, ..ForestParams::default() };
            let rf = RandomForest::fit(train, target, &params).unwrap();
            let gb = GradientBoosting::fit(train, target, None, &BoostingParams::default()).unwrap();
            (rf.ensemble, rf.report, gb.ensemble, gb.report)
        })
    };
    let (one, two) = (fit(1), fit(2));
    assert_eq!(one.0, two.0, "forest trees");
    assert_eq!(one.1, two.1, "forest report");
    assert_eq!(one.2, two.2, "boosting trees");
    assert_eq!(one.3, two.3, "boosting report");
    // A different seed gives a different forest.
    let other = RandomForest::fit(train, target, &ForestParams { n_trees: 20, seed: 12, ..ForestParams::default() });
    assert_ne!(other.unwrap().ensemble, one.0);
}

/// Missing values in feature 0 mark class 1: the boosting learns to send
/// them to the class-1 side; the forest refuses them with a message.
#[test]
fn missing_values_are_routed_by_the_boosting() {
    let n = 1000;
    let mut x = features(n, 3, 9);
    let mut rng = TreeRng::for_tree(9, 3);
    let y: Vec<usize> = (0..n).map(|_| rng.below(2)).collect();
    for (i, &label) in y.iter().enumerate() {
        if label == 1 && rng.below(10) < 9 {
            x[i * 3] = f32::NAN;
        }
    }
    let train = Features::new(&x, n, 3).unwrap();
    let target = Target::Classes { labels: &y, n_classes: 2 };
    let fit = GradientBoosting::fit(train, target, None, &BoostingParams::default()).unwrap();
    let rows = [f32::NAN, 0.0, 0.0, 0.3, 0.0, 0.0];
    let p = class1(&fit.ensemble.predict(Features::new(&rows, 2, 3).unwrap()));
    assert!(p[0] > 0.9 && p[1] < 0.3, "P(class 1 | missing) {}, P(class 1 | 0.3) {}", p[0], p[1]);
    // The first split separates the missing values from all others.
    let Node::Split { feature: 0, missing_left, threshold, .. } = fit.ensemble.trees[0].nodes[0] else {
        panic!("the first split is on feature 0: {:?}", fit.ensemble.trees[0].nodes[0])
    };
    let separated = if missing_left { threshold == f64::MIN } else { threshold == f64::MAX };
    assert!(separated, "missing_left {missing_left}, threshold {threshold}");
    let err = RandomForest::fit(train, target, &ForestParams::default()).unwrap_err();
    assert!(err.to_string().contains("missing values"), "{err}");
}

/// Pure-noise targets: the validation loss stops improving, so the fit
/// stops long before `max_iter`, and says so.
#[test]
fn early_stopping_stops_on_noise() {
    let x = features(600, P, 10);
    let vx = features(300, P, 11);
    let mut rng = TreeRng::for_tree(10, 4);
    let y: Vec<f64> = (0..600).map(|_| normal(&mut rng)).collect();
    let vy: Vec<f64> = (0..300).map(|_| normal(&mut rng)).collect();
    let params = BoostingParams { max_iter: 500, early_stopping: true, ..BoostingParams::default() };
    let validation = Some((Features::new(&vx, 300, P).unwrap(), Target::Values(&vy)));
    let fit =
        GradientBoosting::fit(Features::new(&x, 600, P).unwrap(), Target::Values(&y), validation, &params).unwrap();
    assert!(fit.report.stopped_early && fit.report.n_iter < 60, "{} iterations", fit.report.n_iter);
    assert_eq!(fit.report.val_loss.len(), fit.report.n_iter + 1);
    // Training loss keeps falling meanwhile: the trees fit noise.
    assert!(fit.report.train_loss.last() < fit.report.train_loss.first());
}

/// Saved and read back, both models predict bit for bit the same.
#[test]
fn json_round_trip_predicts_identically() {
    let (x, y) = binary_data(500, 12);
    let train = Features::new(&x, 500, P).unwrap();
    let target = Target::Classes { labels: &y, n_classes: 2 };
    let rf = RandomForest::fit(train, target, &ForestParams { n_trees: 10, ..ForestParams::default() }).unwrap();
    let gb = GradientBoosting::fit(train, target, None, &BoostingParams::default()).unwrap();
    for (name, ensemble, importance) in [
        ("random_forest", rf.ensemble, rf.report.feature_importance),
        ("gradient_boosting", gb.ensemble, gb.report.feature_importance),
    ] {
        let file = EnsembleFile::new(name, ensemble.clone(), importance);
        let back = EnsembleFile::from_json(&file.to_json()).unwrap();
        assert_eq!(back, file);
        let before = ensemble.predict(train);
        let after = back.ensemble.predict(train);
        assert!(before.iter().zip(&after).all(|(a, b)| a.to_bits() == b.to_bits()), "{name}");
    }
    let broken = r#"{"format":"medref-trees/1","model":"x","n_features":1,"n_outputs":1,"baseline":[0],"average":false,"link":"identity","trees":[{"output":0,"nodes":[{"feature":0,"threshold":0.5,"missing_left":false,"left":0,"right":1}]}]}"#;
    assert!(EnsembleFile::from_json(broken).unwrap_err().to_string().contains("not after its parent"));
}
