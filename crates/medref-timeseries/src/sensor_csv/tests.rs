use super::*;
use std::path::PathBuf;

fn write(dir: &tempfile::TempDir, text: &str) -> PathBuf {
    let p = dir.path().join("sensors.csv");
    std::fs::write(&p, text).unwrap();
    p
}

/// Two subjects: S1 has 6 samples at 1 Hz (rest, rest, fall, fall, rest,
/// rest), S2 has 4 (walk x4).
const SMALL: &str = "timestamp,x,y,subject,label\n\
    0,1,10,S1,rest\n1,2,20,S1,rest\n2,3,30,S1,fall\n3,4,40,S1,fall\n4,5,50,S1,rest\n5,6,60,S1,rest\n\
    10,7,70,S2,walk\n11,8,80,S2,walk\n12,9,90,S2,walk\n13,0,0,S2,walk\n";

fn spec(window: usize, stride: usize, rule: &str) -> SensorCsvSpec {
    SensorCsvSpec { window, stride, label_rule: rule.parse().unwrap(), ..SensorCsvSpec::default() }
}

#[test]
fn windows_per_subject_with_channel_major_values() {
    let dir = tempfile::tempdir().unwrap();
    let w = read_sensor_csv(write(&dir, SMALL), &spec(3, 2, "majority")).unwrap();
    // S1: starts 0, 2 (4+3 > 6); S2: start 0 (2+3 > 4).
    let ids: Vec<&str> = w.dataset.series.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, vec!["S1/r0/0", "S1/r0/2", "S2/r0/0"]);
    assert_eq!(w.dataset.channel_names, vec!["x", "y"]);
    assert_eq!(w.dataset.series[1].values, vec![3.0, 4.0, 5.0, 30.0, 40.0, 50.0]);
    assert_eq!(w.dataset.class_names, vec!["fall", "rest", "walk"]);
    // rest rest fall -> rest; fall fall rest -> fall; walk.
    assert_eq!(w.dataset.labels(), vec![1, 0, 2]);
    assert_eq!(w.window_start_times, vec![0.0, 2.0, 10.0]);
    // 6 s + 4 s (n * mean interval).
    assert!((w.total_hours - 10.0 / 3600.0).abs() < 1e-12);
    assert_eq!(w.recordings.len(), 2);
    assert_eq!(w.recordings[1].first_line, 8);
}

#[test]
fn last_and_any_rules() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, SMALL);
    let last = read_sensor_csv(&p, &spec(2, 1, "last")).unwrap();
    // S1 windows end at samples 1..5: rest fall fall rest rest; S2: walk x3.
    assert_eq!(last.dataset.labels(), vec![1, 0, 0, 1, 1, 2, 2, 2]);
    let any = read_sensor_csv(&p, &spec(2, 1, "any:fall")).unwrap();
    assert_eq!(any.dataset.class_names, vec!["not_fall", "fall"]);
    // S1 windows [0,1] [1,2] [2,3] [3,4] [4,5]: 0 1 1 1 0; S2: 0 0 0.
    assert_eq!(any.dataset.labels(), vec![0, 1, 1, 1, 0, 0, 0, 0]);
}

#[test]
fn majority_tie_goes_to_lowest_class_and_rule_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let w = read_sensor_csv(write(&dir, SMALL), &spec(4, 4, "majority")).unwrap();
    // S1 [0..4): rest rest fall fall -> tie -> fall (index 0).
    assert_eq!(w.dataset.labels()[0], 0);
    assert!("sometimes".parse::<WindowLabelRule>().is_err());
    assert!("any:".parse::<WindowLabelRule>().is_err());
    assert_eq!("any:fall".parse::<WindowLabelRule>().unwrap().to_string(), "any:fall");
}

#[test]
fn gaps_and_recording_column_split_recordings() {
    let dir = tempfile::tempdir().unwrap();
    let text = "t,a,subject,label,session\n0,1,S1,x,s1\n1,1,S1,x,s1\n2,1,S1,x,s1\n\
                10,1,S1,x,s1\n11,1,S1,x,s1\n0,1,S1,x,s2\n1,1,S1,x,s2\n";
    let p = write(&dir, text);
    let mut s = SensorCsvSpec {
        timestamp_column: "t".into(),
        recording_column: Some("session".into()),
        window: 2,
        stride: 2,
        ..SensorCsvSpec::default()
    };
    let w = read_sensor_csv(&p, &s).unwrap();
    assert_eq!(w.recordings.len(), 2);
    assert_eq!(w.dataset.channel_names, vec!["a"]);
    s.max_gap_seconds = Some(5.0);
    let w = read_sensor_csv(&p, &s).unwrap();
    let samples: Vec<usize> = w.recordings.iter().map(|r| r.samples).collect();
    assert_eq!(samples, vec![3, 2, 2]);
    // 3 s + 2 s + 2 s.
    assert!((w.total_hours * 3600.0 - 7.0).abs() < 1e-9);
}

#[test]
fn missing_value_names_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "timestamp,x,y,subject,label\n0,1,2,S1,a\n1,,2,S1,a\n");
    let e = read_sensor_csv(&p, &spec(1, 1, "last")).unwrap_err().to_string();
    assert!(e.starts_with(&p.display().to_string()), "{e}");
    assert!(e.contains("line 3: column `x`: missing value (empty cell)"), "{e}");
    std::fs::write(&p, "timestamp,x,y,subject,label\n0,1,2,S1,a\n1,9,8mg,S1,a\n").unwrap();
    let e = read_sensor_csv(&p, &spec(1, 1, "last")).unwrap_err().to_string();
    assert!(e.contains("line 3: column `y`: not a finite number"), "{e}");
    assert!(!e.contains("8mg"));
}

#[test]
fn window_longer_than_recording_names_subject_and_lengths() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, SMALL);
    let e = read_sensor_csv(&p, &spec(5, 1, "majority")).unwrap_err().to_string();
    assert!(e.starts_with(&p.display().to_string()), "{e}");
    assert!(e.contains("subject `S2`: recording 0 (from line 8) has 4 samples but the window is 5"), "{e}");
    let mut s = spec(5, 1, "majority");
    s.drop_short_recordings = true;
    let w = read_sensor_csv(&p, &s).unwrap();
    assert_eq!(w.dataset.len(), 2);
    assert_eq!(w.recordings[1].windows, 0);
    // Skipped recordings still count towards the hours.
    assert!((w.total_hours * 3600.0 - 10.0).abs() < 1e-9);
}

#[test]
fn timestamps_must_increase_within_a_subject() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "timestamp,x,subject,label\n0,1,S1,a\n1,1,S1,a\n5,1,S2,a\n1,1,S1,a\n");
    let e = read_sensor_csv(&p, &spec(1, 1, "last")).unwrap_err().to_string();
    assert!(
        e.contains("line 5: column `timestamp`: timestamp is not after the previous sample of subject `S1` (line 3)"),
        "{e}"
    );
}

#[test]
fn header_and_label_problems() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, "time,x,subject,label\n0,1,S1,a\n");
    let e = read_sensor_csv(&p, &spec(1, 1, "last")).unwrap_err().to_string();
    assert!(e.contains("line 1: no column `timestamp` in the header (it has `time`, `x`, `subject`, `label`)"), "{e}");
    let p = write(&dir, "timestamp,x,subject,label\n0,1,S1,a\n1,1,S1,b\n");
    let mut s = spec(1, 1, "majority");
    s.class_names = Some(vec!["a".into()]);
    let e = read_sensor_csv(&p, &s).unwrap_err().to_string();
    assert!(e.contains("line 3: column `label`: the label is not one of the classes a"), "{e}");
    let p = write(&dir, "timestamp,x,subject,label\n0,1,S1\n");
    let e = read_sensor_csv(&p, &s).unwrap_err().to_string();
    assert!(e.contains("line 2: 3 fields but the header has 4"), "{e}");
    let p = write(&dir, "timestamp,x,subject,label\n");
    assert!(read_sensor_csv(&p, &s).unwrap_err().to_string().contains("no samples"));
    assert!(read_sensor_csv(&p, &spec(0, 1, "last")).is_err());
}

#[test]
fn spec_round_trips_through_serde_with_the_rule_as_text() {
    let s = spec(100, 25, "any:fall");
    let json = serde_json::to_string(&s).unwrap();
    assert!(json.contains("\"label_rule\":\"any:fall\""), "{json}");
    let back: SensorCsvSpec = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
    let partial: SensorCsvSpec = serde_json::from_str("{\"window\": 10}").unwrap();
    assert_eq!(partial.window, 10);
    assert_eq!(partial.stride, 25);
    assert!(serde_json::from_str::<SensorCsvSpec>("{\"label_rule\": \"often\"}").is_err());
    assert!(serde_json::from_str::<SensorCsvSpec>("{\"windw\": 10}").is_err());
}

/// 1 Hz samples of one subject: t = 0..=4, a 3 s gap (2 samples lost),
/// t = 7..=9, a 10 s gap, t = 20..=23; one empty cell at t = 8.
const GAPPY: &str = "timestamp,x,subject,label\n\
    0,0,S1,a\n1,1,S1,a\n2,2,S1,a\n3,3,S1,a\n4,4,S1,a\n7,7,S1,a\n8,,S1,a\n9,9,S1,a\n\
    20,20,S1,a\n21,21,S1,a\n22,22,S1,a\n23,23,S1,a\n";

fn gappy_spec(missing: MissingPolicy) -> SensorCsvSpec {
    SensorCsvSpec { sampling_hz: Some(1.0), max_gap_seconds: Some(5.0), missing, ..spec(4, 2, "majority") }
}

#[test]
fn short_gaps_become_missing_samples_and_long_ones_split_recordings() {
    let dir = tempfile::tempdir().unwrap();
    let w = read_sensor_csv(write(&dir, GAPPY), &gappy_spec(MissingPolicy::Interpolate)).unwrap();
    assert_eq!(w.gap_samples_inserted, 2);
    let samples: Vec<usize> = w.recordings.iter().map(|r| r.samples).collect();
    assert_eq!(samples, vec![10, 4], "0..=9 with 5 and 6 inserted, then 20..=23");
    // Windows of 4 every 2 over 10 + 4 joined samples: the one starting
    // at 8 would have straddled the long gap.
    assert_eq!(w.windows_dropped_at_gaps.get("S1"), Some(&1));
    let second = &w.dataset.series[2]; // samples 4..8: 4, (5), (6), 7
    assert_eq!(second.values[0], 4.0);
    assert!(second.values[1].is_nan() && second.values[2].is_nan());
    let third = &w.dataset.series[3]; // samples 6..10: (6), 7, (8), 9
    assert!(third.values[2].is_nan(), "the empty cell reads as missing");
}

#[test]
fn gaps_and_rates_are_refused_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(&dir, &GAPPY.replace("8,,", "8,8,"));
    let e = read_sensor_csv(&p, &gappy_spec(MissingPolicy::Refuse)).unwrap_err().to_string();
    assert!(e.contains("line 7: a gap of 3.000 s (2 missing samples)"), "{e}");
    let slow = SensorCsvSpec { sampling_hz: Some(0.25), ..gappy_spec(MissingPolicy::Interpolate) };
    let e = read_sensor_csv(&p, &slow).unwrap_err().to_string();
    assert!(e.contains("line 3: column `timestamp`: 1.0000 s after the previous sample (line 2)"), "{e}");
    std::fs::write(&p, "timestamp,x,subject,label\n0,,S1,a\n1,,S1,a\n2,,S1,a\n3,,S1,a\n").unwrap();
    let e = read_sensor_csv(&p, &gappy_spec(MissingPolicy::Ffill)).unwrap_err().to_string();
    assert!(e.contains("line 2: subject `S1`: the window starting here has no observed value in column `x`"), "{e}");
}
