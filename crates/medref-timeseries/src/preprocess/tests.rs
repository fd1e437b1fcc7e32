use super::*;

fn series(subject: &str, channels: usize, values: Vec<f32>) -> Series {
    Series {
        id: subject.into(),
        subject: Some(subject.into()),
        channels,
        len: values.len() / channels,
        values,
        label: 0,
    }
}

#[test]
fn scaler_uses_only_the_fitting_subjects_and_round_trips_serde() {
    // Train: channel 0 = 1 2 3 4 (mean 2.5, std sqrt(1.25)); channel 1 constant 7.
    let train = vec![series("a", 2, vec![1.0, 2.0, 7.0, 7.0]), series("b", 2, vec![3.0, 4.0, 7.0, 7.0])];
    let scaler = ChannelScaler::fit(&train).unwrap();
    assert_eq!(scaler.mean, vec![2.5, 7.0]);
    assert!((scaler.std[0] - 1.25f32.sqrt()).abs() < 1e-6);
    assert_eq!(scaler.std[1], 1.0);
    // A test subject far away does not move the fit; it is scaled with train numbers.
    let mut test = series("z", 2, vec![102.5, f32::NAN, 8.0, 6.0]);
    scaler.apply(&mut test).unwrap();
    assert!((test.values[0] - 100.0 / 1.25f32.sqrt()).abs() < 1e-3);
    assert!(test.values[1].is_nan());
    assert_eq!(&test.values[2..], &[1.0, -1.0]);
    let json = serde_json::to_string(&scaler).unwrap();
    assert_eq!(serde_json::from_str::<ChannelScaler>(&json).unwrap(), scaler);
    assert!(scaler.apply(&mut series("q", 1, vec![1.0])).is_err());
    assert!(ChannelScaler::fit::<Series>(&[]).is_err());
    assert!(ChannelScaler::fit(&[series("a", 1, vec![1.0]), series("b", 2, vec![1.0, 2.0])]).is_err());
}

#[test]
fn nan_values_are_skipped_when_fitting() {
    let s = ChannelScaler::fit(&[series("a", 1, vec![1.0, f32::NAN, 3.0])]).unwrap();
    assert_eq!(s.mean, vec![2.0]);
    let s = ChannelScaler::fit(&[series("a", 1, vec![f32::NAN])]).unwrap();
    assert_eq!((s.mean[0], s.std[0]), (0.0, 1.0));
}

#[test]
fn linear_resampling_by_hand() {
    // 0 2 4 6 8 at 4 Hz -> 2 Hz: positions 0 2 4 -> 0 4 8.
    let (v, n) = resample_linear(&[0.0, 2.0, 4.0, 6.0, 8.0], 1, 5, 4.0, 2.0).unwrap();
    assert_eq!((v, n), (vec![0.0, 4.0, 8.0], 3));
    // Two channels 0 1 / 10 20 at 1 Hz -> 4 Hz: positions 0 .25 .5 .75 1.
    let (v, n) = resample_linear(&[0.0, 1.0, 10.0, 20.0], 2, 2, 1.0, 4.0).unwrap();
    assert_eq!(n, 5);
    assert_eq!(v, vec![0.0, 0.25, 0.5, 0.75, 1.0, 10.0, 12.5, 15.0, 17.5, 20.0]);
    // 100 samples at 50 Hz -> 25 Hz: 50 samples.
    assert_eq!(resample_linear(&[0.0; 100], 1, 100, 50.0, 25.0).unwrap().1, 50);
    assert!(resample_linear(&[0.0], 1, 1, 0.0, 1.0).is_err());
    assert!(resample_linear(&[0.0, 1.0], 1, 3, 1.0, 1.0).is_err());
}

#[test]
fn resampled_frames_take_the_nearest_label() {
    let seq = FrameSequence {
        id: "t".into(),
        subject: None,
        channels: 1,
        len: 4,
        values: vec![0.0, 1.0, 2.0, 3.0],
        frame_labels: vec![0, 0, 1, 1],
        source_frames: vec![10, 11, 12, 13],
    };
    // 2 Hz -> 3 Hz: positions 0, 2/3, 4/3, 2 -> nearest 0 1 1 2.
    let r = resample_frames(&seq, 2.0, 3.0).unwrap();
    assert_eq!(r.len, 5);
    assert_eq!(r.frame_labels[..4], [0, 0, 0, 1]);
    assert_eq!(r.source_frames[..4], [10, 11, 11, 12]);
    let s = resample_series(&series("a", 1, vec![0.0, 1.0, 2.0, 3.0]), 2.0, 1.0).unwrap();
    assert_eq!(s.values, vec![0.0, 2.0]);
}

#[test]
fn magnitude_of_a_channel_group() {
    let mut d = SeriesDataset {
        name: "m".into(),
        class_names: vec!["x".into()],
        channel_names: vec!["ax".into(), "ay".into(), "az".into()],
        series: vec![series("a", 3, vec![3.0, 0.0, 4.0, 1.0, 0.0, 0.0])],
    };
    add_magnitude_channel(&mut d, &[0, 1, 2], "acc_mag").unwrap();
    assert_eq!(d.series[0].channels, 4);
    assert_eq!(d.series[0].channel(3), &[5.0, 1.0]);
    assert_eq!(d.channel_names[3], "acc_mag");
    assert!(add_magnitude(&mut d.series[0], &[9]).is_err());
    assert!(add_magnitude(&mut d.series[0], &[]).is_err());
}

fn items() -> Vec<String> {
    // 10 subjects, 3 items each, interleaved.
    (0..30).map(|i| format!("S{}", i % 10 + 1)).collect()
}

fn assert_disjoint(s: &SubjectSplit, subjects: &[String]) {
    let of = |idx: &[usize]| idx.iter().map(|&i| subjects[i].clone()).collect::<BTreeSet<_>>();
    let (tr, va, te) = (of(&s.train), of(&s.val), of(&s.test));
    assert!(tr.is_disjoint(&va) && tr.is_disjoint(&te) && va.is_disjoint(&te));
    assert_eq!(s.train.len() + s.val.len() + s.test.len(), subjects.len());
    assert_eq!(tr.len(), s.train_subjects.len());
}

#[test]
fn fraction_split_never_shares_a_subject_and_is_seeded() {
    let subjects = items();
    let h = SubjectHoldout::Fractions { val: 0.2, test: 0.2 };
    let a = subject_split(&subjects, &h, 1).unwrap();
    assert_disjoint(&a, &subjects);
    assert_eq!((a.train_subjects.len(), a.val_subjects.len(), a.test_subjects.len()), (6, 2, 2));
    assert_eq!(a.test.len(), 6);
    assert_eq!(a, subject_split(&subjects, &h, 1).unwrap());
    let differs = (2..20).any(|seed| subject_split(&subjects, &h, seed).unwrap().test_subjects != a.test_subjects);
    assert!(differs);
    // A tiny fraction still holds out one subject.
    let one = subject_split(&subjects, &SubjectHoldout::Fractions { val: 0.0, test: 0.01 }, 3).unwrap();
    assert_eq!((one.val_subjects.len(), one.test_subjects.len()), (0, 1));
    assert!(subject_split(&subjects, &SubjectHoldout::Fractions { val: 0.5, test: 0.5 }, 1).is_err());
    assert!(subject_split(&["a", "b"], &SubjectHoldout::Fractions { val: 0.3, test: 0.3 }, 1).is_err());
}

#[test]
fn named_split_and_its_errors() {
    let subjects = items();
    let h = SubjectHoldout::Named { val: vec!["S2".into()], test: vec!["S10".into(), "S3".into()] };
    let s = subject_split(&subjects, &h, 0).unwrap();
    assert_disjoint(&s, &subjects);
    assert_eq!(s.test_subjects, vec!["S3", "S10"]);
    assert_eq!(s.val, vec![1, 11, 21]);
    let e = subject_split(&subjects, &SubjectHoldout::Named { val: vec![], test: vec!["S11".into()] }, 0)
        .unwrap_err()
        .to_string();
    assert!(e.contains("held-out subject `S11` is not in the data"), "{e}");
    let both = SubjectHoldout::Named { val: vec!["S1".into()], test: vec!["S1".into()] };
    assert!(subject_split(&subjects, &both, 0).unwrap_err().to_string().contains("both"));
    let all = SubjectHoldout::Named { val: vec![], test: vec!["a".into()] };
    assert!(subject_split(&["a", "a"], &all, 0).is_err());
}

#[test]
fn leave_one_subject_out_covers_each_subject_once() {
    let subjects = items();
    let folds = leave_one_subject_out(&subjects);
    assert_eq!(folds.len(), 10);
    for (k, f) in folds.iter().enumerate() {
        assert_disjoint(f, &subjects);
        assert_eq!(f.test_subjects, vec![format!("S{}", k + 1)]);
        assert_eq!(f.test.len(), 3);
    }
}
