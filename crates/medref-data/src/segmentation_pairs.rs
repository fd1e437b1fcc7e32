//! Image and mask pairs for segmentation, matched by a name pattern.
//!
//! Segmentation sets come as parallel folders whose file names share an
//! identifier but little else: DRIVE pairs `images/21_training.tif` with
//! `1st_manual/21_manual1.gif` and a field-of-view mask
//! `mask/21_training_mask.gif`; Kvasir-SEG pairs `images/ID.jpg` with
//! `masks/ID.jpg`. A pattern per role with `{id}` in the file name says
//! how: the images' folder is listed, each name that fits the image pattern
//! gives an id, and the mask (and region of interest) of that id must
//! exist. Masks are read as grey levels: binary masks are thresholded
//! (JPEG masks are never exactly 0 and 255), multi-class masks map listed
//! grey values to classes and refuse any other value. Every error names
//! the file.

use std::path::{Path, PathBuf};

use crate::error::DataError;

/// Where each role's file lies, relative to the data folder, with `{id}`
/// in the file name: `images/{id}_training.tif`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairPattern {
    /// The images; their folder is listed to find the ids.
    pub image: String,
    /// The mask of each image.
    pub mask: String,
    /// An optional region of interest (metrics and loss only inside it).
    pub roi: Option<String>,
}

/// How a mask's grey levels become classes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MaskRule {
    /// Binary: grey level >= the threshold is foreground (class 1).
    Threshold(u8),
    /// Multi-class: the grey level at index k is class k.
    Values(Vec<u8>),
}

/// One image with its mask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentationPair {
    /// The `{id}` part of the names.
    pub id: String,
    /// Pixels, channels-first `[channels, height, width]`.
    pub image: Vec<u8>,
    /// 1 (grey) or 3 (RGB).
    pub channels: usize,
    /// Height in pixels.
    pub height: usize,
    /// Width in pixels.
    pub width: usize,
    /// Class of each pixel, row-major `[height, width]`.
    pub mask: Vec<u8>,
    /// Inside the region of interest, row-major; `None` without one.
    pub roi: Option<Vec<bool>>,
}

/// Reads every pair under `root` in id order (sorted, so the order does not
/// depend on the file system). `grayscale` reads images as one channel.
pub fn read_segmentation_pairs(
    root: &Path,
    pattern: &PairPattern,
    rule: &MaskRule,
    grayscale: bool,
) -> Result<Vec<SegmentationPair>, DataError> {
    let ids = list_ids(root, &pattern.image)?;
    if ids.is_empty() {
        return Err(DataError::format(
            root.join(&pattern.image),
            "no file matches this pattern; check the folder and the part around {id}",
        ));
    }
    ids.iter()
        .map(|id| {
            let image_path = root.join(pattern.image.replace("{id}", id));
            let (channels, height, width, image) = decode(&image_path, grayscale)?;
            let mask_path = existing(root, &pattern.mask, id, &image_path)?;
            let mask = read_grey(&mask_path, height, width)?;
            let mask = classes(&mask_path, &mask, width, rule)?;
            let roi = match &pattern.roi {
                Some(roi) => {
                    let path = existing(root, roi, id, &image_path)?;
                    Some(read_grey(&path, height, width)?.iter().map(|&v| v >= 128).collect())
                }
                None => None,
            };
            Ok(SegmentationPair { id: id.clone(), image, channels, height, width, mask, roi })
        })
        .collect()
}

/// The ids of the files in the image pattern's folder that fit its name.
fn list_ids(root: &Path, image_pattern: &str) -> Result<Vec<String>, DataError> {
    let pattern_path = Path::new(image_pattern);
    let name = pattern_path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let Some((prefix, suffix)) = name.split_once("{id}") else {
        return Err(DataError::format(root.join(image_pattern), "the image pattern's file name must contain {id}"));
    };
    let dir = root.join(pattern_path.parent().unwrap_or(Path::new("")));
    let entries = std::fs::read_dir(&dir).map_err(|e| DataError::io(&dir, e))?;
    let mut ids = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| DataError::io(&dir, e))?;
        let file = entry.file_name().to_string_lossy().into_owned();
        if let Some(id) = file.strip_prefix(prefix).and_then(|rest| rest.strip_suffix(suffix)) {
            if !id.is_empty() && !file.starts_with('.') {
                ids.push(id.to_string());
            }
        }
    }
    ids.sort();
    Ok(ids)
}

/// The file of `id` under `pattern`, which must exist.
fn existing(root: &Path, pattern: &str, id: &str, image: &Path) -> Result<PathBuf, DataError> {
    let path = root.join(pattern.replace("{id}", id));
    if path.is_file() {
        return Ok(path);
    }
    Err(DataError::format(&path, format!("no such file, but {} expects it (pattern `{pattern}`)", image.display())))
}

fn open(path: &Path) -> Result<image::DynamicImage, DataError> {
    image::ImageReader::open(path)
        .map_err(|e| DataError::io(path, e))?
        .with_guessed_format()
        .map_err(|e| DataError::io(path, e))?
        .decode()
        .map_err(|e| DataError::format(path, format!("not a readable image: {e}")))
}

/// One image as `read_segmentation_pairs` reads it, for `predict`:
/// `(channels, height, width, pixels [channels, height, width])`.
pub fn read_image(path: &Path, grayscale: bool) -> Result<(usize, usize, usize, Vec<u8>), DataError> {
    decode(path, grayscale)
}

/// `(channels, height, width, pixels [channels, height, width])`.
fn decode(path: &Path, grayscale: bool) -> Result<(usize, usize, usize, Vec<u8>), DataError> {
    let img = open(path)?;
    let (width, height) = (img.width() as usize, img.height() as usize);
    if grayscale {
        return Ok((1, height, width, img.into_luma8().into_raw()));
    }
    let rgb = img.into_rgb8().into_raw();
    let plane = height * width;
    let mut chw = vec![0u8; 3 * plane];
    for (p, px) in rgb.chunks_exact(3).enumerate() {
        for (c, &v) in px.iter().enumerate() {
            chw[c * plane + p] = v;
        }
    }
    Ok((3, height, width, chw))
}

/// A mask or region as grey levels, which must be the image's size.
fn read_grey(path: &Path, height: usize, width: usize) -> Result<Vec<u8>, DataError> {
    let grey = open(path)?.into_luma8();
    let (w, h) = (grey.width() as usize, grey.height() as usize);
    if (h, w) != (height, width) {
        return Err(DataError::format(path, format!("is {w}x{h} pixels but its image is {width}x{height}")));
    }
    Ok(grey.into_raw())
}

fn classes(path: &Path, grey: &[u8], width: usize, rule: &MaskRule) -> Result<Vec<u8>, DataError> {
    match rule {
        MaskRule::Threshold(t) => Ok(grey.iter().map(|&v| u8::from(v >= *t)).collect()),
        MaskRule::Values(values) => grey
            .iter()
            .enumerate()
            .map(|(i, v)| {
                values.iter().position(|x| x == v).map(|k| k as u8).ok_or_else(|| {
                    let (row, col) = (i / width.max(1), i % width.max(1));
                    DataError::format(
                        path,
                        format!(
                            "pixel (row {row}, column {col}) has grey level {v}, not one of the mask values {values:?}"
                        ),
                    )
                })
            })
            .collect(),
    }
}

/// An image of `read_segmentation_pairs` (`[channels, height, width]`, 1
/// or 3 channels) as PNG, for pictures of the run (contour overlays).
pub fn image_png(pixels: &[u8], channels: usize, height: usize, width: usize) -> Result<Vec<u8>, String> {
    let plane = height * width;
    if pixels.len() != channels * plane || !(channels == 1 || channels == 3) {
        return Err(format!("{} values are not a {channels}-channel {width}x{height} image", pixels.len()));
    }
    let mut bytes = std::io::Cursor::new(Vec::new());
    let written = if channels == 1 {
        image::GrayImage::from_raw(width as u32, height as u32, pixels.to_vec())
            .map(|img| img.write_to(&mut bytes, image::ImageFormat::Png))
    } else {
        let rgb: Vec<u8> = (0..plane).flat_map(|p| (0..3).map(move |c| pixels[c * plane + p])).collect();
        image::RgbImage::from_raw(width as u32, height as u32, rgb)
            .map(|img| img.write_to(&mut bytes, image::ImageFormat::Png))
    };
    match written {
        Some(Ok(())) => Ok(bytes.into_inner()),
        Some(Err(e)) => Err(format!("encoding the PNG: {e}")),
        None => Err(format!("the pixels do not fill a {width}x{height} image")),
    }
}

/// A predicted mask as an 8-bit grey PNG, the grey level of class `k`
/// being `grey_levels[k]` (the levels the masks were read with, so the
/// file reads back to the same classes). `classes` is row-major.
pub fn mask_png(classes: &[u8], height: usize, width: usize, grey_levels: &[u8]) -> Result<Vec<u8>, String> {
    let grey: Vec<u8> = classes.iter().map(|&c| grey_levels.get(usize::from(c)).copied().unwrap_or(255)).collect();
    let img = image::GrayImage::from_raw(width as u32, height as u32, grey)
        .ok_or_else(|| format!("{} classes do not fill a {width}x{height} image", classes.len()))?;
    let mut bytes = std::io::Cursor::new(Vec::new());
    img.write_to(&mut bytes, image::ImageFormat::Png).map_err(|e| format!("encoding the PNG: {e}"))?;
    Ok(bytes.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{DynamicImage, GrayImage, Luma, Rgb, RgbImage};

    /// Saves by extension; GIF holds palette colours, so grey is saved as RGBA.
    fn save(grey: GrayImage, path: PathBuf) {
        DynamicImage::ImageLuma8(grey).to_rgba8().save(path).unwrap();
    }

    /// DRIVE's layout in miniature: TIFF images, GIF masks, GIF regions.
    fn drive_like(root: &Path) -> PairPattern {
        for dir in ["images", "manual", "fov"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        for (id, shade) in [("02", 40u8), ("01", 200)] {
            RgbImage::from_fn(6, 4, |x, y| Rgb([shade, x as u8, y as u8]))
                .save(root.join(format!("images/{id}_training.tif")))
                .unwrap();
            save(
                GrayImage::from_fn(6, 4, |x, _| Luma([if x >= 3 { 255 } else { 0 }])),
                root.join(format!("manual/{id}_manual1.gif")),
            );
            save(
                GrayImage::from_fn(6, 4, |_, y| Luma([if y >= 1 { 255 } else { 0 }])),
                root.join(format!("fov/{id}_training_mask.gif")),
            );
        }
        std::fs::write(root.join("images/notes.txt"), "not an image").unwrap();
        PairPattern {
            image: "images/{id}_training.tif".into(),
            mask: "manual/{id}_manual1.gif".into(),
            roi: Some("fov/{id}_training_mask.gif".into()),
        }
    }

    #[test]
    fn pairs_are_matched_by_id_in_sorted_order_with_masks_and_regions() {
        let tmp = tempfile::tempdir().unwrap();
        let pattern = drive_like(tmp.path());
        let pairs = read_segmentation_pairs(tmp.path(), &pattern, &MaskRule::Threshold(128), false).unwrap();
        assert_eq!(pairs.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["01", "02"]);
        let p = &pairs[0];
        assert_eq!((p.channels, p.height, p.width), (3, 4, 6));
        assert_eq!(p.image[0], 200, "red plane first, channels-first");
        assert_eq!(p.image[24 + 5], 5, "green plane holds x");
        assert_eq!(&p.mask[..6], &[0, 0, 0, 1, 1, 1]);
        let roi = p.roi.as_ref().unwrap();
        assert!(!roi[0] && roi[6]);
    }

    #[test]
    fn a_missing_mask_a_size_mismatch_and_a_stray_value_name_the_file() {
        let tmp = tempfile::tempdir().unwrap();
        let pattern = drive_like(tmp.path());
        let rule = MaskRule::Threshold(128);
        std::fs::remove_file(tmp.path().join("manual/02_manual1.gif")).unwrap();
        let err = read_segmentation_pairs(tmp.path(), &pattern, &rule, false).unwrap_err().to_string();
        assert!(err.contains("manual/02_manual1.gif: no such file") && err.contains("02_training.tif"), "{err}");

        save(GrayImage::new(5, 4), tmp.path().join("manual/02_manual1.gif"));
        let err = read_segmentation_pairs(tmp.path(), &pattern, &rule, false).unwrap_err().to_string();
        assert!(err.contains("02_manual1.gif: is 5x4 pixels but its image is 6x4"), "{err}");

        save(
            GrayImage::from_fn(6, 4, |x, y| Luma([if (x, y) == (2, 1) { 77 } else { 0 }])),
            tmp.path().join("manual/02_manual1.gif"),
        );
        let err = read_segmentation_pairs(tmp.path(), &pattern, &MaskRule::Values(vec![0, 255]), false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("02_manual1.gif: pixel (row 1, column 2) has grey level 77"), "{err}");

        let none = PairPattern { image: "images/{id}.png".into(), ..pattern };
        let err = read_segmentation_pairs(tmp.path(), &none, &rule, false).unwrap_err().to_string();
        assert!(err.contains("images/{id}.png: no file matches"), "{err}");
    }

    #[test]
    fn jpeg_masks_are_thresholded_not_taken_literally() {
        let tmp = tempfile::tempdir().unwrap();
        for dir in ["images", "masks"] {
            std::fs::create_dir_all(tmp.path().join(dir)).unwrap();
        }
        GrayImage::from_fn(16, 16, |x, _| Luma([x as u8 * 16])).save(tmp.path().join("images/a.jpg")).unwrap();
        GrayImage::from_fn(16, 16, |x, _| Luma([if x >= 8 { 255 } else { 0 }]))
            .save(tmp.path().join("masks/a.jpg"))
            .unwrap();
        let pattern = PairPattern { image: "images/{id}.jpg".into(), mask: "masks/{id}.jpg".into(), roi: None };
        let pairs = read_segmentation_pairs(tmp.path(), &pattern, &MaskRule::Threshold(128), true).unwrap();
        let row: Vec<u8> = pairs[0].mask[16 * 8..16 * 9].to_vec();
        assert_eq!(row, [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
        assert_eq!(pairs[0].channels, 1);
    }

    #[test]
    fn a_written_mask_reads_back_to_its_classes() {
        let dir = tempfile::tempdir().unwrap();
        let expected = vec![0u8, 1, 2, 1, 0, 2];
        let png = mask_png(&expected, 2, 3, &[0, 128, 255]).unwrap();
        let path = dir.path().join("m.png");
        std::fs::write(&path, png).unwrap();
        let grey = read_grey(&path, 2, 3).unwrap();
        assert_eq!(classes(&path, &grey, 3, &MaskRule::Values(vec![0, 128, 255])).unwrap(), expected);
        assert!(mask_png(&expected, 4, 3, &[0, 255]).is_err());
    }
}
