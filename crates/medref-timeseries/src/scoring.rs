//! New recordings for `medref predict`: read as training read them (the
//! same windows, the same magnitude channel, the training split's channel
//! scaling), but every case is to be scored, so nothing is split and no
//! label is needed by the caller (class indices are set to 0). Missing
//! values are filled, and lengths fixed, by the run's own `[data]` policy.

use crate::missing::refuse_unobserved_channel;
use crate::sections::{SensorCsvSection, TsSection};
use crate::{
    fill_series, read_sensor_csv, read_ts_with, ChannelScaler, FrameSequence, FrameTable, MissingPolicy, SensorCsvSpec,
    Series, TsError,
};
use std::path::Path;

/// Every case of a `.ts` file, its length fixed as the run's section
/// says, scaled with `scaler` when the run standardised its channels, and
/// missing values filled by the section's policy.
pub fn ts_cases(d: &TsSection, path: &Path, scaler: Option<&ChannelScaler>) -> Result<Vec<Series>, TsError> {
    let mut series = read_ts_with(path, d.missing)?.series;
    let lengths = d.length_policy();
    for s in &mut series {
        lengths.apply(s);
        refuse_unobserved_channel(path, s)?;
    }
    finish(&mut series, scaler, d.missing)?;
    Ok(series)
}

/// Every window of a long sensor CSV, cut with the run's window, stride
/// and channels (ids `<subject>/r<recording>/<first sample>`), with the
/// magnitude channel added as in training and scaled with `scaler`.
pub fn sensor_windows(
    d: &SensorCsvSection,
    path: &Path,
    scaler: Option<&ChannelScaler>,
) -> Result<Vec<Series>, TsError> {
    // Any labels in the file are read, not required to be the run's classes.
    let spec = SensorCsvSpec { class_names: None, ..d.spec()? };
    let mut series = read_sensor_csv(path, &spec)?.dataset.series;
    d.add_magnitude(&mut series)?;
    finish(&mut series, scaler, d.missing)?;
    Ok(series)
}

/// A whole recording of per-frame values (kinematics, video features) as
/// one sequence to label frame by frame, keeping every `subsample`-th row
/// as training did, scaled with `scaler`.
pub fn frame_sequence(
    id: &str,
    table: &FrameTable,
    subsample: usize,
    scaler: Option<&ChannelScaler>,
) -> Result<FrameSequence, TsError> {
    let rows: Vec<usize> = (0..table.frames).step_by(subsample.max(1)).collect();
    let mut sequence = FrameSequence {
        id: id.to_string(),
        subject: None,
        channels: table.columns,
        len: rows.len(),
        values: table.channel_major(&rows),
        frame_labels: vec![0; rows.len()],
        source_frames: rows,
    };
    if let Some(scaler) = scaler {
        scaler.apply(&mut sequence)?;
    }
    Ok(sequence)
}

fn finish(series: &mut [Series], scaler: Option<&ChannelScaler>, missing: MissingPolicy) -> Result<(), TsError> {
    for s in series.iter_mut() {
        s.label = 0;
        if let Some(scaler) = scaler {
            scaler.apply(s)?;
        }
        fill_series(s, missing);
    }
    Ok(())
}
