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
        SdfError::Record { record, line, problem, .. } => (record, line, problem),
        e => panic!("{e}"),
    }
}

#[test]
fn truncated_records_are_errors() {
    let cut: String = ETHANOL.lines().take(5).map(|l| format!("{l}\n")).collect();
    let (record, line, p) = problem(&format!("{ETHANOL}{cut}"));
    assert_eq!(record, 2);
    assert_eq!(line, 24);
    assert!(matches!(p, SdfProblem::Truncated { ref expected } if expected == "atom line 2 of 3"), "{p}");
    let no_end = ETHANOL.replace("M  END\n", "");
    assert!(matches!(problem(&no_end).2, SdfProblem::Truncated { .. } | SdfProblem::MissingEnd));
    let no_end_no_tags: String = ETHANOL.lines().take(9).map(|l| format!("{l}\n")).collect::<String>() + "$$$$\n";
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
    assert!(matches!(p, SdfProblem::AtomIndexOutOfRange { index: 9, atom_count: 3, .. }));
    let (_, line, p) = problem(&ETHANOL.replace("    1.2990", "    1.2a90"));
    assert_eq!(line, 6);
    assert!(matches!(p, SdfProblem::BadField { field: "x", .. }));
    let (_, _, p) = problem(&ETHANOL.replace(" O   0", " Xq  0"));
    assert!(matches!(p, SdfProblem::UnknownElement { .. }));
    let (_, _, p) = problem(&ETHANOL.replace("  2  3  1  0", "  2  1  1  0"));
    assert!(matches!(p, SdfProblem::BadGraph(MoleculeError::DuplicateBond { .. })));
    let (_, _, p) = problem(&ETHANOL.replace("  2  3  1  0", "  2  3  8  0"));
    assert!(matches!(p, SdfProblem::BadValue { field: "bond type", .. }));
    let (_, _, p) = problem(&ETHANOL.replace("V2000", "V3000"));
    assert_eq!(p, SdfProblem::UnsupportedVersion);
}

#[test]
fn broken_fixture_is_reported_at_the_cut() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/broken/truncated.sdf");
    let e = read_sdf(path).unwrap_err();
    let msg = e.to_string();
    match e {
        SdfError::Record { record, line, problem, .. } => {
            assert_eq!(record, 3, "{msg}");
            assert_eq!(line, 74, "{msg}");
            assert!(matches!(problem, SdfProblem::Truncated { .. }), "{msg}");
        }
        SdfError::Io { .. } => panic!("{msg}"),
    }
    assert!(msg.contains("truncated.sdf: record 3 (line 74): file ends early, expected atom line 4 of 5"), "{msg}");
    // The streaming reader still yields the two good records first.
    let ok = SdfReader::new(BufReader::new(File::open(path).unwrap()), path).filter(Result::is_ok).count();
    assert_eq!(ok, 2);
    assert!(matches!(read_sdf("/no/such/file.sdf"), Err(SdfError::Io { .. })));
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
