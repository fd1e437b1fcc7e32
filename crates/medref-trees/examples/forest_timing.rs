//! Times the random forest alone on a split that `trees_parity` wrote
//! (`train.csv`, `test.csv`: features then `y`), so a change to the forest
//! can be timed and checked without building the rest of medref:
//!
//! ```text
//! forest_timing DIR [--classes K] [--rounds N] [--seed S] [--predictions FILE]
//! ```
//!
//! Prints fit and predict seconds per round, the test metric (RMSE, or
//! accuracy with `--classes`) and a digest of the trees, which must not
//! change between thread counts; `--predictions` writes the test rows'
//! predictions (one row of class probabilities, or the value, per line).

use medref_trees::{Features, ForestParams, RandomForest, Target};
use std::time::Instant;

fn read(path: &str) -> (Vec<f32>, Vec<f64>, usize) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut lines = text.lines();
    let p = lines.next().expect("header").split(',').count() - 1;
    let (mut x, mut y) = (Vec::new(), Vec::new());
    for line in lines.filter(|l| !l.is_empty()) {
        let v: Vec<f64> = line.split(',').map(|s| s.parse().expect("a number")).collect();
        x.extend(v[..p].iter().map(|&v| v as f32));
        y.push(v[p]);
    }
    (x, y, p)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |key: &str| args.iter().position(|a| a == key).and_then(|i| args.get(i + 1)).cloned();
    let dir = args.first().expect("usage: forest_timing DIR [--classes K] [--rounds N]");
    let classes: usize = value("--classes").map_or(0, |k| k.parse().unwrap());
    let rounds: usize = value("--rounds").map_or(1, |k| k.parse().unwrap());
    let seed: u64 = value("--seed").map_or(0, |k| k.parse().unwrap());
    let params = ForestParams { seed, ..ForestParams::default() };
    let (x, y, p) = read(&format!("{dir}/train.csv"));
    let (tx, ty, _) = read(&format!("{dir}/test.csv"));
    let (train, test) = (Features::new(&x, y.len(), p).unwrap(), Features::new(&tx, ty.len(), p).unwrap());
    let labels: Vec<usize> = y.iter().map(|&v| v as usize).collect();
    let target = if classes > 0 { Target::Classes { labels: &labels, n_classes: classes } } else { Target::Values(&y) };
    for _ in 0..rounds {
        let started = Instant::now();
        let forest = RandomForest::fit(train, target, &params).unwrap();
        let fit = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let pred = forest.ensemble.predict(test);
        let predict = started.elapsed().as_secs_f64();
        let metric = if classes > 0 {
            let right = pred.chunks(classes).zip(&ty).filter(|(p, &t)| {
                let best = (0..classes).fold(0, |b, k| if p[k] > p[b] { k } else { b });
                best == t as usize
            });
            format!("accuracy {:.4}", right.count() as f64 / ty.len() as f64)
        } else {
            let se: f64 = pred.iter().zip(&ty).map(|(p, t)| (p - t) * (p - t)).sum();
            format!("rmse {:.4}", (se / ty.len() as f64).sqrt())
        };
        if let Some(path) = value("--predictions") {
            let lines: Vec<String> = pred
                .chunks(classes.max(1))
                .map(|p| p.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(","))
                .collect();
            std::fs::write(path, lines.join("\n") + "\n").unwrap();
        }
        let json = serde_json::to_string(&forest.ensemble).unwrap();
        let digest =
            json.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        println!(
            "threads {} fit {fit:.3} s predict {predict:.3} s {metric} leaves {:.1} trees {digest:016x}",
            rayon::current_num_threads(),
            forest.report.mean_leaves
        );
    }
}
