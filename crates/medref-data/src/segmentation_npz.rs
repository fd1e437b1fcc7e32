//! Segmentation pairs stored as arrays in one `.npz`, as numpy and MONAI
//! users save them: `{prefix}_images` (`uint8`, `[N, H, W]` grey or
//! `[N, H, W, C]` with C = 1 or 3) beside `{prefix}_masks` (`[N, H, W]`,
//! any integer type). A file with `train`, `val` and `test` prefixes
//! carries its own split, as MedMNIST's files do.
//!
//! Masks in arrays are usually class indices (0/1 or 0..K-1) rather than
//! the grey levels of an image file, so with binary masks a mask whose
//! values are all 0 or 1 is taken as it is, and one with larger values
//! (0/255) is thresholded like a mask image; `MaskRule::Values` maps the
//! listed values to classes and refuses any other. Every error names the
//! file and the array.

use std::path::Path;

use crate::error::DataError;
use crate::npz::{inspect, read_array};
use crate::segmentation_pairs::{MaskRule, SegmentationPair};

/// The pairs of every prefix in the file, `train`, `val`, `test` first,
/// then the others by name; ids are `{prefix}_{index}`.
pub fn read_segmentation_npz(
    path: &Path,
    rule: &MaskRule,
    grayscale: bool,
) -> Result<Vec<(String, Vec<SegmentationPair>)>, DataError> {
    let names: Vec<String> = inspect(path)?.into_iter().map(|a| a.name).collect();
    let has = |name: &str| names.iter().any(|n| n == name);
    let mut prefixes: Vec<&str> = names.iter().filter_map(|n| n.strip_suffix("_images")).collect();
    if let Some(orphan) = names.iter().filter_map(|n| n.strip_suffix("_masks")).find(|p| !prefixes.contains(p)) {
        return Err(DataError::format(path, format!("array `{orphan}_masks` has no `{orphan}_images` beside it")));
    }
    if let Some(alone) = prefixes.iter().find(|p| !has(&format!("{p}_masks"))) {
        return Err(DataError::format(path, format!("array `{alone}_images` has no `{alone}_masks` beside it")));
    }
    if prefixes.is_empty() {
        return Err(DataError::format(
            path,
            format!(
                "no `PREFIX_images` / `PREFIX_masks` arrays (e.g. train_images, train_masks); this file holds {}",
                if names.is_empty() { "no arrays".to_string() } else { names.join(", ") }
            ),
        ));
    }
    let rank = |p: &str| ["train", "val", "test"].iter().position(|s| *s == p).unwrap_or(3);
    prefixes.sort_by(|a, b| rank(a).cmp(&rank(b)).then(a.cmp(b)));
    prefixes.iter().map(|p| Ok((p.to_string(), read_prefix(path, p, rule, grayscale)?))).collect()
}

fn read_prefix(
    path: &Path,
    prefix: &str,
    rule: &MaskRule,
    grayscale: bool,
) -> Result<Vec<SegmentationPair>, DataError> {
    let images_key = format!("{prefix}_images");
    let masks_key = format!("{prefix}_masks");
    let images = read_array(path, &images_key)?;
    let bad = |key: &str, message: String| DataError::format(path, format!("array `{key}`: {message}"));
    if !images.dtype.is_u8() {
        return Err(bad(&images_key, format!("dtype `{}`; expected uint8 pixels (`|u1`)", images.descr)));
    }
    let (n, height, width, channels) = match images.shape[..] {
        [n, h, w] => (n, h, w, 1),
        [n, h, w, c @ (1 | 3)] => (n, h, w, c),
        _ => {
            return Err(bad(
                &images_key,
                format!("shape {:?}; expected [N, H, W] (grey) or [N, H, W, 3] (RGB), channels last", images.shape),
            ))
        }
    };
    let masks = read_array(path, &masks_key)?;
    if masks.shape[..] != [n, height, width] {
        return Err(bad(
            &masks_key,
            format!("shape {:?}; expected [N, H, W] = {:?} to match `{images_key}`", masks.shape, [n, height, width]),
        ));
    }
    let values = masks.to_i128().map_err(|e| bad(&masks_key, e))?;
    let plane = height * width;
    let classes = mask_classes(&values, rule, plane, width).map_err(|e| bad(&masks_key, e))?;
    let out_channels = if grayscale { 1 } else { channels };
    Ok((0..n)
        .map(|i| {
            let hwc = &images.data[i * plane * channels..(i + 1) * plane * channels];
            SegmentationPair {
                id: format!("{prefix}_{i}"),
                image: channels_first(hwc, channels, grayscale),
                channels: out_channels,
                height,
                width,
                mask: classes[i * plane..(i + 1) * plane].to_vec(),
                roi: None,
            }
        })
        .collect())
}

/// Class of every mask value; an error names image, row and column.
fn mask_classes(values: &[i128], rule: &MaskRule, plane: usize, width: usize) -> Result<Vec<u8>, String> {
    let place = |i: usize| {
        let (image, pixel) = (i / plane.max(1), i % plane.max(1));
        format!("image {image}, row {}, column {}", pixel / width.max(1), pixel % width.max(1))
    };
    match rule {
        MaskRule::Threshold(t) => {
            if let Some(i) = values.iter().position(|&v| !(0..=255).contains(&v)) {
                return Err(format!("value {} at {} is not a class index or grey level (0-255)", values[i], place(i)));
            }
            let indices = values.iter().all(|&v| v <= 1);
            Ok(values.iter().map(|&v| if indices { v as u8 } else { u8::from(v >= i128::from(*t)) }).collect())
        }
        MaskRule::Values(listed) => values
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                listed
                    .iter()
                    .position(|&x| i128::from(x) == v)
                    .map(|k| k as u8)
                    .ok_or_else(|| format!("value {v} at {} is not one of the mask values {listed:?}", place(i)))
            })
            .collect(),
    }
}

/// `[H, W, C]` pixels as `[C, H, W]`, or one grey channel (ITU-R BT.601 luma, rounded).
fn channels_first(hwc: &[u8], channels: usize, grayscale: bool) -> Vec<u8> {
    if channels == 1 {
        return hwc.to_vec();
    }
    if grayscale {
        return hwc
            .chunks_exact(3)
            .map(|p| ((299 * u32::from(p[0]) + 587 * u32::from(p[1]) + 114 * u32::from(p[2]) + 500) / 1000) as u8)
            .collect();
    }
    let plane = hwc.len() / channels;
    let mut chw = vec![0u8; hwc.len()];
    for (p, px) in hwc.chunks_exact(channels).enumerate() {
        for (c, &v) in px.iter().enumerate() {
            chw[c * plane + p] = v;
        }
    }
    chw
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::encode;
    use crate::npz::write_npz;

    fn npz(dir: &Path, arrays: &[(&str, &str, &[usize], Vec<u8>)]) -> std::path::PathBuf {
        let path = dir.join("seg.npz");
        let arrays: Vec<(String, Vec<u8>)> =
            arrays.iter().map(|(name, descr, shape, data)| (name.to_string(), encode(descr, shape, data))).collect();
        write_npz(&path, &arrays).unwrap();
        path
    }

    #[test]
    fn splits_come_in_order_with_classes_and_channels_first() {
        let dir = tempfile::tempdir().unwrap();
        // One 2x2 RGB test image and two grey-mask training images of 2x2.
        let rgb: Vec<u8> = (0..12).collect();
        let path = npz(
            dir.path(),
            &[
                ("test_images", "|u1", &[1, 2, 2, 3], rgb),
                ("test_masks", "|u1", &[1, 2, 2], vec![0, 255, 255, 0]),
                ("train_images", "|u1", &[1, 2, 2, 3], vec![9; 12]),
                ("train_masks", "|u1", &[1, 2, 2], vec![1, 0, 0, 1]),
            ],
        );
        let splits = read_segmentation_npz(&path, &MaskRule::Threshold(128), false).unwrap();
        assert_eq!(splits.iter().map(|(p, _)| p.as_str()).collect::<Vec<_>>(), ["train", "test"]);
        let test = &splits[1].1[0];
        assert_eq!((test.id.as_str(), test.channels, test.height, test.width), ("test_0", 3, 2, 2));
        assert_eq!(test.image, vec![0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11]);
        // 0/255 is thresholded; 0/1 is taken as class indices.
        assert_eq!(test.mask, vec![0, 1, 1, 0]);
        assert_eq!(splits[0].1[0].mask, vec![1, 0, 0, 1]);
        let grey = read_segmentation_npz(&path, &MaskRule::Threshold(128), true).unwrap();
        // Luma of (0, 1, 2): (0 + 587 + 228 + 500) / 1000 = 1.
        assert_eq!((grey[1].1[0].channels, grey[1].1[0].image[0]), (1, 1));
    }

    #[test]
    fn broken_arrays_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = npz(dir.path(), &[("train_images", "|u1", &[1, 2, 2], vec![0; 4])]);
        let e = read_segmentation_npz(&path, &MaskRule::Threshold(128), false).unwrap_err().to_string();
        assert!(e.contains("seg.npz") && e.contains("`train_images` has no `train_masks`"), "{e}");
        let path =
            npz(dir.path(), &[("a_images", "|u1", &[1, 2, 2], vec![0; 4]), ("a_masks", "|u1", &[1, 2, 3], vec![0; 6])]);
        let e = read_segmentation_npz(&path, &MaskRule::Threshold(128), false).unwrap_err().to_string();
        assert!(e.contains("array `a_masks`: shape [1, 2, 3]"), "{e}");
        let path = npz(
            dir.path(),
            &[("a_images", "|u1", &[1, 2, 2], vec![0; 4]), ("a_masks", "|u1", &[1, 2, 2], vec![0, 1, 2, 7])],
        );
        let rule = MaskRule::Values(vec![0, 1, 2]);
        let e = read_segmentation_npz(&path, &rule, false).unwrap_err().to_string();
        assert!(e.contains("value 7 at image 0, row 1, column 1"), "{e}");
        let path = npz(dir.path(), &[("x", "|u1", &[1], vec![0])]);
        let e = read_segmentation_npz(&path, &rule, false).unwrap_err().to_string();
        assert!(e.contains("no `PREFIX_images`") && e.contains("holds x"), "{e}");
    }
}
