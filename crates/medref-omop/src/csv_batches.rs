//! Reading and cutting a CSV file on a second thread while the caller's
//! thread runs the study's work on the rows. Reading, decompressing and
//! cutting are about a third of a study's CPU time on CSV, and the machines
//! medref is taught on have at least two cores; pandas, the usual
//! alternative, reads on one. Records arrive in batches, in file order, so
//! results and the first error reported are those of a one-thread read.

use std::io::Read;
use std::ops::Range;
use std::sync::mpsc;

use crate::csv_cut::{CsvCutter, CutError};
use crate::error::OmopError;

/// Records a batch holds at most; with the byte cap below it keeps a batch to
/// about a megabyte, and two batches in flight.
const BATCH_RECORDS: usize = 8_192;
const BATCH_BYTES: usize = 1 << 20;

/// Records cut on the reading thread: the scanned prefix of each, copied one after another.
#[derive(Default)]
pub(crate) struct Batch {
    /// Each record's bytes up to the end of its last scanned field.
    pub bytes: Vec<u8>,
    /// Field spans, absolute offsets into `bytes`.
    pub spans: Vec<(usize, usize)>,
    pub records: Vec<BatchRecord>,
    /// Why reading stopped after these records, and the line it stopped on.
    pub error: Option<(u64, CutError)>,
}

/// One record of a batch.
pub(crate) struct BatchRecord {
    /// The 1-based line the record starts on.
    pub line: u64,
    /// Its fields' spans, as a range of [`Batch::spans`].
    pub spans: Range<usize>,
}

/// Cuts the records of `cutter` (its header already read) into their first
/// `wanted` fields on a scoped thread and hands each batch to `each`, in
/// order. An error from `each` stops the reading thread at its next batch.
pub(crate) fn cut_in_batches<R: Read + Send>(
    cutter: CsvCutter<R>,
    wanted: usize,
    mut each: impl FnMut(&Batch) -> Result<(), OmopError>,
) -> Result<(), OmopError> {
    std::thread::scope(|scope| {
        let (full, filled) = mpsc::sync_channel::<Batch>(2);
        let (empty, spare) = mpsc::channel::<Batch>();
        scope.spawn(move || {
            let mut cutter = cutter;
            loop {
                let mut batch = spare.try_recv().unwrap_or_default();
                let last = fill(&mut cutter, wanted, &mut batch);
                if full.send(batch).is_err() || last {
                    return;
                }
            }
        });
        for batch in filled {
            each(&batch)?;
            // The reading thread may have finished; a batch it no longer wants is dropped.
            let _ = empty.send(batch);
        }
        Ok(())
    })
}

/// Fills `batch` with the next records; true when the input is done (or failed).
fn fill<R: Read>(cutter: &mut CsvCutter<R>, wanted: usize, batch: &mut Batch) -> bool {
    batch.bytes.clear();
    batch.spans.clear();
    batch.records.clear();
    batch.error = None;
    while batch.records.len() < BATCH_RECORDS && batch.bytes.len() < BATCH_BYTES {
        let at = cutter.line();
        match cutter.next_record(wanted) {
            Ok(Some(record)) => {
                let base = batch.bytes.len();
                let end = record.spans.last().map_or(0, |s| s.1);
                batch.bytes.extend_from_slice(&record.bytes[..end]);
                let first = batch.spans.len();
                batch.spans.extend(record.spans.iter().map(|&(a, b)| (base + a, base + b)));
                batch.records.push(BatchRecord { line: record.line, spans: first..batch.spans.len() });
            }
            Ok(None) => return true,
            Err(e) => {
                batch.error = Some((at, e));
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_keep_file_order_across_their_boundaries() {
        let mut text = String::from("id,value,note\n");
        for i in 0..20_000 {
            text.push_str(&format!("{i},{},\"n{i}\"\n", i * 3));
        }
        let mut cutter = CsvCutter::new(text.as_bytes());
        cutter.header().unwrap();
        let mut seen = Vec::new();
        cut_in_batches(cutter, 2, |batch| {
            for record in &batch.records {
                let (a, b) = batch.spans[record.spans.start + 1];
                let value: u64 = std::str::from_utf8(&batch.bytes[a..b]).unwrap().parse().unwrap();
                seen.push((record.line, value));
            }
            Ok(())
        })
        .unwrap();
        let expected: Vec<(u64, u64)> = (0..20_000).map(|i| (i + 2, i * 3)).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn an_error_of_the_caller_stops_the_reading() {
        let text = "id\n".to_string() + &"1\n".repeat(100_000);
        let mut cutter = CsvCutter::new(text.as_bytes());
        cutter.header().unwrap();
        let mut batches = 0;
        let result = cut_in_batches(cutter, 1, |_| {
            batches += 1;
            Err(OmopError::Definition("stop".into()))
        });
        assert!(result.is_err());
        assert_eq!(batches, 1);
    }
}
