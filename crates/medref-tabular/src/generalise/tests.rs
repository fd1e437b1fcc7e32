use super::*;
use crate::anonymity::{check_anonymity, synth_anonymity_patients};

fn config(k: usize, rules: &[(&str, ColumnRule)]) -> GeneraliseConfig {
    GeneraliseConfig {
        k,
        quasi_identifiers: vec!["age".into(), "sex".into(), "zip".into()],
        sensitive: None,
        l: None,
        drop_columns: vec!["patient_id".into()],
        max_suppressed_fraction: None,
        columns: rules.iter().map(|(n, r)| (n.to_string(), r.clone())).collect(),
    }
}

fn rule() -> ColumnRule {
    ColumnRule { band: None, max_band: None, top_code: None, keep_chars: None, min_keep_chars: None, mask: true }
}

fn age_zip(band: f64, max_band: Option<f64>) -> Vec<(&'static str, ColumnRule)> {
    vec![
        ("age", ColumnRule { band: Some(band), max_band, top_code: Some(90.0), ..rule() }),
        ("zip", ColumnRule { keep_chars: Some(3), ..rule() }),
    ]
}

fn run(c: &GeneraliseConfig) -> Generalised {
    generalise(&synth_anonymity_patients(), c, Path::new("p.csv"), Path::new("gen.toml")).unwrap()
}

fn k_of(t: &RawTable) -> usize {
    let spec = AnonymitySpec {
        quasi_identifiers: vec!["age".into(), "sex".into(), "zip".into()],
        k: 1,
        sensitive: None,
        l: None,
    };
    check_anonymity(t, Path::new("out.csv"), &spec).unwrap().k
}

#[test]
fn labels_bands_top_codes_and_masks() {
    assert_eq!(band_label(43.0, Some(10.0), None, true), "40-49");
    assert_eq!(band_label(43.5, Some(10.0), None, false), "[40, 50)");
    assert_eq!(band_label(97.0, Some(10.0), Some(90.0), true), ">=90");
    assert_eq!(band_label(85.0, Some(20.0), Some(90.0), true), "80-89");
    assert_eq!(band_label(-3.0, Some(10.0), None, true), "-10--1");
    assert_eq!(band_label(95.0, None, Some(90.0), true), ">=90");
    assert_eq!(band_label(42.0, None, Some(90.0), true), "42");
    assert_eq!(truncate("12345", 3, true), "123**");
    assert_eq!(truncate("E11.9", 3, false), "E11");
    assert_eq!(truncate("E1", 3, true), "E1");
}

#[test]
fn bands_of_ten_and_three_zip_digits_give_the_fixtures_k_of_three() {
    let g = run(&config(3, &age_zip(10.0, None)));
    let r = &g.report;
    assert!(r.target_met);
    assert_eq!((r.k_before, r.k_generalised, r.k_after), (1, 3, 3));
    assert_eq!((r.rows_in, r.rows_out, r.suppressed_rows, r.suppressed_classes), (36, 36, 0, 0));
    assert_eq!(r.dropped_columns, ["patient_id"]);
    assert_eq!(g.table.names(), ["age", "sex", "zip", "diagnosis"]);
    assert_eq!(k_of(&g.table), 3);
    let age = r.columns.iter().find(|c| c.column == "age").unwrap();
    assert_eq!((age.cells_changed, age.cells_top_coded, age.coarsening_steps), (36, 3, 0));
    assert_eq!(g.table.columns[0].data.text_at(0).as_deref(), Some("30-39"));
    assert_eq!(g.table.columns[2].data.text_at(0).as_deref(), Some("123**"));
}

#[test]
fn suppression_removes_the_classes_below_k() {
    // Classes of 3, 3, 3, 3, 4, 4, 5, 5, 6 rows: k = 5 suppresses 20 rows.
    let g = run(&config(5, &age_zip(10.0, None)));
    let r = &g.report;
    assert!(r.target_met);
    assert_eq!((r.suppressed_rows, r.suppressed_classes, r.rows_out, r.k_after), (20, 6, 16, 5));
    assert_eq!(k_of(&g.table), 5);
    // With a limit of 50 % the same suppression (56 %) is refused.
    let mut c = config(5, &age_zip(10.0, None));
    c.max_suppressed_fraction = Some(0.5);
    let g = run(&c);
    assert!(!g.report.target_met);
    assert!(g.report.summary().contains("target NOT met"));
}

#[test]
fn coarsening_widens_bands_before_suppressing() {
    // k = 4: bands of 20 merge the two male 456 classes (3 + 3), leaving
    // only the two classes of 3 to suppress instead of four.
    let without = run(&config(4, &age_zip(10.0, None))).report;
    assert_eq!(without.suppressed_rows, 12);
    let g = run(&config(4, &age_zip(10.0, Some(20.0))));
    let r = &g.report;
    assert_eq!((r.k_generalised, r.suppressed_rows, r.k_after), (3, 6, 4));
    let age = r.columns.iter().find(|c| c.column == "age").unwrap();
    assert_eq!((age.band, age.coarsening_steps), (Some(20.0), 1));
    assert!(age.rule.contains("bands of width 20 (configured 10)"), "{}", age.rule);
    assert_eq!(k_of(&g.table), 4);
}

#[test]
fn l_diversity_targets_suppress_classes_with_too_few_sensitive_values() {
    let mut c = config(3, &age_zip(10.0, None));
    c.sensitive = Some("diagnosis".into());
    c.l = Some(3);
    let r = run(&c).report;
    // Only class 1 (4 rows) has two diagnoses.
    assert_eq!((r.l_before, r.l_after, r.suppressed_rows), (Some(1), Some(3), 4));
}

#[test]
fn bad_configurations_name_the_file_and_the_key() {
    let table = synth_anonymity_patients();
    let err = |c: &GeneraliseConfig| {
        generalise(&table, c, Path::new("p.csv"), Path::new("gen.toml")).unwrap_err().to_string()
    };
    let msg = err(&config(3, &[("agee", ColumnRule { band: Some(10.0), ..rule() })]));
    assert!(msg.starts_with("gen.toml: [columns.agee]: no column \"agee\" in p.csv"), "{msg}");
    let msg = err(&config(3, &[("sex", ColumnRule { band: Some(10.0), ..rule() })]));
    assert!(msg.starts_with("p.csv: column \"sex\": holds text"), "{msg}");
    let msg = err(&config(3, &[("age", ColumnRule { band: Some(10.0), keep_chars: Some(1), ..rule() })]));
    assert!(msg.contains("not both"), "{msg}");
    let mut c = config(3, &[]);
    c.quasi_identifiers.push("postcode".into());
    assert!(err(&c).starts_with("p.csv: column \"postcode\""));
}
