//! Experiment configs: `medref_core::config::Config::from_toml_str`, with
//! `--set KEY=VALUE` overrides (`apply_override`). A config that loads is
//! written back with `to_toml` (as every run directory stores it) and must
//! load again.
//!
//! Input: `TOML [\0 OVERRIDES]`, one `KEY=VALUE` override a line.
#![no_main]
use libfuzzer_sys::fuzz_target;
use medref_core::config::Config;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let (toml, overrides) = medref_fuzz::split_once(data, 0);
    let Ok(text) = std::str::from_utf8(toml) else {
        return;
    };
    let overrides: Vec<String> = overrides
        .map(|o| {
            String::from_utf8_lossy(o)
                .lines()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let path = Path::new("fuzz.toml");
    let Ok(config) = Config::from_toml_str(text, path, &overrides) else {
        return;
    };
    let written = config.to_toml();
    if let Err(e) = Config::from_toml_str(&written, path, &[]) {
        panic!("a loaded config does not load again after to_toml: {e}\n{written}");
    }
});
