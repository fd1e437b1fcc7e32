//! Prints, for every molecule of the given files, what `scripts/rdkit-parity`
//! compares with RDKit: one JSON object a line with the Morgan bits and
//! counts (radius 2, 2048 bits), the scaffold key, the TPSA and the
//! Crippen logP.
//!
//! Usage:
//!   cargo run -p medref-chem --example chem_dump -- FILE...
//!     FILE is an `.sdf`, a `.smi` (SMILES, then an id) or a `.csv` with a
//!     `smiles` column. Each line: {"file", "index", "ok", "bits",
//!     "counts", "scaffold", "tpsa", "logp"}; `index` counts records (SDF) or data lines.
//!   cargo run -p medref-chem --example chem_dump -- --keys
//!     reads SMILES from stdin, one a line, and prints each one's canonical
//!     key (empty line for an empty SMILES, `ERROR` when it does not parse).

use std::io::{BufRead, Write};

use medref_chem::{canonical_key, morgan_vec, parse_smiles, read_sdf, scaffold_key, Molecule, MorganSpec};

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn record(file: &str, index: usize, mol: Option<&Molecule>) -> String {
    let Some(mol) = mol else {
        return format!("{{\"file\":{},\"index\":{index},\"ok\":false}}", json_string(file));
    };
    let spec = MorganSpec { counts: true, ..MorganSpec::default() };
    let counts = morgan_vec(mol, &spec).unwrap_or_default();
    let on: Vec<(usize, f32)> = counts.iter().copied().enumerate().filter(|(_, c)| *c > 0.0).collect();
    let bits: Vec<String> = on.iter().map(|(i, _)| i.to_string()).collect();
    let pairs: Vec<String> = on.iter().map(|(i, c)| format!("[{i},{c}]")).collect();
    format!(
        "{{\"file\":{},\"index\":{index},\"ok\":true,\"bits\":[{}],\"counts\":[{}],\"scaffold\":{},\"tpsa\":{},\"logp\":{}}}",
        json_string(file),
        bits.join(","),
        pairs.join(","),
        json_string(&scaffold_key(mol)),
        medref_chem::tpsa::tpsa(mol),
        medref_chem::crippen_logp(mol)
    )
}

fn smiles_lines(path: &str) -> Result<Vec<(usize, String)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut lines = text.lines();
    if path.ends_with(".csv") {
        let header = lines.next().unwrap_or("");
        let column = header
            .split(',')
            .position(|h| h.trim().eq_ignore_ascii_case("smiles"))
            .ok_or_else(|| format!("{path}: no `smiles` column in the header {header:?}"))?;
        Ok(lines.enumerate().map(|(i, l)| (i, l.split(',').nth(column).unwrap_or("").trim().to_string())).collect())
    } else {
        Ok(lines.enumerate().map(|(i, l)| (i, l.split_whitespace().next().unwrap_or("").to_string())).collect())
    }
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.first().map(String::as_str) == Some("--keys") {
        for line in std::io::stdin().lock().lines() {
            let line = line.map_err(|e| e.to_string())?;
            let s = line.trim();
            let key = if s.is_empty() {
                String::new()
            } else {
                parse_smiles(s).map(|m| canonical_key(&m)).unwrap_or_else(|_| "ERROR".into())
            };
            writeln!(out, "{key}").map_err(|e| e.to_string())?;
        }
        return Ok(());
    }
    for path in &args {
        if path.ends_with(".sdf") {
            let records = read_sdf(path).map_err(|e| e.to_string())?;
            for r in &records {
                writeln!(out, "{}", record(path, r.index, Some(&r.molecule))).map_err(|e| e.to_string())?;
            }
        } else {
            for (i, s) in smiles_lines(path)? {
                let mol = parse_smiles(&s).ok();
                writeln!(out, "{}", record(path, i, mol.as_ref())).map_err(|e| e.to_string())?;
            }
        }
    }
    Ok(())
}
