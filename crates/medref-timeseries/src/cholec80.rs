//! Cholec80 surgical phase recognition: per-frame phase annotations plus
//! per-frame feature vectors (from an image model run beforehand).
//!
//! Annotations (`video01-phase.txt`), one line per video frame at 25 fps,
//! tab- or space-separated (tabs in the real files), frames counted from 0:
//! ```text
//! Frame    Phase
//! 0        Preparation
//! 1        Preparation
//! ```
//! Features, one row per *feature* frame: a `.npy` array `[rows, dims]`
//! (float32 or float64, read with [`medref_data::npy`]) or a CSV of numbers
//! (`.csv`, no header unless [`Cholec80Options::csv_header`]).
//!
//! Matching: feature row `i` is annotation frame `i * step`, with `step =
//! annotation_frames_per_row` (25 for features extracted at 1 fps from the
//! 25 fps video, 1 for features of every frame). The number of rows must be
//! `floor(n / step)` or `ceil(n / step)` for `n` annotated frames, so a
//! wrong `step` is caught rather than silently shifting labels. Then
//! `subsample = k` keeps rows `0, k, 2k, ...`.

use std::path::{Path, PathBuf};

use crate::error::{parse_value, read_text, TsError};
use crate::series::{FrameDataset, FrameSequence, FrameTable};

/// The seven Cholec80 phases in their customary index order.
pub const CHOLEC80_PHASES: [&str; 7] = [
    "Preparation",
    "CalotTriangleDissection",
    "ClippingCutting",
    "GallbladderDissection",
    "GallbladderPackaging",
    "CleaningCoagulation",
    "GallbladderRetraction",
];

/// Options of the Cholec80 readers.
#[derive(Debug, Clone, PartialEq)]
pub struct Cholec80Options {
    /// Phase names in class-index order; default [`CHOLEC80_PHASES`].
    pub class_names: Option<Vec<String>>,
    /// Annotation frames per feature row (default 25: features at 1 fps).
    pub annotation_frames_per_row: usize,
    /// Keep every k-th feature row (default 1: all).
    pub subsample: usize,
    /// Whether feature CSVs start with a header line (default false).
    pub csv_header: bool,
}

impl Default for Cholec80Options {
    fn default() -> Self {
        Self { class_names: None, annotation_frames_per_row: 25, subsample: 1, csv_header: false }
    }
}

impl Cholec80Options {
    fn classes(&self) -> Vec<String> {
        self.class_names.clone().unwrap_or_else(|| CHOLEC80_PHASES.iter().map(|s| s.to_string()).collect())
    }
}

/// Reads a phase annotation file: the class index of every frame, `[n]`.
///
/// Errors name the file and line: a missing `Frame Phase` header, a line
/// without two fields, a frame number other than the next expected one
/// (frames must run 0, 1, 2, ...), a phase not in `class_names` (not
/// echoed), a file without frames.
pub fn read_phase_annotations(path: impl AsRef<Path>, class_names: &[String]) -> Result<Vec<usize>, TsError> {
    let path = path.as_ref();
    let text = read_text(path)?;
    let mut labels = Vec::new();
    let mut seen_header = false;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let fields: Vec<&str> = raw.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        if !seen_header {
            if fields.len() != 2 || !fields[0].eq_ignore_ascii_case("frame") || !fields[1].eq_ignore_ascii_case("phase")
            {
                return Err(TsError::line(path, line, "expected the header `Frame<TAB>Phase` before the annotations"));
            }
            seen_header = true;
            continue;
        }
        if fields.len() != 2 {
            return Err(TsError::line(path, line, format!("{} fields; expected `<frame><TAB><phase>`", fields.len())));
        }
        match fields[0].parse::<usize>() {
            Ok(f) if f == labels.len() => {}
            Ok(f) => {
                return Err(TsError::line(
                    path,
                    line,
                    format!(
                        "frame {f} where frame {} was expected (frames must run 0, 1, 2, ... \
                         without gaps)",
                        labels.len()
                    ),
                ))
            }
            Err(_) => return Err(TsError::line(path, line, "frame number (field 1) is not a whole number")),
        }
        let class = class_names.iter().position(|c| c == fields[1]).ok_or_else(|| {
            TsError::line(
                path,
                line,
                format!("the phase (field 2) is not one of the classes {}", class_names.join(", ")),
            )
        })?;
        labels.push(class);
    }
    if labels.is_empty() {
        return Err(TsError::format(path, "no annotated frames after the header"));
    }
    Ok(labels)
}

/// Reads per-frame features: `.npy` (`[rows, dims]`, float) or anything
/// else as CSV (numbers only, one row per frame, an optional header line).
///
/// Errors name the file, then the line (CSV) or row (npy) and column: a
/// non-numeric or non-finite value, rows of different lengths, a `.npy`
/// that is not a 2-D float array, a file without rows.
pub fn read_frame_features(path: impl AsRef<Path>, csv_header: bool) -> Result<FrameTable, TsError> {
    let path = path.as_ref();
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy")) {
        return read_npy_features(path);
    }
    let text = read_text(path)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(csv_header)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut values = Vec::new();
    let mut columns = 0;
    let mut frames = 0;
    for (n, result) in reader.records().enumerate() {
        let record = result.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line() as usize);
            let detail = match e.kind() {
                csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                    format!("{len} values but the first row has {expected_len}")
                }
                _ => "malformed CSV".to_string(),
            };
            TsError::line(path, line, detail)
        })?;
        let line = record.position().map_or(n + 1, |p| p.line() as usize);
        for (c, cell) in record.iter().enumerate() {
            match parse_value(cell) {
                Some(v) if !v.is_nan() => values.push(v),
                _ => {
                    let hint = if n == 0 && !csv_header {
                        " (if the file starts with a header line, set csv_header)"
                    } else {
                        ""
                    };
                    return Err(TsError::line(path, line, format!("column {}: not a finite number{hint}", c + 1)));
                }
            }
        }
        columns = record.len();
        frames += 1;
    }
    if frames == 0 || columns == 0 {
        return Err(TsError::format(path, "no feature rows"));
    }
    Ok(FrameTable { columns, frames, values })
}

fn read_npy_features(path: &Path) -> Result<FrameTable, TsError> {
    let array = medref_data::npy::read_file(path)?;
    let (frames, columns) = match array.shape[..] {
        [r, c] if r > 0 && c > 0 => (r, c),
        _ => {
            return Err(TsError::format(
                path,
                format!("shape {:?}; expected a non-empty [frames, dims] array", array.shape),
            ))
        }
    };
    if array.dtype.kind != medref_data::npy::DtypeKind::Float {
        return Err(TsError::format(path, format!("dtype `{}`; expected float32 or float64 features", array.descr)));
    }
    let values: Vec<f32> = array.to_f64().into_iter().map(|v| v as f32).collect();
    if let Some(k) = values.iter().position(|v| !v.is_finite()) {
        return Err(TsError::format(
            path,
            format!("row {} (0-based), column {}: not a finite number", k / columns, k % columns + 1),
        ));
    }
    Ok(FrameTable { columns, frames, values })
}

/// The video id of an annotation file: its stem without `-phase`
/// (`video01-phase.txt` -> `video01`).
fn video_id(annotations: &Path) -> String {
    let stem = annotations.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    stem.strip_suffix("-phase").map(str::to_string).unwrap_or(stem)
}

/// One video: features matched to phase labels as the module doc says.
/// `id` and `subject` are the video id (one patient per video);
/// `source_frames` are annotation (25 fps) frame indices.
///
/// Besides the errors of the two file readers, a feature row count that
/// does not fit the annotations at this step is an error naming the
/// features file and all three numbers.
pub fn read_cholec80_video(
    annotations: impl AsRef<Path>,
    features: impl AsRef<Path>,
    options: &Cholec80Options,
) -> Result<FrameSequence, TsError> {
    let (annotations, features) = (annotations.as_ref(), features.as_ref());
    let step = options.annotation_frames_per_row;
    if step == 0 || options.subsample == 0 {
        return Err(TsError::Invalid("annotation_frames_per_row and subsample must be positive".into()));
    }
    let labels = read_phase_annotations(annotations, &options.classes())?;
    let table = read_frame_features(features, options.csv_header)?;
    let n = labels.len();
    let (fewest, most) = (n / step, n.div_ceil(step));
    if table.frames < fewest || table.frames > most {
        return Err(TsError::format(
            features,
            format!(
                "{} feature rows, but {} annotated frames in {} at {step} annotation frames per \
                 row need {}; check annotation_frames_per_row (25 for 1 fps features of 25 fps \
                 video)",
                table.frames,
                n,
                annotations.display(),
                if fewest == most { fewest.to_string() } else { format!("{fewest} or {most}") }
            ),
        ));
    }
    let rows: Vec<usize> = (0..table.frames).step_by(options.subsample).collect();
    let source_frames: Vec<usize> = rows.iter().map(|&r| r * step).collect();
    let id = video_id(annotations);
    Ok(FrameSequence {
        subject: Some(id.clone()),
        id,
        channels: table.columns,
        len: rows.len(),
        values: table.channel_major(&rows),
        frame_labels: source_frames.iter().map(|&f| labels[f]).collect(),
        source_frames,
    })
}

/// Reads every video of a folder laid out as
/// `<root>/phase_annotations/<video>-phase.txt` with features in
/// `<root>/features/<video>.npy` (or `<video>.csv`), sorted by video id.
/// A video without a features file is an error naming the paths tried.
pub fn read_cholec80(root: impl AsRef<Path>, options: &Cholec80Options) -> Result<FrameDataset, TsError> {
    let root = root.as_ref();
    let dir = root.join("phase_annotations");
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(|e| TsError::io(&dir, e))? {
        let path = entry.map_err(|e| TsError::io(&dir, e))?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if path.is_file() && name.ends_with("-phase.txt") {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        return Err(TsError::format(&dir, "no <video>-phase.txt annotation files"));
    }
    let mut sequences = Vec::with_capacity(files.len());
    for annotations in &files {
        let id = video_id(annotations);
        let npy = root.join("features").join(format!("{id}.npy"));
        let csv = root.join("features").join(format!("{id}.csv"));
        let features = if npy.is_file() {
            npy
        } else if csv.is_file() {
            csv
        } else {
            return Err(TsError::format(
                annotations,
                format!("no features for this video (looked for {} and {})", npy.display(), csv.display()),
            ));
        };
        let s = read_cholec80_video(annotations, &features, options)?;
        if let Some(first) = sequences.first() {
            let first: &FrameSequence = first;
            if first.channels != s.channels {
                return Err(TsError::format(
                    &features,
                    format!("{} feature dims but video {} has {}", s.channels, first.id, first.channels),
                ));
            }
        }
        sequences.push(s);
    }
    Ok(FrameDataset { name: "cholec80".into(), class_names: options.classes(), sequences })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn annotations(frames: usize) -> String {
        // First half Preparation, second half CalotTriangleDissection.
        let mut s = String::from("Frame\tPhase\n");
        for f in 0..frames {
            let phase = if f < frames / 2 { "Preparation" } else { "CalotTriangleDissection" };
            s.push_str(&format!("{f}\t{phase}\n"));
        }
        s
    }

    fn npy_f32(rows: usize, dims: usize) -> Vec<u8> {
        let data: Vec<u8> = (0..rows * dims).flat_map(|v| (v as f32).to_le_bytes()).collect();
        medref_data::npy::encode("<f4", &[rows, dims], &data)
    }

    #[test]
    fn npy_features_at_one_fps_match_every_25th_frame() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("video01-phase.txt");
        std::fs::write(&a, annotations(100)).unwrap();
        let f = dir.path().join("video01.npy");
        std::fs::write(&f, npy_f32(4, 3)).unwrap();
        let s = read_cholec80_video(&a, &f, &Cholec80Options::default()).unwrap();
        assert_eq!(s.id, "video01");
        assert_eq!((s.channels, s.len), (3, 4));
        assert_eq!(s.source_frames, vec![0, 25, 50, 75]);
        assert_eq!(s.frame_labels, vec![0, 0, 1, 1]);
        // Row r holds 3r, 3r+1, 3r+2; channel 0 is 0 3 6 9.
        assert_eq!(&s.values[..4], &[0.0, 3.0, 6.0, 9.0]);
        let sub = read_cholec80_video(&a, &f, &Cholec80Options { subsample: 2, ..Default::default() }).unwrap();
        assert_eq!(sub.source_frames, vec![0, 50]);
        assert_eq!(sub.values, vec![0.0, 6.0, 1.0, 7.0, 2.0, 8.0]);
    }

    #[test]
    fn csv_features_per_frame_with_header() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("video02-phase.txt");
        std::fs::write(&a, annotations(4)).unwrap();
        let f = dir.path().join("video02.csv");
        std::fs::write(&f, "f0,f1\n1,2\n3,4\n5,6\n7,8\n").unwrap();
        let opts = Cholec80Options { annotation_frames_per_row: 1, csv_header: true, ..Default::default() };
        let s = read_cholec80_video(&a, &f, &opts).unwrap();
        assert_eq!(s.values, vec![1.0, 3.0, 5.0, 7.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(s.frame_labels, vec![0, 0, 1, 1]);
        let e = read_cholec80_video(&a, &f, &Cholec80Options { annotation_frames_per_row: 1, ..Default::default() })
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 1: column 1: not a finite number (if the file starts with a header line, set csv_header)"),
            "{e}"
        );
    }

    #[test]
    fn row_count_that_does_not_fit_the_step_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("video03-phase.txt");
        std::fs::write(&a, annotations(100)).unwrap();
        let f = dir.path().join("video03.npy");
        std::fs::write(&f, npy_f32(100, 2)).unwrap();
        let e = read_cholec80_video(&a, &f, &Cholec80Options::default()).unwrap_err().to_string();
        assert!(e.starts_with(&f.display().to_string()), "{e}");
        assert!(e.contains("100 feature rows, but 100 annotated frames"), "{e}");
        assert!(e.contains("at 25 annotation frames per row need 4"), "{e}");
    }

    #[test]
    fn annotation_problems_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("v-phase.txt");
        let classes: Vec<String> = CHOLEC80_PHASES.iter().map(|s| s.to_string()).collect();
        let err = |text: &str| {
            std::fs::write(&a, text).unwrap();
            read_phase_annotations(&a, &classes).unwrap_err().to_string()
        };
        assert!(err("0\tPreparation\n").contains("line 1: expected the header `Frame<TAB>Phase`"));
        assert!(err("Frame\tPhase\n0\tPreparation\n2\tPreparation\n")
            .contains("line 3: frame 2 where frame 1 was expected"));
        let e = err("Frame\tPhase\n0\tPrep_secret\n");
        assert!(
            e.contains("line 2: the phase (field 2) is not one of the classes Preparation,") && !e.contains("secret"),
            "{e}"
        );
        assert!(err("Frame\tPhase\n0\n").contains("line 2: 1 fields"));
        assert!(err("Frame\tPhase\nx\tPreparation\n").contains("line 2: frame number (field 1) is not a whole number"));
        assert!(err("Frame\tPhase\n").contains("no annotated frames"));
    }

    #[test]
    fn npy_must_be_two_dimensional_float() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("x.npy");
        std::fs::write(&f, medref_data::npy::encode("<f4", &[2], &[0; 8])).unwrap();
        assert!(read_frame_features(&f, false).unwrap_err().to_string().contains("shape [2]"));
        std::fs::write(&f, medref_data::npy::encode("<i4", &[1, 1], &[0; 4])).unwrap();
        assert!(read_frame_features(&f, false).unwrap_err().to_string().contains("dtype `<i4`"));
        std::fs::write(&f, medref_data::npy::encode("<f4", &[1, 2], &[0, 0, 0, 0, 0, 0, 0xc0, 0x7f])).unwrap();
        let e = read_frame_features(&f, false).unwrap_err().to_string();
        assert!(e.contains("row 0 (0-based), column 2: not a finite number"), "{e}");
    }

    #[test]
    fn folder_reader_pairs_annotations_with_features() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("phase_annotations")).unwrap();
        std::fs::create_dir_all(root.join("features")).unwrap();
        for (v, rows) in [("video02", 3), ("video01", 2)] {
            std::fs::write(root.join(format!("phase_annotations/{v}-phase.txt")), annotations(rows * 25)).unwrap();
            std::fs::write(root.join(format!("features/{v}.npy")), npy_f32(rows, 5)).unwrap();
        }
        let d = read_cholec80(root, &Cholec80Options::default()).unwrap();
        assert_eq!(d.class_names.len(), 7);
        let ids: Vec<&str> = d.sequences.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, vec!["video01", "video02"]);
        assert_eq!(d.sequences[1].len, 3);
        std::fs::write(root.join("phase_annotations/video03-phase.txt"), annotations(25)).unwrap();
        let e = read_cholec80(root, &Cholec80Options::default()).unwrap_err().to_string();
        assert!(e.contains("no features for this video"), "{e}");
    }
}
