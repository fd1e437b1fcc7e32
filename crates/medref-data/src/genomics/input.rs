//! Opening genomics text files, plain or bgzip-compressed, and reading
//! them line by line with line numbers for error messages.
//!
//! Compression is detected from the first bytes, not the file name: a
//! `.vcf.gz` that is really plain text, or a bgzipped file without `.gz`,
//! both read. Plain gzip (not BGZF) is refused with the command that fixes
//! it, because random access (`.fai`, `.gzi`, tabix) needs BGZF blocks.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use noodles::bgzf;

use crate::error::DataError;

/// How a file's bytes are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    /// Uncompressed text.
    Plain,
    /// Blocked gzip (BGZF), as written by `bgzip` (htslib).
    Bgzip,
    /// Ordinary gzip, as written by `gzip`.
    Gzip,
}

/// Reads the first bytes of `path` to tell plain text, bgzip and gzip
/// apart. A BGZF block is a gzip member whose extra field holds the
/// subfield `BC` (SAM/BAM specification, section 4.1).
pub(crate) fn detect_compression(path: &Path) -> Result<Compression, DataError> {
    let mut file = File::open(path).map_err(|e| DataError::io(path, e))?;
    let mut head = [0u8; 16];
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(DataError::io(path, e)),
        }
    }
    let head = &head[..filled];
    if !head.starts_with(&[0x1f, 0x8b]) {
        return Ok(Compression::Plain);
    }
    const FEXTRA: u8 = 0x04;
    let is_bgzf = head.len() >= 14 && head[2] == 8 && head[3] & FEXTRA != 0 && head[12] == b'B' && head[13] == b'C';
    Ok(if is_bgzf { Compression::Bgzip } else { Compression::Gzip })
}

/// The message for plain-gzip input, with the commands that fix it.
pub(crate) fn plain_gzip_error(path: &Path) -> DataError {
    DataError::format(
        path,
        "is gzip-compressed but not bgzip (BGZF); recompress it with htslib's bgzip \
         (`gunzip -c in.gz | bgzip > out.gz`) or decompress it with `gunzip`",
    )
}

/// Opens `path` for sequential reading, decompressing bgzip transparently.
pub(crate) fn open_text(path: &Path) -> Result<Box<dyn BufRead>, DataError> {
    let compression = detect_compression(path)?;
    let file = File::open(path).map_err(|e| DataError::io(path, e))?;
    match compression {
        Compression::Plain => Ok(Box::new(BufReader::with_capacity(1 << 16, file))),
        Compression::Bgzip => Ok(Box::new(bgzf::io::Reader::new(file))),
        Compression::Gzip => Err(plain_gzip_error(path)),
    }
}

/// A line-by-line reader that knows the 1-based number of the line it
/// last returned, and turns read failures into errors naming that line.
pub(crate) struct Lines {
    inner: Box<dyn BufRead>,
    path: PathBuf,
    line: usize,
    buf: Vec<u8>,
}

impl Lines {
    /// Opens `path` (plain or bgzip).
    pub(crate) fn open(path: &Path) -> Result<Self, DataError> {
        Ok(Self { inner: open_text(path)?, path: path.to_path_buf(), line: 0, buf: Vec::new() })
    }

    /// The next line without its `\n` or `\r\n`, with its 1-based number;
    /// `None` at the end of the file.
    pub(crate) fn next_line(&mut self) -> Result<Option<(usize, &[u8])>, DataError> {
        self.buf.clear();
        let n = self.inner.read_until(b'\n', &mut self.buf).map_err(|e| {
            DataError::format(
                &self.path,
                format!("line {}: cannot read: {e} (truncated or corrupt compressed file?)", self.line + 1),
            )
        })?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        if self.buf.ends_with(b"\n") {
            self.buf.pop();
            if self.buf.ends_with(b"\r") {
                self.buf.pop();
            }
        }
        Ok(Some((self.line, &self.buf)))
    }
}

/// Wraps a [`BufRead`] and tracks the line and column of the next unread
/// byte, so that errors found inside a parser that hides line structure
/// (noodles' FASTA sequence reader strips newlines) can still name them.
pub(crate) struct LineCounter<R> {
    inner: R,
    /// 1-based line of the next unread byte.
    line: usize,
    /// 0-based column of the next unread byte.
    column: usize,
}

impl<R: BufRead> LineCounter<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self { inner, line: 1, column: 0 }
    }

    /// 1-based line and 0-based column of the next unread byte.
    pub(crate) fn position(&self) -> (usize, usize) {
        (self.line, self.column)
    }
}

impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amt: usize) {
        // The consumed bytes are still in the inner buffer: fill_buf on a
        // non-empty buffer returns it without reading.
        if amt == 0 {
            return;
        }
        if let Ok(buf) = self.inner.fill_buf() {
            let consumed = &buf[..amt.min(buf.len())];
            match consumed.iter().rposition(|&b| b == b'\n') {
                Some(last) => {
                    self.line += consumed.iter().filter(|&&b| b == b'\n').count();
                    self.column = consumed.len() - last - 1;
                }
                None => self.column += consumed.len(),
            }
        }
        self.inner.consume(amt);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn detects_plain_bgzip_and_gzip() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.vcf");
        std::fs::write(&plain, b"##fileformat=VCFv4.2\n").unwrap();
        assert_eq!(detect_compression(&plain).unwrap(), Compression::Plain);

        let bgz = dir.path().join("a.vcf.gz");
        let mut w = bgzf::io::Writer::new(File::create(&bgz).unwrap());
        w.write_all(b"line one\nline two\r\n").unwrap();
        w.finish().unwrap();
        assert_eq!(detect_compression(&bgz).unwrap(), Compression::Bgzip);
        let mut lines = Lines::open(&bgz).unwrap();
        assert_eq!(lines.next_line().unwrap(), Some((1, &b"line one"[..])));
        assert_eq!(lines.next_line().unwrap(), Some((2, &b"line two"[..])));
        assert_eq!(lines.next_line().unwrap(), None);

        // A minimal ordinary gzip header (no FEXTRA).
        let gz = dir.path().join("b.gz");
        std::fs::write(&gz, [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2]).unwrap();
        assert_eq!(detect_compression(&gz).unwrap(), Compression::Gzip);
        let e = Lines::open(&gz).err().unwrap().to_string();
        assert!(e.contains("not bgzip") && e.contains("bgzip"), "{e}");

        let empty = dir.path().join("empty");
        std::fs::write(&empty, b"").unwrap();
        assert_eq!(detect_compression(&empty).unwrap(), Compression::Plain);
    }

    #[test]
    fn line_counter_tracks_lines_and_columns() {
        let data = b"ab\ncde\n\nf";
        let mut r = LineCounter::new(BufReader::with_capacity(2, &data[..]));
        let mut out = [0u8; 3];
        r.read_exact(&mut out).unwrap();
        assert_eq!(r.position(), (2, 0));
        r.read_exact(&mut out[..2]).unwrap();
        assert_eq!(r.position(), (2, 2));
        let mut rest = Vec::new();
        r.read_to_end(&mut rest).unwrap();
        assert_eq!(r.position(), (4, 1));
    }
}
