//! MedMNIST 3D `.npz` files: the 2D layout (`{train,val,test}_{images,labels}`)
//! with one more axis, uint8 volumes `[N, D, H, W]` (CT or MR resampled to
//! 28^3 or 64^3, one grey channel).
//!
//! A volume dataset is kept apart from [`ImageDataset`](crate::ImageDataset)
//! rather than folded into it as "channels = depth": depth is a spatial
//! axis that a 3D convolution slides along, and a reader that mixed the two
//! would let a volume train a 2D model without a word.

use std::path::Path;

use crate::error::DataError;
use crate::image_dataset::ImageSplit;
use crate::npy::{self, NpyArray};
use crate::npz::{array_names, entry_index, open_archive, read_entry, split_labels, LAYOUT_HINT, MEDMNIST_KEYS};

/// A labelled set of grey volumes with MedMNIST's three splits. Each
/// split's `images` holds `[n, depth, height, width]` voxels, row-major.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VolumeDataset {
    /// `[depth, height, width]` of every volume, in voxels.
    pub shape: [usize; 3],
    /// 1 = a class index per volume; > 1 = that many 0/1 findings.
    pub label_width: usize,
    /// Largest class index + 1 (single-label), or `label_width`.
    pub n_classes: usize,
    /// Training split.
    pub train: ImageSplit,
    /// Validation split (model selection, early stopping).
    pub val: ImageSplit,
    /// Test split (reported metrics only).
    pub test: ImageSplit,
}

impl VolumeDataset {
    /// The three splits with their names, in train, val, test order.
    pub fn splits(&self) -> [(&'static str, &ImageSplit); 3] {
        [("train", &self.train), ("val", &self.val), ("test", &self.test)]
    }

    /// Voxels per volume.
    pub fn volume_len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Checks buffer lengths and label ranges; says what is off.
    pub fn check_consistent(&self) -> Result<(), String> {
        let len = self.volume_len();
        for (name, s) in self.splits() {
            if s.n.checked_mul(len) != Some(s.images.len()) {
                return Err(format!(
                    "{name} split: {} voxel values but n={} volumes of {:?} need {}",
                    s.images.len(),
                    s.n,
                    self.shape,
                    s.n.saturating_mul(len)
                ));
            }
            if s.n.checked_mul(self.label_width) != Some(s.labels.len()) {
                return Err(format!("{name} split: {} label values for n={} volumes", s.labels.len(), s.n));
            }
            let limit = if self.label_width == 1 { self.n_classes } else { 2 };
            if let Some(bad) = s.labels.iter().find(|&&l| l as usize >= limit) {
                return Err(format!("{name} split: label {bad} is out of range (expected below {limit})"));
            }
        }
        Ok(())
    }
}

/// `[n, d, h, w]` of one split's volumes array, checked.
fn volume_geometry(path: &Path, key: &str, a: &NpyArray) -> Result<(usize, [usize; 3]), DataError> {
    if !a.dtype.is_u8() {
        return Err(DataError::format(
            path,
            format!("array `{key}` has dtype `{}`; expected uint8 voxels (`|u1`) as MedMNIST 3D stores them", a.descr),
        ));
    }
    match a.shape[..] {
        [n, d, h, w] if d > 0 && h > 0 && w > 0 => Ok((n, [d, h, w])),
        _ => Err(DataError::format(
            path,
            format!(
                "array `{key}` has shape {:?}; expected volumes [N, D, H, W] (2D images [N, H, W] are read by \
                 `format = \"medmnist_npz\"`)",
                a.shape
            ),
        )),
    }
}

/// Reads a MedMNIST 3D `.npz` (AdrenalMNIST3D, OrganMNIST3D, ... at any size).
///
/// Checks that all six arrays exist, that volumes are uint8 `[N, D, H, W]`
/// and share one shape across splits, that each split has one label row
/// per volume, and that labels are class indices or 0/1 findings.
pub fn read_medmnist3d(path: impl AsRef<Path>) -> Result<VolumeDataset, DataError> {
    let path = path.as_ref();
    let mut archive = open_archive(path)?;
    let missing: Vec<String> =
        MEDMNIST_KEYS.iter().filter(|k| entry_index(&archive, k).is_none()).map(|k| format!("`{k}`")).collect();
    if !missing.is_empty() {
        let found = array_names(&archive);
        return Err(DataError::format(
            path,
            format!(
                "missing {} ({LAYOUT_HINT}; this file holds {})",
                missing.join(", "),
                if found.is_empty() { "no arrays".to_string() } else { found.join(", ") }
            ),
        ));
    }
    let mut ds = VolumeDataset::default();
    let mut first: Option<(&str, [usize; 3], usize)> = None;
    for split in ["train", "val", "test"] {
        let images_key = format!("{split}_images");
        let labels_key = format!("{split}_labels");
        let volumes = read_entry(&mut archive, path, &images_key)?;
        let (n, shape) = volume_geometry(path, &images_key, &volumes)?;
        let labels = read_entry(&mut archive, path, &labels_key)?;
        let (n_labels, width, values) = split_labels(path, &labels_key, &labels)?;
        if n_labels != n {
            return Err(DataError::format(
                path,
                format!("`{images_key}` holds {n} volumes but `{labels_key}` holds {n_labels} label rows"),
            ));
        }
        match first {
            None => first = Some((split, shape, width)),
            Some((first_split, first_shape, first_width)) => {
                if shape != first_shape {
                    return Err(DataError::format(
                        path,
                        format!(
                            "`{images_key}` are {shape:?} voxels but `{first_split}_images` are {first_shape:?}; \
                             all splits must share one volume shape"
                        ),
                    ));
                }
                if width != first_width {
                    return Err(DataError::format(
                        path,
                        format!(
                            "`{labels_key}` has {width} label column(s) but `{first_split}_labels` has {first_width}"
                        ),
                    ));
                }
            }
        }
        ds.shape = shape;
        ds.label_width = width;
        let target = match split {
            "train" => &mut ds.train,
            "val" => &mut ds.val,
            _ => &mut ds.test,
        };
        *target = ImageSplit { images: volumes.data, labels: values, n };
    }
    ds.n_classes = if ds.label_width > 1 {
        ds.label_width
    } else {
        ds.splits().iter().flat_map(|(_, s)| s.labels.iter()).max().map_or(0, |&m| m as usize + 1)
    };
    Ok(ds)
}

/// Writes the MedMNIST 3D layout as `np.savez_compressed` would (volumes
/// `[N, D, H, W]` uint8, labels `[N, label_width]` uint8), atomically.
pub fn write_medmnist3d(path: impl AsRef<Path>, ds: &VolumeDataset) -> Result<(), DataError> {
    let path = path.as_ref();
    ds.check_consistent().map_err(|d| DataError::format(path, format!("cannot write dataset: {d}")))?;
    if ds.splits().iter().any(|(_, s)| s.labels.iter().any(|&l| l > u32::from(u8::MAX))) {
        return Err(DataError::format(path, "cannot write labels above 255 (MedMNIST 3D stores uint8 labels)"));
    }
    let [d, h, w] = ds.shape;
    let mut entries = Vec::with_capacity(6);
    for (name, s) in ds.splits() {
        entries.push((format!("{name}_images"), npy::encode("|u1", &[s.n, d, h, w], &s.images)));
        let labels: Vec<u8> = s.labels.iter().map(|&l| l as u8).collect();
        entries.push((format!("{name}_labels"), npy::encode("|u1", &[s.n, ds.label_width], &labels)));
    }
    crate::npz::write_npz(path, &entries)
}

/// Volumes to score, from a `.npy` file: one volume `[D, H, W]` or a stack
/// `[N, D, H, W]`, uint8, whose `[D, H, W]` must be `shape` (the model's).
/// Returns the number of volumes and their voxels.
pub fn read_volume_npy(path: impl AsRef<Path>, shape: [usize; 3]) -> Result<(usize, Vec<u8>), DataError> {
    let path = path.as_ref();
    let a = npy::read_file(path)?;
    if !a.dtype.is_u8() {
        return Err(DataError::format(
            path,
            format!("the array has dtype `{}`; expected uint8 voxels as in the training file", a.descr),
        ));
    }
    let (n, found) = match a.shape[..] {
        [d, h, w] => (1, [d, h, w]),
        [n, d, h, w] => (n, [d, h, w]),
        _ => {
            return Err(DataError::format(
                path,
                format!("the array has shape {:?}; expected one volume [D, H, W] or volumes [N, D, H, W]", a.shape),
            ))
        }
    };
    if found != shape {
        return Err(DataError::format(
            path,
            format!("volumes are {found:?} voxels; the model was trained on {shape:?} (resample them first)"),
        ));
    }
    if n == 0 {
        return Err(DataError::format(path, "the array holds no volumes"));
    }
    Ok((n, a.data))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> VolumeDataset {
        let shape = [2, 3, 4];
        let split = |n: usize, offset: u8| ImageSplit {
            images: (0..n * 24).map(|i| (i as u8).wrapping_mul(5).wrapping_add(offset)).collect(),
            labels: (0..n).map(|i| (i % 2) as u32).collect(),
            n,
        };
        VolumeDataset { shape, label_width: 1, n_classes: 2, train: split(4, 0), val: split(2, 1), test: split(3, 2) }
    }

    #[test]
    fn write_then_read_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.npz");
        write_medmnist3d(&path, &tiny()).unwrap();
        assert_eq!(read_medmnist3d(&path).unwrap(), tiny());
        let infos = crate::npz::inspect(&path).unwrap();
        assert_eq!(infos[0].shape, vec![4, 2, 3, 4]);
    }

    #[test]
    fn a_2d_file_is_refused_naming_the_array_and_the_other_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("flat.npz");
        let ds = crate::ImageDataset {
            channels: 1,
            height: 3,
            width: 4,
            label_width: 1,
            n_classes: 2,
            train: ImageSplit { images: vec![0; 24], labels: vec![0, 1], n: 2 },
            val: ImageSplit { images: vec![0; 12], labels: vec![1], n: 1 },
            test: ImageSplit { images: vec![0; 12], labels: vec![0], n: 1 },
        };
        crate::write_medmnist(&path, &ds).unwrap();
        let e = read_medmnist3d(&path).unwrap_err().to_string();
        assert!(e.contains("flat.npz") && e.contains("`train_images`") && e.contains("medmnist_npz"), "{e}");
        // And the 2D reader sends a volume file to this format.
        let vol = dir.path().join("vol.npz");
        write_medmnist3d(&vol, &VolumeDataset { shape: [5, 6, 7], ..VolumeDataset::default() }).unwrap();
        let e = crate::read_medmnist(&vol).unwrap_err().to_string();
        assert!(e.contains("vol.npz") && e.contains("medmnist3d_npz"), "{e}");
    }

    #[test]
    fn splits_of_different_shapes_and_missing_arrays_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.npz");
        let mut entries = Vec::new();
        for (name, d) in [("train", 2), ("val", 3), ("test", 2)] {
            entries.push((format!("{name}_images"), npy::encode("|u1", &[1, d, 2, 2], &vec![0; d * 4])));
            entries.push((format!("{name}_labels"), npy::encode("|u1", &[1, 1], &[0])));
        }
        crate::npz::write_npz(&path, &entries).unwrap();
        let e = read_medmnist3d(&path).unwrap_err().to_string();
        assert!(e.contains("`val_images` are [3, 2, 2]") && e.contains("`train_images` are [2, 2, 2]"), "{e}");
        crate::npz::write_npz(&path, &entries[..4]).unwrap();
        let e = read_medmnist3d(&path).unwrap_err().to_string();
        assert!(e.contains("missing `test_images`, `test_labels`"), "{e}");
    }

    #[test]
    fn a_volume_npy_must_match_the_model() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("one.npy");
        std::fs::write(&path, npy::encode("|u1", &[2, 3, 4], &[7; 24])).unwrap();
        assert_eq!(read_volume_npy(&path, [2, 3, 4]).unwrap(), (1, vec![7; 24]));
        let e = read_volume_npy(&path, [4, 3, 2]).unwrap_err().to_string();
        assert!(e.contains("one.npy") && e.contains("[2, 3, 4]") && e.contains("[4, 3, 2]"), "{e}");
        std::fs::write(&path, npy::encode("<f4", &[1, 2], &[0; 8])).unwrap();
        assert!(read_volume_npy(&path, [2, 3, 4]).unwrap_err().to_string().contains("<f4"));
    }
}
