//! CSVs of labelled sequences: `genomics::read_sequence_csv` with the
//! default columns, with padding/cropping, and as a two-task file.
#![no_main]
use libfuzzer_sys::fuzz_target;
use medref_data::genomics::{read_sequence_csv, SequenceCsvOptions};

fuzz_target!(|data: &[u8]| {
    let path = medref_fuzz::scratch_file("input.csv", data);
    let _ = read_sequence_csv(&path, &SequenceCsvOptions::default());
    let padded = SequenceCsvOptions {
        pad_or_crop_to: Some(7),
        class_names: Some(vec!["0".into(), "1".into(), "ei".into()]),
        ..SequenceCsvOptions::default()
    };
    let _ = read_sequence_csv(&path, &padded);
    let multi = SequenceCsvOptions {
        label_columns: vec!["label".into(), "task2".into()],
        id_column: None,
        ..SequenceCsvOptions::default()
    };
    let _ = read_sequence_csv(&path, &multi);
});
