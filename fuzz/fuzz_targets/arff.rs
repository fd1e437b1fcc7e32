//! Weka ARFF tables: `medref_tabular::arff::parse_arff`.
//!
//! medref-tabular depends on polars, far too big to build for fuzzing, so
//! this target compiles the ARFF reader's own source files in place: the
//! reader needs only `error.rs` and `table.rs`, neither of which touches
//! polars. If the reader starts using another module of medref-tabular,
//! add it here the same way.
#![no_main]
#![allow(dead_code)]
use libfuzzer_sys::fuzz_target;

#[path = "../../crates/medref-tabular/src/arff.rs"]
mod arff;
#[path = "../../crates/medref-tabular/src/error.rs"]
mod error;
#[path = "../../crates/medref-tabular/src/table.rs"]
mod table;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(table) = arff::parse_arff(text, std::path::Path::new("fuzz.arff")) {
        for column in &table.columns {
            for row in 0..table.n_rows().min(4) {
                let _ = column.data.text_at(row);
            }
        }
    }
});
