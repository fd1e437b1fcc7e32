//! MedMNIST's `.npz` files: a zip archive of `.npy` arrays named
//! `{train,val,test}_{images,labels}.npy`, stored or deflated.
//!
//! Images are uint8 `[N, H, W]` (grey) or `[N, H, W, 3]` (RGB, channels
//! last); labels are integers `[N, 1]` (class index) or `[N, K]` (K 0/1
//! findings, e.g. ChestMNIST). [`read_medmnist`] turns them into an
//! [`ImageDataset`] with channels-first pixels; [`write_medmnist`] writes
//! the same layout back, as `np.savez_compressed` would.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use crate::error::DataError;
use crate::image_dataset::{ImageDataset, ImageSplit};
use crate::npy::{self, NpyArray};

/// The six arrays of a MedMNIST file, in the order they are checked.
pub const MEDMNIST_KEYS: [&str; 6] =
    ["train_images", "train_labels", "val_images", "val_labels", "test_images", "test_labels"];

pub(crate) const LAYOUT_HINT: &str = "a MedMNIST file has train_/val_/test_ images and labels";

/// The largest class index a single-label file may hold. Models get one
/// output per class, so an index such as 2 000 000 000 (a patient id or a
/// regression target saved as a label) would be an attempt to allocate
/// gigabytes; MedMNIST itself has at most 14 classes.
const MAX_CLASS_INDEX: u32 = 9_999;

/// Name, dtype and shape of one array in an `.npz`, read from its header
/// alone (for `medref data inspect`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrayInfo {
    /// Array name without the `.npy` suffix, e.g. `train_images`.
    pub name: String,
    /// numpy `descr`, e.g. `|u1`.
    pub dtype: String,
    /// Shape, outermost first.
    pub shape: Vec<usize>,
}

pub(crate) type Archive = ZipArchive<BufReader<File>>;

pub(crate) fn open_archive(path: &Path) -> Result<Archive, DataError> {
    let file = File::open(path).map_err(|e| DataError::io(path, e))?;
    ZipArchive::new(BufReader::new(file)).map_err(|e| {
        DataError::format(path, format!("not a readable .npz (zip) archive: {e} (truncated or corrupt download?)"))
    })
}

/// Array names in the archive (entry names without `.npy`), in archive order.
pub(crate) fn array_names(archive: &Archive) -> Vec<String> {
    archive
        .file_names_raw()
        .map(|raw| {
            let n = String::from_utf8_lossy(raw);
            n.strip_suffix(".npy").unwrap_or(&n).to_string()
        })
        .collect()
}

/// Index of the entry holding array `key` (`key.npy`, or bare `key`).
pub(crate) fn entry_index(archive: &Archive, key: &str) -> Option<usize> {
    let with_suffix = format!("{key}.npy");
    archive.file_names_raw().position(|n| n == with_suffix.as_bytes() || n == key.as_bytes())
}

pub(crate) fn read_entry(archive: &mut Archive, path: &Path, key: &str) -> Result<NpyArray, DataError> {
    let Some(index) = entry_index(archive, key) else {
        let found = array_names(archive);
        return Err(DataError::format(
            path,
            format!(
                "missing array `{key}` ({LAYOUT_HINT}; this file holds {})",
                if found.is_empty() { "no arrays".to_string() } else { found.join(", ") }
            ),
        ));
    };
    let mut entry = archive
        .by_index(index)
        .map_err(|e| DataError::format(path, format!("array `{key}`: cannot open archive entry: {e}")))?;
    let hint = usize::try_from(entry.size()).unwrap_or(0).min(1 << 28);
    let mut bytes = Vec::with_capacity(hint);
    entry.read_to_end(&mut bytes).map_err(|e| {
        DataError::format(path, format!("array `{key}`: cannot decompress: {e} (truncated or corrupt file?)"))
    })?;
    npy::parse(&bytes).map_err(|d| DataError::format(path, format!("array `{key}`: {d}")))
}

/// Reads one array of an `.npz` by name (with or without `.npy`).
pub fn read_array(path: impl AsRef<Path>, key: &str) -> Result<NpyArray, DataError> {
    let path = path.as_ref();
    let mut archive = open_archive(path)?;
    read_entry(&mut archive, path, key)
}

/// Lists every array of an `.npz` with its dtype and shape, reading only
/// the headers.
pub fn inspect(path: impl AsRef<Path>) -> Result<Vec<ArrayInfo>, DataError> {
    let path = path.as_ref();
    let mut archive = open_archive(path)?;
    let mut infos = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let mut entry =
            archive.by_index(i).map_err(|e| DataError::format(path, format!("archive entry {i}: cannot open: {e}")))?;
        let full = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let name = full.strip_suffix(".npy").unwrap_or(&full).to_string();
        let header =
            npy::read_header(&mut entry).map_err(|d| DataError::format(path, format!("array `{name}`: {d}")))?;
        infos.push(ArrayInfo { name, dtype: header.descr, shape: header.shape });
    }
    Ok(infos)
}

/// Image geometry of one split's images array: (n, channels, height, width).
fn image_geometry(path: &Path, key: &str, a: &NpyArray) -> Result<(usize, usize, usize, usize), DataError> {
    if !a.dtype.is_u8() {
        return Err(DataError::format(
            path,
            format!("array `{key}` has dtype `{}`; expected uint8 pixels (`|u1`) as MedMNIST stores them", a.descr),
        ));
    }
    match a.shape[..] {
        [n, h, w] => Ok((n, 1, h, w)),
        [n, h, w, c @ (1 | 3)] => Ok((n, c, h, w)),
        _ => Err(DataError::format(
            path,
            format!(
                "array `{key}` has shape {:?}; expected [N, H, W] (grey) or [N, H, W, 3] (RGB) \
                 (MedMNIST 3D volumes [N, D, H, W] are read by `format = \"medmnist3d_npz\"`)",
                a.shape
            ),
        )),
    }
}

/// Labels of one split as `[n, width]` u32 values, checked.
pub(crate) fn split_labels(path: &Path, key: &str, a: &NpyArray) -> Result<(usize, usize, Vec<u32>), DataError> {
    let (n, width) = match a.shape[..] {
        [n] => (n, 1),
        [n, k] if k > 0 => (n, k),
        _ => {
            return Err(DataError::format(
                path,
                format!("array `{key}` has shape {:?}; expected [N, 1] (class index) or [N, K] (K findings)", a.shape),
            ))
        }
    };
    let values = a.to_i128().map_err(|_| {
        DataError::format(
            path,
            format!("array `{key}` has dtype `{}`; expected integer labels (uint8, int32 or int64)", a.descr),
        )
    })?;
    let mut labels = Vec::with_capacity(values.len());
    for (i, v) in values.into_iter().enumerate() {
        let (row, col) = (i / width, i % width);
        if width > 1 && !(v == 0 || v == 1) {
            return Err(DataError::format(
                path,
                format!(
                    "array `{key}` is multi-label ([N, {width}]) but holds {v} at row {row}, column {col}; expected 0 or 1"
                ),
            ));
        }
        let label = u32::try_from(v).map_err(|_| {
            DataError::format(
                path,
                format!("array `{key}` holds {v} at row {row}; expected a non-negative class index"),
            )
        })?;
        if width == 1 && label > MAX_CLASS_INDEX {
            return Err(DataError::format(
                path,
                format!(
                    "array `{key}` holds {label} at row {row}; expected a class index of at most {MAX_CLASS_INDEX} \
                     (ids or measurements saved as labels?)"
                ),
            ));
        }
        labels.push(label);
    }
    Ok((n, width, labels))
}

/// `[n, h, w, c]` channels-last pixels to `[n, c, h, w]` channels-first.
fn to_channels_first(data: &[u8], n: usize, c: usize, h: usize, w: usize) -> Vec<u8> {
    if c == 1 {
        return data.to_vec();
    }
    let plane = h * w;
    let mut out = vec![0u8; data.len()];
    for i in 0..n {
        let src = &data[i * plane * c..(i + 1) * plane * c];
        let dst = &mut out[i * plane * c..(i + 1) * plane * c];
        for p in 0..plane {
            for ch in 0..c {
                dst[ch * plane + p] = src[p * c + ch];
            }
        }
    }
    out
}

/// `[n, c, h, w]` channels-first pixels to `[n, h, w, c]` channels-last.
fn to_channels_last(data: &[u8], n: usize, c: usize, h: usize, w: usize) -> Vec<u8> {
    if c == 1 {
        return data.to_vec();
    }
    let plane = h * w;
    let mut out = vec![0u8; data.len()];
    for i in 0..n {
        let src = &data[i * plane * c..(i + 1) * plane * c];
        let dst = &mut out[i * plane * c..(i + 1) * plane * c];
        for ch in 0..c {
            for p in 0..plane {
                dst[p * c + ch] = src[ch * plane + p];
            }
        }
    }
    out
}

/// Reads a MedMNIST `.npz` (any of the 2-D datasets, any image size).
///
/// Checks that all six arrays exist, that images are uint8 and share one
/// shape across splits, that each split has as many label rows as images,
/// and that multi-label rows hold only 0/1.
pub fn read_medmnist(path: impl AsRef<Path>) -> Result<ImageDataset, DataError> {
    let path = path.as_ref();
    let mut archive = open_archive(path)?;
    let missing: Vec<&str> = MEDMNIST_KEYS.iter().copied().filter(|k| entry_index(&archive, k).is_none()).collect();
    if !missing.is_empty() {
        let found = array_names(&archive);
        return Err(DataError::format(
            path,
            format!(
                "missing array{} {} ({LAYOUT_HINT}; this file holds {})",
                if missing.len() > 1 { "s" } else { "" },
                missing.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "),
                if found.is_empty() { "no arrays".to_string() } else { found.join(", ") }
            ),
        ));
    }

    let mut ds = ImageDataset::default();
    let mut first: Option<(&str, (usize, usize, usize), usize)> = None;
    for split in ["train", "val", "test"] {
        let images_key = format!("{split}_images");
        let labels_key = format!("{split}_labels");
        let images = read_entry(&mut archive, path, &images_key)?;
        let (n, c, h, w) = image_geometry(path, &images_key, &images)?;
        let labels = read_entry(&mut archive, path, &labels_key)?;
        let (n_labels, width, label_values) = split_labels(path, &labels_key, &labels)?;
        if n_labels != n {
            return Err(DataError::format(
                path,
                format!("`{images_key}` holds {n} images but `{labels_key}` holds {n_labels} label rows"),
            ));
        }
        match first {
            None => first = Some((split, (c, h, w), width)),
            Some((first_split, geometry, first_width)) => {
                if geometry != (c, h, w) {
                    return Err(DataError::format(
                        path,
                        format!(
                            "`{images_key}` are {h}x{w} with {c} channel(s) but `{first_split}_images` are {}x{} with {} channel(s); all splits must share one image shape",
                            geometry.1, geometry.2, geometry.0
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
        ds.channels = c;
        ds.height = h;
        ds.width = w;
        ds.label_width = width;
        let target = match split {
            "train" => &mut ds.train,
            "val" => &mut ds.val,
            _ => &mut ds.test,
        };
        *target = ImageSplit { images: to_channels_first(&images.data, n, c, h, w), labels: label_values, n };
    }
    ds.n_classes = if ds.label_width > 1 {
        ds.label_width
    } else {
        ds.splits().iter().flat_map(|(_, s)| s.labels.iter()).max().map_or(0, |&m| m as usize + 1)
    };
    Ok(ds)
}

/// Writes a MedMNIST-layout `.npz` as `np.savez_compressed` would: deflated
/// `.npy` entries, images `[N, H, W]` (grey) or `[N, H, W, 3]` (RGB), labels
/// `[N, label_width]` as uint8 (int64 if a label exceeds 255).
///
/// The file is written next to `path` under a temporary name and renamed
/// into place, so a crash never leaves a half-written dataset behind.
/// Entries carry a fixed timestamp: the same dataset gives the same bytes.
pub fn write_medmnist(path: impl AsRef<Path>, ds: &ImageDataset) -> Result<(), DataError> {
    let path = path.as_ref();
    ds.check_consistent().map_err(|d| DataError::format(path, format!("cannot write dataset: {d}")))?;
    if ds.channels != 1 && ds.channels != 3 {
        return Err(DataError::format(
            path,
            format!("cannot write {} channels; MedMNIST files hold 1 (grey) or 3 (RGB)", ds.channels),
        ));
    }
    let wide = ds.splits().iter().any(|(_, s)| s.labels.iter().any(|&l| l > u8::MAX as u32));
    let mut entries = Vec::with_capacity(6);
    for (name, s) in ds.splits() {
        let (c, h, w) = (ds.channels, ds.height, ds.width);
        let pixels = to_channels_last(&s.images, s.n, c, h, w);
        let shape: Vec<usize> = if c == 1 { vec![s.n, h, w] } else { vec![s.n, h, w, c] };
        entries.push((format!("{name}_images"), npy::encode("|u1", &shape, &pixels)));
        let label_shape = [s.n, ds.label_width];
        let labels = if wide {
            let bytes: Vec<u8> = s.labels.iter().flat_map(|&l| (l as i64).to_le_bytes()).collect();
            npy::encode("<i8", &label_shape, &bytes)
        } else {
            let bytes: Vec<u8> = s.labels.iter().map(|&l| l as u8).collect();
            npy::encode("|u1", &label_shape, &bytes)
        };
        entries.push((format!("{name}_labels"), labels));
    }
    write_npz(path, &entries)
}

/// Writes already-encoded `.npy` arrays (see [`npy::encode`]) into a
/// deflated `.npz`, atomically (temporary file, then rename).
/// Names are given without `.npy`.
pub fn write_npz(path: impl AsRef<Path>, arrays: &[(String, Vec<u8>)]) -> Result<(), DataError> {
    let path = path.as_ref();
    medref_core::fsutil::write_atomic_with(path, |file| write_zip(file, arrays)).map_err(|e| DataError::io(path, e))
}

fn write_zip(file: &mut File, arrays: &[(String, Vec<u8>)]) -> std::io::Result<()> {
    let mut zip = ZipWriter::new(BufWriter::new(file));
    for (name, bytes) in arrays {
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .last_modified_time(DateTime::default())
            .unix_permissions(0o644)
            .large_file(bytes.len() as u64 >= u32::MAX as u64);
        zip.start_file(format!("{name}.npy"), options)?;
        zip.write_all(bytes)?;
    }
    zip.finish()?.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny(channels: usize, label_width: usize) -> ImageDataset {
        let (h, w) = (3, 2);
        let split = |n: usize, offset: u8| ImageSplit {
            images: (0..n * channels * h * w).map(|i| (i as u8).wrapping_mul(7).wrapping_add(offset)).collect(),
            labels: (0..n * label_width).map(|i| (i % 2) as u32).collect(),
            n,
        };
        ImageDataset {
            channels,
            height: h,
            width: w,
            label_width,
            n_classes: if label_width > 1 { label_width } else { 2 },
            train: split(4, 0),
            val: split(2, 1),
            test: split(3, 2),
        }
    }

    #[test]
    fn write_then_read_round_trips_grey_and_rgb_multilabel() {
        let dir = tempfile::tempdir().unwrap();
        for ds in [tiny(1, 1), tiny(3, 4)] {
            let path = dir.path().join("x.npz");
            write_medmnist(&path, &ds).unwrap();
            assert_eq!(read_medmnist(&path).unwrap(), ds);
        }
        // No temporary file is left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, vec![std::ffi::OsString::from("x.npz")]);
    }

    #[test]
    fn channels_first_and_last_are_inverse() {
        let data: Vec<u8> = (0..2 * 3 * 4 * 5).map(|i| i as u8).collect();
        let first = to_channels_first(&data, 2, 3, 4, 5);
        // pixel (0, 0) of image 0: channels-last bytes 0, 1, 2 become planes.
        assert_eq!((first[0], first[20], first[40]), (0, 1, 2));
        assert_eq!(to_channels_last(&first, 2, 3, 4, 5), data);
    }

    #[test]
    fn inspect_lists_arrays_with_dtype_and_shape() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.npz");
        write_medmnist(&path, &tiny(3, 1)).unwrap();
        let infos = inspect(&path).unwrap();
        assert_eq!(infos.len(), 6);
        assert_eq!(infos[0], ArrayInfo { name: "train_images".into(), dtype: "|u1".into(), shape: vec![4, 3, 2, 3] });
        assert_eq!(infos[5].shape, vec![3, 1]);
        assert_eq!(read_array(&path, "val_labels").unwrap().shape, vec![2, 1]);
        assert!(read_array(&path, "nope").unwrap_err().to_string().contains("missing array `nope`"));
    }

    #[test]
    fn wide_labels_are_written_as_int64() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.npz");
        let mut ds = tiny(1, 1);
        ds.train.labels[0] = 300;
        ds.n_classes = 301;
        write_medmnist(&path, &ds).unwrap();
        assert_eq!(read_array(&path, "train_labels").unwrap().descr, "<i8");
        assert_eq!(read_medmnist(&path).unwrap(), ds);
    }
}
