//! JIGSAWS trials: kinematics and gesture transcriptions
//! (`jigsaws::read_kinematics`, `read_transcription`, `read_jigsaws_trial`).
//!
//! Input: `KINEMATICS \0 TRANSCRIPTION`; without a `\0` the same bytes are
//! given to both readers.
#![no_main]
use libfuzzer_sys::fuzz_target;
use medref_timeseries::jigsaws::{read_jigsaws_trial, read_kinematics, read_transcription};
use medref_timeseries::InteriorGaps;

fuzz_target!(|data: &[u8]| {
    let (kin, tr) = medref_fuzz::split_once(data, 0);
    let tr = tr.unwrap_or(kin);
    let kin_path = medref_fuzz::scratch_file("kinematics/Suturing_B001.txt", kin);
    let tr_path = medref_fuzz::scratch_file("transcriptions/Suturing_B001.txt", tr);
    let _ = read_kinematics(&kin_path);
    let _ = read_transcription(&tr_path);
    let classes: Vec<String> = (1..=15).map(|g| format!("G{g}")).collect();
    for gaps in [
        InteriorGaps::Drop,
        InteriorGaps::FillPrevious,
        InteriorGaps::Error,
    ] {
        let _ = read_jigsaws_trial(&kin_path, &tr_path, &classes, gaps);
    }
});
