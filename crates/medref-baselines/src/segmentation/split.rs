//! Which images train, select the epoch and test: a fixed list (a file a
//! course can commit, so every trainee tests on the same polyps), a test
//! folder of its own (DRIVE), or seeded shares. The ids of each split are
//! written to `splits.json` in the format `split_file` reads back.

use medref_data::SegmentationPair;
use medref_train::TrainError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The ids of each split, as `splits.json` and `split_file` hold them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitLists {
    pub train: Vec<String>,
    pub val: Vec<String>,
    pub test: Vec<String>,
}

impl SplitLists {
    /// The ids of the three splits' pairs.
    pub fn of(splits: &[Vec<SegmentationPair>; 3]) -> Self {
        let ids = |s: &Vec<SegmentationPair>| s.iter().map(|p| p.id.clone()).collect();
        SplitLists { train: ids(&splits[0]), val: ids(&splits[1]), test: ids(&splits[2]) }
    }

    /// Reads a split file, refusing an id listed twice.
    pub fn read(path: &Path) -> Result<Self, TrainError> {
        let text = std::fs::read_to_string(path).map_err(|e| TrainError::from(medref_data::DataError::io(path, e)))?;
        let lists: SplitLists = serde_json::from_str(&text).map_err(|e| {
            bad(path, format!("not a split file ({e}); expected {{\"train\": [ids], \"val\": [ids], \"test\": [ids]}}"))
        })?;
        let mut seen = BTreeMap::new();
        for (split, ids) in [("train", &lists.train), ("val", &lists.val), ("test", &lists.test)] {
            for id in ids {
                if let Some(first) = seen.insert(id.as_str(), split) {
                    return Err(bad(path, format!("id `{id}` is listed in both {first} and {split}")));
                }
            }
        }
        Ok(lists)
    }
}

fn bad(path: &Path, message: String) -> TrainError {
    TrainError::from(medref_data::DataError::format(path, message))
}

/// Puts each pair where the split file lists it; a listed id without an
/// image, or an image in no list, is an error naming the file.
pub fn by_file(pairs: Vec<SegmentationPair>, path: &Path) -> Result<[Vec<SegmentationPair>; 3], TrainError> {
    let lists = SplitLists::read(path)?;
    let mut by_id: BTreeMap<String, SegmentationPair> = pairs.into_iter().map(|p| (p.id.clone(), p)).collect();
    let mut take = |ids: &[String]| -> Result<Vec<SegmentationPair>, TrainError> {
        ids.iter()
            .map(|id| by_id.remove(id).ok_or_else(|| bad(path, format!("lists id `{id}`, but no image has that id"))))
            .collect()
    };
    let splits = [take(&lists.train)?, take(&lists.val)?, take(&lists.test)?];
    if let Some(id) = by_id.keys().next() {
        return Err(bad(path, format!("{} images are in no split, the first `{id}`; list every image", by_id.len())));
    }
    Ok(splits)
}

/// Seeded shares of `pairs` for val and test (a held-out test folder
/// comes as `test`, and then only val is cut).
pub fn by_fraction(
    pairs: Vec<SegmentationPair>,
    test: Option<Vec<SegmentationPair>>,
    val_fraction: f64,
    test_fraction: f64,
    seed: u64,
) -> Result<[Vec<SegmentationPair>; 3], TrainError> {
    let test_share = if test.is_some() { 0.0 } else { test_fraction };
    let labels = vec![0u32; pairs.len()];
    let split = medref_core::split::split_train_val_test(&labels, 1, val_fraction, test_share, seed)
        .map_err(TrainError::Mismatch)?;
    let mut slots: Vec<Option<SegmentationPair>> = pairs.into_iter().map(Some).collect();
    let mut take = |rows: &[usize]| -> Vec<SegmentationPair> {
        rows.iter().map(|&i| slots[i].take().expect("each row in one split")).collect()
    };
    let (train, val, held) = (take(&split.train), take(&split.val), take(&split.test));
    Ok([train, val, test.unwrap_or(held)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(ids: &[&str]) -> Vec<SegmentationPair> {
        ids.iter()
            .map(|id| SegmentationPair {
                id: id.to_string(),
                image: vec![0],
                channels: 1,
                height: 1,
                width: 1,
                mask: vec![0],
                roi: None,
            })
            .collect()
    }

    #[test]
    fn a_split_file_places_every_image_and_refuses_gaps_and_strangers() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("split.json");
        std::fs::write(&file, r#"{"train": ["a", "b"], "val": ["c"], "test": ["d"]}"#).unwrap();
        let splits = by_file(pairs(&["a", "b", "c", "d"]), &file).unwrap();
        assert_eq!(SplitLists::of(&splits).test, vec!["d".to_string()]);
        let e = by_file(pairs(&["a", "b", "c", "d", "e"]), &file).unwrap_err().to_string();
        assert!(e.contains("split.json") && e.contains("`e`"), "{e}");
        let e = by_file(pairs(&["a", "b", "c"]), &file).unwrap_err().to_string();
        assert!(e.contains("`d`"), "{e}");
        std::fs::write(&file, r#"{"train": ["a"], "val": ["a"], "test": []}"#).unwrap();
        let e = by_file(pairs(&["a"]), &file).unwrap_err().to_string();
        assert!(e.contains("both train and val"), "{e}");
    }

    #[test]
    fn fractions_are_seeded_and_a_test_folder_is_kept_whole() {
        let ids: Vec<String> = (0..20).map(|i| format!("{i:02}")).collect();
        let names: Vec<&str> = ids.iter().map(String::as_str).collect();
        let a = SplitLists::of(&by_fraction(pairs(&names), None, 0.1, 0.2, 7).unwrap());
        let b = SplitLists::of(&by_fraction(pairs(&names), None, 0.1, 0.2, 7).unwrap());
        assert_eq!(a, b);
        assert_eq!((a.train.len(), a.val.len(), a.test.len()), (14, 2, 4));
        let held = SplitLists::of(&by_fraction(pairs(&names), Some(pairs(&["t1", "t2"])), 0.2, 0.2, 7).unwrap());
        assert_eq!((held.train.len(), held.val.len()), (16, 4));
        assert_eq!(held.test, vec!["t1".to_string(), "t2".to_string()]);
    }
}
