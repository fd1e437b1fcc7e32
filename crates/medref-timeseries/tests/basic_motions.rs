//! The committed UEA BasicMotions files (datasets/eldercare) read with the
//! counts, shapes and class balance the archive publishes: 40 + 40 cases,
//! 6 channels (3-axis accelerometer, 3-axis gyroscope) x 100 samples at
//! 10 Hz, 10 cases of each activity per file.

use std::path::PathBuf;

use medref_timeseries::{read_ts, subject_split, ChannelScaler, SubjectHoldout};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/eldercare").join(name)
}

#[test]
fn basic_motions_train_and_test_have_published_shape_and_balance() {
    for file in ["BasicMotions_TRAIN.ts", "BasicMotions_TEST.ts"] {
        let d = read_ts(data(file)).unwrap();
        assert_eq!(d.name, "BasicMotions");
        assert_eq!(d.class_names, vec!["Standing", "Running", "Walking", "Badminton"]);
        assert_eq!(d.len(), 40, "{file}");
        assert_eq!(d.common_len(), Some(100));
        assert!(d.series.iter().all(|s| s.channels == 6 && s.values.len() == 600));
        assert!(d.series.iter().all(|s| s.values.iter().all(|v| v.is_finite())));
        assert_eq!(d.class_counts(), vec![10, 10, 10, 10], "{file}");
        assert_eq!(d.channel_names.len(), 6);
    }
}

#[test]
fn first_training_value_is_read_exactly() {
    let d = read_ts(data("BasicMotions_TRAIN.ts")).unwrap();
    // The file's first case starts `0.079106,0.079106,-0.903497,...`.
    assert_eq!(&d.series[0].values[..3], &[0.079106, 0.079106, -0.903497]);
    assert_eq!(d.series[0].id, "BasicMotions_TRAIN_1");
}

#[test]
fn running_moves_more_than_standing_after_scaling() {
    let train = read_ts(data("BasicMotions_TRAIN.ts")).unwrap();
    let mut test = read_ts(data("BasicMotions_TEST.ts")).unwrap();
    let scaler = ChannelScaler::fit(&train.series).unwrap();
    scaler.apply_all(&mut test.series).unwrap();
    let energy = |class: usize| {
        let picked: Vec<f64> = test
            .series
            .iter()
            .filter(|s| s.label == class)
            .map(|s| s.values.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / s.values.len() as f64)
            .collect();
        picked.iter().sum::<f64>() / picked.len() as f64
    };
    // Standing is class 0, Running class 1.
    assert!(energy(1) > 2.0 * energy(0), "running {} standing {}", energy(1), energy(0));
    // Cases carry no subject, so a subject split needs ids supplied by the caller.
    let ids: Vec<String> = train.series.iter().map(|s| s.id.clone()).collect();
    let split = subject_split(&ids, &SubjectHoldout::Fractions { val: 0.0, test: 0.25 }, 0).unwrap();
    assert_eq!(split.test.len(), 10);
}
