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
use crate::molecule::{self, Atom, Bond, BondOrder, BondStereo, Chirality, Molecule};

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
    #[error(
        "position {position}: element '{symbol}' must be written in brackets, e.g. [{symbol}]"
    )]
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
        SmilesError::BondAtEnd {
            position: self.position,
            bond: char::from(self.symbol),
        }
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
        SmilesError::Unexpected {
            position,
            found: self.char_at(position),
            expected,
        }
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
                        return Err(self
                            .unexpected(here, "an atom after the bond (write C(=O), not C=(O))"));
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
                        return Err(
                            self.unexpected(here, "an atom or ring digit, not a second bond")
                        );
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
                    pending = Some(PendingBond {
                        order,
                        stereo,
                        symbol: c,
                        position: here,
                    });
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
                        rings.push(OpenRing {
                            number,
                            atom: cur,
                            bond,
                            position: here,
                        });
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
            return Err(SmilesError::UnexpectedEnd {
                position: end.max(d + 1),
                expected: "an atom after '.'",
            });
        }
        if let Some(&(_, position, _)) = branches.first() {
            return Err(SmilesError::UnclosedBranch { position });
        }
        if let Some(r) = rings.iter().min_by_key(|r| r.position) {
            return Err(SmilesError::UnclosedRing {
                position: r.position,
                ring: r.number,
            });
        }
        if self.atoms.is_empty() {
            return Err(SmilesError::Empty);
        }
        Ok(self.finish())
    }

    fn add_atom(
        &mut self,
        atom: Atom,
        organic: bool,
        prev: &mut Option<usize>,
        pending: &mut Option<PendingBond>,
    ) {
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
        self.bonds.push(Bond {
            begin: a,
            end: b,
            order,
            stereo,
        });
        self.implicit.push(implicit);
    }

    /// Reads `d`, `%dd` or `%(d...)` at the cursor.
    fn ring_number(&mut self) -> Result<u32, SmilesError> {
        let start = self.pos;
        match self.peek() {
            Some(d @ b'0'..=b'9') => {
                self.pos += 1;
                Ok(u32::from(d - b'0'))
            }
            Some(b'%') => {
                self.pos += 1;
                if self.peek() == Some(b'(') {
                    self.pos += 1;
                    let number = self.digits(5, "a ring number inside %( )")?;
                    match self.peek() {
                        Some(b')') => {
                            self.pos += 1;
                            Ok(number)
                        }
                        Some(_) => Err(self.unexpected(self.pos, "')' closing %(")),
                        None => Err(SmilesError::UnexpectedEnd {
                            position: self.pos,
                            expected: "')' closing %(",
                        }),
                    }
                } else {
                    let mut number = 0u32;
                    for _ in 0..2 {
                        match self.peek() {
                            Some(d @ b'0'..=b'9') => {
                                number = number * 10 + u32::from(d - b'0');
                                self.pos += 1;
                            }
                            Some(_) => {
                                return Err(self.unexpected(self.pos, "two digits after '%'"))
                            }
                            None => {
                                return Err(SmilesError::UnexpectedEnd {
                                    position: self.pos,
                                    expected: "two digits after '%'",
                                })
                            }
                        }
                    }
                    Ok(number)
                }
            }
            _ => Err(self.unexpected(start, "a ring-closure digit")),
        }
    }

    /// Reads 1 to `max_len` decimal digits.
    fn digits(&mut self, max_len: usize, expected: &'static str) -> Result<u32, SmilesError> {
        let first = self.pos;
        let mut value = 0u32;
        while let Some(d @ b'0'..=b'9') = self.peek() {
            if self.pos - first >= max_len {
                return Err(self.unexpected(self.pos, expected));
            }
            value = value * 10 + u32::from(d - b'0');
            self.pos += 1;
        }
        if self.pos == first {
            return match self.peek() {
                Some(_) => Err(self.unexpected(self.pos, expected)),
                None => Err(SmilesError::UnexpectedEnd {
                    position: self.pos,
                    expected,
                }),
            };
        }
        Ok(value)
    }

    fn close_ring(
        &mut self,
        open: OpenRing,
        cur: usize,
        closing: Option<PendingBond>,
        position: usize,
    ) -> Result<(), SmilesError> {
        let ring = open.number;
        if open.atom == cur {
            return Err(SmilesError::RingClosureToSelf { position, ring });
        }
        let pair = (open.atom.min(cur), open.atom.max(cur));
        let chain_bonded = |child: usize, parent: usize| {
            self.chain_parent
                .get(child)
                .copied()
                .flatten()
                .and_then(|b| self.bonds.get(b))
                .is_some_and(|b| b.begin == parent)
        };
        let ring_bonded = self.ring_pairs.contains(&pair) || self.many_ring_pairs.contains(&pair);
        if chain_bonded(cur, open.atom) || chain_bonded(open.atom, cur) || ring_bonded {
            return Err(SmilesError::DuplicateBond { position, ring });
        }
        let written = match (open.bond, closing) {
            (Some(a), Some(b)) if a.order != b.order => {
                return Err(SmilesError::RingBondConflict {
                    position,
                    ring,
                    opened: char::from(a.symbol),
                    closed: char::from(b.symbol),
                })
            }
            (a, b) => a.or(b),
        };
        let both_aromatic = self.atoms.get(open.atom).is_some_and(|a| a.aromatic)
            && self.atoms.get(cur).is_some_and(|a| a.aromatic);
        if self.ring_pairs.len() < FEW_RING_PAIRS {
            self.ring_pairs.push(pair);
        } else {
            self.many_ring_pairs.insert(pair);
        }
        self.push_bond(open.atom, cur, written, both_aromatic);
        Ok(())
    }

    /// An atom outside brackets: B C N O P S F Cl Br I, b c n o p s, `*`, `H`.
    fn organic_atom(&mut self) -> Result<Atom, SmilesError> {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Err(SmilesError::UnexpectedEnd {
                position: start,
                expected: "an atom",
            });
        };
        let next = self.peek_at(1);
        // An uppercase letter followed by a lowercase one that cannot start
        // an aromatic atom is a two-letter symbol: `Na`, `Si`, `Xx`.
        if let (b'A'..=b'Z', Some(l @ b'a'..=b'z')) = (c, next) {
            let organic_pair = matches!((c, l), (b'C', b'l') | (b'B', b'r'));
            if !organic_pair && !matches!(l, b'b' | b'c' | b'n' | b'o' | b'p' | b's') {
                let symbol: String = [char::from(c), char::from(l)].iter().collect();
                return Err(unbracketed_symbol_error(start, symbol));
            }
        }
        let (z, aromatic, len) = match (c, next) {
            (b'C', Some(b'l')) => (17, false, 2),
            (b'B', Some(b'r')) => (35, false, 2),
            (b'B', _) => (5, false, 1),
            (b'C', _) => (6, false, 1),
            (b'N', _) => (7, false, 1),
            (b'O', _) => (8, false, 1),
            (b'P', _) => (15, false, 1),
            (b'S', _) => (16, false, 1),
            (b'F', _) => (9, false, 1),
            (b'I', _) => (53, false, 1),
            // Not OpenSMILES, but RDKit reads it and real files use it.
            (b'H', _) => (1, false, 1),
            (b'b', _) => (5, true, 1),
            (b'c', _) => (6, true, 1),
            (b'n', _) => (7, true, 1),
            (b'o', _) => (8, true, 1),
            (b'p', _) => (15, true, 1),
            (b's', _) => (16, true, 1),
            (b'*', _) => (0, false, 1),
            (b'A'..=b'Z', _) => {
                return Err(unbracketed_symbol_error(start, char::from(c).to_string()));
            }
            (b'a'..=b'z', _) => {
                return Err(SmilesError::UnknownElement {
                    position: start,
                    symbol: char::from(c).to_string(),
                })
            }
            _ => return Err(self.unexpected(start, "an atom, bond, branch or ring-closure digit")),
        };
        self.pos += len;
        let mut atom = Atom::new(z);
        atom.aromatic = aromatic;
        Ok(atom)
    }

    /// `[` isotope? symbol chirality? hcount? charge? class? `]`.
    fn bracket_atom(&mut self) -> Result<Atom, SmilesError> {
        let open = self.pos;
        self.pos += 1;
        let bad = |position: usize, reason: &'static str| SmilesError::BadBracketAtom {
            position,
            reason,
        };

        let isotope = if matches!(self.peek(), Some(b'0'..=b'9')) {
            let value = self.digits(5, "an isotope of at most 5 digits")?;
            Some(u16::try_from(value).map_err(|_| bad(open + 1, "isotope above 65535"))?)
        } else {
            None
        };

        let sym_pos = self.pos;
        let (z, aromatic) = match self.peek() {
            None => return Err(bad(sym_pos, "unclosed '[', expected an element symbol")),
            Some(b'*') => {
                self.pos += 1;
                (0, false)
            }
            Some(u @ b'A'..=b'Z') => {
                let mut two = String::from(char::from(u));
                if let Some(l @ b'a'..=b'z') = self.peek_at(1) {
                    two.push(char::from(l));
                    if let Some(z) = elements::atomic_number(&two) {
                        self.pos += 2;
                        (z, false)
                    } else if let Some(z) = elements::atomic_number(&two[..1]) {
                        self.pos += 1;
                        (z, false)
                    } else {
                        return Err(SmilesError::UnknownElement {
                            position: sym_pos,
                            symbol: two,
                        });
                    }
                } else if let Some(z) = elements::atomic_number(&two) {
                    self.pos += 1;
                    (z, false)
                } else {
                    return Err(SmilesError::UnknownElement {
                        position: sym_pos,
                        symbol: two,
                    });
                }
            }
            Some(b'a'..=b'z') => {
                let pair = (self.peek(), self.peek_at(1));
                let (z, len) = match pair {
                    (Some(b's'), Some(b'e')) => (34, 2),
                    (Some(b'a'), Some(b's')) => (33, 2),
                    (Some(b't'), Some(b'e')) => (52, 2),
                    (Some(b'b'), _) => (5, 1),
                    (Some(b'c'), _) => (6, 1),
                    (Some(b'n'), _) => (7, 1),
                    (Some(b'o'), _) => (8, 1),
                    (Some(b'p'), _) => (15, 1),
                    (Some(b's'), _) => (16, 1),
                    _ => {
                        let end = (sym_pos + 2).min(self.s.len());
                        let symbol =
                            String::from_utf8_lossy(self.s.get(sym_pos..end).unwrap_or(&[]))
                                .into_owned();
                        return Err(SmilesError::UnknownElement {
                            position: sym_pos,
                            symbol,
                        });
                    }
                };
                self.pos += len;
                (z, true)
            }
            Some(_) => {
                return Err(bad(
                    sym_pos,
                    "expected an element symbol after '[' and the isotope",
                ))
            }
        };

        let mut atom = Atom::new(z);
        atom.isotope = isotope;
        atom.aromatic = aromatic;

        if self.peek() == Some(b'@') {
            self.pos += 1;
            atom.chirality = if self.peek() == Some(b'@') {
                self.pos += 1;
                Chirality::Clockwise
            } else {
                Chirality::CounterClockwise
            };
            if matches!(self.peek(), Some(b'T' | b'A' | b'S' | b'O')) {
                return Err(bad(
                    self.pos,
                    "chirality classes @TH, @AL, @SP, @TB, @OH are not supported",
                ));
            }
        }

        if self.peek() == Some(b'H') {
            self.pos += 1;
            atom.hydrogens = match self.peek() {
                Some(d @ b'0'..=b'9') => {
                    self.pos += 1;
                    d - b'0'
                }
                _ => 1,
            };
        }

        if let Some(sign @ (b'+' | b'-')) = self.peek() {
            let charge_pos = self.pos;
            self.pos += 1;
            let mut magnitude: u32 = 1;
            if matches!(self.peek(), Some(b'0'..=b'9')) {
                magnitude = self.digits(2, "a charge of at most two digits")?;
            } else {
                while self.peek() == Some(sign) {
                    magnitude += 1;
                    self.pos += 1;
                }
            }
            if magnitude > 15 {
                return Err(bad(charge_pos, "charge magnitude above 15"));
            }
            // magnitude <= 15 fits i8.
            let m = magnitude as i8;
            atom.charge = if sign == b'+' { m } else { -m };
        }

        if self.peek() == Some(b':') {
            self.pos += 1;
            atom.atom_class = self.digits(9, "an atom class number after ':'")?;
        }

        match self.peek() {
            Some(b']') => {
                self.pos += 1;
                Ok(atom)
            }
            Some(_) => Err(bad(
                self.pos,
                "expected ']' (order inside brackets: isotope, symbol, @, H count, charge, :class)",
            )),
            None => Err(bad(self.pos, "unclosed '[', expected ']'")),
        }
    }

    fn finish(self) -> Molecule {
        let Parser {
            mut atoms,
            organic,
            bonds,
            implicit,
            ..
        } = self;
        let valence = molecule::bond_valences(atoms.len(), &bonds);
        for ((atom, &is_organic), &v) in atoms.iter_mut().zip(&organic).zip(&valence) {
            if is_organic {
                atom.hydrogens =
                    elements::implicit_hydrogens(atom.atomic_number, atom.charge, atom.aromatic, v);
            }
        }
        infer_pyrrole_hydrogens(&mut atoms, &organic, &bonds, &valence);
        let (atoms, bonds, kept) = molecule::fold_hydrogens(atoms, bonds);
        let implicit: Vec<bool> = implicit
            .into_iter()
            .zip(kept)
            .filter(|(_, k)| *k)
            .map(|(i, _)| i)
            .collect();
        // The parser only ever bonds existing, distinct, unbonded atoms.
        let mut mol = Molecule::new(atoms, bonds).unwrap_or_default();
        for (b, &was_implicit) in implicit.iter().enumerate() {
            let aromatic = mol
                .bonds()
                .get(b)
                .is_some_and(|bond| bond.order == BondOrder::Aromatic);
            if was_implicit && aromatic && !mol.bond_in_ring(b) {
                mol.set_bond_order(b, BondOrder::Single);
            }
        }
        crate::sanitize::sanitize(&mol)
    }
}

/// Aromatic systems bigger than this are left alone by
/// [`infer_pyrrole_hydrogens`] (its search is exponential in the worst case).
const MAX_INFERENCE_ATOMS: usize = 200;
/// Search steps allowed per aromatic system.
const MAX_INFERENCE_STEPS: u32 = 100_000;

/// Gives `[nH]` hydrogens to aromatic `n` atoms written without them, as in
/// `c1ccnc1` for pyrrole (RDKit refuses such strings; sloppy datasets,
/// including the Huuskonen set, contain them).
///
/// An aromatic atom "needs" a double bond in a Kekulé structure when its
/// lowest valence leaves exactly one unit after its bonds (aromatic ones
/// count 1) and hydrogens. When the atoms that need one cannot all be
/// paired along aromatic bonds, the fewest organic-subset `n` atoms with
/// two aromatic bonds and no H are made `[nH]`, first such set in atom
/// order, until they can. Systems that already pair up, or that no such
/// choice fixes, are not changed.
fn infer_pyrrole_hydrogens(atoms: &mut [Atom], organic: &[bool], bonds: &[Bond], valence: &[u32]) {
    let n = atoms.len();
    if !atoms.iter().any(|a| a.aromatic) {
        return;
    }
    let mut needs: Vec<bool> = (0..n)
        .map(|i| {
            let a = &atoms[i];
            let lowest = elements::default_valences(a.atomic_number, a.charge)
                .first()
                .copied();
            let used = valence.get(i).copied().unwrap_or(0) + u32::from(a.hydrogens);
            a.aromatic && lowest.is_some_and(|v| u32::from(v) == used + 1)
        })
        .collect();
    let adjacency = AromaticAdjacency::new(n, bonds);
    let mut seen = vec![false; n];
    for start in 0..n {
        if seen[start] || !needs[start] {
            continue;
        }
        // The atoms needing a double bond that are joined by aromatic bonds.
        let mut system = vec![start];
        seen[start] = true;
        let mut head = 0;
        while let Some(&v) = system.get(head) {
            head += 1;
            for &u in adjacency.of(v) {
                if needs[u] && !seen[u] {
                    seen[u] = true;
                    system.push(u);
                }
            }
        }
        if system.len() > MAX_INFERENCE_ATOMS {
            continue;
        }
        system.sort_unstable();
        let mut mate = vec![usize::MAX; n];
        if pairs_up(&system, &needs, &adjacency, &mut mate) != Some(false) {
            continue;
        }
        let candidates: Vec<usize> = system
            .iter()
            .copied()
            .filter(|&i| {
                let a = &atoms[i];
                organic.get(i) == Some(&true)
                    && a.atomic_number == 7
                    && a.charge == 0
                    && a.hydrogens == 0
                    && adjacency.of(i).len() == 2
                    && valence.get(i) == Some(&2)
            })
            .collect();
        'sizes: for k in 1..=candidates.len().min(4) {
            if (system.len() - k) % 2 != 0 {
                continue;
            }
            let mut pick: Vec<usize> = (0..k).collect();
            loop {
                for &p in &pick {
                    needs[candidates[p]] = false;
                }
                mate.fill(usize::MAX);
                let ok = pairs_up(&system, &needs, &adjacency, &mut mate) == Some(true);
                for &p in &pick {
                    needs[candidates[p]] = true;
                }
                if ok {
                    for &p in &pick {
                        atoms[candidates[p]].hydrogens = 1;
                        needs[candidates[p]] = false;
                    }
                    break 'sizes;
                }
                if !next_combination(&mut pick, candidates.len()) {
                    break;
                }
            }
        }
    }
}

/// Whether every atom of `system` with `needs` set can be paired with a
/// neighbour that also needs one; `None` when the search ran too long.
/// Depth-first with an explicit stack: (atom, next neighbour to try).
fn pairs_up(
    system: &[usize],
    needs: &[bool],
    adjacency: &AromaticAdjacency,
    mate: &mut [usize],
) -> Option<bool> {
    let unpaired = |mate: &[usize]| {
        system
            .iter()
            .copied()
            .find(|&v| needs[v] && mate[v] == usize::MAX)
    };
    let mut stack: Vec<(usize, usize)> = Vec::new();
    let mut steps = 0u32;
    let Some(first) = unpaired(mate) else {
        return Some(true);
    };
    stack.push((first, 0));
    while let Some(&mut (v, ref mut next)) = stack.last_mut() {
        steps += 1;
        if steps > MAX_INFERENCE_STEPS {
            return None;
        }
        // Undo the pairing made at this level before trying the next one.
        if mate[v] != usize::MAX {
            let u = mate[v];
            mate[u] = usize::MAX;
            mate[v] = usize::MAX;
        }
        let choice = adjacency
            .of(v)
            .iter()
            .enumerate()
            .skip(*next)
            .find(|&(_, &u)| needs[u] && mate[u] == usize::MAX);
        match choice {
            Some((k, &u)) => {
                *next = k + 1;
                mate[v] = u;
                mate[u] = v;
                match unpaired(mate) {
                    None => return Some(true),
                    Some(w) => stack.push((w, 0)),
                }
            }
            None => {
                stack.pop();
            }
        }
    }
    Some(false)
}

/// Neighbours along aromatic bonds, in compressed form (two allocations
/// per molecule instead of one per atom).
struct AromaticAdjacency {
    start: Vec<usize>,
    list: Vec<usize>,
}

impl AromaticAdjacency {
    fn new(n: usize, bonds: &[Bond]) -> Self {
        let aromatic = || {
            bonds
                .iter()
                .filter(|b| b.order == BondOrder::Aromatic && b.begin < n && b.end < n)
        };
        let mut start = vec![0usize; n + 1];
        for b in aromatic() {
            start[b.begin + 1] += 1;
            start[b.end + 1] += 1;
        }
        for i in 1..=n {
            start[i] += start[i - 1];
        }
        let mut fill = start.clone();
        let mut list = vec![0usize; start[n]];
        for b in aromatic() {
            list[fill[b.begin]] = b.end;
            fill[b.begin] += 1;
            list[fill[b.end]] = b.begin;
            fill[b.end] += 1;
        }
        AromaticAdjacency { start, list }
    }

    fn of(&self, atom: usize) -> &[usize] {
        &self.list[self.start[atom]..self.start[atom + 1]]
    }
}

/// Advances `pick` (sorted indices below `n`) to the next combination in
/// lexicographic order; false after the last.
fn next_combination(pick: &mut [usize], n: usize) -> bool {
    let k = pick.len();
    for i in (0..k).rev() {
        if pick[i] < n - k + i {
            pick[i] += 1;
            for j in i + 1..k {
                pick[j] = pick[j - 1] + 1;
            }
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mol(s: &str) -> Molecule {
        parse_smiles(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn hydrogens(s: &str) -> Vec<u8> {
        mol(s).atoms().iter().map(|a| a.hydrogens).collect()
    }

    #[test]
    fn organic_subset_gets_implicit_hydrogens() {
        assert_eq!(hydrogens("CCO"), vec![3, 2, 1]);
        assert_eq!(hydrogens("C=C"), vec![2, 2]);
        assert_eq!(hydrogens("C#N"), vec![1, 0]);
        assert_eq!(hydrogens("ClCBr"), vec![0, 2, 0]);
        assert_eq!(hydrogens("c1ccccc1"), vec![1; 6]);
        assert_eq!(hydrogens("n1ccccc1"), vec![0, 1, 1, 1, 1, 1]);
        assert_eq!(hydrogens("c1ccc2ccccc2c1")[3], 0);
        assert_eq!(hydrogens("CN(=O)=O"), vec![3, 0, 0, 0]);
        assert_eq!(hydrogens("CS(=O)(=O)C"), vec![3, 0, 0, 0, 3]);
        assert_eq!(mol("Cn1cnc2c1c(=O)n(C)c(=O)n2C").total_hydrogens(), 10);
    }

    #[test]
    fn bracket_atoms_keep_what_is_written() {
        let m = mol("[13CH3+]");
        let a = m.atoms()[0];
        assert_eq!(
            (a.atomic_number, a.isotope, a.hydrogens, a.charge),
            (6, Some(13), 3, 1)
        );
        let m = mol("[nH]1cccc1");
        assert_eq!(m.atoms()[0].hydrogens, 1);
        assert!(m.atoms()[0].aromatic);
        assert_eq!(mol("[O-]C").atoms()[0].charge, -1);
        assert_eq!(mol("[Fe+2]").atoms()[0].charge, 2);
        assert_eq!(mol("[Fe++]").atoms()[0].charge, 2);
        assert_eq!(mol("[O--]").atoms()[0].charge, -2);
        assert_eq!(mol("[S-2]").atoms()[0].charge, -2);
        let m = mol("C[N+](=O)[O-]");
        assert_eq!(m.atoms()[1].charge, 1);
        assert_eq!(m.atoms()[1].hydrogens, 0);
        let m = mol("[2H]C");
        assert_eq!(m.atom_count(), 2);
        assert_eq!(m.atoms()[0].isotope, Some(2));
        assert_eq!(m.atoms()[1].hydrogens, 3);
        let m = mol("N[C@@H](C)C(=O)O");
        assert_eq!(m.atoms()[1].chirality, Chirality::Clockwise);
        assert_eq!(m.atoms()[1].hydrogens, 1);
        assert_eq!(
            mol("[C@H](F)(Cl)Br").atoms()[0].chirality,
            Chirality::CounterClockwise
        );
        assert_eq!(mol("[CH3:12]C").atoms()[0].atom_class, 12);
        let m = mol("[se]1cccc1");
        assert_eq!(
            (m.atoms()[0].atomic_number, m.atoms()[0].aromatic),
            (34, true)
        );
        assert_eq!(mol("[as]").atoms()[0].atomic_number, 33);
        assert_eq!(mol("[Sc]").atoms()[0].atomic_number, 21);
        assert_eq!(mol("[Na+].[Cl-]").component_count(), 2);
        assert_eq!(mol("[Sn](C)(C)(C)C").atoms()[0].hydrogens, 0);
        assert_eq!(mol("[*]C").atoms()[0].atomic_number, 0);
    }

    #[test]
    fn explicit_hydrogen_atoms_are_folded() {
        let m = mol("[H]C([H])([H])[H]");
        assert_eq!(m.atom_count(), 1);
        assert_eq!(m.atoms()[0].hydrogens, 4);
        let m = mol("[H][C@@](C)(N)O");
        assert_eq!(m.atom_count(), 4);
        assert_eq!(m.atoms()[0].hydrogens, 1);
        assert_eq!(mol("[H][H]").atom_count(), 2);
        // Bare H, as in the Huuskonen set: pyrrole N-H.
        let m = mol("n(H)1cccc1");
        assert_eq!(m.atom_count(), 5);
        assert_eq!(m.atoms()[0].hydrogens, 1);
        assert_eq!(mol("C(O)(H)C").atoms()[0].hydrogens, 2);
    }

    #[test]
    fn bonds_branches_and_rings() {
        let m = mol("CC(=O)Oc1ccccc1C(=O)O");
        assert_eq!(m.atom_count(), 13);
        assert_eq!(m.bond_count(), 13);
        assert_eq!(m.ring_count(), 1);
        assert_eq!(m.bonds()[1].order, BondOrder::Double);
        let m = mol("C=1CCCCC1");
        assert_eq!(m.bonds()[6 - 1].order, BondOrder::Double);
        let m = mol("C1CCCCC=1");
        assert_eq!(m.bonds().last().unwrap().order, BondOrder::Double);
        let m = mol("C%10CC%10");
        assert_eq!(m.ring_count(), 1);
        let m = mol("C%(123)CC%(123)");
        assert_eq!(m.ring_count(), 1);
        let m = mol("F/C=C/F");
        assert_eq!(m.bonds()[0].stereo, BondStereo::Up);
        assert_eq!(mol("F/C=C\\F").bonds()[2].stereo, BondStereo::Down);
        assert_eq!(mol("C$C").bonds()[0].order, BondOrder::Quadruple);
        assert_eq!(mol("c1ccccc1").bonds()[0].order, BondOrder::Aromatic);
        assert_eq!(mol("c:1:c:c:c:c:c1").ring_count(), 1);
        // Rings reuse numbers once closed.
        assert_eq!(mol("C1CC1C1CC1").ring_count(), 2);
        // Naphthalene: two rings, fusion atoms in both.
        let m = mol("c1ccc2ccccc2c1");
        assert_eq!(m.ring_count(), 2);
        assert!(m.atom_in_ring(3));
    }

    #[test]
    fn missing_pyrrole_hydrogens_are_inferred() {
        // Pyrrole, indazole, imidazole written without [nH].
        assert_eq!(mol("c1ccnc1").total_hydrogens(), 5);
        assert_eq!(mol("c2ccc1nncc1c2").total_hydrogens(), 6);
        assert_eq!(mol("Cc1ncnc1").total_hydrogens(), 6);
        // Purine (adenine) and pyridine, pyrrole written properly: unchanged.
        assert_eq!(mol("n(c(c(ncn1)c1n2)N)c2").total_hydrogens(), 5);
        assert_eq!(mol("c1ccncc1").total_hydrogens(), 5);
        assert_eq!(mol("c1cc[nH]c1").total_hydrogens(), 5);
        assert_eq!(mol("Cn1cccc1").total_hydrogens(), 7);
        // Nothing to give H to: left as written.
        assert_eq!(mol("c1cccc1").total_hydrogens(), 5);
    }

    #[test]
    fn many_ring_closures_stay_checked() {
        let mut s = "C%(100)CC%(100)".repeat(50);
        assert_eq!(mol(&s).ring_count(), 50);
        s.push_str("C%(901)%(902)CC%(901)%(902)");
        let e = parse_smiles(&s).unwrap_err();
        assert!(
            matches!(e, SmilesError::DuplicateBond { ring: 902, .. }),
            "{e}"
        );
        // Deep nesting and long chains: no recursion to overflow.
        let deep = format!("{}C{}", "C(".repeat(50_000), ")".repeat(50_000));
        assert_eq!(mol(&deep).atom_count(), 50_001);
    }

    #[test]
    fn biphenyl_link_is_single() {
        let m = mol("c1ccccc1c1ccccc1");
        let link = m.bond_between(5, 6).unwrap();
        assert_eq!(m.bonds()[link].order, BondOrder::Single);
        assert!(!m.bond_in_ring(link));
        assert_eq!(m.atoms()[5].hydrogens, 0);
        assert_eq!(m.ring_count(), 2);
    }

    #[test]
    fn errors_name_position_and_expectation() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 0, "empty"),
            ("C1CC", 1, "unclosed ring 1"),
            ("CC)C", 2, "unmatched ')'"),
            ("C(C", 1, "never closed"),
            ("CXx", 1, "unknown element 'Xx'"),
            ("CNa", 1, "[Na]"),
            ("C[Xx]", 2, "unknown element 'Xx'"),
            ("C[C", 3, "unclosed '['"),
            ("C[CH3+q]", 6, "expected ']'"),
            ("C[C@TH1]", 4, "chirality classes"),
            ("CC=", 2, "bond '='"),
            ("C=)", 1, "bond '='"),
            ("C11", 2, "to itself"),
            ("C1C1", 3, "repeats"),
            ("C12CCC12", 7, "repeats"),
            ("C=1CC#1", 6, "'=' at one end and '#'"),
            ("C==C", 2, "second bond"),
            ("C()C", 2, "empty branch"),
            ("(C)", 0, "before '('"),
            ("=C", 0, "before the bond"),
            ("1CC", 0, "before the ring"),
            ("C(1CC1)", 2, "before the ring"),
            ("C(=1CC1)", 3, "before the ring"),
            ("C.", 2, "after '.'"),
            (".C", 0, "before '.'"),
            ("C..C", 2, "before '.'"),
            ("C=(O)", 2, "C(=O)"),
            ("C%1", 3, "two digits"),
            ("C C", 1, "unexpected ' '"),
            ("C[H", 3, "unclosed '['"),
            ("[C+16]", 2, "above 15"),
            ("Cé", 1, "unexpected"),
        ];
        for &(s, pos, text) in cases {
            let e = parse_smiles(s).expect_err(s);
            assert_eq!(e.position(), pos, "{s}: {e}");
            assert!(e.to_string().contains(text), "{s}: {e}");
        }
    }

    /// xorshift64*: enough randomness to shake the parser, no dependency.
    struct XorShift(u64);
    impl XorShift {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn random_and_mutated_input_never_panics() {
        let seeds = [
            "CC(=O)Oc1ccccc1C(=O)O",
            "Cn1cnc2c1c(=O)n(C)c(=O)n2C",
            "C[C@@H](N)C(=O)[O-].[Na+]",
            "c1ccc2c(c1)[nH]c1ccccc12",
            "O=[N+]([O-])c1ccc(Cl)cc1Br",
            "C%10CC%(200)CC%10C%(200)",
            "[13CH3:4]/C=C\\[2H]",
        ];
        let alphabet = b"CNOSPFIBrclnospbH[]()=#$:/\\.%@+-0123456789*aeXx \x00\xff";
        let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
        let mut parsed = 0;
        // MEDREF_FUZZ_ROUNDS=1000000 for a long soak; the default keeps
        // the test quick.
        let rounds: usize = std::env::var("MEDREF_FUZZ_ROUNDS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20_000);
        for round in 0..rounds {
            let bytes: Vec<u8> = if round % 2 == 0 {
                let len = rng.below(40);
                (0..len)
                    .map(|_| alphabet[rng.below(alphabet.len())])
                    .collect()
            } else {
                let mut b = seeds[rng.below(seeds.len())].as_bytes().to_vec();
                for _ in 0..=rng.below(4) {
                    let at = rng.below(b.len() + 1);
                    match rng.below(3) {
                        0 if at < b.len() => {
                            b.remove(at);
                        }
                        1 => b.insert(at, alphabet[rng.below(alphabet.len())]),
                        _ if at < b.len() => b[at] = alphabet[rng.below(alphabet.len())],
                        _ => {}
                    }
                }
                b
            };
            let s = String::from_utf8_lossy(&bytes);
            if let Ok(m) = parse_smiles(&s) {
                parsed += 1;
                // Whatever parses must also survive the graph code.
                let _ = m.rings();
                let _ = crate::canonical::canonical_key(&m);
                let _ = crate::descriptors::descriptors(&m);
                let _ = crate::scaffold::scaffold_key(&m);
                let _ =
                    crate::fingerprint::morgan_vec(&m, &crate::fingerprint::MorganSpec::default());
            }
        }
        assert!(
            parsed > 100,
            "only {parsed} strings parsed; the mutator is too harsh"
        );
    }
}
