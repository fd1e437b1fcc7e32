//! Image folders in torchvision's `ImageFolder` layout: `root/<class>/*.png`
//! (or `.jpg`/`.jpeg`), one subfolder per class.
//!
//! Classes are the subfolder names sorted, so class indices do not depend
//! on the order the file system lists them; images are read in sorted path
//! order for the same reason.

use std::path::{Path, PathBuf};

use image::imageops::FilterType;

use crate::error::DataError;
use crate::image_dataset::{ImageDataset, ImageSplit};

/// Everything read from a class-folder tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassFolders {
    /// Pixels, channels-first: `[n, channels, height, width]`.
    pub images: Vec<u8>,
    /// Class index of each image `[n]`, indexing `class_names`.
    pub labels: Vec<u32>,
    /// Subfolder names, sorted; index = label.
    pub class_names: Vec<String>,
    /// The file each image came from `[n]`, in the order of `images`.
    pub paths: Vec<PathBuf>,
    /// 1 (grey) or 3 (RGB).
    pub channels: usize,
    /// Image height in pixels.
    pub height: usize,
    /// Image width in pixels.
    pub width: usize,
}

fn is_image_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg"))
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, DataError> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| DataError::io(dir, e))? {
        let entry = entry.map_err(|e| DataError::io(dir, e))?;
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if !hidden {
            paths.push(entry.path());
        }
    }
    paths.sort();
    Ok(paths)
}

/// Decodes one PNG/JPEG file to channels-first pixels: returns
/// `(height, width, pixels [channels, height, width])`, resized to `size`
/// `(height, width)` if given, one channel if `grayscale`, else RGB.
fn decode_image(file: &Path, size: Option<(u32, u32)>, grayscale: bool) -> Result<(usize, usize, Vec<u8>), DataError> {
    let decoded = image::ImageReader::open(file)
        .map_err(|e| DataError::io(file, e))?
        .with_guessed_format()
        .map_err(|e| DataError::io(file, e))?
        .decode()
        .map_err(|e| DataError::format(file, format!("cannot decode image: {e}")))?;
    let channels = if grayscale { 1 } else { 3 };
    let (w, h, interleaved) = if grayscale {
        let mut img = decoded.into_luma8();
        if let Some((th, tw)) = size {
            img = image::imageops::resize(&img, tw, th, FilterType::Triangle);
        }
        (img.width(), img.height(), img.into_raw())
    } else {
        let mut img = decoded.into_rgb8();
        if let Some((th, tw)) = size {
            img = image::imageops::resize(&img, tw, th, FilterType::Triangle);
        }
        (img.width(), img.height(), img.into_raw())
    };
    let (h, w) = (h as usize, w as usize);
    Ok((h, w, interleaved_to_planar(&interleaved, channels, h * w)))
}

/// `[h*w, channels]` interleaved pixels to `[channels, h*w]` planes.
fn interleaved_to_planar(interleaved: &[u8], channels: usize, plane: usize) -> Vec<u8> {
    let mut out = vec![0u8; plane * channels];
    for (p, px) in interleaved.chunks_exact(channels).enumerate() {
        for (ch, &v) in px.iter().enumerate() {
            out[ch * plane + p] = v;
        }
    }
    out
}

/// Loads one PNG/JPEG as channels-first pixels `[channels, height, width]`
/// (1 channel if `grayscale`, else 3), resized to `size` `(height, width)`
/// if given; for prediction on single files.
pub fn load_image(path: impl AsRef<Path>, size: Option<(u32, u32)>, grayscale: bool) -> Result<Vec<u8>, DataError> {
    decode_image(path.as_ref(), size, grayscale).map(|(_, _, pixels)| pixels)
}

/// Resizes a greyscale image `[rows, cols]` (e.g. a windowed DICOM slice)
/// to `size` `(height, width)`, bilinear, and returns it channels-first:
/// `[1, height, width]` if `grayscale`, else the grey plane repeated as
/// `[3, height, width]` for models trained on RGB.
pub fn resize_grey(
    pixels: &[u8],
    rows: usize,
    cols: usize,
    size: (u32, u32),
    grayscale: bool,
) -> Result<Vec<u8>, DataError> {
    let bad = || {
        DataError::format(
            "(in-memory image)",
            format!("{} pixels do not form a {rows}x{cols} greyscale image", pixels.len()),
        )
    };
    if rows.checked_mul(cols) != Some(pixels.len()) {
        return Err(bad());
    }
    let (w, h) = (u32::try_from(cols).map_err(|_| bad())?, u32::try_from(rows).map_err(|_| bad())?);
    let img = image::GrayImage::from_raw(w, h, pixels.to_vec()).ok_or_else(bad)?;
    let (th, tw) = size;
    let plane = if (th, tw) == (h, w) {
        img.into_raw()
    } else {
        image::imageops::resize(&img, tw, th, FilterType::Triangle).into_raw()
    };
    Ok(if grayscale { plane } else { plane.repeat(3) })
}

/// Reads `root/<class>/*.png|jpg|jpeg` into one channels-first `u8` buffer.
///
/// `size` is `(height, width)`: every image is resized to it (bilinear).
/// Without it all images must already share one size; the first file of a
/// different size is named in the error. `grayscale` converts to one
/// channel, otherwise images are converted to RGB (3 channels).
pub fn read_class_folders(
    root: impl AsRef<Path>,
    size: Option<(u32, u32)>,
    grayscale: bool,
) -> Result<ClassFolders, DataError> {
    let root = root.as_ref();
    if !root.is_dir() {
        return Err(DataError::format(
            root,
            "no such folder (expected root/<class>/*.png|jpg|jpeg; a training set needs train/, val/ and test/ folders laid out so)",
        ));
    }
    let class_dirs: Vec<PathBuf> = sorted_entries(root)?.into_iter().filter(|p| p.is_dir()).collect();
    if class_dirs.is_empty() {
        return Err(DataError::format(
            root,
            "no class subfolders (expected root/<class>/*.png|jpg|jpeg, one subfolder per class)",
        ));
    }
    let channels = if grayscale { 1 } else { 3 };
    let mut out = ClassFolders {
        images: Vec::new(),
        labels: Vec::new(),
        class_names: Vec::with_capacity(class_dirs.len()),
        paths: Vec::new(),
        channels,
        height: size.map_or(0, |(h, _)| h as usize),
        width: size.map_or(0, |(_, w)| w as usize),
    };
    let mut first_file: Option<PathBuf> = None;
    for (label, dir) in class_dirs.iter().enumerate() {
        let files: Vec<PathBuf> =
            sorted_entries(dir)?.into_iter().filter(|p| p.is_file() && is_image_file(p)).collect();
        if files.is_empty() {
            return Err(DataError::format(
                dir,
                "class folder holds no .png, .jpg or .jpeg images (remove it or add images)",
            ));
        }
        out.class_names.push(dir.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned()));
        for file in files {
            let (h, w, pixels) = decode_image(&file, size, grayscale)?;
            match &first_file {
                None => {
                    out.height = h;
                    out.width = w;
                    first_file = Some(file.clone());
                }
                Some(first) if (h, w) != (out.height, out.width) => {
                    return Err(DataError::format(
                        &file,
                        format!(
                            "image is {w}x{h} (width x height) but {} is {}x{}; pass a size to resize all images",
                            first.display(),
                            out.width,
                            out.height
                        ),
                    ));
                }
                Some(_) => {}
            }
            out.images.extend_from_slice(&pixels);
            out.labels.push(label as u32);
            out.paths.push(file);
        }
    }
    Ok(out)
}

/// Reads `root/{train,val,test}/<class>/*` as one data set; the three
/// splits must name the same classes and hold images of one size.
pub fn read_split_folders(root: &Path, size: Option<u32>, grayscale: bool) -> Result<ImageDataset, DataError> {
    let size = size.map(|s| (s, s));
    let mut parts = Vec::new();
    for split in ["train", "val", "test"] {
        parts.push(read_class_folders(root.join(split), size, grayscale)?);
    }
    let names = &parts[0].class_names;
    for p in &parts[1..] {
        if &p.class_names != names || (p.height, p.width) != (parts[0].height, parts[0].width) {
            return Err(DataError::format(
                root,
                format!(
                    "train, val and test must have the same class folders and image size \
                 (train has {:?} at {}x{})",
                    names, parts[0].height, parts[0].width
                ),
            ));
        }
    }
    let to_split =
        |p: &ClassFolders| ImageSplit { images: p.images.clone(), labels: p.labels.clone(), n: p.labels.len() };
    Ok(ImageDataset {
        channels: parts[0].channels,
        height: parts[0].height,
        width: parts[0].width,
        label_width: 1,
        n_classes: names.len(),
        train: to_split(&parts[0]),
        val: to_split(&parts[1]),
        test: to_split(&parts[2]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{GrayImage, Rgb, RgbImage};

    fn save_rgb(path: &Path, w: u32, h: u32, colour: [u8; 3]) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        RgbImage::from_pixel(w, h, Rgb(colour)).save(path).unwrap();
    }

    #[test]
    fn reads_sorted_classes_channels_first() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        save_rgb(&root.join("tumour/b.png"), 4, 2, [10, 20, 30]);
        save_rgb(&root.join("tumour/a.PNG"), 4, 2, [1, 2, 3]);
        save_rgb(&root.join("normal/x.png"), 4, 2, [100, 110, 120]);
        std::fs::write(root.join("normal/notes.txt"), "ignored").unwrap();
        let f = read_class_folders(root, None, false).unwrap();
        assert_eq!(f.class_names, vec!["normal", "tumour"]);
        assert_eq!(f.labels, vec![0, 1, 1]);
        assert_eq!((f.channels, f.height, f.width), (3, 2, 4));
        assert!(f.paths[1].ends_with("tumour/a.PNG"));
        // image 1 ([3, 2, 4]): red plane all 1, green all 2, blue all 3
        let img = &f.images[24..48];
        assert!(
            img[..8].iter().all(|&v| v == 1) && img[8..16].iter().all(|&v| v == 2) && img[16..].iter().all(|&v| v == 3)
        );
    }

    #[test]
    fn resizes_to_height_width_and_converts_to_grey() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        save_rgb(&root.join("a/1.png"), 5, 5, [200, 200, 200]);
        std::fs::create_dir_all(root.join("b")).unwrap();
        GrayImage::from_pixel(9, 3, image::Luma([50])).save(root.join("b/2.png")).unwrap();
        let f = read_class_folders(root, Some((6, 8)), true).unwrap();
        assert_eq!((f.channels, f.height, f.width), (1, 6, 8));
        assert_eq!(f.images.len(), 2 * 48);
        assert!(f.images[..48].iter().all(|&v| v == 200));
        assert!(f.images[48..].iter().all(|&v| v == 50));
    }

    #[test]
    fn odd_size_and_empty_class_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        save_rgb(&root.join("a/1.png"), 5, 5, [0, 0, 0]);
        save_rgb(&root.join("a/2.png"), 6, 5, [0, 0, 0]);
        let e = read_class_folders(root, None, false).unwrap_err().to_string();
        assert!(e.contains("2.png") && e.contains("6x5"), "{e}");
        std::fs::create_dir_all(root.join("empty")).unwrap();
        let e = read_class_folders(root, Some((5, 5)), false).unwrap_err().to_string();
        assert!(e.contains("empty") && e.contains("no .png"), "{e}");
        let e = read_class_folders(root.join("a"), None, false).unwrap_err().to_string();
        assert!(e.contains("no class subfolders"), "{e}");
    }

    #[test]
    fn load_image_and_resize_grey_give_channels_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("one.png");
        save_rgb(&path, 4, 2, [9, 8, 7]);
        let rgb = load_image(&path, None, false).unwrap();
        assert_eq!(rgb, [vec![9u8; 8], vec![8; 8], vec![7; 8]].concat());
        assert_eq!(load_image(&path, Some((3, 5)), true).unwrap().len(), 15);
        let e = load_image(dir.path().join("missing.png"), None, true).unwrap_err().to_string();
        assert!(e.contains("missing.png"), "{e}");

        let grey = vec![100u8; 6];
        assert_eq!(resize_grey(&grey, 2, 3, (2, 3), true).unwrap(), grey);
        let big = resize_grey(&grey, 2, 3, (4, 4), false).unwrap();
        assert_eq!(big, vec![100u8; 48]);
        assert!(resize_grey(&grey, 4, 4, (2, 2), true).is_err());
    }
}
