//! Tiny generated data with planted structure, so readers, models and CI
//! can run in seconds without downloading anything.
//!
//! - [`SynthEldercareSpec`]: wrist accelerometry of several residents,
//!   written as the long sensor CSV [`read_sensor_csv`](crate::read_sensor_csv)
//!   reads. Activities differ as they do in real data: rest is gravity plus
//!   noise, walking a ~2 Hz swing, running a faster and larger one; a fall
//!   is a short high-g spike followed by stillness lying down (gravity moves
//!   from the z to the x axis).
//! - [`SynthSurgerySpec`]: robot kinematics of surgical trials in the
//!   JIGSAWS layout [`read_jigsaws`](crate::read_jigsaws) reads. Each gesture
//!   has its own oscillation frequency, per-channel amplitudes and levels,
//!   so a frame labeller can learn it from a short context.
//!
//! Output is a pure function of the spec (seed included): same spec, same
//! bytes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use medref_core::seed::Rng;

use crate::error::TsError;
use crate::sensor_csv::{SensorCsvSpec, WindowLabelRule};

/// Activities of the eldercare generator, index = code used internally.
const ACTIVITIES: [&str; 4] = ["rest", "walk", "run", "fall"];
const REST: usize = 0;
const WALK: usize = 1;
const RUN: usize = 2;
const FALL: usize = 3;

/// Synthetic eldercare accelerometry: `subjects` residents, one recording
/// each, 3 axes in g, labels `rest` / `walk` / `run` / `fall`.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthEldercareSpec {
    /// Seed of every random draw.
    pub seed: u64,
    /// Number of residents (`S01`, `S02`, ...).
    pub subjects: usize,
    /// Length of each resident's recording in seconds.
    pub seconds_per_subject: usize,
    /// Sampling rate in Hz (whole number, so timestamps are exact).
    pub rate_hz: usize,
    /// Falls per resident (each labelled `fall` for 1 s: 0.4 s of impact,
    /// 0.6 s of stillness; 4 s lying still labelled `rest` follow).
    pub falls_per_subject: usize,
}

impl SynthEldercareSpec {
    /// File name [`write`](Self::write) creates.
    pub const FILE_NAME: &'static str = "eldercare_sensors.csv";

    /// 6 residents x 2 minutes at 25 Hz with 2 falls each: 18 000 rows,
    /// about 0.2 recording hours.
    pub fn tiny() -> Self {
        Self { seed: 7, subjects: 6, seconds_per_subject: 120, rate_hz: 25, falls_per_subject: 2 }
    }

    /// The reader settings matching the written file: 2 s windows with
    /// half overlap, labelled by `rule` (e.g. `any:fall` for a detector).
    pub fn sensor_csv_spec(&self, rule: WindowLabelRule) -> SensorCsvSpec {
        SensorCsvSpec { window: 2 * self.rate_hz, stride: self.rate_hz, label_rule: rule, ..SensorCsvSpec::default() }
    }

    /// The whole CSV as text.
    pub fn to_csv(&self) -> String {
        let rate = self.rate_hz.max(1);
        let n = self.seconds_per_subject * rate;
        let mut out = String::from("timestamp,acc_x,acc_y,acc_z,subject,label\n");
        for subject in 0..self.subjects {
            let mut rng = Rng::derive(self.seed, &format!("eldercare/subject{subject}"));
            let gain = 0.85 + 0.3 * rng.uniform();
            let walk_hz = 1.7 + 0.5 * rng.uniform();
            let run_hz = 2.7 + 0.6 * rng.uniform();
            // Activity timeline: segments of 8-20 s, never the same twice in a row.
            let mut activity = vec![REST; n];
            let mut t = 0;
            let mut previous = usize::MAX;
            while t < n {
                let mut a = [REST, REST, WALK, WALK, RUN][rng.below(5)];
                if a == previous {
                    a = (a + 1) % 3;
                }
                let len = (8 + rng.below(13)) * rate;
                activity[t..(t + len).min(n)].fill(a);
                previous = a;
                t += len;
            }
            // Falls: 1 s labelled fall + 4 s lying, at least 20 s apart,
            // away from the ends.
            let mut lying = vec![false; n];
            let event = 5 * rate;
            let mut starts: Vec<usize> = Vec::new();
            for _ in 0..self.falls_per_subject {
                for _attempt in 0..100 {
                    if n <= 2 * event + 10 * rate {
                        break;
                    }
                    let s = 5 * rate + rng.below(n - 2 * event - 10 * rate);
                    if starts.iter().all(|&o| o.abs_diff(s) >= 20 * rate) {
                        starts.push(s);
                        break;
                    }
                }
            }
            starts.sort_unstable();
            for &s in &starts {
                activity[s..s + rate].fill(FALL);
                activity[s + rate..s + event].fill(REST);
                lying[s..s + event].fill(true);
            }
            let impact = (2 * rate).div_ceil(5); // 0.4 s
            let sid = format!("S{:02}", subject + 1);
            for i in 0..n {
                let time = i as f64 / rate as f64;
                let phase = 2.0 * std::f64::consts::PI * time;
                let noise = |rng: &mut Rng, sd: f64| sd * rng.normal();
                let (x, y, z) = match activity[i] {
                    WALK => (
                        0.25 * gain * (phase * walk_hz).sin() + noise(&mut rng, 0.05),
                        0.10 * gain * (phase * walk_hz / 2.0).sin() + noise(&mut rng, 0.05),
                        1.0 + 0.30 * gain * (phase * walk_hz + 0.5).sin() + noise(&mut rng, 0.05),
                    ),
                    RUN => (
                        0.70 * gain * (phase * run_hz).sin() + noise(&mut rng, 0.1),
                        0.30 * gain * (phase * run_hz / 2.0).sin() + noise(&mut rng, 0.1),
                        1.0 + 0.90 * gain * (phase * run_hz + 0.5).sin() + noise(&mut rng, 0.1),
                    ),
                    FALL => {
                        let k = i - starts.iter().rev().find(|&&s| s <= i).copied().unwrap_or(i);
                        if k < impact {
                            // Impact: large, erratic accelerations.
                            let peak = 2.5 + 1.5 * rng.uniform();
                            (peak * rng.normal().signum(), 1.5 * rng.normal(), peak * rng.normal())
                        } else {
                            (1.0 + noise(&mut rng, 0.02), noise(&mut rng, 0.02), noise(&mut rng, 0.02))
                        }
                    }
                    _ if lying[i] => (1.0 + noise(&mut rng, 0.02), noise(&mut rng, 0.02), noise(&mut rng, 0.02)),
                    _ => (noise(&mut rng, 0.02), noise(&mut rng, 0.02), 1.0 + noise(&mut rng, 0.02)),
                };
                let _ = writeln!(out, "{:.4},{x:.4},{y:.4},{z:.4},{sid},{}", time, ACTIVITIES[activity[i]]);
            }
        }
        out
    }

    /// Writes [`FILE_NAME`](Self::FILE_NAME) into `dir` (created if needed)
    /// and returns its path.
    pub fn write(&self, dir: impl AsRef<Path>) -> Result<PathBuf, TsError> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| TsError::io(dir, e))?;
        let path = dir.join(Self::FILE_NAME);
        std::fs::write(&path, self.to_csv()).map_err(|e| TsError::io(&path, e))?;
        Ok(path)
    }
}

/// A gesture's dynamics: frequency in cycles per frame, and per channel
/// (amplitude, phase, level).
type GestureProfile = (f64, Vec<(f64, f64, f64)>);

/// Synthetic surgical trials in the JIGSAWS layout: `users x
/// trials_per_user` trials named `<task>_<letter><nnn>` (letters from `B`,
/// as in JIGSAWS), gestures `G1..G<gestures>`, `channels` kinematic columns.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthSurgerySpec {
    /// Seed of every random draw.
    pub seed: u64,
    /// Task name, the trial-name prefix.
    pub task: String,
    /// Number of surgeons (subjects).
    pub users: usize,
    /// Trials per surgeon.
    pub trials_per_user: usize,
    /// Kinematics frames per trial, unlabelled lead-in and lead-out included.
    pub frames_per_trial: usize,
    /// Number of gestures (at least 2).
    pub gestures: usize,
    /// Kinematic columns per frame.
    pub channels: usize,
}

impl SynthSurgerySpec {
    /// 4 surgeons x 2 trials x 600 frames, 5 gestures, 8 channels.
    pub fn tiny() -> Self {
        Self {
            seed: 11,
            task: "Suturing".into(),
            users: 4,
            trials_per_user: 2,
            frames_per_trial: 600,
            gestures: 5,
            channels: 8,
        }
    }

    /// Trial names in the order written.
    pub fn trial_names(&self) -> Vec<String> {
        (0..self.users)
            .flat_map(|u| {
                let letter = (b'B' + (u % 25) as u8) as char;
                (1..=self.trials_per_user).map(move |k| format!("{}_{letter}{k:03}", self.task))
            })
            .collect()
    }

    /// Kinematics and transcription text of every trial: `(name,
    /// kinematics, transcription)`.
    pub fn to_files(&self) -> Vec<(String, String, String)> {
        let gestures = self.gestures.max(2);
        let channels = self.channels.max(1);
        // Per-gesture dynamics, shared by all trials: frequency (cycles per
        // frame), and per channel an amplitude, a phase and a level.
        let mut profile_rng = Rng::derive(self.seed, "surgery/gestures");
        let profiles: Vec<GestureProfile> = (0..gestures)
            .map(|g| {
                let freq = 0.015 + 0.012 * g as f64;
                let per_channel = (0..channels)
                    .map(|_| {
                        (
                            0.3 + 0.7 * profile_rng.uniform(),
                            2.0 * std::f64::consts::PI * profile_rng.uniform(),
                            profile_rng.normal(),
                        )
                    })
                    .collect();
                (freq, per_channel)
            })
            .collect();
        let mut files = Vec::new();
        for (index, name) in self.trial_names().into_iter().enumerate() {
            let user = index / self.trials_per_user.max(1);
            let mut rng = Rng::derive(self.seed, &format!("surgery/{name}"));
            let mut user_rng = Rng::derive(self.seed, &format!("surgery/user{user}"));
            let bias: Vec<f64> = (0..channels).map(|_| 0.2 * user_rng.normal()).collect();
            let n = self.frames_per_trial;
            let lead = 10 + rng.below(11);
            let trail = 10 + rng.below(11);
            // Gesture segments between lead and trail: G1 first, then mostly
            // the next gesture in a cycle, sometimes a random other one.
            let mut labels: Vec<Option<usize>> = vec![None; n];
            let mut transcription = String::new();
            let mut start = lead;
            let mut g = 0;
            while start + trail < n {
                let len = 40 + rng.below(71);
                let end = (start + len).min(n - trail);
                if end <= start {
                    break;
                }
                labels[start..end].fill(Some(g));
                let _ = writeln!(transcription, "{} {} G{} ", start + 1, end, g + 1);
                start = end;
                let next = if rng.uniform() < 0.8 { 1 + g % (gestures - 1) } else { rng.below(gestures) };
                g = if next == g { (g + 1) % gestures } else { next };
            }
            let mut kinematics = String::new();
            for (t, label) in labels.iter().enumerate() {
                for c in 0..channels {
                    let v = match label {
                        Some(g) => {
                            let (freq, per) = &profiles[*g];
                            let (amp, phi, level) = per[c];
                            amp * (2.0 * std::f64::consts::PI * freq * t as f64 + phi).sin()
                                + 0.5 * level
                                + bias[c]
                                + 0.05 * rng.normal()
                        }
                        None => bias[c] + 0.05 * rng.normal(),
                    };
                    let _ = write!(kinematics, "   {v:.6}");
                }
                kinematics.push('\n');
            }
            files.push((name, kinematics, transcription));
        }
        files
    }

    /// Writes `<dir>/kinematics/<trial>.txt` and
    /// `<dir>/transcriptions/<trial>.txt` for every trial; returns `dir`.
    pub fn write(&self, dir: impl AsRef<Path>) -> Result<PathBuf, TsError> {
        let dir = dir.as_ref();
        let (kin, tr) = (dir.join("kinematics"), dir.join("transcriptions"));
        for d in [&kin, &tr] {
            std::fs::create_dir_all(d).map_err(|e| TsError::io(d, e))?;
        }
        for (name, kinematics, transcription) in self.to_files() {
            let k = kin.join(format!("{name}.txt"));
            std::fs::write(&k, kinematics).map_err(|e| TsError::io(&k, e))?;
            let t = tr.join(format!("{name}.txt"));
            std::fs::write(&t, transcription).map_err(|e| TsError::io(&t, e))?;
        }
        Ok(dir.to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jigsaws::{read_jigsaws, JigsawsOptions};
    use crate::sensor_csv::read_sensor_csv;
    use crate::series::Signal;

    fn tree_bytes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    out.push((p.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&p).unwrap()));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn eldercare_reads_back_with_expected_shape_labels_and_hours() {
        let dir = tempfile::tempdir().unwrap();
        let spec = SynthEldercareSpec::tiny();
        let path = spec.write(dir.path()).unwrap();
        let w = read_sensor_csv(&path, &spec.sensor_csv_spec(WindowLabelRule::Majority)).unwrap();
        assert_eq!(w.dataset.class_names, vec!["fall", "rest", "run", "walk"]);
        assert_eq!(w.dataset.channel_names, vec!["acc_x", "acc_y", "acc_z"]);
        assert_eq!(w.recordings.len(), 6);
        // 3000 samples per resident, window 50 stride 25: 119 windows each.
        assert_eq!(w.dataset.len(), 6 * 119);
        assert_eq!(w.dataset.common_len(), Some(50));
        assert!((w.total_hours - 0.2).abs() < 1e-6, "{}", w.total_hours);
        let counts = w.dataset.class_counts();
        assert!(counts[1] > 0 && counts[2] > 0 && counts[3] > 0, "{counts:?}");

        let falls = read_sensor_csv(&path, &spec.sensor_csv_spec("any:fall".parse().unwrap())).unwrap();
        let positives = falls.dataset.class_counts()[1];
        // 12 falls, each touching 2-3 windows.
        assert!((12..=40).contains(&positives), "{positives}");

        // Planted structure: the z axis swings far more when running than at rest.
        let spread = |class: usize| {
            let sds: Vec<f64> = w
                .dataset
                .series
                .iter()
                .filter(|s| s.label == class)
                .map(|s| {
                    let z = s.channel(2);
                    let m = z.iter().map(|&v| v as f64).sum::<f64>() / z.len() as f64;
                    (z.iter().map(|&v| (v as f64 - m).powi(2)).sum::<f64>() / z.len() as f64).sqrt()
                })
                .collect();
            sds.iter().sum::<f64>() / sds.len() as f64
        };
        assert!(spread(2) > 5.0 * spread(1), "run {} rest {}", spread(2), spread(1));
    }

    #[test]
    fn surgery_reads_back_through_the_jigsaws_reader() {
        let dir = tempfile::tempdir().unwrap();
        let spec = SynthSurgerySpec::tiny();
        spec.write(dir.path()).unwrap();
        let d = read_jigsaws(dir.path(), &JigsawsOptions::default()).unwrap();
        assert_eq!(d.len(), 8);
        assert_eq!(d.class_names, vec!["G1", "G2", "G3", "G4", "G5"]);
        assert_eq!(d.subjects(), vec!["B", "C", "D", "E"]);
        for s in &d.sequences {
            assert_eq!(s.channels, 8);
            // Lead-in and lead-out of 10-20 frames each are trimmed.
            assert!((560..=580).contains(&s.len), "{}", s.len);
            assert_eq!(s.frame_labels[0], 0, "trials start with G1");
            assert_eq!(s.values.len(), 8 * s.len);
        }
        assert!(d.frame_class_counts().iter().all(|&c| c > 0), "{:?}", d.frame_class_counts());
        assert_eq!(d.sequences[0].id, "Suturing_B001");
    }

    #[test]
    fn same_seed_same_bytes_and_another_seed_differs() {
        let (a, b, c) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let elder = SynthEldercareSpec::tiny();
        elder.write(a.path()).unwrap();
        elder.write(b.path()).unwrap();
        SynthEldercareSpec { seed: 8, ..elder.clone() }.write(c.path()).unwrap();
        let surgery = SynthSurgerySpec::tiny();
        surgery.write(a.path().join("s")).unwrap();
        surgery.write(b.path().join("s")).unwrap();
        SynthSurgerySpec { seed: 12, ..surgery.clone() }.write(c.path().join("s")).unwrap();
        let (ta, tb, tc) = (tree_bytes(a.path()), tree_bytes(b.path()), tree_bytes(c.path()));
        assert_eq!(ta.len(), 1 + 16);
        assert_eq!(ta, tb);
        for ((pa, ba), (pc, bc)) in ta.iter().zip(&tc) {
            assert_eq!(pa, pc);
            assert_ne!(ba, bc, "{}", pa.display());
        }
    }
}
