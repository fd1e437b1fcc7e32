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

mod lines;

use lines::{parse_atom_line, parse_bond_line, parse_counts, property_pairs, tag_name};

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
        self.tags.iter().find(|(t, _)| t == name).map(|(_, v)| v.as_str())
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
    let file = File::open(path).map_err(|source| SdfError::Io { file: name.clone(), source })?;
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
        SdfReader { reader, name: name.into(), line: 0, record: 0, buf: Vec::new(), done: false }
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
        SdfError::Io { file: self.name.clone(), source }
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
    fn require_line(&mut self, expected: impl FnOnce() -> String) -> Result<Result<String, Located>, std::io::Error> {
        Ok(match self.next_line()? {
            Some(l) => Ok(l),
            None => Err(Located { line: self.line + 1, problem: SdfProblem::Truncated { expected: expected() } }),
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
                    let what = if n == 4 { "the counts line".to_string() } else { format!("header line {n}") };
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
            Err(problem) => return Ok(Some(Err(Located { line: counts_line_no, problem }))),
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
                Err(problem) => return Ok(Some(Err(Located { line: self.line, problem }))),
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
                Err(problem) => return Ok(Some(Err(Located { line: here, problem }))),
            };
            let bad_graph = |e| Ok(Some(Err(Located { line: here, problem: SdfProblem::BadGraph(e) })));
            if bond.begin == bond.end {
                return bad_graph(MoleculeError::SelfBond { bond: j, atom: bond.begin });
            }
            if !pairs.insert((bond.begin.min(bond.end), bond.begin.max(bond.end))) {
                return bad_graph(MoleculeError::DuplicateBond { bond: j, begin: bond.begin, end: bond.end });
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
                return Ok(Some(Err(Located { line: self.line, problem: SdfProblem::MissingEnd })));
            }
            let kind = line.get(..6).unwrap_or("");
            if !matches!(kind, "M  CHG" | "M  ISO" | "M  RAD") {
                continue;
            }
            let pairs = match property_pairs(&line, n_atoms) {
                Ok(p) => p,
                Err(problem) => return Ok(Some(Err(Located { line: self.line, problem }))),
            };
            if kind == "M  CHG" && !charges_reset {
                charges_reset = true;
                for a in &mut atoms {
                    a.charge = 0;
                }
            }
            for (atom, value) in pairs {
                let problem = |expected| SdfProblem::BadValue { field: "property value", value, expected };
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
                    return Ok(Some(Err(Located { line: self.line, problem })));
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
            Err(problem) => return Ok(Some(Err(Located { line: counts_line_no, problem }))),
        };
        Ok(Some(Ok(SdfRecord { index: self.record, title: title.trim_end().to_string(), molecule, tags })))
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
mod tests;
