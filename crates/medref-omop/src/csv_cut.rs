//! A CSV record reader that cuts each line only as far as the last column a
//! scan needs. A CDM's event tables are most of its bytes and a study reads a
//! few leading columns of each (person, concept, dates), so splitting and
//! checking every field of every record, as a general CSV reader does, was
//! half of a whole study's CPU time. Lines without a quote, nearly all of
//! them, are cut by visiting only their commas; a line with a quote is read by RFC 4180's
//! rules (a field that opens with `"` may hold commas, `""` and line breaks),
//! and, as the `csv` crate does, a quote inside an unquoted field is a plain
//! character. Blank lines are skipped; `\n` and `\r\n` both end a line.

use std::io::{ErrorKind, Read};

/// Bytes read from the input at a time; a record longer than this grows the buffer.
const CHUNK: usize = 1 << 18;

/// One record: the bytes its fields lie in and each leading field's span.
pub(crate) struct Record<'a> {
    /// The line itself, or the unescaped copy of a record with quoted fields.
    pub bytes: &'a [u8],
    /// `(start, end)` in `bytes` of field 0, 1, ... up to the last field asked for (fewer when the record is short).
    pub spans: &'a [(usize, usize)],
    /// The 1-based line the record starts on.
    pub line: u64,
}

/// What can stop a read: the input failed, or a quoted field never closed.
#[derive(Debug)]
pub(crate) enum CutError {
    Io(std::io::Error),
    UnclosedQuote,
    CarriageReturnsOnly,
}

impl std::fmt::Display for CutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CutError::Io(e) => write!(f, "reading failed: {e}"),
            CutError::UnclosedQuote => f.write_str("a quoted field opened here is never closed (a `\"` is missing)"),
            CutError::CarriageReturnsOnly => f.write_str(
                "lines end in a carriage return alone (old Mac style); save the file with \\n or \\r\\n line breaks",
            ),
        }
    }
}

/// Reads records from `input`, keeping one chunk (or one long record) in memory.
pub(crate) struct CsvCutter<R> {
    input: R,
    buf: Vec<u8>,
    /// Unread data is `buf[start..end]`.
    start: usize,
    end: usize,
    eof: bool,
    /// The line the next record starts on.
    line: u64,
    scratch: Vec<u8>,
    spans: Vec<(usize, usize)>,
}

impl<R: Read> CsvCutter<R> {
    pub fn new(input: R) -> Self {
        CsvCutter {
            input,
            buf: vec![0; CHUNK],
            start: 0,
            end: 0,
            eof: false,
            line: 1,
            scratch: Vec::new(),
            spans: Vec::new(),
        }
    }

    /// The line the next record starts on (or a blank line before it).
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Moves the unread bytes to the front and reads more after them (growing the
    /// buffer when it is full); returns false at the end of the input.
    fn fill(&mut self) -> Result<bool, CutError> {
        if self.eof {
            return Ok(false);
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(CutError::Io(e)),
            }
        }
    }

    /// The header: every field of the first non-blank record.
    pub fn header(&mut self) -> Result<Option<Vec<String>>, CutError> {
        let Some(record) = self.next_record(usize::MAX)? else { return Ok(None) };
        let text = |&(a, b): &(usize, usize)| String::from_utf8_lossy(&record.bytes[a..b]).into_owned();
        let fields: Vec<String> = record.spans.iter().map(text).collect();
        if fields.iter().any(|f| f.contains('\r')) {
            return Err(CutError::CarriageReturnsOnly);
        }
        Ok(Some(fields))
    }

    /// The next non-blank record, cut into its first `wanted` fields.
    pub fn next_record(&mut self, wanted: usize) -> Result<Option<Record<'_>>, CutError> {
        loop {
            match cut_plain(&self.buf[self.start..self.end], self.eof, wanted, &mut self.spans) {
                Plain::More => {
                    self.fill()?;
                }
                Plain::End => return Ok(None),
                Plain::Blank { consumed } => {
                    self.start += consumed;
                    self.line += 1;
                }
                Plain::Quoted => return self.quoted_record(wanted),
                Plain::Line { consumed, len } => {
                    let (first, line) = (self.start, self.line);
                    self.start += consumed;
                    self.line += 1;
                    return Ok(Some(Record { bytes: &self.buf[first..first + len], spans: &self.spans, line }));
                }
            }
        }
    }

    /// A record with a quote somewhere: read byte by byte into `scratch`,
    /// reading more input while a quoted field runs past the buffer.
    fn quoted_record(&mut self, wanted: usize) -> Result<Option<Record<'_>>, CutError> {
        loop {
            match unescape(&self.buf[self.start..self.end], self.eof, wanted, &mut self.scratch, &mut self.spans) {
                Some((consumed, lines)) => {
                    let record_line = self.line;
                    self.start += consumed;
                    self.line += lines;
                    return Ok(Some(Record { bytes: &self.scratch, spans: &self.spans, line: record_line }));
                }
                None if self.eof => return Err(CutError::UnclosedQuote),
                None => {
                    self.fill()?;
                }
            }
        }
    }
}

/// What the start of the unread data holds.
enum Plain {
    /// No whole line yet: read more.
    More,
    /// Nothing left.
    End,
    /// An empty line of `consumed` bytes (its break included).
    Blank { consumed: usize },
    /// A line with a quote: it needs RFC 4180's rules and may run on.
    Quoted,
    /// A line of `len` bytes (without its break), cut into `spans`.
    Line { consumed: usize, len: usize },
}

/// Cuts the first line of `data` into its first `wanted` fields when it holds
/// no quote. Bytes are classified eight at a time (one 64-bit word, see
/// [`marks`]) and only the commas, line breaks and quotes are visited: a CDM
/// line has a few dozen bytes and a handful of commas, so a byte-by-byte loop
/// spent most of its time on branches between them.
fn cut_plain(data: &[u8], eof: bool, wanted: usize, spans: &mut Vec<(usize, usize)>) -> Plain {
    if data.is_empty() {
        return if eof { Plain::End } else { Plain::More };
    }
    spans.clear();
    let mut from = 0;
    let mut line_end = None;
    let mut base = 0;
    'scan: while base < data.len() {
        let mut found = marks(word_at(data, base));
        while found != 0 {
            let k = base + (found.trailing_zeros() / 8) as usize;
            found &= found - 1;
            match data[k] {
                b',' => {
                    if spans.len() < wanted {
                        spans.push((from, k));
                    }
                    from = k + 1;
                }
                b'\n' => {
                    line_end = Some(k);
                    break 'scan;
                }
                _ => return Plain::Quoted,
            }
        }
        base += 8;
    }
    let line_end = match line_end {
        Some(k) => k,
        None if !eof => return Plain::More,
        None => data.len(),
    };
    let consumed = (line_end + 1).min(data.len());
    let len = if line_end > 0 && data[line_end - 1] == b'\r' { line_end - 1 } else { line_end };
    if len == 0 {
        return Plain::Blank { consumed };
    }
    if spans.len() < wanted {
        spans.push((from, len));
    }
    Plain::Line { consumed, len }
}

/// The eight bytes of `data` from `at` as a little-endian word, zero-padded past the end (a zero byte is never marked).
fn word_at(data: &[u8], at: usize) -> u64 {
    match data.get(at..at + 8) {
        Some(word) => u64::from_le_bytes(word.try_into().unwrap_or_default()),
        None => {
            let mut word = [0u8; 8];
            let rest = &data[at..];
            word[..rest.len()].copy_from_slice(rest);
            u64::from_le_bytes(word)
        }
    }
}

/// The high bit of each byte of `word` that is a comma, a line break or a
/// quote, and no other bit: each test is exact (no carry crosses a byte,
/// unlike the shorter "has a zero byte" trick).
fn marks(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let equal = |byte: u8| {
        let x = word ^ (ONES * u64::from(byte));
        !(((x & LOW7).wrapping_add(LOW7)) | x | LOW7)
    };
    equal(b',') | equal(b'\n') | equal(b'"')
}

/// Reads one record that may hold quoted fields from the start of `data` into
/// `out` (quotes removed, `""` made `"`), recording the first `wanted` fields'
/// spans. Returns the bytes consumed (its line break included) and the lines
/// it spans, or `None` when `data` ends inside the record and more may come.
fn unescape(
    data: &[u8],
    eof: bool,
    wanted: usize,
    out: &mut Vec<u8>,
    spans: &mut Vec<(usize, usize)>,
) -> Option<(usize, u64)> {
    out.clear();
    spans.clear();
    let mut field_start = 0;
    let mut at_field_start = true;
    let mut in_quotes = false;
    let mut lines = 0;
    let mut i = 0;
    let finish = |out: &mut Vec<u8>, spans: &mut Vec<(usize, usize)>, field_start: usize| {
        if spans.len() < wanted {
            spans.push((field_start, out.len()));
        }
    };
    while i < data.len() {
        let byte = data[i];
        if in_quotes {
            if byte == b'"' {
                match data.get(i + 1) {
                    Some(b'"') => {
                        out.push(b'"');
                        i += 2;
                        continue;
                    }
                    None if !eof => return None,
                    _ => in_quotes = false,
                }
            } else {
                if byte == b'\n' {
                    lines += 1;
                }
                out.push(byte);
            }
            i += 1;
            continue;
        }
        match byte {
            b'"' if at_field_start => in_quotes = true,
            b',' => {
                finish(out, spans, field_start);
                field_start = out.len();
                at_field_start = true;
                i += 1;
                continue;
            }
            b'\n' => {
                if out.last() == Some(&b'\r') && out.len() > field_start {
                    out.pop();
                }
                finish(out, spans, field_start);
                return Some((i + 1, lines + 1));
            }
            _ => out.push(byte),
        }
        at_field_start = false;
        i += 1;
    }
    if in_quotes || !eof {
        return None;
    }
    if out.last() == Some(&b'\r') && out.len() > field_start {
        out.pop();
    }
    finish(out, spans, field_start);
    Some((data.len(), lines + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record of `text` read through a buffer of `chunk` bytes, as text fields.
    fn read_all(text: &str, wanted: usize, chunk: usize) -> Result<Vec<(u64, Vec<String>)>, CutError> {
        let mut cutter = CsvCutter::new(text.as_bytes());
        cutter.buf = vec![0; chunk];
        let mut records = Vec::new();
        while let Some(record) = cutter.next_record(wanted)? {
            let field = |&(a, b): &(usize, usize)| String::from_utf8(record.bytes[a..b].to_vec()).unwrap();
            records.push((record.line, record.spans.iter().map(field).collect()));
        }
        Ok(records)
    }

    fn fields(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn plain_lines_are_cut_only_as_far_as_asked() {
        let text = "a,b,c\n1,2,3\r\n\n4,,6\n7";
        for chunk in [1, 2, 3, 7, 64] {
            let records = read_all(text, 2, chunk).unwrap();
            assert_eq!(
                records,
                vec![(1, fields(&["a", "b"])), (2, fields(&["1", "2"])), (4, fields(&["4", ""])), (5, fields(&["7"])),],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn quoted_fields_keep_commas_quotes_and_line_breaks() {
        let text = "id,note,x\n1,\"a, \"\"b\"\"\nc\",2\r\n\"3\",d\"e,\"\"\n";
        for chunk in [1, 4, 9, 64] {
            let records = read_all(text, 3, chunk).unwrap();
            assert_eq!(
                records,
                vec![
                    (1, fields(&["id", "note", "x"])),
                    (2, fields(&["1", "a, \"b\"\nc", "2"])),
                    (4, fields(&["3", "d\"e", ""])),
                ],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn an_unclosed_quote_is_an_error_not_a_short_table() {
        let error = read_all("id,note\n1,\"open\n2,x\n", 2, 4).unwrap_err();
        assert!(matches!(error, CutError::UnclosedQuote));
    }

    #[test]
    fn a_header_broken_only_by_carriage_returns_is_refused() {
        let mut cutter = CsvCutter::new("id,date\r1,2001-01-01\r".as_bytes());
        assert!(matches!(cutter.header(), Err(CutError::CarriageReturnsOnly)));
        let mut cutter = CsvCutter::new("\u{feff}id,date\r\n1,2\r\n".as_bytes());
        assert_eq!(cutter.header().unwrap().unwrap(), fields(&["\u{feff}id", "date"]));
    }
}
