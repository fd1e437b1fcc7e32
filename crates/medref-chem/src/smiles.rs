//! A SMILES reader for the OpenSMILES subset that ChEMBL and PubChem
//! write: organic-subset and bracket atoms, bonds `- = # $ : / \`,
//! branches, ring closures (`1`, `%12`, `%(123)`) and `.`-separated parts.
//!
//! It reads bytes, never recurses and never indexes past the input, so any
//! string (however broken) yields a [`Molecule`] or a [`SmilesError`] that
//! names the 0-based byte position (the character position for ASCII
//! SMILES) and what was expected there.
//!
//! Conventions, chosen to match RDKit's reading of the same strings:
//! - Implicit hydrogens of organic-subset atoms come from default valences
//!   ([`crate::elements::implicit_hydrogens`]); bracket atoms carry exactly
//!   the hydrogens written.
//! - An unwritten bond between two aromatic atoms is aromatic when it lies
//!   on a ring and single otherwise (the bond joining the rings of
//!   biphenyl `c1ccccc1c1ccccc1`).
//! - Plain `[H]` atoms bonded to a heavy atom are folded into its hydrogen
//!   count; `[2H]`, `[H+]` and `[H][H]` stay atoms. A bare `H` outside
//!   brackets (`n(H)`, not OpenSMILES) is read as `[H]`, as RDKit does:
//!   the Huuskonen solubility files contain it.
//! - Chirality (`@`, `@@`) and `/ \` are kept as marks, not interpreted.
//!   Hypervalent N, P, halogens are charge-separated and aromaticity is
//!   perceived afresh, as RDKit does (`crate::sanitize`).

use std::collections::HashSet;

use crate::elements;
use crate::molecule::{self, Atom, Bond, BondOrder, BondStereo, Molecule};

mod atoms;
mod pyrrole;
mod rings;

use pyrrole::infer_pyrrole_hydrogens;

/// Why a SMILES string could not be read. Every variant but
/// [`SmilesError::Empty`] carries the 0-based byte position of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmilesError {
    /// The string holds no atom.
    #[error("empty SMILES: expected at least one atom")]
    Empty,
    /// A character that cannot appear here.
    #[error("position {position}: unexpected {found:?}, expected {expected}")]
    Unexpected {
        /// Where.
        position: usize,
        /// What was found.
        found: char,
        /// What would have been valid.
        expected: &'static str,
    },
    /// The string ended in the middle of something.
    #[error("position {position}: SMILES ends early, expected {expected}")]
    UnexpectedEnd {
        /// The end of the input.
        position: usize,
        /// What was still needed.
        expected: &'static str,
    },
    /// Letters that name no element.
    #[error("position {position}: unknown element '{symbol}'")]
    UnknownElement {
        /// Where the symbol starts.
        position: usize,
        /// The letters read.
        symbol: String,
    },
    /// An element outside the organic subset written without brackets.
    #[error("position {position}: element '{symbol}' must be written in brackets, e.g. [{symbol}]")]
    NeedsBrackets {
        /// Where the symbol starts.
        position: usize,
        /// The element symbol.
        symbol: String,
    },
    /// A bracket atom that does not follow `[isotope symbol chirality hcount charge :class]`.
    #[error("position {position}: bad bracket atom: {reason}")]
    BadBracketAtom {
        /// Where the problem is.
        position: usize,
        /// What was wrong.
        reason: &'static str,
    },
    /// A bond symbol with no atom after it (end of string, `)`, `.`).
    #[error("position {position}: bond '{bond}' has no atom after it")]
    BondAtEnd {
        /// Where the bond symbol is.
        position: usize,
        /// The bond symbol.
        bond: char,
    },
    /// A `)` without its `(`.
    #[error("position {position}: unmatched ')'")]
    UnmatchedBranchClose {
        /// Where the `)` is.
        position: usize,
    },
    /// A `(` never closed.
    #[error("position {position}: branch '(' is never closed, expected ')'")]
    UnclosedBranch {
        /// Where the `(` is.
        position: usize,
    },
    /// A branch with no atom inside, `C()C`.
    #[error("position {position}: empty branch '()', expected an atom inside")]
    EmptyBranch {
        /// Where the `)` is.
        position: usize,
    },
    /// A ring-closure digit opened and never closed.
    #[error("position {position}: unclosed ring {ring}, expected a second '{ring}' to close it")]
    UnclosedRing {
        /// Where the ring was opened.
        position: usize,
        /// The ring-closure number.
        ring: u32,
    },
    /// A ring closure that would bond an atom to itself (`C11`).
    #[error("position {position}: ring closure {ring} bonds an atom to itself")]
    RingClosureToSelf {
        /// Where the closing digit is.
        position: usize,
        /// The ring-closure number.
        ring: u32,
    },
    /// A ring closure between atoms that are already bonded (`C1C1`, `C12CCC12`).
    #[error("position {position}: ring closure {ring} repeats an existing bond")]
    DuplicateBond {
        /// Where the closing digit is.
        position: usize,
        /// The ring-closure number.
        ring: u32,
    },
    /// The two ends of a ring closure give different bond orders (`C=1CC-1`).
    #[error("position {position}: ring closure {ring} has bond '{opened}' at one end and '{closed}' at the other")]
    RingBondConflict {
        /// Where the closing digit is.
        position: usize,
        /// The ring-closure number.
        ring: u32,
        /// Bond symbol at the opening.
        opened: char,
        /// Bond symbol at the closing.
        closed: char,
    },
}

impl SmilesError {
    /// The 0-based byte position of the problem (0 for an empty string).
    pub fn position(&self) -> usize {
        match self {
            SmilesError::Empty => 0,
            SmilesError::Unexpected { position, .. }
            | SmilesError::UnexpectedEnd { position, .. }
            | SmilesError::UnknownElement { position, .. }
            | SmilesError::NeedsBrackets { position, .. }
            | SmilesError::BadBracketAtom { position, .. }
            | SmilesError::BondAtEnd { position, .. }
            | SmilesError::UnmatchedBranchClose { position }
            | SmilesError::UnclosedBranch { position }
            | SmilesError::EmptyBranch { position }
            | SmilesError::UnclosedRing { position, .. }
            | SmilesError::RingClosureToSelf { position, .. }
            | SmilesError::DuplicateBond { position, .. }
            | SmilesError::RingBondConflict { position, .. } => *position,
        }
    }
}

/// An element outside the organic subset written without brackets needs
/// them; letters that are no element are unknown.
fn unbracketed_symbol_error(position: usize, symbol: String) -> SmilesError {
    if elements::atomic_number(&symbol).is_some() {
        SmilesError::NeedsBrackets { position, symbol }
    } else {
        SmilesError::UnknownElement { position, symbol }
    }
}

/// Reads one SMILES string (no surrounding whitespace, no title) into a
/// [`Molecule`].
pub fn parse_smiles(smiles: &str) -> Result<Molecule, SmilesError> {
    Parser::new(smiles.as_bytes()).run()
}

/// A bond symbol waiting for the atom or ring digit it applies to.
#[derive(Clone, Copy)]
struct PendingBond {
    order: BondOrder,
    stereo: BondStereo,
    symbol: u8,
    position: usize,
}

impl PendingBond {
    /// The error for a bond with no atom after it (before `)`, `.` or the
    /// end of the string).
    fn dangling(&self) -> SmilesError {
        SmilesError::BondAtEnd { position: self.position, bond: char::from(self.symbol) }
    }
}

/// A ring-closure number seen once.
struct OpenRing {
    number: u32,
    atom: usize,
    bond: Option<PendingBond>,
    position: usize,
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    atoms: Vec<Atom>,
    /// Whether each atom is an organic-subset atom (gets implicit H).
    organic: Vec<bool>,
    /// The bond that attached each atom to the chain, if any.
    chain_parent: Vec<Option<usize>>,
    bonds: Vec<Bond>,
    /// Whether each bond's order was inferred rather than written.
    implicit: Vec<bool>,
    /// Atom pairs joined by ring closures so far; past
    /// [`FEW_RING_PAIRS`] they go to `many_ring_pairs` instead, so
    /// adversarial strings stay linear without hashing the common case.
    ring_pairs: Vec<(usize, usize)>,
    many_ring_pairs: HashSet<(usize, usize)>,
}

/// Ring closures looked up by linear scan before switching to a hash set.
const FEW_RING_PAIRS: usize = 32;

impl<'a> Parser<'a> {
    fn new(s: &'a [u8]) -> Self {
        let guess = s.len() / 2 + 1;
        Parser {
            s,
            pos: 0,
            atoms: Vec::with_capacity(guess),
            organic: Vec::with_capacity(guess),
            chain_parent: Vec::with_capacity(guess),
            bonds: Vec::with_capacity(guess),
            implicit: Vec::with_capacity(guess),
            ring_pairs: Vec::new(),
            many_ring_pairs: HashSet::new(),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.s.get(self.pos + offset).copied()
    }

    /// The character at `position` for messages (non-ASCII bytes show as
    /// the replacement character).
    fn char_at(&self, position: usize) -> char {
        match self.s.get(position) {
            Some(&b) if b.is_ascii() => char::from(b),
            _ => char::REPLACEMENT_CHARACTER,
        }
    }

    fn unexpected(&self, position: usize, expected: &'static str) -> SmilesError {
        SmilesError::Unexpected { position, found: self.char_at(position), expected }
    }

    fn run(mut self) -> Result<Molecule, SmilesError> {
        if self.s.is_empty() {
            return Err(SmilesError::Empty);
        }
        let mut prev: Option<usize> = None;
        let mut pending: Option<PendingBond> = None;
        // (atom the branch hangs from, position of '(', atoms before it)
        let mut branches: Vec<(usize, usize, usize)> = Vec::new();
        let mut rings: Vec<OpenRing> = Vec::new();
        let mut dot: Option<usize> = None;
        // True between '(' and the branch's first atom, where a ring digit
        // would have no atom of its own (`C(1CC1)`).
        let mut branch_just_opened = false;

        while let Some(c) = self.peek() {
            let here = self.pos;
            match c {
                b'(' => {
                    let Some(p) = prev else {
                        return Err(self.unexpected(here, "an atom before '('"));
                    };
                    if pending.is_some() {
                        return Err(self.unexpected(here, "an atom after the bond (write C(=O), not C=(O))"));
                    }
                    branches.push((p, here, self.atoms.len()));
                    branch_just_opened = true;
                    self.pos += 1;
                }
                b')' => {
                    if let Some(b) = pending {
                        return Err(b.dangling());
                    }
                    if let Some(d) = dot {
                        return Err(self.unexpected(d, "an atom after '.'"));
                    }
                    let Some((atom, _, before)) = branches.pop() else {
                        return Err(SmilesError::UnmatchedBranchClose { position: here });
                    };
                    if self.atoms.len() == before {
                        return Err(SmilesError::EmptyBranch { position: here });
                    }
                    prev = Some(atom);
                    self.pos += 1;
                }
                b'-' | b'=' | b'#' | b'$' | b':' | b'/' | b'\\' => {
                    if prev.is_none() {
                        return Err(self.unexpected(here, "an atom before the bond"));
                    }
                    if pending.is_some() {
                        return Err(self.unexpected(here, "an atom or ring digit, not a second bond"));
                    }
                    let (order, stereo) = match c {
                        b'=' => (BondOrder::Double, BondStereo::None),
                        b'#' => (BondOrder::Triple, BondStereo::None),
                        b'$' => (BondOrder::Quadruple, BondStereo::None),
                        b':' => (BondOrder::Aromatic, BondStereo::None),
                        b'/' => (BondOrder::Single, BondStereo::Up),
                        b'\\' => (BondOrder::Single, BondStereo::Down),
                        _ => (BondOrder::Single, BondStereo::None),
                    };
                    pending = Some(PendingBond { order, stereo, symbol: c, position: here });
                    self.pos += 1;
                }
                b'.' => {
                    if let Some(b) = pending {
                        return Err(b.dangling());
                    }
                    if prev.is_none() {
                        return Err(self.unexpected(here, "an atom before '.'"));
                    }
                    prev = None;
                    dot = Some(here);
                    self.pos += 1;
                }
                b'0'..=b'9' | b'%' => {
                    let Some(cur) = prev.filter(|_| !branch_just_opened) else {
                        return Err(self.unexpected(here, "an atom before the ring-closure digit"));
                    };
                    let number = self.ring_number()?;
                    let bond = pending.take();
                    if let Some(i) = rings.iter().position(|r| r.number == number) {
                        let open = rings.swap_remove(i);
                        self.close_ring(open, cur, bond, here)?;
                    } else {
                        rings.push(OpenRing { number, atom: cur, bond, position: here });
                    }
                }
                b'[' => {
                    let atom = self.bracket_atom()?;
                    self.add_atom(atom, false, &mut prev, &mut pending);
                    dot = None;
                    branch_just_opened = false;
                }
                _ => {
                    let atom = self.organic_atom()?;
                    self.add_atom(atom, true, &mut prev, &mut pending);
                    dot = None;
                    branch_just_opened = false;
                }
            }
        }

        let end = self.s.len();
        if let Some(b) = pending {
            return Err(b.dangling());
        }
        if let Some(d) = dot {
            return Err(SmilesError::UnexpectedEnd { position: end.max(d + 1), expected: "an atom after '.'" });
        }
        if let Some(&(_, position, _)) = branches.first() {
            return Err(SmilesError::UnclosedBranch { position });
        }
        if let Some(r) = rings.iter().min_by_key(|r| r.position) {
            return Err(SmilesError::UnclosedRing { position: r.position, ring: r.number });
        }
        if self.atoms.is_empty() {
            return Err(SmilesError::Empty);
        }
        Ok(self.finish())
    }

    fn add_atom(&mut self, atom: Atom, organic: bool, prev: &mut Option<usize>, pending: &mut Option<PendingBond>) {
        let idx = self.atoms.len();
        let aromatic = atom.aromatic;
        self.atoms.push(atom);
        self.organic.push(organic);
        match *prev {
            Some(p) => {
                let bond_index = self.bonds.len();
                let both_aromatic = aromatic && self.atoms.get(p).is_some_and(|a| a.aromatic);
                self.push_bond(p, idx, pending.take(), both_aromatic);
                self.chain_parent.push(Some(bond_index));
            }
            None => self.chain_parent.push(None),
        }
        *prev = Some(idx);
    }

    fn push_bond(&mut self, a: usize, b: usize, written: Option<PendingBond>, both_aromatic: bool) {
        let (order, stereo, implicit) = match written {
            Some(w) => (w.order, w.stereo, false),
            None if both_aromatic => (BondOrder::Aromatic, BondStereo::None, true),
            None => (BondOrder::Single, BondStereo::None, true),
        };
        self.bonds.push(Bond { begin: a, end: b, order, stereo });
        self.implicit.push(implicit);
    }

    fn finish(self) -> Molecule {
        let Parser { mut atoms, organic, bonds, implicit, .. } = self;
        let valence = molecule::bond_valences(atoms.len(), &bonds);
        for ((atom, &is_organic), &v) in atoms.iter_mut().zip(&organic).zip(&valence) {
            if is_organic {
                atom.hydrogens = elements::implicit_hydrogens(atom.atomic_number, atom.charge, atom.aromatic, v);
            }
        }
        infer_pyrrole_hydrogens(&mut atoms, &organic, &bonds, &valence);
        let (atoms, bonds, kept) = molecule::fold_hydrogens(atoms, bonds);
        let implicit: Vec<bool> = implicit.into_iter().zip(kept).filter(|(_, k)| *k).map(|(i, _)| i).collect();
        // The parser only ever bonds existing, distinct, unbonded atoms.
        let mut mol = Molecule::new(atoms, bonds).unwrap_or_default();
        for (b, &was_implicit) in implicit.iter().enumerate() {
            let aromatic = mol.bonds().get(b).is_some_and(|bond| bond.order == BondOrder::Aromatic);
            if was_implicit && aromatic && !mol.bond_in_ring(b) {
                mol.set_bond_order(b, BondOrder::Single);
            }
        }
        crate::sanitize::sanitize(&mol)
    }
}

#[cfg(test)]
mod tests;
