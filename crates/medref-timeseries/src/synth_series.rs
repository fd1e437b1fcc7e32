//! Generated `.ts` cases of unequal length with missing values, for the
//! tests and lessons on padding, masking and filling.
//!
//! Three classes differ in their rhythm, not in their length: `slow` (a
//! sine of period 16 steps on channel 1), `fast` (period 6) and `burst`
//! (the slow sine plus a short burst of the fast one on channel 2 at a
//! random place). Lengths are drawn uniformly from one range for every
//! class, so a model cannot learn the class from the length (or from how
//! much padding a series gets). Some cases carry runs of `?`.
//!
//! Output is a pure function of the spec (seed included): same spec, same
//! bytes.

use std::f64::consts::PI;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use medref_core::seed::Rng;

use crate::error::TsError;

const CLASSES: [&str; 3] = ["slow", "fast", "burst"];

/// Unequal-length, gappy two-channel cases in a `_TRAIN` and a `_TEST` file.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthSeriesSpec {
    /// Seed of every random draw.
    pub seed: u64,
    /// Problem name (the file stem before `_TRAIN` / `_TEST`).
    pub name: String,
    /// Training cases per class.
    pub train_per_class: usize,
    /// Test cases per class.
    pub test_per_class: usize,
    /// Shortest case (steps, at least 8).
    pub min_len: usize,
    /// Longest case.
    pub max_len: usize,
    /// Share of cases given one run of 1-4 missing values per channel.
    pub gappy_share: f64,
}

impl SynthSeriesSpec {
    /// 3 classes x (20 train + 10 test) cases of 20-90 steps, a third of
    /// them with missing runs.
    pub fn tiny() -> Self {
        Self {
            seed: 30,
            name: "Unequal".into(),
            train_per_class: 20,
            test_per_class: 10,
            min_len: 20,
            max_len: 90,
            gappy_share: 0.35,
        }
    }

    /// The `.ts` text of one split (`"TRAIN"` or `"TEST"`).
    pub fn to_ts(&self, split: &str) -> String {
        let per_class = if split == "TRAIN" { self.train_per_class } else { self.test_per_class };
        let mut rng = Rng::derive(self.seed, &format!("series/{split}"));
        let mut out = format!(
            "# medref synthetic cases of unequal length with missing values (seed {})\n\
             @problemName {}\n@timeStamps false\n@missing true\n@univariate false\n@dimensions 2\n\
             @equalLength false\n@classLabel true {}\n@data\n",
            self.seed,
            self.name,
            CLASSES.join(" ")
        );
        let (lo, hi) = (self.min_len.max(8), self.max_len.max(self.min_len.max(8)));
        for case in 0..per_class * CLASSES.len() {
            let class = case % CLASSES.len();
            let len = lo + (rng.uniform() * (hi - lo + 1) as f64) as usize % (hi - lo + 1);
            let phase = 2.0 * PI * rng.uniform();
            let burst_at = (rng.uniform() * (len - 6) as f64) as usize;
            let (mut rhythm, mut burst_channel) = (Vec::with_capacity(len), Vec::with_capacity(len));
            for t in 0..len {
                let tf = t as f64;
                let slow = (2.0 * PI * tf / 16.0 + phase).sin();
                let fast = (2.0 * PI * tf / 6.0 + phase).sin();
                rhythm.push(if class == 1 { fast } else { slow } + 0.3 * rng.normal());
                let burst = class == 2 && (burst_at..burst_at + 6).contains(&t);
                burst_channel.push(if burst { 1.5 * fast } else { 0.0 } + 0.3 * rng.normal());
            }
            let channels = [rhythm, burst_channel];
            let gappy = rng.uniform() < self.gappy_share;
            for values in &channels {
                let (start, run) = if gappy {
                    ((rng.uniform() * (len - 4) as f64) as usize, 1 + (rng.uniform() * 4.0) as usize)
                } else {
                    (len, 0)
                };
                for (t, v) in values.iter().enumerate() {
                    if t > 0 {
                        out.push(',');
                    }
                    if (start..start + run).contains(&t) {
                        out.push('?');
                    } else {
                        let _ = write!(out, "{v:.3}");
                    }
                }
                out.push(':');
            }
            out.push_str(CLASSES[class]);
            out.push('\n');
        }
        out
    }

    /// Writes `<name>_TRAIN.ts` and `<name>_TEST.ts` into `dir` (created if
    /// needed) and returns their paths.
    pub fn write(&self, dir: impl AsRef<Path>) -> Result<[PathBuf; 2], TsError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| TsError::io(dir, e))?;
        let mut paths = Vec::new();
        for split in ["TRAIN", "TEST"] {
            let path = dir.join(format!("{}_{split}.ts", self.name));
            std::fs::write(&path, self.to_ts(split)).map_err(|e| TsError::io(&path, e))?;
            paths.push(path);
        }
        Ok([paths[0].clone(), paths[1].clone()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{read_ts, read_ts_with, MissingPolicy};

    #[test]
    fn cases_differ_in_length_carry_gaps_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let [train, test] = SynthSeriesSpec::tiny().write(dir.path()).unwrap();
        let d = read_ts_with(&train, MissingPolicy::Interpolate).unwrap();
        assert_eq!(d.len(), 60);
        assert_eq!(d.class_counts(), vec![20, 20, 20]);
        assert_eq!(d.common_len(), None);
        let gappy = d.series.iter().filter(|s| s.values.iter().any(|v| v.is_nan())).count();
        assert!((10..=35).contains(&gappy), "{gappy} gappy cases");
        assert_eq!(read_ts(&test).unwrap().len(), 30);
        assert_eq!(SynthSeriesSpec::tiny().to_ts("TRAIN"), std::fs::read_to_string(&train).unwrap());
    }

    /// The shipped fixture (`datasets/eldercare/tiny/Unequal_*.ts`) is what
    /// the generator writes; `MEDREF_WRITE_FIXTURES=1` rewrites it.
    #[test]
    fn the_shipped_files_are_the_generator_s() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/eldercare/tiny");
        if std::env::var_os("MEDREF_WRITE_FIXTURES").is_some() {
            SynthSeriesSpec::tiny().write(&root).unwrap();
        }
        for split in ["TRAIN", "TEST"] {
            let shipped = std::fs::read_to_string(root.join(format!("Unequal_{split}.ts"))).unwrap();
            assert!(shipped == SynthSeriesSpec::tiny().to_ts(split), "rewrite with MEDREF_WRITE_FIXTURES=1");
        }
    }
}
