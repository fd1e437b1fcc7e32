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
        let (lo, hi) = self.hu.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let range = hi - lo;
        if range.is_nan() || range <= 0.0 {
            return vec![0; self.hu.len()];
        }
        self.hu.iter().map(|&v| ((v - lo) / range * 255.0).round().clamp(0.0, 255.0) as u8).collect()
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

/// Opens a DICOM Part 10 file (preamble, `DICM`, meta group, data set)
/// after checking its marker and its declared value lengths (see
/// [`check_value_lengths`]).
pub(crate) fn open_dicom(path: &Path) -> Result<dicom_object::DefaultDicomObject, DataError> {
    if !has_dicm_marker(path)? {
        return Err(DataError::format(path, "not a DICOM file (no DICM marker after the 128-byte preamble)"));
    }
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    check_value_lengths(&bytes).map_err(|d| DataError::format(path, format!("cannot parse DICOM data set: {d}")))?;
    dicom_object::open_file(path).map_err(|e| DataError::format(path, format!("cannot parse DICOM data set: {e}")))
}

/// Walks the element headers of a whole Part 10 file and refuses a value
/// (or pixel data fragment) that claims more bytes than the file has left.
///
/// dicom-parser allocates and zero-fills each value at its declared length
/// before reading it, so a corrupt 10 kB file that declares a 4 GB value
/// made medref touch 4 GB of memory before failing. Only what is certain
/// is refused: where the walk cannot follow the encoding (deflated data
/// sets, an undefined-length UN in explicit VR), it stops and leaves the
/// file to the parser.
fn check_value_lengths(bytes: &[u8]) -> Result<(), String> {
    const UNDEFINED: usize = 0xFFFF_FFFF;
    const IMPLICIT_LE: &[u8] = b"1.2.840.10008.1.2";
    const EXPLICIT_BE: &[u8] = b"1.2.840.10008.1.2.2";
    const DEFLATED: &[u8] = b"1.2.840.10008.1.2.1.99";
    let u16_at = |p: usize, big: bool| {
        let b = [bytes[p], bytes[p + 1]];
        if big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        }
    };
    let u32_at = |p: usize, big: bool| {
        let b = [bytes[p], bytes[p + 1], bytes[p + 2], bytes[p + 3]];
        (if big { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) }) as usize
    };
    let (mut pos, mut in_meta, mut in_pixel_items) = (132, true, false);
    let (mut explicit, mut big) = (true, false);
    while pos + 8 <= bytes.len() {
        let group = u16_at(pos, big && !in_meta);
        if in_meta && group != 0x0002 {
            in_meta = false;
            continue;
        }
        let big_here = big && !in_meta;
        let element = u16_at(pos + 2, big_here);
        let (header, len, vr) = if group == 0xFFFE {
            (8, u32_at(pos + 4, big_here), *b"  ")
        } else if explicit || in_meta {
            let vr = [bytes[pos + 4], bytes[pos + 5]];
            if matches!(
                &vr,
                b"OB" | b"OD" | b"OF" | b"OL" | b"OV" | b"OW" | b"SQ" | b"SV" | b"UC" | b"UN" | b"UR" | b"UT" | b"UV"
            ) {
                if pos + 12 > bytes.len() {
                    return Ok(());
                }
                (12, u32_at(pos + 8, big_here), vr)
            } else {
                (8, u16_at(pos + 6, big_here) as usize, vr)
            }
        } else {
            (8, u32_at(pos + 4, big_here), *b"  ")
        };
        let value_start = pos + header;
        let nested = match (group, element) {
            // Item: a data set, or a pixel data fragment.
            (0xFFFE, 0xE000) => !in_pixel_items,
            // Item and sequence delimiters have no value.
            (0xFFFE, _) => {
                if element == 0xE0DD {
                    in_pixel_items = false;
                }
                pos = value_start;
                continue;
            }
            _ if len == UNDEFINED => {
                if (group, element) == (0x7FE0, 0x0010) {
                    in_pixel_items = true;
                } else if explicit && &vr == b"UN" {
                    return Ok(());
                }
                true
            }
            _ => &vr == b"SQ",
        };
        if nested {
            pos = value_start;
            continue;
        }
        let left = bytes.len().saturating_sub(value_start);
        if len > left {
            return Err(format!(
                "element ({group:04X},{element:04X}) at byte {pos} declares a {len}-byte value \
                 but only {left} bytes follow (truncated or corrupt file)"
            ));
        }
        if in_meta && (group, element) == (0x0002, 0x0010) {
            let uid = bytes[value_start..value_start + len].trim_ascii_end();
            let uid = uid.strip_suffix(b"\0").unwrap_or(uid);
            if uid == DEFLATED {
                return Ok(());
            }
            explicit = uid != IMPLICIT_LE;
            big = uid == EXPLICIT_BE;
        }
        pos = value_start + len;
    }
    Ok(())
}

/// Transfer syntax UID of RLE Lossless (PS3.5 Annex G).
const RLE_LOSSLESS: &str = "1.2.840.10008.1.2.5";

/// Checks every RLE fragment (one per frame) before dicom-pixeldata
/// decodes it: its decoder indexes the header and the decoded segments
/// without bounds checks, so a short fragment, a header with too many
/// segments or a segment that decodes to fewer than Rows x Columns bytes
/// panics there instead of failing. Attributes the decoder itself reports
/// as missing or unsupported are left to it.
fn check_rle_fragments(obj: &dicom_object::DefaultDicomObject) -> Result<(), String> {
    let int = |tag| -> Option<usize> {
        match obj.element_opt(tag) {
            Ok(Some(e)) => e.to_int::<u16>().ok().map(usize::from),
            _ => None,
        }
    };
    let (Some(rows), Some(cols), Some(samples), Some(bits @ (8 | 16))) =
        (int(tags::ROWS), int(tags::COLUMNS), int(tags::SAMPLES_PER_PIXEL), int(tags::BITS_ALLOCATED))
    else {
        return Ok(());
    };
    let Ok(Some(pixel_data)) = obj.element_opt(tags::PIXEL_DATA) else {
        return Ok(());
    };
    let Some(fragments) = pixel_data.value().fragments() else {
        return Ok(());
    };
    let plane = rows * cols;
    let segments = samples * (bits / 8);
    for (frame, fragment) in fragments.iter().enumerate() {
        check_rle_fragment(fragment, plane, segments).map_err(|d| format!("fragment {}: {d}", frame + 1))?;
    }
    Ok(())
}

/// One RLE fragment: a 64-byte header (segment count, then up to 15 byte
/// offsets) and `needed` PackBits segments, each of at least `plane` bytes
/// once decoded.
fn check_rle_fragment(fragment: &[u8], plane: usize, needed: usize) -> Result<(), String> {
    let word = |i: usize| {
        let b = &fragment[4 * i..4 * i + 4];
        u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize
    };
    if fragment.len() < 64 {
        return Err(format!("{} bytes, shorter than the 64-byte RLE header", fragment.len()));
    }
    let count = word(0);
    if !(1..=15).contains(&count) || count < needed {
        return Err(format!(
            "the header announces {count} segments; expected 1 to 15 and at least {needed} \
             (one per sample and byte)"
        ));
    }
    for segment in 0..needed {
        let start = word(1 + segment);
        let end = if segment + 1 < count { word(2 + segment) } else { fragment.len() };
        if start > end || end > fragment.len() {
            return Err(format!(
                "segment {} spans bytes {start}..{end} of a {}-byte fragment",
                segment + 1,
                fragment.len()
            ));
        }
        let decoded = packbits_len(&fragment[start..end]);
        if decoded < plane {
            return Err(format!("segment {} decodes to {decoded} bytes; Rows x Columns needs {plane}", segment + 1));
        }
    }
    Ok(())
}

/// Length of PackBits data once decoded, read as dicom-pixeldata reads it
/// (a literal run cut short by the end keeps the bytes that are there).
fn packbits_len(data: &[u8]) -> usize {
    let (mut i, mut len) = (0, 0usize);
    while i < data.len() {
        let h = data[i] as i8;
        i += 1;
        if h >= 0 {
            let n = h as usize + 1;
            len += n.min(data.len() - i);
            i += n;
        } else if h != -128 {
            if i < data.len() {
                len += (1 - h as isize) as usize;
            }
            i += 1;
        }
    }
    len
}

/// Reads one single-frame greyscale DICOM file (Part 10, with preamble).
///
/// Supports native (uncompressed) transfer syntaxes in any byte order and
/// RLE Lossless; JPEG-compressed files are reported as unsupported.
pub fn read_slice(path: impl AsRef<Path>) -> Result<DicomSlice, DataError> {
    let path = path.as_ref();
    let obj = open_dicom(path)?;
    let transfer_syntax = obj.meta().transfer_syntax().trim_end_matches('\0').to_string();

    let frames = match obj.element_opt(tags::NUMBER_OF_FRAMES) {
        Ok(Some(e)) => e.to_int::<i64>().unwrap_or(1),
        _ => 1,
    };
    if frames > 1 {
        return Err(DataError::format(
            path,
            format!("multi-frame DICOM ({frames} frames); read_slice reads single-frame images only"),
        ));
    }
    let modality = match obj.element_opt(tags::MODALITY) {
        Ok(Some(e)) => e.to_str().ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        _ => None,
    };

    if transfer_syntax == RLE_LOSSLESS {
        check_rle_fragments(&obj)
            .map_err(|d| DataError::format(path, format!("malformed RLE Lossless pixel data: {d}")))?;
    }
    let decoded = obj.decode_pixel_data().map_err(|e| {
        DataError::format(path, format!("cannot decode pixel data (transfer syntax {transfer_syntax}): {e}"))
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
            format!("pixel data holds {} values but Rows x Columns is {rows}x{cols}", hu.len()),
        ));
    }
    let window = match decoded.window() {
        Ok(Some([first, ..])) if first.width > 0.0 => Some((first.center as f32, first.width as f32)),
        _ => None,
    };
    Ok(DicomSlice { rows, cols, hu, modality, window })
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
        let s = DicomSlice { rows: 1, cols: 3, hu: vec![-5.0, 0.0, 5.0], modality: None, window: None };
        assert_eq!(s.to_u8(None), vec![0, 128, 255]);
        assert_eq!(s.to_u8(Some((0.0, 1.0))), vec![0, 255, 255]);
        let flat = DicomSlice { hu: vec![3.0; 3], ..s };
        assert_eq!(flat.to_u8_min_max(), vec![0, 0, 0]);
    }
}
