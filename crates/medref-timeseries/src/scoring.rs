//! New recordings for `medref predict`: read as training read them (the
//! same windows, the same magnitude channel, the training split's channel
//! scaling), but every case is to be scored, so nothing is split and no
//! label is needed by the caller (class indices are set to 0).

use crate::sections::SensorCsvSection;
use crate::{add_magnitude, read_sensor_csv, read_ts, ChannelScaler, FrameSequence, FrameTable, SensorCsvSpec, Series, TsError};
use std::path::Path;

/// Every case of a `.ts` file, scaled with `scaler` when the run
/// standardised its channels.
pub fn ts_cases(path: &Path, scaler: Option<&ChannelScaler>) -> Result<Vec<Series>, TsError> {
    let mut series = read_ts(path)?.series;
    finish(&mut series, scaler)?;
    Ok(series)
}

/// Every window of a long sensor CSV, cut with the run's window, stride
/// and channels (ids `<subject>/r<recording>/<first sample>`), with the
/// magnitude channel added as in training and scaled with `scaler`.
pub fn sensor_windows(d: &SensorCsvSection, path: &Path, scaler: Option<&ChannelScaler>) -> Result<Vec<Series>, TsError> {
    let rule = d.label_rule.parse().map_err(|e: String| TsError::Mismatch(format!("[data].label_rule: {e}")))?;
    let spec = SensorCsvSpec {
        timestamp_column: d.timestamp_column.clone(),
        channel_columns: d.channels.clone(),
        subject_column: d.subject_column.clone(),
        label_column: d.label_column.clone(),
        seconds_per_unit: d.seconds_per_unit,
        window: d.window,
        stride: d.stride,
        label_rule: rule,
        ..SensorCsvSpec::default()
    };
    let mut series = read_sensor_csv(path, &spec)?.dataset.series;
    if !d.magnitude.is_empty() {
        for s in &mut series {
            add_magnitude(s, &d.magnitude).map_err(|e| TsError::Mismatch(format!("[data].magnitude: {e}")))?;
        }
    }
    finish(&mut series, scaler)?;
    Ok(series)
}

/// A whole recording of per-frame values (kinematics, video features) as
/// one sequence to label frame by frame, keeping every `subsample`-th row
/// as training did, scaled with `scaler`.
pub fn frame_sequence(id: &str, table: &FrameTable, subsample: usize, scaler: Option<&ChannelScaler>) -> Result<FrameSequence, TsError> {
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

fn finish(series: &mut [Series], scaler: Option<&ChannelScaler>) -> Result<(), TsError> {
    for s in series.iter_mut() {
        s.label = 0;
        if let Some(scaler) = scaler {
            scaler.apply(s)?;
        }
    }
    Ok(())
}
