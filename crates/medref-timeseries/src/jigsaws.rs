//! JIGSAWS (JHU-ISI Gesture and Skill Assessment Working Set): robot
//! kinematics of surgical training tasks, labelled gesture by gesture.
//!
//! Layout read by [`read_jigsaws`]:
//! ```text
//! <root>/kinematics/<trial>.txt        (or <root>/kinematics/AllGestures/<trial>.txt,
//!                                       the layout of the official archive)
//! <root>/transcriptions/<trial>.txt
//! ```
//! A kinematics file holds one frame per line (30 Hz in the real data),
//! whitespace-separated numbers: 76 columns in JIGSAWS, any count accepted
//! if every line has the same. A transcription holds `start end gesture`
//! lines (`62 158 G1`), frames 1-based and inclusive.
//!
//! Frames no transcription line covers have no gesture. Real transcriptions
//! leave the frames before the first and after the last gesture unlabelled;
//! those are always trimmed. Unlabelled frames *between* gestures are
//! handled as [`JigsawsOptions::interior_gaps`] says (dropped by default, as
//! most published pipelines do). [`FrameSequence::source_frames`] keeps the
//! 0-based kinematics frame of every kept frame.
//!
//! Trial names follow `<Task>_<surgeon letter><trial number>`
//! (`Suturing_B001`, `Knot_Tying_H003`); the surgeon letter is the subject,
//! which leave-one-user-out evaluation holds out.

use std::path::{Path, PathBuf};

use crate::error::{parse_value, read_text, TsError};
use crate::series::{natural_cmp, FrameDataset, FrameSequence, FrameTable};

/// What to do with unlabelled frames between two gestures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InteriorGaps {
    /// Drop them, like the leading and trailing ones (default).
    #[default]
    Drop,
    /// Give them the gesture of the segment before the gap.
    FillPrevious,
    /// Refuse the trial, naming the frames.
    Error,
}

/// Options of the JIGSAWS readers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JigsawsOptions {
    /// Gesture names in class-index order; default: every gesture found in
    /// the transcriptions, in natural order (`G1`, `G2`, ..., `G10`).
    pub class_names: Option<Vec<String>>,
    /// Unlabelled frames between gestures.
    pub interior_gaps: InteriorGaps,
}

/// One line of a transcription file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GestureSegment {
    /// First frame, 1-based.
    pub start: usize,
    /// Last frame, 1-based, inclusive.
    pub end: usize,
    /// Gesture name as written (`G1`).
    pub gesture: String,
    /// Line of the transcription file it came from.
    pub line: usize,
}

/// The surgeon letter of a JIGSAWS trial name: the first character of the
/// last `_`-separated part when it is a letter followed by digits
/// (`Suturing_B001` -> `B`, `Knot_Tying_H003` -> `H`); `None` otherwise.
pub fn jigsaws_subject(trial: &str) -> Option<String> {
    let last = trial.rsplit('_').next()?;
    let mut chars = last.chars();
    let letter = chars.next()?;
    let digits = chars.as_str();
    (letter.is_ascii_alphabetic() && !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()))
        .then(|| letter.to_string())
}

/// Reads a kinematics file: whitespace-separated numbers, one frame per
/// line, blank lines skipped.
///
/// Errors name the file and line: a value that is not a finite number
/// (column given, value not echoed), a line whose column count differs
/// from the first line's, a file without frames.
pub fn read_kinematics(path: impl AsRef<Path>) -> Result<FrameTable, TsError> {
    let path = path.as_ref();
    let text = read_text(path)?;
    let mut values = Vec::new();
    let mut columns: Option<(usize, usize)> = None;
    let mut frames = 0;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let before = values.len();
        for (k, cell) in raw.split_whitespace().enumerate() {
            match parse_value(cell) {
                Some(v) if !v.is_nan() => values.push(v),
                _ => return Err(TsError::line(path, line, format!("column {}: not a finite number", k + 1))),
            }
        }
        let n = values.len() - before;
        if n == 0 {
            continue;
        }
        match columns {
            None => columns = Some((n, line)),
            Some((c, first)) if c != n => {
                return Err(TsError::line(
                    path,
                    line,
                    format!("{n} columns but line {first} has {c} (every frame needs the same columns)"),
                ))
            }
            _ => {}
        }
        frames += 1;
    }
    let (columns, _) = columns.ok_or_else(|| TsError::format(path, "no frames (the file is empty)"))?;
    Ok(FrameTable { columns, frames, values })
}

/// Reads a transcription file of `start end gesture` lines, sorted by
/// start frame.
///
/// Errors name the file and line: a line without exactly three fields,
/// a start or end that is not a positive whole number, an end before its
/// start, segments that overlap (both lines given), a file without
/// segments.
pub fn read_transcription(path: impl AsRef<Path>) -> Result<Vec<GestureSegment>, TsError> {
    let path = path.as_ref();
    let text = read_text(path)?;
    let mut segments = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let fields: Vec<&str> = raw.split_whitespace().collect();
        if fields.is_empty() {
            continue;
        }
        if fields.len() != 3 {
            return Err(TsError::line(
                path,
                line,
                format!("{} fields; expected `start end gesture` (e.g. `62 158 G1`)", fields.len()),
            ));
        }
        let frame = |k: usize, what: &str| {
            fields[k].parse::<usize>().ok().filter(|&f| f > 0).ok_or_else(|| {
                TsError::line(
                    path,
                    line,
                    format!("{what} frame (field {}) is not a positive whole number (frames are 1-based)", k + 1),
                )
            })
        };
        let start = frame(0, "start")?;
        let end = frame(1, "end")?;
        if end < start {
            return Err(TsError::line(
                path,
                line,
                format!("segment ends at frame {end}, before its start frame {start}"),
            ));
        }
        segments.push(GestureSegment { start, end, gesture: fields[2].to_string(), line });
    }
    if segments.is_empty() {
        return Err(TsError::format(path, "no `start end gesture` lines"));
    }
    segments.sort_by_key(|s| (s.start, s.line));
    for pair in segments.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if b.start <= a.end {
            return Err(TsError::line(
                path,
                b.line,
                format!(
                    "segment frames {}-{} overlap the segment on line {} (frames {}-{}); each \
                     frame may have one gesture",
                    b.start, b.end, a.line, a.start, a.end
                ),
            ));
        }
    }
    Ok(segments)
}

/// One trial from its two files, with gestures mapped to `class_names`.
///
/// The sequence keeps the labelled frames (see the module doc), values
/// `[columns, frames]`. `id` is the kinematics file stem, `subject` its
/// surgeon letter. Errors (besides those of [`read_kinematics`] and
/// [`read_transcription`]) name the transcription file and line: a segment
/// running past the last kinematics frame (both numbers given), a gesture
/// not in `class_names`, an unlabelled interior gap under
/// [`InteriorGaps::Error`].
pub fn read_jigsaws_trial(
    kinematics: impl AsRef<Path>,
    transcription: impl AsRef<Path>,
    class_names: &[String],
    interior_gaps: InteriorGaps,
) -> Result<FrameSequence, TsError> {
    let (kin_path, tr_path) = (kinematics.as_ref(), transcription.as_ref());
    let kin = read_kinematics(kin_path)?;
    let segments = read_transcription(tr_path)?;
    trial_from_parts(kin_path, &kin, tr_path, &segments, class_names, interior_gaps)
}

fn trial_from_parts(
    kin_path: &Path,
    kin: &FrameTable,
    tr_path: &Path,
    segments: &[GestureSegment],
    class_names: &[String],
    interior_gaps: InteriorGaps,
) -> Result<FrameSequence, TsError> {
    // Label of every kinematics frame (0-based), None where unlabelled.
    let mut labels: Vec<Option<usize>> = vec![None; kin.frames];
    for seg in segments {
        if seg.end > kin.frames {
            return Err(TsError::line(
                tr_path,
                seg.line,
                format!(
                    "segment ends at frame {} but the kinematics file {} has {} frames",
                    seg.end,
                    kin_path.display(),
                    kin.frames
                ),
            ));
        }
        let class = class_names.iter().position(|c| *c == seg.gesture).ok_or_else(|| {
            TsError::line(
                tr_path,
                seg.line,
                format!("the gesture (field 3) is not one of the classes {}", class_names.join(", ")),
            )
        })?;
        for l in &mut labels[seg.start - 1..seg.end] {
            *l = Some(class);
        }
    }
    for pair in segments.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if b.start > a.end + 1 {
            match interior_gaps {
                InteriorGaps::Drop => {}
                InteriorGaps::FillPrevious => {
                    let previous = labels[a.end - 1];
                    for l in &mut labels[a.end..b.start - 1] {
                        *l = previous;
                    }
                }
                InteriorGaps::Error => {
                    return Err(TsError::line(
                        tr_path,
                        b.line,
                        format!(
                            "frames {}-{} (before this segment, after line {}) have no gesture; \
                             use interior_gaps Drop or FillPrevious to accept them",
                            a.end + 1,
                            b.start - 1,
                            a.line
                        ),
                    ))
                }
            }
        }
    }
    let source_frames: Vec<usize> = (0..kin.frames).filter(|&f| labels[f].is_some()).collect();
    let len = source_frames.len();
    let values = kin.channel_major(&source_frames);
    let id = kin_path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(FrameSequence {
        subject: jigsaws_subject(&id),
        id,
        channels: kin.columns,
        len,
        values,
        frame_labels: source_frames.iter().filter_map(|&f| labels[f]).collect(),
        source_frames,
    })
}

/// Text files directly in `dir`, sorted by name.
fn txt_files(dir: &Path) -> Result<Vec<PathBuf>, TsError> {
    let entries = std::fs::read_dir(dir).map_err(|e| TsError::io(dir, e))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| TsError::io(dir, e))?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "txt") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Reads every trial of a JIGSAWS task folder (layout in the module doc),
/// sorted by trial name.
///
/// A trial is a transcription file; its kinematics file must exist (the
/// error names the path looked for). Kinematics without a transcription
/// are skipped, since they have no labels. All trials must have the same
/// number of kinematics columns.
pub fn read_jigsaws(root: impl AsRef<Path>, options: &JigsawsOptions) -> Result<FrameDataset, TsError> {
    let root = root.as_ref();
    let transcriptions = txt_files(&root.join("transcriptions"))?;
    if transcriptions.is_empty() {
        return Err(TsError::format(
            root.join("transcriptions"),
            "no .txt transcription files (expected <root>/transcriptions/<trial>.txt)",
        ));
    }
    let all_gestures = root.join("kinematics").join("AllGestures");
    let kin_dir = if all_gestures.is_dir() { all_gestures } else { root.join("kinematics") };
    let mut parsed = Vec::with_capacity(transcriptions.len());
    for tr in &transcriptions {
        let segments = read_transcription(tr)?;
        let kin_path = kin_dir.join(tr.file_name().unwrap_or_default());
        if !kin_path.is_file() {
            return Err(TsError::format(
                tr,
                format!("no kinematics file for this trial (looked for {})", kin_path.display()),
            ));
        }
        parsed.push((tr, kin_path, segments));
    }
    let class_names = match &options.class_names {
        Some(names) => names.clone(),
        None => {
            let mut names: Vec<String> =
                parsed.iter().flat_map(|(_, _, segs)| segs.iter().map(|s| s.gesture.clone())).collect();
            names.sort_by(|a, b| natural_cmp(a, b));
            names.dedup();
            names
        }
    };
    let mut sequences: Vec<FrameSequence> = Vec::with_capacity(parsed.len());
    for (tr, kin_path, segments) in &parsed {
        let kin = read_kinematics(kin_path)?;
        if let Some(first) = sequences.first() {
            if first.channels != kin.columns {
                return Err(TsError::format(
                    kin_path,
                    format!(
                        "{} columns but trial {} has {}; all trials need the same kinematic variables",
                        kin.columns, first.id, first.channels
                    ),
                ));
            }
        }
        sequences.push(trial_from_parts(kin_path, &kin, tr, segments, &class_names, options.interior_gaps)?);
    }
    Ok(FrameDataset {
        name: root.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "jigsaws".into()),
        class_names,
        sequences,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    /// 8 frames of 2 columns: frame f (1-based) holds `f 10f`.
    fn kinematics_text() -> String {
        (1..=8).map(|f| format!("  {f}.0   {}.0 \n", 10 * f)).collect()
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn subject_is_the_surgeon_letter() {
        assert_eq!(jigsaws_subject("Suturing_B001").as_deref(), Some("B"));
        assert_eq!(jigsaws_subject("Knot_Tying_H003").as_deref(), Some("H"));
        assert_eq!(jigsaws_subject("Suturing"), None);
        assert_eq!(jigsaws_subject("trial_7"), None);
    }

    #[test]
    fn leading_and_trailing_frames_are_trimmed_and_values_transposed() {
        let dir = tempfile::tempdir().unwrap();
        let k = write(dir.path(), "kinematics/Suturing_C002.txt", &kinematics_text());
        let t = write(dir.path(), "transcriptions/Suturing_C002.txt", "2 3 G1 \n4 6 G3 \n");
        let s = read_jigsaws_trial(&k, &t, &names(&["G1", "G3"]), InteriorGaps::Error).unwrap();
        assert_eq!(s.id, "Suturing_C002");
        assert_eq!(s.subject.as_deref(), Some("C"));
        assert_eq!((s.channels, s.len), (2, 5));
        assert_eq!(s.frame_labels, vec![0, 0, 1, 1, 1]);
        assert_eq!(s.source_frames, vec![1, 2, 3, 4, 5]);
        assert_eq!(s.values, vec![2.0, 3.0, 4.0, 5.0, 6.0, 20.0, 30.0, 40.0, 50.0, 60.0]);
    }

    #[test]
    fn interior_gaps_drop_fill_or_error() {
        let dir = tempfile::tempdir().unwrap();
        let k = write(dir.path(), "k.txt", &kinematics_text());
        let t = write(dir.path(), "t.txt", "5 6 G2\n1 2 G1\n");
        let classes = names(&["G1", "G2"]);
        let dropped = read_jigsaws_trial(&k, &t, &classes, InteriorGaps::Drop).unwrap();
        assert_eq!(dropped.source_frames, vec![0, 1, 4, 5]);
        assert_eq!(dropped.frame_labels, vec![0, 0, 1, 1]);
        let filled = read_jigsaws_trial(&k, &t, &classes, InteriorGaps::FillPrevious).unwrap();
        assert_eq!(filled.frame_labels, vec![0, 0, 0, 0, 1, 1]);
        let e = read_jigsaws_trial(&k, &t, &classes, InteriorGaps::Error).unwrap_err().to_string();
        assert!(e.contains("t.txt: line 1: frames 3-4 (before this segment, after line 2) have no gesture"), "{e}");
    }

    #[test]
    fn transcription_past_the_kinematics_names_both_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let k = write(dir.path(), "k.txt", &kinematics_text());
        let t = write(dir.path(), "t.txt", "1 4 G1\n5 9 G2\n");
        let e = read_jigsaws_trial(&k, &t, &names(&["G1", "G2"]), InteriorGaps::Drop).unwrap_err().to_string();
        assert!(e.starts_with(&t.display().to_string()), "{e}");
        assert!(e.contains("line 2: segment ends at frame 9 but the kinematics file"), "{e}");
        assert!(e.contains("has 8 frames"), "{e}");
    }

    #[test]
    fn malformed_and_overlapping_transcriptions_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("t.txt");
        let err = |text: &str| {
            std::fs::write(&t, text).unwrap();
            read_transcription(&t).unwrap_err().to_string()
        };
        assert!(
            err("1 4 G1\n3 6 G2\n").contains("line 2: segment frames 3-6 overlap the segment on line 1 (frames 1-4)")
        );
        assert!(err("1 4\n").contains("line 1: 2 fields; expected `start end gesture`"));
        assert!(err("0 4 G1\n").contains("line 1: start frame (field 1) is not a positive whole number"));
        assert!(err("1 x G1\n").contains("end frame (field 2)"));
        assert!(err("5 4 G1\n").contains("segment ends at frame 4, before its start frame 5"));
        assert!(err("\n\n").contains("no `start end gesture` lines"));
        let k = write(dir.path(), "k.txt", "1 2\n3\n");
        let e = read_kinematics(&k).unwrap_err().to_string();
        assert!(e.contains("line 2: 1 columns but line 1 has 2"), "{e}");
        std::fs::write(&k, "1 2\n3 secret\n").unwrap();
        let e = read_kinematics(&k).unwrap_err().to_string();
        assert!(e.contains("line 2: column 2: not a finite number") && !e.contains("secret"), "{e}");
    }

    #[test]
    fn folder_reader_orders_trials_and_gestures_and_uses_all_gestures_dir() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("Suturing");
        write(&root, "kinematics/AllGestures/Suturing_D001.txt", &kinematics_text());
        write(&root, "kinematics/AllGestures/Suturing_B001.txt", &kinematics_text());
        write(&root, "kinematics/AllGestures/Suturing_E001.txt", &kinematics_text());
        write(&root, "transcriptions/Suturing_D001.txt", "1 4 G10\n5 8 G2\n");
        write(&root, "transcriptions/Suturing_B001.txt", "1 8 G2\n");
        let d = read_jigsaws(&root, &JigsawsOptions::default()).unwrap();
        assert_eq!(d.name, "Suturing");
        assert_eq!(d.class_names, vec!["G2", "G10"]);
        let ids: Vec<&str> = d.sequences.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, vec!["Suturing_B001", "Suturing_D001"]);
        assert_eq!(d.sequences[1].frame_labels, vec![1, 1, 1, 1, 0, 0, 0, 0]);
        assert_eq!(d.subjects(), vec!["B", "D"]);
        write(&root, "transcriptions/Suturing_F001.txt", "1 8 G2\n");
        let e = read_jigsaws(&root, &JigsawsOptions::default()).unwrap_err().to_string();
        assert!(e.contains("no kinematics file for this trial"), "{e}");
    }

    #[test]
    fn unknown_gesture_is_refused_without_echo() {
        let dir = tempfile::tempdir().unwrap();
        let k = write(dir.path(), "k.txt", &kinematics_text());
        let t = write(dir.path(), "t.txt", "1 8 G99\n");
        let e = read_jigsaws_trial(&k, &t, &names(&["G1"]), InteriorGaps::Drop).unwrap_err().to_string();
        assert!(e.contains("line 1: the gesture (field 3) is not one of the classes G1"), "{e}");
    }
}
