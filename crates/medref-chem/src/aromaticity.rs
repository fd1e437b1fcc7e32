//! Aromaticity perception, so that a Kekulé structure (PubChem SMILES, an
//! SDF with alternating single and double bonds) and the aromatic SMILES of
//! the same molecule become one graph: one canonical key, one fingerprint,
//! one set of descriptors, one scaffold.
//!
//! Every reader runs [`perceive_aromaticity`] on what it built. The model
//! is RDKit's default one, because that is what users compare against:
//!
//! 1. Aromatic input is first turned into a Kekulé structure (each atom
//!    that has one valence unit to spare gets exactly one double bond along
//!    its aromatic bonds); the written aromatic flags are then forgotten.
//! 2. Each atom of a ring gets an electron-donor type from its lone pairs,
//!    charge and multiple bonds: a ring double bond gives 1 electron, a
//!    lone pair on N, O, S (pyrrole, furan, thiophene) 2, a carbon with an
//!    exocyclic double bond to a more electronegative atom (the C of a
//!    C=O) none, a C+ an empty orbital.
//! 3. Candidate rings (every atom able to take part) are grouped into fused
//!    systems (rings sharing exactly one bond). Every connected combination
//!    of up to six rings of a system is tested with Hückel's rule
//!    (4n + 2 pi electrons, counting atoms that lie in one or two of the
//!    combined rings); a passing combination makes its bonds that belong
//!    to only one of its rings aromatic. Azulene's fusion bond therefore
//!    stays a Kekulé bond, as in RDKit.
//!
//! Differences from RDKit: rings are the smallest set of smallest rings
//! ([`Molecule::rings`]), not RDKit's symmetrised set, which can differ for
//! cage-like systems; radicals are not tracked. A structure that cannot be
//! made Kekulé (RDKit refuses it) keeps its aromaticity as written.

use std::collections::HashSet;

use crate::kekule::kekule_orders;
use crate::molecule::{Bond, BondOrder, Molecule};

/// Rings larger than this are never fused with a neighbour (a bit larger
/// than a porphyrin's outer ring, RDKit's limit).
const MAX_FUSED_RING_SIZE: usize = 24;
/// At most this many rings are combined into one Hückel test.
const MAX_COMBINED_RINGS: usize = 6;

/// The molecule with aromatic atoms and bonds set by RDKit's default model
/// (see the module documentation). Hydrogen counts and the graph are kept;
/// only bond orders and aromatic flags change.
pub fn perceive_aromaticity(mol: &Molecule) -> Molecule {
    let written_aromatic =
        mol.atoms().iter().any(|a| a.aromatic) || mol.bonds().iter().any(|b| b.order == BondOrder::Aromatic);
    if mol.ring_count() == 0 && !written_aromatic {
        return mol.clone();
    }
    let Some(orders) = kekule_orders(mol) else {
        return mol.clone();
    };
    let mut atoms = mol.atoms().to_vec();
    for a in &mut atoms {
        a.aromatic = false;
    }
    let mut bonds: Vec<Bond> = mol.bonds().iter().zip(&orders).map(|(b, &order)| Bond { order, ..*b }).collect();
    let aromatic = aromatic_bonds(mol, &bonds);
    for (b, &is_aromatic) in bonds.iter_mut().zip(&aromatic) {
        if is_aromatic && matches!(b.order, BondOrder::Single | BondOrder::Double) {
            b.order = BondOrder::Aromatic;
            for end in [b.begin, b.end] {
                if let Some(a) = atoms.get_mut(end) {
                    a.aromatic = true;
                }
            }
        }
    }
    // Same atoms and bond pairs as a valid graph, so this cannot fail.
    Molecule::new(atoms, bonds).unwrap_or_else(|_| mol.clone())
}

/// How many pi electrons a ring atom can give (RDKit's donor classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Donor {
    /// An empty p orbital: 0 electrons (C+, the C of an exocyclic C=O).
    Vacant,
    /// 1 electron: an atom with a ring double bond.
    One,
    /// 2 electrons: a lone pair (pyrrole N, furan O, thiophene S, C-).
    Two,
    /// 1 or 2: the wildcard atom.
    Any,
    /// Cannot take part.
    None,
}

impl Donor {
    fn electrons(self) -> (u32, u32) {
        match self {
            Donor::One => (1, 1),
            Donor::Two => (2, 2),
            Donor::Any => (1, 2),
            Donor::Vacant | Donor::None => (0, 0),
        }
    }
}

/// The valence RDKit assumes for an element before charges (-1 where it
/// has none: transition metals, lanthanides, unknown numbers).
fn rdkit_default_valence(z: i32) -> i32 {
    match outer_electrons(z) {
        _ if z <= 0 || z > 118 || is_d_or_f_block(z) => -1,
        _ if z == 2 => 0,
        e if e <= 4 => e,
        e => 8 - e,
    }
}

/// Valence-shell electrons of main-group elements (the group number for
/// groups 1, 2, 13 to 18; He counts 2); 0 elsewhere.
fn outer_electrons(z: i32) -> i32 {
    if z <= 0 || z > 118 || is_d_or_f_block(z) {
        return 0;
    }
    if z <= 2 {
        return z;
    }
    let period_start = [3, 11, 19, 37, 55, 87].iter().rev().find(|&&s| z >= s).copied().unwrap_or(3);
    let offset = z - period_start;
    match offset {
        0 | 1 => offset + 1,
        _ => {
            // The last six elements of every period are groups 13 to 18.
            let period_end = match period_start {
                3 => 10,
                11 => 18,
                19 => 36,
                37 => 54,
                55 => 86,
                _ => 118,
            };
            8 - (period_end - z)
        }
    }
}

fn is_d_or_f_block(z: i32) -> bool {
    matches!(z, 21..=30 | 39..=48 | 57..=80 | 89..=112)
}

/// RDKit's electronegativity order: more valence electrons first, then
/// the lighter element.
fn more_electronegative(z1: i32, z2: i32) -> bool {
    let (e1, e2) = (outer_electrons(z1), outer_electrons(z2));
    e1 > e2 || (e1 == e2 && z1 < z2)
}

/// What the donor rules need to know about one atom of the Kekulé form.
struct AtomFacts {
    z: i32,
    charge: i32,
    hydrogens: i32,
    degree: i32,
    bond_valence: i32,
    multiple_bonds: u32,
    cyclic_multiple: bool,
    /// The far atom of the first non-ring double or triple bond.
    exocyclic_multiple: Option<usize>,
}

fn atom_facts(mol: &Molecule, bonds: &[Bond], atom: usize) -> AtomFacts {
    let a = &mol.atoms()[atom];
    let mut facts = AtomFacts {
        z: i32::from(a.atomic_number),
        charge: i32::from(a.charge),
        hydrogens: i32::from(a.hydrogens),
        degree: mol.degree(atom) as i32,
        bond_valence: 0,
        multiple_bonds: 0,
        cyclic_multiple: false,
        exocyclic_multiple: None,
    };
    for nb in mol.neighbors(atom) {
        let v = bonds[nb.bond].order.valence() as i32;
        facts.bond_valence += v;
        if v >= 2 {
            facts.multiple_bonds += 1;
            if mol.bond_in_ring(nb.bond) {
                facts.cyclic_multiple = true;
            } else if facts.exocyclic_multiple.is_none() {
                facts.exocyclic_multiple = Some(nb.atom);
            }
        }
    }
    facts
}

/// Electrons the atom could put into a pi system, or -1 when it cannot be
/// conjugated at all (univalent, or more than three connections).
fn available_electrons(f: &AtomFacts) -> i32 {
    let dv = rdkit_default_valence(f.z);
    if dv <= 1 {
        return -1;
    }
    let degree = f.degree + f.hydrogens;
    if degree > 3 {
        return -1;
    }
    let lone = (outer_electrons(f.z) - dv - f.charge).max(0);
    let electrons = dv - degree + lone;
    // A triple bond leaves one electron for the ring, whatever is left over.
    if electrons > 1 && f.bond_valence - f.degree > 1 {
        1
    } else {
        electrons
    }
}

fn donor_type(mol: &Molecule, f: &AtomFacts) -> Donor {
    if f.z == 0 {
        return if f.cyclic_multiple { Donor::One } else { Donor::Any };
    }
    let electronegative_partner = f.exocyclic_multiple.is_some_and(|other| {
        let z2 = i32::from(mol.atoms()[other].atomic_number);
        more_electronegative(z2, f.z)
    });
    match available_electrons(f) {
        e if e < 0 => Donor::None,
        0 if f.exocyclic_multiple.is_some() => Donor::Vacant,
        0 if f.cyclic_multiple => Donor::One,
        0 => Donor::None,
        1 if f.exocyclic_multiple.is_some() && electronegative_partner => Donor::Vacant,
        1 if f.exocyclic_multiple.is_some() || f.multiple_bonds > 0 => Donor::One,
        1 if f.charge == 1 => Donor::Vacant,
        1 => Donor::None,
        e => {
            let e = if electronegative_partner { e - 1 } else { e };
            if e % 2 == 1 {
                Donor::One
            } else {
                Donor::Two
            }
        }
    }
}

fn can_be_aromatic(f: &AtomFacts, donor: Donor) -> bool {
    if f.z > 18 && f.z != 34 && f.z != 52 {
        return false;
    }
    if donor == Donor::None {
        return false;
    }
    let dv = rdkit_default_valence(f.z);
    if dv > 0 && f.bond_valence + f.hydrogens > rdkit_default_valence(f.z - f.charge) {
        return false;
    }
    // C1=C=NC=N1: two double bonds on one atom rule it out.
    !(f.bond_valence - f.degree > 1 && f.multiple_bonds > 1)
}

/// Hückel's rule over the given atoms: some electron count in the atoms'
/// range is 4n + 2, or the system is two electrons (cyclopropenyl cation).
fn huckel(atoms: &[usize], donors: &[Donor]) -> bool {
    let (mut low, mut high) = (0u32, 0u32);
    let mut wildcards = 0;
    for &a in atoms {
        let d = donors[a];
        if d == Donor::Any {
            wildcards += 1;
            if wildcards > 1 {
                return false;
            }
        }
        let (l, h) = d.electrons();
        low += l;
        high += h;
    }
    if high >= 6 {
        (low..=high).any(|e| e >= 2 && (e - 2) % 4 == 0)
    } else {
        high == 2
    }
}

/// Per bond, whether the aromaticity model makes it aromatic; `bonds` are
/// the Kekulé bonds of `mol`.
fn aromatic_bonds(mol: &Molecule, bonds: &[Bond]) -> Vec<bool> {
    let mut aromatic = vec![false; bonds.len()];
    let rings = mol.rings();
    if rings.is_empty() {
        return aromatic;
    }
    let n = mol.atom_count();
    let mut donors = vec![Donor::None; n];
    let mut candidate = vec![false; n];
    let mut seen = vec![false; n];
    let mut candidate_rings: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
    for ring in &rings {
        let mut all_candidates = true;
        let mut all_wildcards = true;
        for &a in ring {
            let f = atom_facts(mol, bonds, a);
            all_wildcards &= f.z == 0;
            if !seen[a] {
                seen[a] = true;
                let mut donor = donor_type(mol, &f);
                // In macrocycles an ether O or S is a bridge, not a furan-like donor.
                if donor == Donor::Two
                    && ring.len() >= 9
                    && matches!(f.z, 8 | 16)
                    && f.degree == 2
                    && f.charge == 0
                    && f.multiple_bonds == 0
                {
                    donor = Donor::None;
                }
                donors[a] = donor;
                candidate[a] = can_be_aromatic(&f, donor);
            }
            all_candidates &= candidate[a];
        }
        if all_candidates && !all_wildcards {
            let ring_bonds =
                (0..ring.len()).filter_map(|k| mol.bond_between(ring[k], ring[(k + 1) % ring.len()])).collect();
            candidate_rings.push((ring.clone(), ring_bonds));
        }
    }
    let m = candidate_rings.len();
    // Rings are neighbours when they share exactly one bond.
    let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); m];
    for i in 0..m {
        for j in i + 1..m {
            let (ri, bi) = &candidate_rings[i];
            let (rj, bj) = &candidate_rings[j];
            if ri.len() > MAX_FUSED_RING_SIZE || rj.len() > MAX_FUSED_RING_SIZE {
                continue;
            }
            if bi.iter().filter(|b| bj.contains(b)).count() == 1 {
                neighbours[i].push(j);
                neighbours[j].push(i);
            }
        }
    }
    let mut assigned = vec![false; m];
    for start in 0..m {
        if assigned[start] {
            continue;
        }
        let mut system = vec![start];
        assigned[start] = true;
        let mut head = 0;
        while let Some(&r) = system.get(head) {
            head += 1;
            for &s in &neighbours[r] {
                if !assigned[s] {
                    assigned[s] = true;
                    system.push(s);
                }
            }
        }
        mark_fused_system(&system, &candidate_rings, &neighbours, &donors, n, &mut aromatic);
    }
    aromatic
}

/// Tests every connected combination of up to six rings of one fused
/// system, smallest combinations first, until all its bonds are aromatic.
fn mark_fused_system(
    system: &[usize],
    rings: &[(Vec<usize>, Vec<usize>)],
    neighbours: &[Vec<usize>],
    donors: &[Donor],
    atom_count: usize,
    aromatic: &mut [bool],
) {
    let system_bonds: HashSet<usize> = system.iter().flat_map(|&r| rings[r].1.iter().copied()).collect();
    let mut done: HashSet<usize> = HashSet::new();
    let mut in_rings = vec![0u8; atom_count];
    for size in 1..=system.len().min(MAX_COMBINED_RINGS) {
        if done.len() >= system_bonds.len() {
            break;
        }
        let mut pick: Vec<usize> = (0..size).collect();
        loop {
            let combo: Vec<usize> = pick.iter().map(|&p| system[p]).collect();
            if is_connected(&combo, neighbours) {
                in_rings.fill(0);
                for &r in &combo {
                    for &a in &rings[r].0 {
                        in_rings[a] = in_rings[a].saturating_add(1);
                    }
                }
                // An atom buried in three rings (acepentalene's centre)
                // does not count.
                let atoms: Vec<usize> = (0..atom_count).filter(|&a| matches!(in_rings[a], 1 | 2)).collect();
                if huckel(&atoms, donors) {
                    let mut uses: std::collections::HashMap<usize, u32> = Default::default();
                    for &r in &combo {
                        for &b in &rings[r].1 {
                            *uses.entry(b).or_default() += 1;
                        }
                    }
                    for (b, count) in uses {
                        if count == 1 {
                            aromatic[b] = true;
                            done.insert(b);
                        }
                    }
                }
            }
            if !next_combination(&mut pick, system.len()) {
                break;
            }
        }
    }
}

/// Whether the rings of `combo` form one fused piece.
fn is_connected(combo: &[usize], neighbours: &[Vec<usize>]) -> bool {
    let mut reached = vec![combo[0]];
    let mut head = 0;
    while let Some(&r) = reached.get(head) {
        head += 1;
        for &s in &neighbours[r] {
            if combo.contains(&s) && !reached.contains(&s) {
                reached.push(s);
            }
        }
    }
    reached.len() == combo.len()
}

/// Advances `pick` (sorted indices below `n`) to the next combination in
/// lexicographic order; false after the last.
pub(crate) fn next_combination(pick: &mut [usize], n: usize) -> bool {
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
    use crate::canonical::canonical_key;
    use crate::smiles::parse_smiles;

    fn aromatic_atoms(s: &str) -> usize {
        parse_smiles(s).unwrap().atoms().iter().filter(|a| a.aromatic).count()
    }

    #[test]
    fn kekule_and_aromatic_spellings_meet() {
        let pairs = [
            ("C1=CC=CC=C1", "c1ccccc1"),
            ("C1=CC=NC=C1", "c1ccncc1"),
            ("C1=CNC=C1", "c1cc[nH]c1"),
            ("C1=COC=C1", "c1ccoc1"),
            ("C1=CSC=C1", "c1ccsc1"),
            ("C1=CC=C2C=CC=CC2=C1", "c1ccc2ccccc2c1"),
            ("C1=CC=C2C(=C1)C=CN2", "c1ccc2[nH]ccc2c1"),
            ("CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "Cn1cnc2c1c(=O)n(C)c(=O)n2C"),
            ("O=C1C=CC=CN1", "O=c1cccc[nH]1"),
            ("C[N+]1=CC=CC=C1", "C[n+]1ccccc1"),
        ];
        for (kekule, aromatic) in pairs {
            let k = parse_smiles(kekule).unwrap();
            let a = parse_smiles(aromatic).unwrap();
            assert_eq!(canonical_key(&k), canonical_key(&a), "{kekule} vs {aromatic}");
            assert!(k.atoms().iter().any(|x| x.aromatic), "{kekule}");
        }
    }

    #[test]
    fn non_aromatic_rings_stay_kekule() {
        assert_eq!(aromatic_atoms("C1=CCC=CC1"), 0); // cyclohexa-1,4-diene
        assert_eq!(aromatic_atoms("C1=CC=CCC1"), 0); // cyclohexa-1,3-diene
        assert_eq!(aromatic_atoms("C1=CC=CC=CC=C1"), 0); // cyclooctatetraene (8 electrons)
        assert_eq!(aromatic_atoms("c1ccccccc1"), 0); // even when written aromatic
        assert_eq!(aromatic_atoms("C1CCCCC1"), 0);
        assert_eq!(aromatic_atoms("C1=CCC=C1"), 0); // cyclopentadiene: CH2 has no p orbital
    }

    #[test]
    fn charged_and_fused_cases_follow_huckel() {
        assert_eq!(aromatic_atoms("[CH-]1C=CC=C1"), 5); // cyclopentadienyl anion
        assert_eq!(aromatic_atoms("[CH+]1C=CC=CC=C1"), 7); // tropylium
                                                           // Azulene: the 10-electron perimeter is aromatic, the fusion bond is not.
        let azulene = parse_smiles("C1=CC2=CC=CC=CC2=C1").unwrap();
        assert_eq!(azulene.atoms().iter().filter(|a| a.aromatic).count(), 10);
        let aromatic_bonds = azulene.bonds().iter().filter(|b| b.order == BondOrder::Aromatic).count();
        assert_eq!(aromatic_bonds, 10);
        // Quinone: the C=O carbons give no electrons.
        assert_eq!(aromatic_atoms("O=C1C=CC(=O)C=C1"), 0);
    }

    #[test]
    fn unkekulizable_input_is_kept_as_written() {
        let m = parse_smiles("c1cccc1").unwrap();
        assert_eq!(m.atoms().iter().filter(|a| a.aromatic).count(), 5);
    }

    #[test]
    fn element_tables_match_the_periodic_table() {
        let cases = [(6, 4, 4), (7, 5, 3), (8, 6, 2), (16, 6, 2), (15, 5, 3), (5, 3, 3)];
        for (z, outer, valence) in cases {
            assert_eq!(outer_electrons(z), outer, "Z={z}");
            assert_eq!(rdkit_default_valence(z), valence, "Z={z}");
        }
        assert_eq!(outer_electrons(34), 6);
        assert_eq!(outer_electrons(53), 7);
        assert_eq!(rdkit_default_valence(26), -1);
        assert!(more_electronegative(8, 6));
        assert!(more_electronegative(7, 15));
    }
}
