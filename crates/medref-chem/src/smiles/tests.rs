use super::*;
use crate::molecule::Chirality;

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
    assert_eq!((a.atomic_number, a.isotope, a.hydrogens, a.charge), (6, Some(13), 3, 1));
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
    assert_eq!(mol("[C@H](F)(Cl)Br").atoms()[0].chirality, Chirality::CounterClockwise);
    assert_eq!(mol("[CH3:12]C").atoms()[0].atom_class, 12);
    let m = mol("[se]1cccc1");
    assert_eq!((m.atoms()[0].atomic_number, m.atoms()[0].aromatic), (34, true));
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
    assert!(matches!(e, SmilesError::DuplicateBond { ring: 902, .. }), "{e}");
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
    let rounds: usize = std::env::var("MEDREF_FUZZ_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000);
    for round in 0..rounds {
        let bytes: Vec<u8> = if round % 2 == 0 {
            let len = rng.below(40);
            (0..len).map(|_| alphabet[rng.below(alphabet.len())]).collect()
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
            let _ = crate::fingerprint::morgan_vec(&m, &crate::fingerprint::MorganSpec::default());
        }
    }
    assert!(parsed > 100, "only {parsed} strings parsed; the mutator is too harsh");
}
