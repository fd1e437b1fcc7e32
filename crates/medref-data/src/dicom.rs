//! Single DICOM slices (CT, MR, X-ray) as rescaled values and as 8-bit
//! windowed images.
//!
//! A CT slice stores integers that the Rescale Slope/Intercept turn into
//! Hounsfield units (air about -1000, water 0, bone several hundred); the
//! Window Center/Width then choose which range of those values maps to the
//! 256 grey levels a model (or a screen) sees. Keeping both steps visible
//! is the point of this module.

use std::io::Read;
use std::path::Path;

use dicom_dictionary_std::tags;
use dicom_pixeldata::PixelDecoder;

use crate::error::DataError;

/// One greyscale DICOM image.
#[derive(Debug, Clone, PartialEq)]
pub struct DicomSlice {
    /// Image height in pixels (DICOM Rows).
    pub rows: usize,
    /// Image width in pixels (DICOM Columns).
    pub cols: usize,
    /// Rescaled values `[rows, cols]`, row-major: stored value * Rescale
    /// Slope + Rescale Intercept (Hounsfield units for CT; for modalities
    /// without rescale, the stored values).
    pub hu: Vec<f32>,
    /// The Modality attribute, e.g. `CT`, `MR`.
    pub modality: Option<String>,
    /// The file's first Window Center and Width, in the units of `hu`.
    pub window: Option<(f32, f32)>,
}

impl DicomSlice {
    /// Maps `hu` to 8-bit grey levels `[rows, cols]`: with `window`
    /// `(center, width)` if given, else the file's window, else the
    /// slice's own min..max. Uses DICOM's linear VOI function (PS3.3
    /// C.11.2.1.2): values below the window are 0, above it 255.
    pub fn to_u8(&self, window: Option<(f32, f32)>) -> Vec<u8> {
        match window.or(self.window) {
            Some((center, width)) => window_to_u8(&self.hu, center, width),
            None => self.to_u8_min_max(),
        }
    }

    /// Maps the slice's minimum to 0 and its maximum to 255 (all 0 when
    /// the slice is flat).
    pub fn to_u8_min_max(&self) -> Vec<u8> {
        let (lo, hi) = self
            .hu
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        let range = hi - lo;
        if range.is_nan() || range <= 0.0 {
            return vec![0; self.hu.len()];
        }
        self.hu
            .iter()
            .map(|&v| ((v - lo) / range * 255.0).round().clamp(0.0, 255.0) as u8)
            .collect()
    }

    /// The smallest and largest value of `hu` (`None` for an empty slice).
    pub fn value_range(&self) -> Option<(f32, f32)> {
        let mut it = self.hu.iter().copied();
        let first = it.next()?;
        Some(it.fold((first, first), |(lo, hi), v| (lo.min(v), hi.max(v))))
    }
}

/// DICOM's linear window: centre `c`, width `w` (at least 1).
fn window_to_u8(values: &[f32], center: f32, width: f32) -> Vec<u8> {
    let c = center as f64 - 0.5;
    let w = (width as f64).max(1.0) - 1.0;
    values
        .iter()
        .map(|&x| {
            let x = x as f64;
            if x <= c - w / 2.0 {
                0
            } else if x > c + w / 2.0 || w == 0.0 {
                255
            } else {
                (((x - c) / w + 0.5) * 255.0).round().clamp(0.0, 255.0) as u8
            }
        })
        .collect()
}

/// Checks for the 128-byte preamble followed by `DICM`.
pub(crate) fn has_dicm_marker(path: &Path) -> Result<bool, DataError> {
    let mut head = [0u8; 132];
    let mut file = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..]) {
            Ok(0) => return Ok(false),
            Ok(k) => filled += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(DataError::io(path, e)),
        }
    }
    Ok(&head[128..] == b"DICM")
}

/// Reads one single-frame greyscale DICOM file (Part 10, with preamble).
///
/// Supports native (uncompressed) transfer syntaxes in any byte order and
/// RLE Lossless; JPEG-compressed files are reported as unsupported.
pub fn read_slice(path: impl AsRef<Path>) -> Result<DicomSlice, DataError> {
    let path = path.as_ref();
    if !has_dicm_marker(path)? {
        return Err(DataError::format(
            path,
            "not a DICOM file (no DICM marker after the 128-byte preamble)",
        ));
    }
    let obj = dicom_object::open_file(path)
        .map_err(|e| DataError::format(path, format!("cannot parse DICOM data set: {e}")))?;
    let transfer_syntax = obj
        .meta()
        .transfer_syntax()
        .trim_end_matches('\0')
        .to_string();

    let frames = match obj.element_opt(tags::NUMBER_OF_FRAMES) {
        Ok(Some(e)) => e.to_int::<i64>().unwrap_or(1),
        _ => 1,
    };
    if frames > 1 {
        return Err(DataError::format(
            path,
            format!(
                "multi-frame DICOM ({frames} frames); read_slice reads single-frame images only"
            ),
        ));
    }
    let modality = match obj.element_opt(tags::MODALITY) {
        Ok(Some(e)) => e
            .to_str()
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty()),
        _ => None,
    };

    let decoded = obj.decode_pixel_data().map_err(|e| {
        DataError::format(
            path,
            format!("cannot decode pixel data (transfer syntax {transfer_syntax}): {e}"),
        )
    })?;
    if decoded.samples_per_pixel() != 1 {
        return Err(DataError::format(
            path,
            format!(
                "colour DICOM ({} samples per pixel, {}); read_slice reads greyscale slices only",
                decoded.samples_per_pixel(),
                decoded.photometric_interpretation()
            ),
        ));
    }
    let (rows, cols) = (decoded.rows() as usize, decoded.columns() as usize);
    let hu: Vec<f32> = decoded.to_vec_frame(0).map_err(|e| {
        // The decoder's message ("Frame #0 is out of range") does not say
        // that the pixel data is shorter than its header promises.
        let bits = decoded.bits_allocated();
        let need = rows * cols * usize::from(bits).div_ceil(8);
        let have = decoded.data().len();
        let hint = if have < need {
            format!(
                " (Rows x Columns is {rows}x{cols} at {bits} bits, {need} bytes, but the pixel data holds {have}: \
                 a truncated file or wrong Rows/Columns)"
            )
        } else {
            String::new()
        };
        DataError::format(path, format!("cannot convert pixel values: {e}{hint}"))
    })?;
    if hu.len() != rows * cols {
        return Err(DataError::format(
            path,
            format!(
                "pixel data holds {} values but Rows x Columns is {rows}x{cols}",
                hu.len()
            ),
        ));
    }
    let window = match decoded.window() {
        Ok(Some([first, ..])) if first.width > 0.0 => {
            Some((first.center as f32, first.width as f32))
        }
        _ => None,
    };
    Ok(DicomSlice {
        rows,
        cols,
        hu,
        modality,
        window,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_window_follows_the_dicom_formula() {
        // centre 40, width 400 (a soft-tissue window): -160 and below is 0, 240 and above 255.
        let v = window_to_u8(&[-1000.0, -160.0, 40.0, 239.0, 240.0, 3000.0], 40.0, 400.0);
        assert_eq!(v[0], 0);
        assert_eq!(v[1], 0);
        assert!((127..=128).contains(&v[2]));
        assert_eq!(v[3], 255);
        assert_eq!(v[5], 255);
    }

    #[test]
    fn min_max_spans_full_range_and_flat_is_zero() {
        let s = DicomSlice {
            rows: 1,
            cols: 3,
            hu: vec![-5.0, 0.0, 5.0],
            modality: None,
            window: None,
        };
        assert_eq!(s.to_u8(None), vec![0, 128, 255]);
        assert_eq!(s.to_u8(Some((0.0, 1.0))), vec![0, 255, 255]);
        let flat = DicomSlice {
            hu: vec![3.0; 3],
            ..s
        };
        assert_eq!(flat.to_u8_min_max(), vec![0, 0, 0]);
    }
}
