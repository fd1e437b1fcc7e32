//! Cholec80 phase annotations and per-frame features
//! (`cholec80::read_phase_annotations`, `read_frame_features` as CSV and
//! `.npy`, `read_cholec80_video`).
//!
//! Input: `ANNOTATIONS \0 FEATURES`; without a `\0` the same bytes are
//! given to both readers.
#![no_main]
use libfuzzer_sys::fuzz_target;
use medref_timeseries::cholec80::{read_frame_features, read_phase_annotations};
use medref_timeseries::{read_cholec80_video, Cholec80Options, CHOLEC80_PHASES};

fuzz_target!(|data: &[u8]| {
    let (ann, features) = medref_fuzz::split_once(data, 0);
    let features = features.unwrap_or(ann);
    let ann_path = medref_fuzz::scratch_file("video01-phase.txt", ann);
    let csv_path = medref_fuzz::scratch_file("video01.csv", features);
    let npy_path = medref_fuzz::scratch_file("video01.npy", features);
    let classes: Vec<String> = CHOLEC80_PHASES.iter().map(|s| s.to_string()).collect();
    let _ = read_phase_annotations(&ann_path, &classes);
    let _ = read_frame_features(&csv_path, true);
    let _ = read_frame_features(&npy_path, false);
    for (step, subsample, csv_header) in [(25, 1, false), (1, 2, true), (3, 1, false)] {
        let options = Cholec80Options {
            annotation_frames_per_row: step,
            subsample,
            csv_header,
            ..Cholec80Options::default()
        };
        let _ = read_cholec80_video(&ann_path, &csv_path, &options);
    }
    let _ = read_cholec80_video(&ann_path, &npy_path, &Cholec80Options::default());
});
