//! The fixed-column V2000 lines: counts, atom, bond and property lines,
//! and data item headers, each read into values or the [`SdfProblem`] that
//! names the field.

use super::SdfProblem;
use crate::elements;
use crate::molecule::{Atom, Bond, BondOrder};

/// The text of columns `a..b`, or what exists of it (`""` past the end or
/// on a broken UTF-8 boundary).
fn column(line: &str, a: usize, b: usize) -> &str {
    let b = b.min(line.len());
    if a >= b {
        return "";
    }
    line.get(a..b).unwrap_or("")
}

/// An integer field; blank counts as 0 when `optional`.
fn int_field(line: &str, a: usize, b: usize, field: &'static str, optional: bool) -> Result<i64, SdfProblem> {
    let text = column(line, a, b).trim();
    if text.is_empty() && optional {
        return Ok(0);
    }
    text.parse().map_err(|_| SdfProblem::BadField { field, value: text.to_string() })
}

pub(super) fn parse_counts(line: &str) -> Result<(usize, usize), SdfProblem> {
    let bad = |detail: String| SdfProblem::BadCountsLine { line: line.to_string(), detail };
    if line.contains("V3000") {
        return Err(SdfProblem::UnsupportedVersion);
    }
    let count = |a, b, what: &str| {
        let text = column(line, a, b).trim();
        text.parse::<usize>()
            .map_err(|_| bad(format!("{what} count in columns {}-{} should be a number, found {text:?}", a + 1, b)))
    };
    Ok((count(0, 3, "atom")?, count(3, 6, "bond")?))
}

/// Parses `xxxxx.xxxxyyyyy.yyyyzzzzz.zzzz aaaddcccssshhhbbbvvv`; returns the
/// atom, its valence column and its radical (hydrogens to take away).
pub(super) fn parse_atom_line(line: &str) -> Result<(Atom, u8, u8), SdfProblem> {
    for (a, b, field) in [(0, 10, "x"), (10, 20, "y"), (20, 30, "z")] {
        let text = column(line, a, b).trim();
        if text.parse::<f64>().is_err() {
            return Err(SdfProblem::BadField { field, value: text.to_string() });
        }
    }
    let symbol = column(line, 31, 34).trim();
    let (z, implied_isotope) = match symbol {
        "D" => (1, Some(2)),
        "T" => (1, Some(3)),
        "*" | "A" | "Q" | "L" | "LP" | "R#" => (0, None),
        _ => {
            let mut normal = String::with_capacity(symbol.len());
            for (i, ch) in symbol.chars().enumerate() {
                normal.push(if i == 0 { ch.to_ascii_uppercase() } else { ch.to_ascii_lowercase() });
            }
            match elements::atomic_number(&normal).filter(|&z| z > 0) {
                Some(z) => (z, None),
                None => return Err(SdfProblem::UnknownElement { symbol: symbol.to_string() }),
            }
        }
    };
    let mass_diff = int_field(line, 34, 36, "mass difference", true)?;
    let charge_code = int_field(line, 36, 39, "charge code", true)?;
    let valence = int_field(line, 48, 51, "valence", true)?;
    let (charge, radical) = match charge_code {
        0 => (0, 0),
        1 => (3, 0),
        2 => (2, 0),
        3 => (1, 0),
        4 => (0, 1),
        5 => (-1, 0),
        6 => (-2, 0),
        7 => (-3, 0),
        v => return Err(SdfProblem::BadValue { field: "charge code", value: v, expected: "0 to 7" }),
    };
    if !(0..=15).contains(&valence) {
        return Err(SdfProblem::BadValue { field: "valence", value: valence, expected: "0 to 15" });
    }
    if !(-9..=9).contains(&mass_diff) {
        return Err(SdfProblem::BadValue { field: "mass difference", value: mass_diff, expected: "-9 to 9" });
    }
    let mut atom = Atom::new(z);
    atom.charge = charge;
    atom.isotope = implied_isotope;
    if mass_diff != 0 && z > 0 {
        let mass = i64::from(elements::nominal_mass(z)) + mass_diff;
        atom.isotope = u16::try_from(mass).ok();
    }
    // Checked to lie in 0..=15 above.
    Ok((atom, valence as u8, radical))
}

/// Parses `111222tttsss`; indices become 0-based.
pub(super) fn parse_bond_line(line: &str, n_atoms: usize) -> Result<Bond, SdfProblem> {
    let index = |a, b, field| -> Result<usize, SdfProblem> {
        let i = int_field(line, a, b, field, false)?;
        usize::try_from(i)
            .ok()
            .filter(|&i| i >= 1 && i <= n_atoms)
            .map(|i| i - 1)
            .ok_or(SdfProblem::AtomIndexOutOfRange { field, index: i, atom_count: n_atoms })
    };
    let begin = index(0, 3, "first atom")?;
    let end = index(3, 6, "second atom")?;
    let order = match int_field(line, 6, 9, "bond type", false)? {
        1 => BondOrder::Single,
        2 => BondOrder::Double,
        3 => BondOrder::Triple,
        4 => BondOrder::Aromatic,
        v => {
            return Err(SdfProblem::BadValue {
                field: "bond type",
                value: v,
                expected: "1, 2, 3 or 4 (query bond types 5-8 are not supported)",
            })
        }
    };
    Ok(Bond::new(begin, end, order))
}

/// The (0-based atom, value) pairs of an `M  CHG`/`M  ISO`/`M  RAD` line.
pub(super) fn property_pairs(line: &str, n_atoms: usize) -> Result<Vec<(usize, i64)>, SdfProblem> {
    let mut fields = line.get(6..).unwrap_or("").split_whitespace();
    let number = |text: Option<&str>, field| -> Result<i64, SdfProblem> {
        let text = text.unwrap_or("");
        text.parse().map_err(|_| SdfProblem::BadField { field, value: text.to_string() })
    };
    let count = number(fields.next(), "property entry count")?;
    let mut pairs = Vec::new();
    for _ in 0..count.clamp(0, 8) {
        let atom = number(fields.next(), "property atom")?;
        let value = number(fields.next(), "property value")?;
        let index = usize::try_from(atom)
            .ok()
            .filter(|&i| i >= 1 && i <= n_atoms)
            .ok_or(SdfProblem::AtomIndexOutOfRange { field: "property atom", index: atom, atom_count: n_atoms })?;
        pairs.push((index - 1, value));
    }
    Ok(pairs)
}

/// The tag of a data header `> <NAME> (1)` or `>  <NAME>`: the text between
/// the first `<` and the next `>`; without `<>`, the whole rest.
pub(super) fn tag_name(header: &str) -> String {
    if let Some(start) = header.find('<') {
        let rest = header.get(start + 1..).unwrap_or("");
        if let Some(end) = rest.find('>') {
            return rest.get(..end).unwrap_or("").to_string();
        }
    }
    header.trim().to_string()
}
