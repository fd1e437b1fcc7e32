//! Missing values inside a signal (`?` / `NaN` in a `.ts` file, an empty
//! cell or a short dropout in a sensor CSV) and what a config asks medref
//! to do about them ([`MissingPolicy`]).
//!
//! Filling runs after the channel scaler is applied: the scaler skips
//! missing values, so its statistics come from observed samples only, and
//! linear interpolation and forward filling commute with `(x - mean) / std`,
//! so filling before or after scaling gives the same series. Appending the
//! availability channels last keeps them 0/1 instead of standardised.

use serde::{Deserialize, Serialize};

use crate::series::{Series, Signal};

/// What to do with missing samples, `[data].missing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MissingPolicy {
    /// Linear between the observed neighbours; the first (last) observed
    /// value before the first (after the last) observation. What sktime
    /// users get from an interpolating imputer, and the default.
    #[default]
    Interpolate,
    /// The last observed value (the first observed one before any
    /// observation): what a streaming device can do without the future.
    Ffill,
    /// As `interpolate`, plus one 0/1 availability channel per input
    /// channel (1: observed), appended after the signal channels, so the
    /// model can learn to trust filled samples less. Padding reads as 0.
    Mask,
    /// Stop with an error naming the file, line and series.
    Refuse,
}

impl MissingPolicy {
    /// The config spelling (`"interpolate"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Interpolate => "interpolate",
            Self::Ffill => "ffill",
            Self::Mask => "mask",
            Self::Refuse => "refuse",
        }
    }

    /// Channels the model sees for `channels` signal channels.
    pub fn model_channels(self, channels: usize) -> usize {
        if self == Self::Mask {
            2 * channels
        } else {
            channels
        }
    }
}

/// Index of the first channel of `s` whose every value is missing.
pub fn entirely_missing_channel(values: &[f32], channels: usize, len: usize) -> Option<usize> {
    (0..channels).find(|&c| len > 0 && values[c * len..(c + 1) * len].iter().all(|v| v.is_nan()))
}

/// Refuses a series (after its length was fixed) with a channel that has
/// no observed value left: nothing to fill it from. `path` names the file.
pub fn refuse_unobserved_channel(path: &std::path::Path, s: &crate::Series) -> Result<(), crate::TsError> {
    match entirely_missing_channel(&s.values, s.channels, s.len) {
        Some(c) => Err(crate::TsError::Mismatch(format!(
            "{}: series `{}`: channel {} has no observed value in the {} steps kept",
            path.display(),
            s.id,
            c + 1,
            s.len
        ))),
        None => Ok(()),
    }
}

/// Fills the missing values of one channel in place; returns how many were
/// filled. A channel without any observed value is left as it is (callers
/// refuse it first, naming the series).
pub fn fill_channel(x: &mut [f32], policy: MissingPolicy) -> usize {
    let Some(first) = x.iter().position(|v| !v.is_nan()) else { return 0 };
    // Before the first observation: its value, under every policy.
    let first_value = x[first];
    x[..first].iter_mut().for_each(|v| *v = first_value);
    let mut filled = first;
    let mut last = first;
    for t in first + 1..x.len() {
        if x[t].is_nan() {
            continue;
        }
        if t > last + 1 {
            let (a, b) = (x[last], x[t]);
            let span = (t - last) as f32;
            for (k, v) in x[last + 1..t].iter_mut().enumerate() {
                *v = match policy {
                    MissingPolicy::Ffill => a,
                    _ => a + (b - a) * ((k + 1) as f32 / span),
                };
                filled += 1;
            }
        }
        last = t;
    }
    let last_value = x[last];
    for v in &mut x[last + 1..] {
        *v = last_value;
        filled += 1;
    }
    filled
}

/// Fills every channel of `series` by `policy` (for `Mask`, also appends
/// the availability channels); returns the number of filled values.
/// `Refuse` leaves the series unchanged (the readers have refused missing
/// values already).
pub fn fill_series(series: &mut Series, policy: MissingPolicy) -> usize {
    if policy == MissingPolicy::Refuse {
        return 0;
    }
    let (channels, len) = (series.channels, series.len);
    let availability: Vec<f32> = if policy == MissingPolicy::Mask {
        series.values.iter().map(|v| f32::from(u8::from(!v.is_nan()))).collect()
    } else {
        Vec::new()
    };
    let mut filled = 0;
    for c in 0..channels {
        filled += fill_channel(&mut series.values_mut()[c * len..(c + 1) * len], policy);
    }
    if policy == MissingPolicy::Mask {
        for c in 0..channels {
            series.push_channel(&availability[c * len..(c + 1) * len]);
        }
    }
    filled
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAN: f32 = f32::NAN;

    fn filled(x: &[f32], policy: MissingPolicy) -> (Vec<f32>, usize) {
        let mut v = x.to_vec();
        let n = fill_channel(&mut v, policy);
        (v, n)
    }

    #[test]
    fn interpolation_is_linear_inside_and_flat_at_the_ends() {
        let (v, n) = filled(&[NAN, 1.0, NAN, NAN, 4.0, NAN], MissingPolicy::Interpolate);
        assert_eq!(v, vec![1.0, 1.0, 2.0, 3.0, 4.0, 4.0]);
        assert_eq!(n, 4);
    }

    #[test]
    fn forward_fill_carries_the_last_value_and_backfills_the_start() {
        let (v, n) = filled(&[NAN, 1.0, NAN, NAN, 4.0, NAN], MissingPolicy::Ffill);
        assert_eq!(v, vec![1.0, 1.0, 1.0, 1.0, 4.0, 4.0]);
        assert_eq!(n, 4);
    }

    #[test]
    fn a_complete_channel_is_untouched_and_an_empty_one_is_found() {
        let (v, n) = filled(&[1.0, 2.0], MissingPolicy::Interpolate);
        assert_eq!((v, n), (vec![1.0, 2.0], 0));
        assert_eq!(entirely_missing_channel(&[1.0, NAN, NAN, NAN], 2, 2), Some(1));
        assert_eq!(entirely_missing_channel(&[1.0, NAN, NAN, 2.0], 2, 2), None);
    }

    #[test]
    fn mask_appends_one_availability_channel_per_channel() {
        let mut s = Series {
            id: "a".into(),
            subject: None,
            channels: 2,
            len: 3,
            values: vec![1.0, NAN, 3.0, 5.0, 5.0, NAN],
            label: 0,
        };
        assert_eq!(fill_series(&mut s, MissingPolicy::Mask), 2);
        assert_eq!(s.channels, 4);
        assert_eq!(s.values, vec![1.0, 2.0, 3.0, 5.0, 5.0, 5.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0]);
        assert_eq!(MissingPolicy::Mask.model_channels(2), 4);
    }
}
