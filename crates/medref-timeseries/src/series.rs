//! The in-memory types every reader returns.
//!
//! [`Series`] is one multichannel signal with one class (a 10 s window of
//! wrist accelerometry labelled "walking"); [`FrameSequence`] is one signal
//! with a class per time step (a surgical trial labelled gesture by gesture).
//! Both store values `[channels, len]` row-major, so channel `c` is the
//! contiguous slice `values[c * len..(c + 1) * len]`, the layout a 1D
//! convolution wants. Class names live once in the dataset structs
//! ([`SeriesDataset`], [`FrameDataset`]), and labels are indices into them.

use std::collections::BTreeSet;

/// Shared view of a multichannel signal, so preprocessing works on both
/// [`Series`] and [`FrameSequence`].
pub trait Signal {
    /// Number of channels.
    fn channels(&self) -> usize;
    /// Number of time steps.
    fn len(&self) -> usize;
    /// Values `[channels, len]`, row-major.
    fn values(&self) -> &[f32];
    /// Values `[channels, len]`, row-major, for in-place transforms.
    fn values_mut(&mut self) -> &mut [f32];
    /// Appends one channel of `len` values (a derived channel such as a
    /// magnitude); the caller guarantees the length.
    fn push_channel(&mut self, channel: &[f32]);

    /// True for a signal without time steps.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `len` values of channel `c`; panics if `c >= channels()`.
    fn channel(&self, c: usize) -> &[f32] {
        let len = self.len();
        &self.values()[c * len..(c + 1) * len]
    }
}

/// One multichannel series with a single class label (whole-series
/// classification: UEA archive cases, sensor windows).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Identifier unique within its dataset, e.g. `BasicMotions_TRAIN_7` or
    /// `S03/0/250` (subject / recording / first sample).
    pub id: String,
    /// Who the series comes from, for leave-subjects-out splits; `None`
    /// when the format does not say.
    pub subject: Option<String>,
    /// Number of channels (sensor axes).
    pub channels: usize,
    /// Number of time steps.
    pub len: usize,
    /// Values `[channels, len]`, row-major; NaN marks a missing value.
    pub values: Vec<f32>,
    /// Class index into the dataset's `class_names`.
    pub label: usize,
}

/// Both series types store `[channels, len]` values the same way.
macro_rules! impl_signal {
    ($t:ty) => {
        impl Signal for $t {
            fn channels(&self) -> usize {
                self.channels
            }
            fn len(&self) -> usize {
                self.len
            }
            fn values(&self) -> &[f32] {
                &self.values
            }
            fn values_mut(&mut self) -> &mut [f32] {
                &mut self.values
            }
            fn push_channel(&mut self, channel: &[f32]) {
                self.values.extend_from_slice(channel);
                self.channels += 1;
            }
        }
    };
}

impl_signal!(Series);

/// A set of [`Series`] sharing one list of classes.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesDataset {
    /// Where the data came from (the `.ts` problem name, the CSV file stem).
    pub name: String,
    /// Class names in index order.
    pub class_names: Vec<String>,
    /// Channel names when the format has them (sensor CSV headers), else
    /// `dim_0`, `dim_1`, ...
    pub channel_names: Vec<String>,
    /// The series, in file order.
    pub series: Vec<Series>,
}

impl SeriesDataset {
    /// Number of series.
    pub fn len(&self) -> usize {
        self.series.len()
    }

    /// True when there is no series.
    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    /// Class index of every series, in order.
    pub fn labels(&self) -> Vec<usize> {
        self.series.iter().map(|s| s.label).collect()
    }

    /// Number of series per class, `[n_classes]`.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.class_names.len()];
        for s in &self.series {
            if let Some(c) = counts.get_mut(s.label) {
                *c += 1;
            }
        }
        counts
    }

    /// The one series length, or `None` when lengths differ or there is no
    /// series (a fixed-input model needs `Some`).
    pub fn common_len(&self) -> Option<usize> {
        let first = self.series.first()?.len;
        self.series.iter().all(|s| s.len == first).then_some(first)
    }

    /// Distinct subjects, sorted.
    pub fn subjects(&self) -> Vec<String> {
        distinct_subjects(self.series.iter().map(|s| s.subject.as_deref()))
    }

    /// A dataset of the series at `indices` (a split), same classes.
    pub fn select(&self, indices: &[usize]) -> SeriesDataset {
        SeriesDataset {
            name: self.name.clone(),
            class_names: self.class_names.clone(),
            channel_names: self.channel_names.clone(),
            series: indices.iter().filter_map(|&i| self.series.get(i).cloned()).collect(),
        }
    }
}

/// One multichannel signal with a class per time step (frame labelling:
/// surgical gestures, surgical phases).
#[derive(Debug, Clone, PartialEq)]
pub struct FrameSequence {
    /// Identifier, e.g. the trial name `Suturing_B001` or `video01`.
    pub id: String,
    /// Who performed or underwent it (JIGSAWS surgeon letter, Cholec80
    /// video), for leave-subjects-out splits.
    pub subject: Option<String>,
    /// Number of channels (kinematic variables, feature dimensions).
    pub channels: usize,
    /// Number of frames.
    pub len: usize,
    /// Values `[channels, len]`, row-major.
    pub values: Vec<f32>,
    /// Class index of each frame, `[len]`, into the dataset's `class_names`.
    pub frame_labels: Vec<usize>,
    /// 0-based index, in the source recording, of each frame kept here,
    /// `[len]`, so predictions map back to the video or kinematics after
    /// trimming, dropping unlabelled frames or subsampling.
    pub source_frames: Vec<usize>,
}

impl_signal!(FrameSequence);

/// A numeric table read frame by frame (kinematics, per-frame features),
/// before it becomes a [`FrameSequence`].
#[derive(Debug, Clone, PartialEq)]
pub struct FrameTable {
    /// Values per frame.
    pub columns: usize,
    /// Number of frames (rows).
    pub frames: usize,
    /// Values `[frames, columns]`, row-major, as in the file.
    pub values: Vec<f32>,
}

impl FrameTable {
    /// Values `[columns, len]` of the frames at `rows`, the layout of
    /// [`FrameSequence::values`].
    pub fn channel_major(&self, rows: &[usize]) -> Vec<f32> {
        let len = rows.len();
        let mut out = vec![0f32; self.columns * len];
        for (t, &f) in rows.iter().enumerate() {
            let row = &self.values[f * self.columns..(f + 1) * self.columns];
            for (c, &v) in row.iter().enumerate() {
                out[c * len + t] = v;
            }
        }
        out
    }
}

/// A set of [`FrameSequence`]s sharing one list of classes.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameDataset {
    /// Where the data came from (task or folder name).
    pub name: String,
    /// Class names in index order (gestures `G1`, `G2`, ...; phases).
    pub class_names: Vec<String>,
    /// The sequences, sorted by id.
    pub sequences: Vec<FrameSequence>,
}

impl FrameDataset {
    /// Number of sequences.
    pub fn len(&self) -> usize {
        self.sequences.len()
    }

    /// True when there is no sequence.
    pub fn is_empty(&self) -> bool {
        self.sequences.is_empty()
    }

    /// Number of frames per class over all sequences, `[n_classes]`.
    pub fn frame_class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.class_names.len()];
        for s in &self.sequences {
            for &l in &s.frame_labels {
                if let Some(c) = counts.get_mut(l) {
                    *c += 1;
                }
            }
        }
        counts
    }

    /// Distinct subjects, sorted.
    pub fn subjects(&self) -> Vec<String> {
        distinct_subjects(self.sequences.iter().map(|s| s.subject.as_deref()))
    }

    /// A dataset of the sequences at `indices` (a split), same classes.
    pub fn select(&self, indices: &[usize]) -> FrameDataset {
        FrameDataset {
            name: self.name.clone(),
            class_names: self.class_names.clone(),
            sequences: indices.iter().filter_map(|&i| self.sequences.get(i).cloned()).collect(),
        }
    }
}

fn distinct_subjects<'a>(subjects: impl Iterator<Item = Option<&'a str>>) -> Vec<String> {
    subjects.flatten().collect::<BTreeSet<_>>().into_iter().map(str::to_string).collect()
}

/// Orders names by their text without trailing digits, then by those
/// digits as a number: `G2` before `G10`, `S9` before `S10`.
pub(crate) fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn split(s: &str) -> (&str, Option<u64>) {
        let stem = s.trim_end_matches(|c: char| c.is_ascii_digit());
        (stem, s[stem.len()..].parse().ok())
    }
    let (sa, na) = split(a);
    let (sb, nb) = split(b);
    sa.cmp(sb).then(na.cmp(&nb)).then(a.cmp(b))
}

/// Equal-shape series (windows) stacked as `[batch, channels, len]`, the
/// array a window classifier's batch is made of.
pub fn stack_series<'a>(
    series: impl ExactSizeIterator<Item = &'a Series>,
    channels: usize,
    len: usize,
) -> ndarray::Array3<f32> {
    let mut out = ndarray::Array3::<f32>::zeros((series.len(), channels, len));
    for (mut row, s) in out.outer_iter_mut().zip(series) {
        row.as_slice_mut().expect("a fresh array is contiguous").copy_from_slice(&s.values);
    }
    out
}

/// Signals (frame sequences, series) of different lengths zero-padded at
/// the end to the longest, `[batch, channels, max_len]`, with their true
/// lengths.
pub fn pad_sequences<'a, S: Signal + 'a>(
    sequences: impl ExactSizeIterator<Item = &'a S> + Clone,
    channels: usize,
) -> (ndarray::Array3<f32>, Vec<usize>) {
    let max_len = sequences.clone().map(|s| s.len()).max().unwrap_or(0);
    let mut out = ndarray::Array3::<f32>::zeros((sequences.len(), channels, max_len));
    let mut lengths = Vec::with_capacity(sequences.len());
    for (mut row, s) in out.outer_iter_mut().zip(sequences) {
        let len = s.len();
        for (ch, mut line) in row.outer_iter_mut().enumerate() {
            line.slice_mut(ndarray::s![..len]).assign(&ndarray::ArrayView1::from(s.channel(ch)));
        }
        lengths.push(len);
    }
    (out, lengths)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(label: usize, subject: &str, len: usize) -> Series {
        Series {
            id: format!("{subject}-{label}"),
            subject: Some(subject.into()),
            channels: 2,
            len,
            values: (0..2 * len).map(|v| v as f32).collect(),
            label,
        }
    }

    #[test]
    fn channels_are_contiguous_rows() {
        let mut s = series(0, "a", 3);
        assert_eq!(s.channel(1), &[3.0, 4.0, 5.0]);
        s.push_channel(&[9.0, 9.0, 9.0]);
        assert_eq!(s.channels, 3);
        assert_eq!(s.channel(2), &[9.0, 9.0, 9.0]);
    }

    #[test]
    fn dataset_counts_lengths_subjects_and_selection() {
        let d = SeriesDataset {
            name: "t".into(),
            class_names: vec!["x".into(), "y".into()],
            channel_names: vec!["dim_0".into(), "dim_1".into()],
            series: vec![series(0, "b", 3), series(1, "a", 3), series(1, "b", 3)],
        };
        assert_eq!(d.class_counts(), vec![1, 2]);
        assert_eq!(d.common_len(), Some(3));
        assert_eq!(d.subjects(), vec!["a".to_string(), "b".to_string()]);
        assert_eq!(d.select(&[2, 0]).labels(), vec![1, 0]);
        let mut ragged = d.clone();
        ragged.series.push(series(0, "c", 4));
        assert_eq!(ragged.common_len(), None);
    }

    #[test]
    fn natural_order_puts_g2_before_g10() {
        let mut v = vec!["G10", "G2", "G1", "H1", "G"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, vec!["G", "G1", "G2", "G10", "H1"]);
    }
}
