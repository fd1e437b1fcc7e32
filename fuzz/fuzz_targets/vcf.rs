//! VCF 4.x files, plain or bgzip: `genomics::read_vcf`, then
//! `write_vcf_with_info` on what was read (one score per ALT), whose output
//! must read back.
#![no_main]
use libfuzzer_sys::fuzz_target;
use medref_data::genomics::{alt_kind, read_vcf, write_vcf_with_info, InfoDef};

fuzz_target!(|data: &[u8]| {
    let path = medref_fuzz::scratch_file("input.vcf", data);
    let Ok(file) = read_vcf(&path) else {
        return;
    };
    for record in &file.records {
        for alt in &record.alternates {
            let _ = alt_kind(alt);
        }
    }
    let defs = [InfoDef::new(
        "ALT_SCORE",
        "A",
        "Float",
        "a \"score\" per ALT",
    )];
    let values: Vec<Vec<Option<String>>> = file
        .records
        .iter()
        .map(|r| vec![Some(vec!["0.5"; r.alternates.len().max(1)].join(","))])
        .collect();
    if let Ok(text) = write_vcf_with_info(&file, &defs, &values) {
        let again = medref_fuzz::scratch_file("written.vcf", text.as_bytes());
        if let Err(e) = read_vcf(&again) {
            panic!("write_vcf_with_info wrote a VCF that does not read back: {e}");
        }
    }
});
