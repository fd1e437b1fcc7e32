//! An SDF reader for V2000 molfiles with data items, the format ChEMBL,
//! PubChem and MoleculeNet ship structures and labels in.
//!
//! A record is a molfile (3 header lines, the counts line, the atom and
//! bond blocks, property lines up to `M  END`), then data items (`> <TAG>`
//! and value lines up to a blank line), then `$$$$`.
//!
//! Decisions, so that files from different writers read the same:
//! - Columns are read at their fixed V2000 positions; `V3000` records are
//!   refused with a message saying so.
//! - A final record that is complete but lacks its `$$$$` is accepted; a
//!   record cut anywhere before `M  END` is an error. A value running into
//!   the end of file is kept.
//! - `M  CHG` and `M  ISO` replace the atom block's charge and mass
//!   difference (as the format says, the first `M  CHG` resets all charges).
//!   `M  RAD` takes hydrogens away from radical atoms. Other property lines
//!   are skipped.
//! - Hydrogens: every atom gets implicit hydrogens up to its default
//!   valence, counting bonds to explicit H atoms, unless the valence column
//!   says otherwise; plain explicit H atoms are then folded into their
//!   neighbour, so all-H and no-H molfiles of a structure give the same
//!   [`Molecule`].
//! - Aromaticity is perceived after RDKit-style charge separation
//!   (`crate::sanitize`): Kekulé and type-4 bond blocks read the same.

use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use crate::elements;
use crate::molecule::{self, Atom, Bond, BondOrder, Molecule, MoleculeError};

/// One structure of an SDF file with its data items.
#[derive(Debug, Clone, PartialEq)]
pub struct SdfRecord {
    /// 0-based position of the record in the file.
    pub index: usize,
    /// The molfile's first header line (often the name or an ID).
    pub title: String,
    /// The structure, hydrogens folded.
    pub molecule: Molecule,
    /// Data items in file order as (tag, value); multi-line values keep
    /// their line breaks (`\n`).
    pub tags: Vec<(String, String)>,
}

impl SdfRecord {
    /// The value of the first data item named `name` (without `<>`).
    pub fn tag(&self, name: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(t, _)| t == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why an SDF file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SdfError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// The file (or `<string>`).
        file: String,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A record's content is not valid V2000 SDF.
    #[error("{file}: record {record} (line {line}): {problem}")]
    Record {
        /// The file (or `<string>`).
        file: String,
        /// 1-based record number.
        record: usize,
        /// 1-based line number in the file.
        line: usize,
        /// What was wrong and what was expected.
        problem: SdfProblem,
    },
}

/// What was wrong inside one SDF record.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SdfProblem {
    /// The file ends inside the record.
    #[error("file ends early, expected {expected}")]
    Truncated {
        /// What was still needed.
        expected: String,
    },
    /// `$$$$` came before `M  END`.
    #[error("record ends with '$$$$' before 'M  END'")]
    MissingEnd,
    /// The counts line does not hold atom and bond counts.
    #[error("bad counts line {line:?}: {detail}")]
    BadCountsLine {
        /// The line as read.
        line: String,
        /// What was wrong.
        detail: String,
    },
    /// The record is a V3000 molfile.
    #[error("V3000 molfiles are not supported (convert to V2000, e.g. with `obabel -osdf`)")]
    UnsupportedVersion,
    /// A field that must be a number is not.
    #[error("field '{field}' should be a number, found {value:?}")]
    BadField {
        /// Name of the field (`x`, `charge code`, `bond type`...).
        field: &'static str,
        /// The text found.
        value: String,
    },
    /// An atom symbol that names no element.
    #[error("unknown element symbol {symbol:?}")]
    UnknownElement {
        /// The symbol as written.
        symbol: String,
    },
    /// A bond or property names an atom that does not exist.
    #[error("{field} names atom {index}, but the record has {atom_count} atoms (1-based)")]
    AtomIndexOutOfRange {
        /// Which field.
        field: &'static str,
        /// The 1-based index found.
        index: i64,
        /// How many atoms the record has.
        atom_count: usize,
    },
    /// A field value outside the values the format defines.
    #[error("field '{field}' has value {value}, expected {expected}")]
    BadValue {
        /// Name of the field.
        field: &'static str,
        /// The value found.
        value: i64,
        /// The allowed values.
        expected: &'static str,
    },
    /// The bonds do not form a valid graph (a self or duplicate bond).
    #[error("{0}")]
    BadGraph(MoleculeError),
}

/// Reads every record of an SDF file, stopping at the first bad one.
pub fn read_sdf(path: impl AsRef<Path>) -> Result<Vec<SdfRecord>, SdfError> {
    let path = path.as_ref();
    let name = path.display().to_string();
    let file = File::open(path).map_err(|source| SdfError::Io {
        file: name.clone(),
        source,
    })?;
    read_sdf_from(BufReader::new(file), &name)
}

/// Reads every record from a reader; `name` labels errors (a file name).
pub fn read_sdf_from<R: BufRead>(reader: R, name: &str) -> Result<Vec<SdfRecord>, SdfError> {
    SdfReader::new(reader, name).collect()
}

/// Reads every record of SDF text held in memory (errors say `<string>`).
pub fn parse_sdf(text: &str) -> Result<Vec<SdfRecord>, SdfError> {
    read_sdf_from(text.as_bytes(), "<string>")
}

/// Streams records one at a time, for files too large to hold. After a
/// bad record it yields the error, skips to the next `$$$$` and goes on,
/// so a caller may log and skip bad records.
pub struct SdfReader<R> {
    reader: R,
    name: String,
    line: usize,
    record: usize,
    buf: Vec<u8>,
    done: bool,
}

/// A problem found at a line, before the file name and record are added.
struct Located {
    line: usize,
    problem: SdfProblem,
}

impl<R: BufRead> SdfReader<R> {
    /// A reader over `reader`; `name` labels errors.
    pub fn new(reader: R, name: impl Into<String>) -> Self {
        SdfReader {
            reader,
            name: name.into(),
            line: 0,
            record: 0,
            buf: Vec::new(),
            done: false,
        }
    }

    /// The next line without its line ending, or `None` at end of file.
    fn next_line(&mut self) -> Result<Option<String>, std::io::Error> {
        self.buf.clear();
        if self.reader.read_until(b'\n', &mut self.buf)? == 0 {
            return Ok(None);
        }
        self.line += 1;
        while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
            self.buf.pop();
        }
        Ok(Some(String::from_utf8_lossy(&self.buf).into_owned()))
    }

    fn io_error(&self, source: std::io::Error) -> SdfError {
        SdfError::Io {
            file: self.name.clone(),
            source,
        }
    }

    fn record_error(&self, located: Located) -> SdfError {
        SdfError::Record {
            file: self.name.clone(),
            record: self.record + 1,
            line: located.line,
            problem: located.problem,
        }
    }

    /// A required line: `Err` naming `expected` at end of file.
    fn require_line(
        &mut self,
        expected: impl FnOnce() -> String,
    ) -> Result<Result<String, Located>, std::io::Error> {
        Ok(match self.next_line()? {
            Some(l) => Ok(l),
            None => Err(Located {
                line: self.line + 1,
                problem: SdfProblem::Truncated {
                    expected: expected(),
                },
            }),
        })
    }

    /// Skips to just after the next `$$$$` (or the end of file).
    fn skip_record(&mut self) -> Result<(), std::io::Error> {
        while let Some(l) = self.next_line()? {
            if l.starts_with("$$$$") {
                return Ok(());
            }
        }
        self.done = true;
        Ok(())
    }

    /// Reads one record; `Ok(None)` at a clean end of file (only blank
    /// lines left).
    fn read_record(&mut self) -> Result<Option<Result<SdfRecord, Located>>, std::io::Error> {
        let Some(title) = self.next_line()? else {
            return Ok(None);
        };
        let mut header = vec![title];
        for n in 2..=4 {
            match self.next_line()? {
                Some(l) => header.push(l),
                None if header.iter().all(|l| l.trim().is_empty()) => return Ok(None),
                None => {
                    let what = if n == 4 {
                        "the counts line".to_string()
                    } else {
                        format!("header line {n}")
                    };
                    return Ok(Some(Err(Located {
                        line: self.line + 1,
                        problem: SdfProblem::Truncated { expected: what },
                    })));
                }
            }
        }
        let counts_line_no = self.line;
        let counts = header.pop().unwrap_or_default();
        let title = header.swap_remove(0);
        let (n_atoms, n_bonds) = match parse_counts(&counts) {
            Ok(c) => c,
            Err(problem) => {
                return Ok(Some(Err(Located {
                    line: counts_line_no,
                    problem,
                })))
            }
        };

        let mut atoms = Vec::with_capacity(n_atoms);
        let mut valence_field = Vec::with_capacity(n_atoms);
        let mut radical = Vec::with_capacity(n_atoms);
        for i in 0..n_atoms {
            let line = match self.require_line(|| format!("atom line {} of {n_atoms}", i + 1))? {
                Ok(l) => l,
                Err(e) => return Ok(Some(Err(e))),
            };
            match parse_atom_line(&line) {
                Ok((atom, valence, rad)) => {
                    atoms.push(atom);
                    valence_field.push(valence);
                    radical.push(rad);
                }
                Err(problem) => {
                    return Ok(Some(Err(Located {
                        line: self.line,
                        problem,
                    })))
                }
            }
        }

        let mut bonds = Vec::with_capacity(n_bonds);
        let mut pairs = HashSet::with_capacity(n_bonds);
        for j in 0..n_bonds {
            let line = match self.require_line(|| format!("bond line {} of {n_bonds}", j + 1))? {
                Ok(l) => l,
                Err(e) => return Ok(Some(Err(e))),
            };
            let here = self.line;
            let bond = match parse_bond_line(&line, n_atoms) {
                Ok(b) => b,
                Err(problem) => {
                    return Ok(Some(Err(Located {
                        line: here,
                        problem,
                    })))
                }
            };
            let bad_graph = |e| {
                Ok(Some(Err(Located {
                    line: here,
                    problem: SdfProblem::BadGraph(e),
                })))
            };
            if bond.begin == bond.end {
                return bad_graph(MoleculeError::SelfBond {
                    bond: j,
                    atom: bond.begin,
                });
            }
            if !pairs.insert((bond.begin.min(bond.end), bond.begin.max(bond.end))) {
                return bad_graph(MoleculeError::DuplicateBond {
                    bond: j,
                    begin: bond.begin,
                    end: bond.end,
                });
            }
            bonds.push(bond);
        }

        // Property block up to M  END.
        let mut charges_reset = false;
        loop {
            let line = match self.require_line(|| "'M  END'".to_string())? {
                Ok(l) => l,
                Err(e) => return Ok(Some(Err(e))),
            };
            if line.starts_with("M  END") {
                break;
            }
            if line.starts_with("$$$$") {
                return Ok(Some(Err(Located {
                    line: self.line,
                    problem: SdfProblem::MissingEnd,
                })));
            }
            let kind = line.get(..6).unwrap_or("");
            if !matches!(kind, "M  CHG" | "M  ISO" | "M  RAD") {
                continue;
            }
            let pairs = match property_pairs(&line, n_atoms) {
                Ok(p) => p,
                Err(problem) => {
                    return Ok(Some(Err(Located {
                        line: self.line,
                        problem,
                    })))
                }
            };
            if kind == "M  CHG" && !charges_reset {
                charges_reset = true;
                for a in &mut atoms {
                    a.charge = 0;
                }
            }
            for (atom, value) in pairs {
                let problem = |expected| SdfProblem::BadValue {
                    field: "property value",
                    value,
                    expected,
                };
                // `atom` was checked against n_atoms by property_pairs.
                let applied = match kind {
                    "M  CHG" => match i8::try_from(value).ok().filter(|c| (-15..=15).contains(c)) {
                        Some(c) => {
                            atoms[atom].charge = c;
                            Ok(())
                        }
                        None => Err(problem("a charge from -15 to 15")),
                    },
                    "M  ISO" => match u16::try_from(value).ok().filter(|&m| m > 0) {
                        Some(m) => {
                            atoms[atom].isotope = Some(m);
                            Ok(())
                        }
                        None => Err(problem("a positive mass number")),
                    },
                    // M  RAD: a doublet takes one hydrogen, singlet/triplet two.
                    _ => match value {
                        0 => Ok(()),
                        2 => {
                            radical[atom] = 1;
                            Ok(())
                        }
                        1 | 3 => {
                            radical[atom] = 2;
                            Ok(())
                        }
                        _ => Err(problem("0, 1, 2 or 3 (radical)")),
                    },
                };
                if let Err(problem) = applied {
                    return Ok(Some(Err(Located {
                        line: self.line,
                        problem,
                    })));
                }
            }
        }

        // Data items up to $$$$ (or end of file).
        let mut tags: Vec<(String, String)> = Vec::new();
        let mut current: Option<(String, Vec<String>)> = None;
        while let Some(line) = self.next_line()? {
            if line.starts_with("$$$$") {
                break;
            }
            if let Some((tag, values)) = current.as_mut() {
                if line.trim().is_empty() {
                    tags.push((std::mem::take(tag), values.join("\n")));
                    current = None;
                } else {
                    values.push(line);
                }
                continue;
            }
            if let Some(rest) = line.strip_prefix('>') {
                current = Some((tag_name(rest), Vec::new()));
            }
        }
        if let Some((tag, values)) = current {
            tags.push((tag, values.join("\n")));
        }

        let molecule = match build_molecule(atoms, bonds, &valence_field, &radical) {
            Ok(m) => m,
            Err(problem) => {
                return Ok(Some(Err(Located {
                    line: counts_line_no,
                    problem,
                })))
            }
        };
        Ok(Some(Ok(SdfRecord {
            index: self.record,
            title: title.trim_end().to_string(),
            molecule,
            tags,
        })))
    }

    fn next_record(&mut self) -> Option<Result<SdfRecord, SdfError>> {
        if self.done {
            return None;
        }
        let located = match self.read_record() {
            Err(e) => {
                self.done = true;
                return Some(Err(self.io_error(e)));
            }
            Ok(None) => {
                self.done = true;
                return None;
            }
            Ok(Some(Ok(record))) => {
                self.record += 1;
                return Some(Ok(record));
            }
            Ok(Some(Err(located))) => located,
        };
        // A record that failed on its `$$$$` line needs no skipping.
        let at_separator = located.problem == SdfProblem::MissingEnd;
        let err = self.record_error(located);
        self.record += 1;
        if !at_separator {
            if let Err(e) = self.skip_record() {
                self.done = true;
                return Some(Err(self.io_error(e)));
            }
        }
        Some(Err(err))
    }
}

impl<R: BufRead> Iterator for SdfReader<R> {
    type Item = Result<SdfRecord, SdfError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record()
    }
}

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
fn int_field(
    line: &str,
    a: usize,
    b: usize,
    field: &'static str,
    optional: bool,
) -> Result<i64, SdfProblem> {
    let text = column(line, a, b).trim();
    if text.is_empty() && optional {
        return Ok(0);
    }
    text.parse().map_err(|_| SdfProblem::BadField {
        field,
        value: text.to_string(),
    })
}

fn parse_counts(line: &str) -> Result<(usize, usize), SdfProblem> {
    let bad = |detail: String| SdfProblem::BadCountsLine {
        line: line.to_string(),
        detail,
    };
    if line.contains("V3000") {
        return Err(SdfProblem::UnsupportedVersion);
    }
    let count = |a, b, what: &str| {
        let text = column(line, a, b).trim();
        text.parse::<usize>().map_err(|_| {
            bad(format!(
                "{what} count in columns {}-{} should be a number, found {text:?}",
                a + 1,
                b
            ))
        })
    };
    Ok((count(0, 3, "atom")?, count(3, 6, "bond")?))
}

/// Parses `xxxxx.xxxxyyyyy.yyyyzzzzz.zzzz aaaddcccssshhhbbbvvv`; returns the
/// atom, its valence column and its radical (hydrogens to take away).
fn parse_atom_line(line: &str) -> Result<(Atom, u8, u8), SdfProblem> {
    for (a, b, field) in [(0, 10, "x"), (10, 20, "y"), (20, 30, "z")] {
        let text = column(line, a, b).trim();
        if text.parse::<f64>().is_err() {
            return Err(SdfProblem::BadField {
                field,
                value: text.to_string(),
            });
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
                normal.push(if i == 0 {
                    ch.to_ascii_uppercase()
                } else {
                    ch.to_ascii_lowercase()
                });
            }
            match elements::atomic_number(&normal).filter(|&z| z > 0) {
                Some(z) => (z, None),
                None => {
                    return Err(SdfProblem::UnknownElement {
                        symbol: symbol.to_string(),
                    })
                }
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
        v => {
            return Err(SdfProblem::BadValue {
                field: "charge code",
                value: v,
                expected: "0 to 7",
            })
        }
    };
    if !(0..=15).contains(&valence) {
        return Err(SdfProblem::BadValue {
            field: "valence",
            value: valence,
            expected: "0 to 15",
        });
    }
    if !(-9..=9).contains(&mass_diff) {
        return Err(SdfProblem::BadValue {
            field: "mass difference",
            value: mass_diff,
            expected: "-9 to 9",
        });
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
fn parse_bond_line(line: &str, n_atoms: usize) -> Result<Bond, SdfProblem> {
    let index = |a, b, field| -> Result<usize, SdfProblem> {
        let i = int_field(line, a, b, field, false)?;
        usize::try_from(i)
            .ok()
            .filter(|&i| i >= 1 && i <= n_atoms)
            .map(|i| i - 1)
            .ok_or(SdfProblem::AtomIndexOutOfRange {
                field,
                index: i,
                atom_count: n_atoms,
            })
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
fn property_pairs(line: &str, n_atoms: usize) -> Result<Vec<(usize, i64)>, SdfProblem> {
    let mut fields = line.get(6..).unwrap_or("").split_whitespace();
    let number = |text: Option<&str>, field| -> Result<i64, SdfProblem> {
        let text = text.unwrap_or("");
        text.parse().map_err(|_| SdfProblem::BadField {
            field,
            value: text.to_string(),
        })
    };
    let count = number(fields.next(), "property entry count")?;
    let mut pairs = Vec::new();
    for _ in 0..count.clamp(0, 8) {
        let atom = number(fields.next(), "property atom")?;
        let value = number(fields.next(), "property value")?;
        let index = usize::try_from(atom)
            .ok()
            .filter(|&i| i >= 1 && i <= n_atoms)
            .ok_or(SdfProblem::AtomIndexOutOfRange {
                field: "property atom",
                index: atom,
                atom_count: n_atoms,
            })?;
        pairs.push((index - 1, value));
    }
    Ok(pairs)
}

/// The tag of a data header `> <NAME> (1)` or `>  <NAME>`: the text between
/// the first `<` and the next `>`; without `<>`, the whole rest.
fn tag_name(header: &str) -> String {
    if let Some(start) = header.find('<') {
        let rest = header.get(start + 1..).unwrap_or("");
        if let Some(end) = rest.find('>') {
            return rest.get(..end).unwrap_or("").to_string();
        }
    }
    header.trim().to_string()
}

fn build_molecule(
    mut atoms: Vec<Atom>,
    bonds: Vec<Bond>,
    valence_field: &[u8],
    radical: &[u8],
) -> Result<Molecule, SdfProblem> {
    for b in &bonds {
        if b.order == BondOrder::Aromatic {
            for a in [b.begin, b.end] {
                if let Some(atom) = atoms.get_mut(a) {
                    atom.aromatic = true;
                }
            }
        }
    }
    let valence = molecule::bond_valences(atoms.len(), &bonds);
    for (i, atom) in atoms.iter_mut().enumerate() {
        let used = valence.get(i).copied().unwrap_or(0);
        let h = match valence_field.get(i).copied().unwrap_or(0) {
            0 => elements::implicit_hydrogens(atom.atomic_number, atom.charge, atom.aromatic, used),
            15 => 0,
            v => u8::try_from(u32::from(v).saturating_sub(used)).unwrap_or(0),
        };
        atom.hydrogens = h.saturating_sub(radical.get(i).copied().unwrap_or(0));
    }
    let (atoms, bonds, _) = molecule::fold_hydrogens(atoms, bonds);
    let mol = Molecule::new(atoms, bonds).map_err(SdfProblem::BadGraph)?;
    Ok(crate::sanitize::sanitize(&mol))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ETHANOL: &str = "ethanol
     RDKit          2D

  3  2  0  0  0  0  0  0  0  0999 V2000
    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    1.2990    0.7500    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    2.5981   -0.0000    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0
  1  2  1  0
  2  3  1  0
M  END
>  <SOL>  (1) 
1.10

> <NOTE>
two
lines

$$$$
";

    #[test]
    fn reads_atoms_bonds_and_tags() {
        let recs = parse_sdf(&format!("{ETHANOL}{ETHANOL}")).unwrap();
        assert_eq!(recs.len(), 2);
        let r = &recs[1];
        assert_eq!(r.index, 1);
        assert_eq!(r.title, "ethanol");
        assert_eq!(r.molecule.atom_count(), 3);
        assert_eq!(r.molecule.total_hydrogens(), 6);
        assert_eq!(r.tag("SOL"), Some("1.10"));
        assert_eq!(r.tag("NOTE"), Some("two\nlines"));
        assert_eq!(r.tag("missing"), None);
    }

    #[test]
    fn final_record_without_separator_is_accepted() {
        let text = ETHANOL.trim_end().trim_end_matches("$$$$");
        let recs = parse_sdf(text).unwrap();
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].tag("NOTE"), Some("two\nlines"));
        // Trailing blank lines after the last record are no record.
        assert_eq!(parse_sdf(&format!("{ETHANOL}\n\n")).unwrap().len(), 1);
        assert!(parse_sdf("").unwrap().is_empty());
    }

    fn problem(text: &str) -> (usize, usize, SdfProblem) {
        match parse_sdf(text).unwrap_err() {
            SdfError::Record {
                record,
                line,
                problem,
                ..
            } => (record, line, problem),
            e => panic!("{e}"),
        }
    }

    #[test]
    fn truncated_records_are_errors() {
        let cut: String = ETHANOL.lines().take(5).map(|l| format!("{l}\n")).collect();
        let (record, line, p) = problem(&format!("{ETHANOL}{cut}"));
        assert_eq!(record, 2);
        assert_eq!(line, 24);
        assert!(
            matches!(p, SdfProblem::Truncated { ref expected } if expected == "atom line 2 of 3"),
            "{p}"
        );
        let no_end = ETHANOL.replace("M  END\n", "");
        assert!(matches!(
            problem(&no_end).2,
            SdfProblem::Truncated { .. } | SdfProblem::MissingEnd
        ));
        let no_end_no_tags: String = ETHANOL
            .lines()
            .take(9)
            .map(|l| format!("{l}\n"))
            .collect::<String>()
            + "$$$$\n";
        assert_eq!(problem(&no_end_no_tags).2, SdfProblem::MissingEnd);
    }

    #[test]
    fn bad_fields_are_named() {
        let e = parse_sdf(&ETHANOL.replace("  3  2  0", "  x  2  0")).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("<string>: record 1 (line 4)"), "{msg}");
        assert!(msg.contains("atom count"), "{msg}");
        let (_, line, p) = problem(&ETHANOL.replace("  2  3  1  0", "  2  9  1  0"));
        assert_eq!(line, 9);
        assert!(matches!(
            p,
            SdfProblem::AtomIndexOutOfRange {
                index: 9,
                atom_count: 3,
                ..
            }
        ));
        let (_, line, p) = problem(&ETHANOL.replace("    1.2990", "    1.2a90"));
        assert_eq!(line, 6);
        assert!(matches!(p, SdfProblem::BadField { field: "x", .. }));
        let (_, _, p) = problem(&ETHANOL.replace(" O   0", " Xq  0"));
        assert!(matches!(p, SdfProblem::UnknownElement { .. }));
        let (_, _, p) = problem(&ETHANOL.replace("  2  3  1  0", "  2  1  1  0"));
        assert!(matches!(
            p,
            SdfProblem::BadGraph(MoleculeError::DuplicateBond { .. })
        ));
        let (_, _, p) = problem(&ETHANOL.replace("  2  3  1  0", "  2  3  8  0"));
        assert!(matches!(
            p,
            SdfProblem::BadValue {
                field: "bond type",
                ..
            }
        ));
        let (_, _, p) = problem(&ETHANOL.replace("V2000", "V3000"));
        assert_eq!(p, SdfProblem::UnsupportedVersion);
    }

    #[test]
    fn broken_fixture_is_reported_at_the_cut() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../datasets/broken/truncated.sdf"
        );
        let e = read_sdf(path).unwrap_err();
        let msg = e.to_string();
        match e {
            SdfError::Record {
                record,
                line,
                problem,
                ..
            } => {
                assert_eq!(record, 3, "{msg}");
                assert_eq!(line, 74, "{msg}");
                assert!(matches!(problem, SdfProblem::Truncated { .. }), "{msg}");
            }
            SdfError::Io { .. } => panic!("{msg}"),
        }
        assert!(
            msg.contains(
                "truncated.sdf: record 3 (line 74): file ends early, expected atom line 4 of 5"
            ),
            "{msg}"
        );
        // The streaming reader still yields the two good records first.
        let ok = SdfReader::new(BufReader::new(File::open(path).unwrap()), path)
            .filter(Result::is_ok)
            .count();
        assert_eq!(ok, 2);
        assert!(matches!(
            read_sdf("/no/such/file.sdf"),
            Err(SdfError::Io { .. })
        ));
    }

    #[test]
    fn reader_skips_a_bad_record_and_goes_on() {
        let bad = ETHANOL.replace("  2  3  1  0", "  2  9  1  0");
        let text = format!("{ETHANOL}{bad}{ETHANOL}");
        let results: Vec<_> = SdfReader::new(text.as_bytes(), "t").collect();
        assert_eq!(results.len(), 3);
        assert!(results[0].is_ok() && results[1].is_err() && results[2].is_ok());
        assert_eq!(results[2].as_ref().unwrap().index, 2);
    }

    #[test]
    fn charges_isotopes_and_explicit_hydrogens() {
        // Methylammonium with explicit H on N, charge from M  CHG, 13C from M  ISO.
        let text = "
  test

  5  4  0  0  0  0  0  0  0  0999 V2000
    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    1.0000    0.0000    0.0000 N   0  0  0  0  0  0  0  0  0  0  0  0
    2.0000    0.0000    0.0000 H   0  0  0  0  0  0  0  0  0  0  0  0
    2.0000    1.0000    0.0000 H   0  0  0  0  0  0  0  0  0  0  0  0
    2.0000   -1.0000    0.0000 H   0  0  0  0  0  0  0  0  0  0  0  0
  1  2  1  0
  2  3  1  0
  2  4  1  0
  2  5  1  0
M  CHG  1   2   1
M  ISO  1   1  13
M  END
$$$$
";
        let recs = parse_sdf(text).unwrap();
        let m = &recs[0].molecule;
        assert_eq!(m.atom_count(), 2);
        assert_eq!(m.atoms()[0].isotope, Some(13));
        assert_eq!(m.atoms()[0].hydrogens, 3);
        assert_eq!(m.atoms()[1].charge, 1);
        assert_eq!(m.atoms()[1].hydrogens, 3);
        assert_eq!(recs[0].title, "");
    }

    #[test]
    fn random_mutations_never_panic() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let base = ETHANOL.as_bytes();
        for _ in 0..3000 {
            let mut b = base.to_vec();
            for _ in 0..1 + next() % 4 {
                let at = (next() % b.len() as u64) as usize;
                match next() % 3 {
                    0 => {
                        b.remove(at);
                    }
                    1 => b.insert(at, b" 0129-.MV$>\n"[(next() % 12) as usize]),
                    _ => b.truncate(at),
                }
                if b.is_empty() {
                    break;
                }
            }
            let _ = SdfReader::new(&b[..], "fuzz").count();
        }
    }
}
