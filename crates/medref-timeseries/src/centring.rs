//! Centring each recording on its own channel means.
//!
//! A surgeon's kinematics carry constant offsets (how the arms were
//! calibrated, how the surgeon sits) on top of what a gesture does. With
//! two or three training surgeons a network cannot tell those offsets from
//! a gesture's typical position, and some initialisations learn the
//! offsets: on the tiny surgery set, seed 3 then read surgeon E's trials at
//! frame accuracy 0.49 (seeds 0-2 and 4: 0.91-0.98). Subtracting each
//! trial's own means removes the offsets before the network sees them, at
//! the price of the absolute positions, which leave-surgeon-out data cannot
//! teach anyway.

use crate::series::Signal;

/// Subtracts from each channel of `signal` its own mean (missing values,
/// NaN, are skipped and stay missing).
pub fn centre_channels<S: Signal>(signal: &mut S) {
    let len = signal.len();
    for chunk in signal.values_mut().chunks_mut(len.max(1)) {
        let (sum, n) = chunk.iter().filter(|v| !v.is_nan()).fold((0.0f64, 0usize), |(s, n), &v| (s + v as f64, n + 1));
        if n == 0 {
            continue;
        }
        let mean = (sum / n as f64) as f32;
        for v in chunk.iter_mut() {
            *v -= mean;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::FrameSequence;

    #[test]
    fn each_channel_loses_its_own_mean_and_keeps_missing_values() {
        let mut s = FrameSequence {
            id: "t".into(),
            subject: None,
            channels: 2,
            len: 3,
            values: vec![1.0, 2.0, 6.0, 10.0, f32::NAN, 20.0],
            frame_labels: vec![0; 3],
            source_frames: vec![0, 1, 2],
        };
        centre_channels(&mut s);
        assert_eq!(&s.values[..3], &[-2.0, -1.0, 3.0]);
        assert_eq!(s.values[3], -5.0);
        assert!(s.values[4].is_nan());
        assert_eq!(s.values[5], 5.0);
    }
}
