//! Long sensor CSVs cut into windows: `medref_timeseries::read_sensor_csv`
//! with small windows, each label rule, gap splitting, gap filling at a
//! declared rate and a recording column.
#![no_main]
use libfuzzer_sys::fuzz_target;
use medref_timeseries::{read_sensor_csv, MissingPolicy, SensorCsvSpec, WindowLabelRule};

fuzz_target!(|data: &[u8]| {
    let path = medref_fuzz::scratch_file("sensors.csv", data);
    let majority = SensorCsvSpec {
        window: 4,
        stride: 2,
        drop_short_recordings: true,
        ..SensorCsvSpec::default()
    };
    let _ = read_sensor_csv(&path, &majority);
    let any_fall = SensorCsvSpec {
        window: 3,
        stride: 1,
        label_rule: WindowLabelRule::Any("fall".into()),
        max_gap_seconds: Some(0.5),
        seconds_per_unit: 0.001,
        ..SensorCsvSpec::default()
    };
    let _ = read_sensor_csv(&path, &any_fall);
    let last = SensorCsvSpec {
        window: 2,
        stride: 3,
        label_rule: WindowLabelRule::Last,
        recording_column: Some("recording".into()),
        channel_columns: vec!["acc_x".into(), "acc_y".into()],
        class_names: Some(vec!["rest".into(), "walk".into(), "fall".into()]),
        ..SensorCsvSpec::default()
    };
    let _ = read_sensor_csv(&path, &last);
    let gaps = SensorCsvSpec {
        window: 3,
        stride: 2,
        sampling_hz: Some(4.0),
        max_gap_seconds: Some(2.0),
        missing: MissingPolicy::Interpolate,
        drop_short_recordings: true,
        ..SensorCsvSpec::default()
    };
    let _ = read_sensor_csv(&path, &gaps);
});
