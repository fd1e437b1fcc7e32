//! NumPy's `.npy` format: a magic string, a version, a Python-literal header
//! dict (`descr`, `fortran_order`, `shape`) and the raw element bytes.
//!
//! Only what medref needs is supported: C-ordered arrays of booleans,
//! integers and floats in either byte order. Errors are plain strings here;
//! the caller (see `npz`) adds the file and array name.

use std::io::Read;
use std::path::Path;

use crate::error::DataError;

const MAGIC: &[u8; 6] = b"\x93NUMPY";
/// Longest header accepted; numpy itself refuses headers over 10 000 bytes
/// by default, so anything far beyond is corruption, not data.
const MAX_HEADER_LEN: usize = 1 << 20;

/// What kind of number an element is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DtypeKind {
    /// `b`: numpy bool, one byte, 0 or 1.
    Bool,
    /// `i`: signed integer.
    Int,
    /// `u`: unsigned integer.
    Uint,
    /// `f`: IEEE float (4 or 8 bytes).
    Float,
}

/// An element type as numpy's `descr` spells it, e.g. `<i8`, `|u1`, `>f4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dtype {
    /// Kind of number.
    pub kind: DtypeKind,
    /// Bytes per element.
    pub size: usize,
    /// True for `>` (big-endian); `<`, `|` and `=` read as little-endian.
    pub big_endian: bool,
}

impl Dtype {
    /// Parses a simple numpy `descr` string; structured, string, object
    /// and complex types are refused with a message naming them.
    pub fn parse(descr: &str) -> Result<Dtype, String> {
        let bytes = descr.as_bytes();
        let (big_endian, rest) = match bytes.first() {
            Some(b'>') => (true, &descr[1..]),
            Some(b'<' | b'|' | b'=') => (false, &descr[1..]),
            _ => (false, descr),
        };
        let mut chars = rest.chars();
        let kind = match chars.next() {
            Some('b') => DtypeKind::Bool,
            Some('i') => DtypeKind::Int,
            Some('u') => DtypeKind::Uint,
            Some('f') => DtypeKind::Float,
            _ => {
                return Err(format!(
                    "unsupported dtype `{descr}` (expected a bool, integer or float type such as |u1, <i8, <f4)"
                ))
            }
        };
        let size: usize = chars
            .as_str()
            .parse()
            .map_err(|_| format!("unsupported dtype `{descr}` (no element size after the kind)"))?;
        let ok = match kind {
            DtypeKind::Bool => size == 1,
            DtypeKind::Int | DtypeKind::Uint => matches!(size, 1 | 2 | 4 | 8),
            DtypeKind::Float => matches!(size, 4 | 8),
        };
        if !ok {
            return Err(format!("unsupported dtype `{descr}` (element size {size})"));
        }
        Ok(Dtype { kind, size, big_endian })
    }

    /// True for one-byte unsigned integers (`|u1`, `<u1`, ...), numpy's uint8.
    pub fn is_u8(&self) -> bool {
        self.kind == DtypeKind::Uint && self.size == 1
    }

    /// True for integer and bool types.
    pub fn is_integer(&self) -> bool {
        matches!(self.kind, DtypeKind::Int | DtypeKind::Uint | DtypeKind::Bool)
    }
}

/// The parsed header dict of a `.npy` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NpyHeader {
    /// The `descr` string as written, e.g. `|u1`.
    pub descr: String,
    /// True when the data is stored column-major (medref refuses to read it).
    pub fortran_order: bool,
    /// Array shape, outermost dimension first; `[]` is a scalar.
    pub shape: Vec<usize>,
}

impl NpyHeader {
    /// Number of elements the shape describes, `None` on overflow.
    pub fn element_count(&self) -> Option<usize> {
        self.shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
    }
}

/// A whole array: header facts plus the raw element bytes in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// The `descr` string as written.
    pub descr: String,
    /// The parsed element type.
    pub dtype: Dtype,
    /// Array shape, outermost first (C order).
    pub shape: Vec<usize>,
    /// `element_count * dtype.size` bytes, in the file's byte order.
    pub data: Vec<u8>,
}

impl NpyArray {
    /// Number of elements.
    pub fn len(&self) -> usize {
        self.data.len() / self.dtype.size.max(1)
    }

    /// True when the array holds no elements.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Every element as an `i128`, for integer and bool arrays.
    pub fn to_i128(&self) -> Result<Vec<i128>, String> {
        if !self.dtype.is_integer() {
            return Err(format!("dtype `{}` is not an integer type (expected uint8, int32 or int64)", self.descr));
        }
        let signed = self.dtype.kind == DtypeKind::Int;
        let big = self.dtype.big_endian;
        Ok(self
            .data
            .chunks_exact(self.dtype.size)
            .map(|c| {
                let mut buf = [0u8; 8];
                if big {
                    for (i, b) in c.iter().rev().enumerate() {
                        buf[i] = *b;
                    }
                } else {
                    buf[..c.len()].copy_from_slice(c);
                }
                let raw = u64::from_le_bytes(buf);
                if signed {
                    // Sign-extend from the element width.
                    let shift = 64 - 8 * c.len() as u32;
                    (((raw << shift) as i64) >> shift) as i128
                } else {
                    raw as i128
                }
            })
            .collect())
    }

    /// Every element as an `f64`, for any supported dtype.
    pub fn to_f64(&self) -> Vec<f64> {
        if self.dtype.kind == DtypeKind::Float {
            let big = self.dtype.big_endian;
            return self
                .data
                .chunks_exact(self.dtype.size)
                .map(|c| {
                    let mut b = [0u8; 8];
                    b[..c.len()].copy_from_slice(c);
                    if big {
                        b[..c.len()].reverse();
                    }
                    if c.len() == 4 {
                        f32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f64
                    } else {
                        f64::from_le_bytes(b)
                    }
                })
                .collect();
        }
        self.to_i128().unwrap_or_default().into_iter().map(|v| v as f64).collect()
    }
}

/// A cursor over the header text, parsing the small subset of Python
/// literals numpy writes: `{'key': value, ...}` with string, bool and
/// integer-tuple values.
struct Literal<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Literal<'a> {
    fn skip_ws(&mut self) {
        while self.pos < self.s.len() && self.s[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.s.get(self.pos).copied()
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("malformed header dict: expected `{}` at byte {}", c as char, self.pos))
        }
    }

    fn string(&mut self) -> Result<String, String> {
        let quote = match self.peek() {
            Some(q @ (b'\'' | b'"')) => q,
            _ => return Err(format!("malformed header dict: expected a quoted string at byte {}", self.pos)),
        };
        self.pos += 1;
        let start = self.pos;
        while self.pos < self.s.len() && self.s[self.pos] != quote {
            self.pos += 1;
        }
        if self.pos >= self.s.len() {
            return Err("malformed header dict: unterminated string".into());
        }
        let text = String::from_utf8_lossy(&self.s[start..self.pos]).into_owned();
        self.pos += 1;
        Ok(text)
    }

    fn word(&mut self) -> &'a [u8] {
        self.skip_ws();
        let start = self.pos;
        while self.pos < self.s.len() && (self.s[self.pos].is_ascii_alphanumeric() || self.s[self.pos] == b'_') {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }

    fn boolean(&mut self) -> Result<bool, String> {
        match self.word() {
            b"True" => Ok(true),
            b"False" => Ok(false),
            w => Err(format!("malformed header dict: expected True or False, found `{}`", String::from_utf8_lossy(w))),
        }
    }

    fn shape(&mut self) -> Result<Vec<usize>, String> {
        self.expect(b'(')?;
        let mut dims = Vec::new();
        loop {
            if self.peek() == Some(b')') {
                self.pos += 1;
                return Ok(dims);
            }
            let w = self.word();
            let digits = w.strip_suffix(b"L").unwrap_or(w);
            let text = std::str::from_utf8(digits).unwrap_or("");
            let d: usize = text.parse().map_err(|_| {
                format!("malformed shape: `{}` is not a non-negative integer", String::from_utf8_lossy(w))
            })?;
            dims.push(d);
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b')') => {}
                _ => return Err("malformed shape: expected `,` or `)`".into()),
            }
        }
    }

    fn header(&mut self) -> Result<NpyHeader, String> {
        self.expect(b'{')?;
        let (mut descr, mut fortran, mut shape) = (None, None, None);
        loop {
            if self.peek() == Some(b'}') {
                self.pos += 1;
                break;
            }
            let key = self.string()?;
            self.expect(b':')?;
            match key.as_str() {
                "descr" => {
                    if self.peek() == Some(b'[') {
                        return Err(
                            "structured dtype (a list `descr`) is not supported; expected a plain numeric array".into(),
                        );
                    }
                    descr = Some(self.string()?)
                }
                "fortran_order" => fortran = Some(self.boolean()?),
                "shape" => shape = Some(self.shape()?),
                other => return Err(format!("unexpected header key `{other}` (expected descr, fortran_order, shape)")),
            }
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {}
                _ => return Err(format!("malformed header dict: expected `,` or `}}` at byte {}", self.pos)),
            }
        }
        Ok(NpyHeader {
            descr: descr.ok_or("header has no `descr` key")?,
            fortran_order: fortran.ok_or("header has no `fortran_order` key")?,
            shape: shape.ok_or("header has no `shape` key")?,
        })
    }
}

/// Reads the magic, version and header dict from the start of a `.npy`
/// stream, leaving `reader` at the first data byte.
pub fn read_header<R: Read>(reader: &mut R) -> Result<NpyHeader, String> {
    let mut pre = [0u8; 8];
    reader.read_exact(&mut pre).map_err(|e| format!("too short for a .npy header ({e})"))?;
    if &pre[..6] != MAGIC {
        return Err("not a .npy array (no \\x93NUMPY magic)".into());
    }
    let header_len = match pre[6] {
        1 => {
            let mut b = [0u8; 2];
            reader.read_exact(&mut b).map_err(|e| format!("truncated .npy header ({e})"))?;
            u16::from_le_bytes(b) as usize
        }
        2 | 3 => {
            let mut b = [0u8; 4];
            reader.read_exact(&mut b).map_err(|e| format!("truncated .npy header ({e})"))?;
            u32::from_le_bytes(b) as usize
        }
        v => return Err(format!("unsupported .npy version {v}.{} (expected 1.0, 2.0 or 3.0)", pre[7])),
    };
    if header_len > MAX_HEADER_LEN {
        return Err(format!("implausible .npy header length {header_len} bytes"));
    }
    let mut text = vec![0u8; header_len];
    reader.read_exact(&mut text).map_err(|e| format!("truncated .npy header: {header_len} bytes announced ({e})"))?;
    Literal { s: &text, pos: 0 }.header()
}

/// Parses a whole `.npy` file held in memory. The data must be exactly as
/// long as the shape and dtype say, and C-ordered.
pub fn parse(bytes: &[u8]) -> Result<NpyArray, String> {
    let mut cursor = bytes;
    let header = read_header(&mut cursor)?;
    let dtype = Dtype::parse(&header.descr)?;
    if header.fortran_order {
        return Err(format!(
            "fortran_order is True (column-major data); medref reads C-ordered arrays only: \
             save with np.ascontiguousarray(a) (shape {:?}, dtype {})",
            header.shape, header.descr
        ));
    }
    let need = header
        .element_count()
        .and_then(|n| n.checked_mul(dtype.size))
        .ok_or_else(|| format!("shape {:?} is too large", header.shape))?;
    if cursor.len() != need {
        return Err(format!(
            "data holds {} bytes but shape {:?} of {} needs {need} ({})",
            cursor.len(),
            header.shape,
            header.descr,
            if cursor.len() < need { "truncated" } else { "trailing bytes" }
        ));
    }
    Ok(NpyArray { descr: header.descr, dtype, shape: header.shape, data: cursor.to_vec() })
}

/// Reads a standalone `.npy` file.
pub fn read_file(path: impl AsRef<Path>) -> Result<NpyArray, DataError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    parse(&bytes).map_err(|d| DataError::format(path, d))
}

/// Encodes an array as numpy's `np.save` would: version 1.0 (2.0 when the
/// header outgrows 64 KiB), header padded with spaces and ending in a
/// newline so that the data starts on a 64-byte boundary.
///
/// `data` must already be in the byte order `descr` names.
pub fn encode(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let dims = match shape {
        [d] => format!("({d},)"),
        _ => format!("({})", shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
    };
    let dict = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {dims}, }}");
    // magic (6) + version (2) + length field (2 or 4) + dict + padding + '\n'
    let unpadded_v1 = 10 + dict.len() + 1;
    let (version, prefix) = if unpadded_v1.div_ceil(64) * 64 - 10 <= u16::MAX as usize { (1u8, 10) } else { (2u8, 12) };
    let total = (prefix + dict.len() + 1).div_ceil(64) * 64;
    let header_len = total - prefix;
    let mut out = Vec::with_capacity(total + data.len());
    out.extend_from_slice(MAGIC);
    out.push(version);
    out.push(0);
    if version == 1 {
        out.extend_from_slice(&(header_len as u16).to_le_bytes());
    } else {
        out.extend_from_slice(&(header_len as u32).to_le_bytes());
    }
    out.extend_from_slice(dict.as_bytes());
    out.resize(total - 1, b' ');
    out.push(b'\n');
    out.extend_from_slice(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_then_parse_round_trips_and_aligns_to_64() {
        let bytes = encode("|u1", &[2, 3], &[1, 2, 3, 4, 5, 6]);
        assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
        assert_eq!((bytes.len() - 6) % 64, 0);
        let a = parse(&bytes).unwrap();
        assert_eq!(a.shape, vec![2, 3]);
        assert!(a.dtype.is_u8());
        assert_eq!(a.data, vec![1, 2, 3, 4, 5, 6]);
        let one = parse(&encode("<i8", &[1], &7i64.to_le_bytes())).unwrap();
        assert_eq!(one.shape, vec![1]);
        assert_eq!(one.to_i128().unwrap(), vec![7]);
    }

    #[test]
    fn header_variants_numpy_writes() {
        for (text, shape) in [
            ("{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", vec![3]),
            ("{'descr': '<i4', 'fortran_order': False, 'shape': ()}", vec![]),
            ("{\"shape\": (2L, 1L), \"fortran_order\": False, \"descr\": \"<i4\"}", vec![2, 1]),
        ] {
            let h = Literal { s: text.as_bytes(), pos: 0 }.header().unwrap();
            assert_eq!(h.shape, shape, "{text}");
            assert_eq!(h.descr, "<i4");
        }
    }

    #[test]
    fn integer_decoding_sign_extends_and_handles_big_endian() {
        let a = NpyArray {
            descr: "<i2".into(),
            dtype: Dtype::parse("<i2").unwrap(),
            shape: vec![2],
            data: vec![0xff, 0xff, 0x02, 0x00],
        };
        assert_eq!(a.to_i128().unwrap(), vec![-1, 2]);
        let b = NpyArray {
            descr: ">u4".into(),
            dtype: Dtype::parse(">u4").unwrap(),
            shape: vec![1],
            data: vec![0, 0, 1, 0],
        };
        assert_eq!(b.to_i128().unwrap(), vec![256]);
        let f = NpyArray {
            descr: ">f8".into(),
            dtype: Dtype::parse(">f8").unwrap(),
            shape: vec![1],
            data: 1.5f64.to_be_bytes().to_vec(),
        };
        assert_eq!(f.to_f64(), vec![1.5]);
    }

    #[test]
    fn bad_headers_are_errors() {
        assert!(parse(b"\x93NUMPY").unwrap_err().contains("too short"));
        assert!(parse(b"PK\x03\x04abcdefgh").unwrap_err().contains("magic"));
        let mut v4 = encode("|u1", &[1], &[0]);
        v4[6] = 4;
        assert!(parse(&v4).unwrap_err().contains("version 4"));
        let mut fortran = encode("|u1", &[1], &[0]);
        let at = fortran.windows(5).position(|w| w == b"False").unwrap();
        fortran[at..at + 5].copy_from_slice(b"True ");
        assert!(parse(&fortran).unwrap_err().contains("fortran_order is True"));
        assert!(Dtype::parse("<U10").unwrap_err().contains("<U10"));
        assert!(Dtype::parse("<c16").is_err());
        let short = encode("<i8", &[2], &[0; 8]);
        assert!(parse(&short).unwrap_err().contains("truncated"));
    }
}
