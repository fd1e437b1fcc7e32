use super::*;

fn chain(n: usize, close: bool) -> Molecule {
    let atoms = vec![Atom::new(6); n];
    let mut bonds: Vec<Bond> = (1..n).map(|i| Bond::new(i - 1, i, BondOrder::Single)).collect();
    if close {
        bonds.push(Bond::new(n - 1, 0, BondOrder::Single));
    }
    Molecule::new(atoms, bonds).unwrap()
}

#[test]
fn rings_are_found_by_bridges() {
    let m = chain(6, true);
    assert_eq!(m.ring_count(), 1);
    assert!((0..6).all(|a| m.atom_in_ring(a)));
    let m = chain(6, false);
    assert_eq!(m.ring_count(), 0);
    assert!((0..5).all(|b| !m.bond_in_ring(b)));
    assert_eq!(m.component_count(), 1);
}

#[test]
fn long_chain_does_not_overflow_the_stack() {
    let m = chain(200_000, true);
    assert_eq!(m.ring_count(), 1);
    assert!(m.bond_in_ring(199_999));
}

#[test]
fn bad_graphs_are_rejected() {
    let atoms = vec![Atom::new(6); 2];
    let e = Molecule::new(atoms.clone(), vec![Bond::new(0, 2, BondOrder::Single)]).unwrap_err();
    assert!(matches!(e, MoleculeError::AtomOutOfRange { atom: 2, .. }));
    let e = Molecule::new(atoms.clone(), vec![Bond::new(1, 1, BondOrder::Single)]).unwrap_err();
    assert!(matches!(e, MoleculeError::SelfBond { atom: 1, .. }));
    let bonds = vec![Bond::new(0, 1, BondOrder::Single), Bond::new(1, 0, BondOrder::Double)];
    let e = Molecule::new(atoms, bonds).unwrap_err();
    assert_eq!(e, MoleculeError::DuplicateBond { bond: 1, begin: 1, end: 0 });
}

#[test]
fn bicyclic_rings_are_the_two_small_ones() {
    // Bicyclo[2.2.0]hexane: two 4-rings sharing a bond, not the 6-ring.
    let atoms = vec![Atom::new(6); 6];
    let pairs = [(0, 1), (1, 2), (2, 3), (3, 0), (1, 4), (4, 5), (5, 2)];
    let bonds = pairs.iter().map(|&(a, b)| Bond::new(a, b, BondOrder::Single)).collect();
    let m = Molecule::new(atoms, bonds).unwrap();
    let rings = m.rings();
    assert_eq!(rings.len(), 2);
    assert!(rings.iter().all(|r| r.len() == 4));
}

#[test]
fn smallest_rings_of_cages_and_bridged_systems() {
    let sizes = |s: &str| {
        let mut v: Vec<usize> = crate::smiles::parse_smiles(s).unwrap().rings().iter().map(Vec::len).collect();
        v.sort_unstable();
        v
    };
    assert_eq!(sizes("C12C3C4C1C5C2C3C45"), vec![4; 5]); // cubane
    assert_eq!(sizes("C1CC2CCC1C2"), vec![5, 5]); // norbornane
    assert_eq!(sizes("C1C2CC3CC1CC(C2)C3"), vec![6, 6, 6]); // adamantane
    assert_eq!(sizes("c1ccc2ccccc2c1"), vec![6, 6]);
    assert_eq!(sizes("C1CC1.C1CCC1"), vec![3, 4]);
    assert_eq!(sizes("CCO"), Vec::<usize>::new());
}

#[test]
fn subgraph_turns_cut_bonds_into_hydrogens() {
    let mut atoms = vec![Atom::new(6); 3];
    atoms[0].hydrogens = 2;
    let bonds = vec![Bond::new(0, 1, BondOrder::Double), Bond::new(1, 2, BondOrder::Single)];
    let m = Molecule::new(atoms, bonds).unwrap();
    let s = m.subgraph(&[false, true, true]);
    assert_eq!(s.atom_count(), 2);
    assert_eq!(s.atoms()[0].hydrogens, 2);
}

#[test]
fn plain_hydrogens_are_folded() {
    let atoms = vec![Atom::new(6), Atom::new(1), Atom::new(1)];
    let bonds = vec![Bond::new(0, 1, BondOrder::Single), Bond::new(0, 2, BondOrder::Single)];
    let (atoms, bonds, kept) = fold_hydrogens(atoms, bonds);
    assert_eq!(atoms.len(), 1);
    assert!(bonds.is_empty());
    assert_eq!(kept, vec![false, false]);
    assert_eq!(atoms[0].hydrogens, 2);
    // H2 stays two atoms.
    let (atoms, _, _) = fold_hydrogens(vec![Atom::new(1); 2], vec![Bond::new(0, 1, BondOrder::Single)]);
    assert_eq!(atoms.len(), 2);
}
