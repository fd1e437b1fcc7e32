//! Experiment configs: `medref_core::config::Config::from_toml_str`, with
//! `--set KEY=VALUE` overrides (`apply_override`). A config that loads is
//! written back with `to_toml` (as every run directory stores it) and must
//! load again.
//!
//! Input: `TOML [\0 OVERRIDES]`, one `KEY=VALUE` override a line.
//!
//! The `[data]` sections parsed here are those of the formats whose crates
//! build without burn (DNA tables and regions, signals); the registry in
//! `medref-baselines` parses the rest the same way.
#![no_main]
use libfuzzer_sys::fuzz_target;
use medref_core::config::{Config, DataConfig, DataFormats};
use medref_data::genomics::{BedRegionsSection, SequenceCsvSection};
use medref_timeseries::sections::{JigsawsSection, SensorCsvSection, TsSection};
use std::path::Path;

struct ParserFormats;

impl DataFormats for ParserFormats {
    fn names(&self) -> Vec<&'static str> {
        vec!["sequence_csv", "bed_regions", "ts", "sensor_csv", "jigsaws"]
    }
    fn parse(&self, name: &str, table: toml::Table) -> Option<Result<DataConfig, (String, String)>> {
        Some(match name {
            "sequence_csv" => DataConfig::parse_as::<SequenceCsvSection>("sequence_csv", table),
            "bed_regions" => DataConfig::parse_as::<BedRegionsSection>("bed_regions", table),
            "ts" => DataConfig::parse_as::<TsSection>("ts", table),
            "sensor_csv" => DataConfig::parse_as::<SensorCsvSection>("sensor_csv", table),
            "jigsaws" => DataConfig::parse_as::<JigsawsSection>("jigsaws", table),
            _ => return None,
        })
    }
}

fuzz_target!(|data: &[u8]| {
    let (toml, overrides) = medref_fuzz::split_once(data, 0);
    let Ok(text) = std::str::from_utf8(toml) else {
        return;
    };
    let overrides: Vec<String> =
        overrides.map(|o| String::from_utf8_lossy(o).lines().map(str::to_string).collect()).unwrap_or_default();
    let path = Path::new("fuzz.toml");
    let Ok(config) = Config::from_toml_str(text, path, &overrides, &ParserFormats) else {
        return;
    };
    let written = config.to_toml();
    if let Err(e) = Config::from_toml_str(&written, path, &[], &ParserFormats) {
        panic!("a loaded config does not load again after to_toml: {e}\n{written}");
    }
});
