//! Atoms: organic-subset symbols and bracket atoms with their isotope,
//! chirality, hydrogens, charge and class.

use super::{unbracketed_symbol_error, Parser, SmilesError};
use crate::elements;
use crate::molecule::{Atom, Chirality};

impl Parser<'_> {
    /// An atom outside brackets: B C N O P S F Cl Br I, b c n o p s, `*`, `H`.
    pub(super) fn organic_atom(&mut self) -> Result<Atom, SmilesError> {
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Err(SmilesError::UnexpectedEnd { position: start, expected: "an atom" });
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
                return Err(SmilesError::UnknownElement { position: start, symbol: char::from(c).to_string() })
            }
            _ => return Err(self.unexpected(start, "an atom, bond, branch or ring-closure digit")),
        };
        self.pos += len;
        let mut atom = Atom::new(z);
        atom.aromatic = aromatic;
        Ok(atom)
    }

    /// `[` isotope? symbol chirality? hcount? charge? class? `]`.
    pub(super) fn bracket_atom(&mut self) -> Result<Atom, SmilesError> {
        let open = self.pos;
        self.pos += 1;
        let bad = |position: usize, reason: &'static str| SmilesError::BadBracketAtom { position, reason };

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
                        return Err(SmilesError::UnknownElement { position: sym_pos, symbol: two });
                    }
                } else if let Some(z) = elements::atomic_number(&two) {
                    self.pos += 1;
                    (z, false)
                } else {
                    return Err(SmilesError::UnknownElement { position: sym_pos, symbol: two });
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
                        let symbol = String::from_utf8_lossy(self.s.get(sym_pos..end).unwrap_or(&[])).into_owned();
                        return Err(SmilesError::UnknownElement { position: sym_pos, symbol });
                    }
                };
                self.pos += len;
                (z, true)
            }
            Some(_) => return Err(bad(sym_pos, "expected an element symbol after '[' and the isotope")),
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
                return Err(bad(self.pos, "chirality classes @TH, @AL, @SP, @TB, @OH are not supported"));
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
            Some(_) => {
                Err(bad(self.pos, "expected ']' (order inside brackets: isotope, symbol, @, H count, charge, :class)"))
            }
            None => Err(bad(self.pos, "unclosed '[', expected ']'")),
        }
    }
}
