//! Ring-closure digits: reading `1`, `%12` and `%(123)`, and pairing each
//! second sighting of a number with the atom that opened it.

use super::{OpenRing, Parser, PendingBond, SmilesError, FEW_RING_PAIRS};

impl Parser<'_> {
    /// Reads `d`, `%dd` or `%(d...)` at the cursor.
    pub(super) fn ring_number(&mut self) -> Result<u32, SmilesError> {
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
                        None => Err(SmilesError::UnexpectedEnd { position: self.pos, expected: "')' closing %(" }),
                    }
                } else {
                    let mut number = 0u32;
                    for _ in 0..2 {
                        match self.peek() {
                            Some(d @ b'0'..=b'9') => {
                                number = number * 10 + u32::from(d - b'0');
                                self.pos += 1;
                            }
                            Some(_) => return Err(self.unexpected(self.pos, "two digits after '%'")),
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
    pub(super) fn digits(&mut self, max_len: usize, expected: &'static str) -> Result<u32, SmilesError> {
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
                None => Err(SmilesError::UnexpectedEnd { position: self.pos, expected }),
            };
        }
        Ok(value)
    }

    pub(super) fn close_ring(
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
        let both_aromatic =
            self.atoms.get(open.atom).is_some_and(|a| a.aromatic) && self.atoms.get(cur).is_some_and(|a| a.aromatic);
        if self.ring_pairs.len() < FEW_RING_PAIRS {
            self.ring_pairs.push(pair);
        } else {
            self.many_ring_pairs.insert(pair);
        }
        self.push_bond(open.atom, cur, written, both_aromatic);
        Ok(())
    }
}
