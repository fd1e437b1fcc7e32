//! End-to-end tests of the anonymisation tools: `data check-anonymity` on
//! the committed fixture with a known k and l, `data generalise` reaching
//! its target (checked again by the checker), and `data deidentify` on a
//! real DICOM file. None of them may print a cell or patient value.

mod common;

use common::{json, medref, repo};
use dicom_object::{open_file, Tag};
use std::path::Path;
use std::process::Output;

const FIXTURE: &str = "datasets/anonymity/patients.csv";
const CONFIG: &str = "datasets/anonymity/generalise.toml";

fn out_err(o: &Output) -> (String, String) {
    (String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn status(o: &Output) -> i32 {
    o.status.code().expect("exited")
}

/// The fixture's quasi-identifier and sensitive values that must never be
/// printed: zip codes, diagnosis codes, and the generalised forms of age
/// and zip. (Ages alone are two-digit numbers that also occur as counts;
/// `never_prints_cell_values` covers them with unmistakable markers.)
fn fixture_values() -> Vec<String> {
    let text = std::fs::read_to_string(repo().join(FIXTURE)).unwrap();
    let mut values: Vec<String> = Vec::new();
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        values.push(cells[0].to_string()); // patient_id
        values.push(cells[3].to_string()); // zip
        values.push(cells[4].to_string()); // diagnosis
        values.push(format!("{}**", &cells[3][..3]));
    }
    values.extend(["30-39", "40-49", "20-39", "40-59", ">=90"].map(String::from));
    values.sort();
    values.dedup();
    values
}

fn assert_no_values(texts: &[&str], values: &[String]) {
    for t in texts {
        for v in values {
            assert!(!t.contains(v.as_str()), "value {v:?} printed in:\n{t}");
        }
    }
}

#[test]
fn check_anonymity_finds_k_1_and_l_1_on_the_raw_fixture_and_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    let report = tmp.path().join("check.json");
    let o = medref(&[
        "data",
        "check-anonymity",
        FIXTURE,
        "--quasi",
        "age,sex,zip",
        "--k",
        "3",
        "--sensitive",
        "diagnosis",
        "--l",
        "2",
        "--out",
        report.to_str().unwrap(),
    ]);
    let (out, err) = out_err(&o);
    assert_eq!(status(&o), 1, "stdout: {out}\nstderr: {err}");
    assert!(out.contains("k = 1 (target 3, NOT met); 36 rows in 36 classes"), "{out}");
    assert!(out.contains("36 classes below k=3: sizes 1 (x36); 36 rows"), "{out}");
    assert!(out.contains("l-diversity of diagnosis: l = 1 (target 2, NOT met)"), "{out}");
    assert!(err.contains("patients.csv: anonymity target not met: k = 1 (target 3), l = 1 (target 2)"), "{err}");
    let r = json(&report);
    assert_eq!(
        (r["k"].as_u64(), r["l"].as_u64(), r["classes"].as_u64(), r["rows"].as_u64()),
        (Some(1), Some(1), Some(36), Some(36))
    );
    assert_eq!(r["k_met"], false);
    assert_eq!(r["classes_below_k"].as_array().unwrap().len(), 36);
    let report_text = std::fs::read_to_string(&report).unwrap();
    assert_no_values(&[&out, &err, &report_text], &fixture_values());
}

#[test]
fn generalise_reaches_k_3_and_the_checker_agrees() {
    let tmp = tempfile::tempdir().unwrap();
    let (csv, report, check) = (tmp.path().join("k3.csv"), tmp.path().join("gen.json"), tmp.path().join("check.json"));
    let o = medref(&[
        "data",
        "generalise",
        FIXTURE,
        "--config",
        CONFIG,
        "--out",
        csv.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    let (out, err) = out_err(&o);
    assert_eq!(status(&o), 0, "stdout: {out}\nstderr: {err}");
    assert!(out.contains("k over (age, sex, zip): 1 before, 3 after generalisation; target 3"), "{out}");
    let r = json(&report);
    assert_eq!((r["k_before"].as_u64(), r["k_after"].as_u64(), r["l_after"].as_u64()), (Some(1), Some(3), Some(2)));
    assert_eq!((r["suppressed_rows"].as_u64(), r["rows_out"].as_u64()), (Some(0), Some(36)));
    assert_eq!(r["dropped_columns"][0], "patient_id");
    assert_eq!(r["target_met"], true);
    let written = std::fs::read_to_string(&csv).unwrap();
    assert!(written.starts_with("age,sex,zip,diagnosis\n30-39,F,123**,I21\n"), "{written}");
    assert!(!written.contains("A001"), "the direct identifier must be dropped");

    let o = medref(&[
        "data",
        "check-anonymity",
        csv.to_str().unwrap(),
        "--quasi",
        "age,sex,zip",
        "--k",
        "3",
        "--sensitive",
        "diagnosis",
        "--l",
        "2",
        "--out",
        check.to_str().unwrap(),
    ]);
    let (cout, cerr) = out_err(&o);
    assert_eq!(status(&o), 0, "stdout: {cout}\nstderr: {cerr}");
    assert!(cout.contains("k = 3 (target 3, met); 36 rows in 9 classes"), "{cout}");
    assert!(cout.contains("l = 2 (target 2, met)"), "{cout}");
    let c = json(&check);
    assert_eq!((c["k"].as_u64(), c["l"].as_u64()), (Some(3), Some(2)));

    let texts =
        [out, err, cout, cerr, std::fs::read_to_string(&report).unwrap(), std::fs::read_to_string(&check).unwrap()];
    assert_no_values(&texts.iter().map(String::as_str).collect::<Vec<_>>(), &fixture_values());
}

#[test]
fn generalise_coarsens_then_suppresses_and_counts_what_it_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(repo().join(CONFIG)).unwrap();
    let run = |name: &str, config: String| {
        let cfg = tmp.path().join(format!("{name}.toml"));
        std::fs::write(&cfg, config).unwrap();
        let (csv, report) = (tmp.path().join(format!("{name}.csv")), tmp.path().join(format!("{name}.json")));
        let o = medref(&[
            "data",
            "generalise",
            FIXTURE,
            "--config",
            cfg.to_str().unwrap(),
            "--out",
            csv.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ]);
        (o, csv, json(&report))
    };
    let checked_k = |csv: &Path, k: &str| {
        let o = medref(&["data", "check-anonymity", csv.to_str().unwrap(), "--quasi", "age,sex,zip", "--k", k]);
        assert_eq!(status(&o), 0, "{:?}", out_err(&o));
        out_err(&o).0
    };

    // k = 4: bands widen to 20 (merging two classes of 3), then the two
    // classes still of 3 rows go: 6 of 36 rows, within the 20 % limit.
    let (o, csv, r) = run("k4", base.replace("k = 3", "k = 4"));
    assert_eq!(status(&o), 0, "{:?}", out_err(&o));
    assert_eq!(
        (r["suppressed_rows"].as_u64(), r["suppressed_classes"].as_u64(), r["rows_out"].as_u64()),
        (Some(6), Some(2), Some(30))
    );
    assert_eq!((r["k_generalised"].as_u64(), r["k_after"].as_u64()), (Some(3), Some(4)));
    assert_eq!(r["columns"][0]["band"].as_f64(), Some(20.0));
    assert!(out_err(&o).0.contains("suppressed 6 rows in 2 classes; 30 of 36 rows kept, final k = 4"));
    assert!(checked_k(&csv, "4").contains("k = 4 (target 4, met); 30 rows"));

    // k = 5 without coarsening or a limit: the six classes under 5 rows go.
    let plain = base
        .replace("k = 3", "k = 5")
        .replace("max_band = 20", "")
        .replace("min_keep_chars = 2", "")
        .replace("max_suppressed_fraction = 0.2", "");
    let (o, csv, r) = run("k5", plain);
    assert_eq!(status(&o), 0, "{:?}", out_err(&o));
    assert_eq!(
        (r["suppressed_rows"].as_u64(), r["suppressed_classes"].as_u64(), r["k_after"].as_u64()),
        (Some(20), Some(6), Some(5))
    );
    assert!(checked_k(&csv, "5").contains("k = 5 (target 5, met); 16 rows in 3 classes"));

    // k = 5 with the 20 % limit: 14 of 36 rows would go; refused, exit 1, no table.
    let (o, csv, r) = run("k5limit", base.replace("k = 3", "k = 5"));
    let (out, err) = out_err(&o);
    assert_eq!(status(&o), 1, "stdout: {out}\nstderr: {err}");
    assert!(out.contains("target NOT met") && err.contains("nothing written"), "{out}\n{err}");
    assert_eq!((r["target_met"].as_bool(), r["suppressed_rows"].as_u64()), (Some(false), Some(14)));
    assert!(r["output"].is_null());
    assert!(!csv.exists());
}

#[test]
fn never_prints_cell_values() {
    // Quasi-identifiers made of unmistakable markers.
    let tmp = tempfile::tempdir().unwrap();
    let table = tmp.path().join("t.csv");
    let mut text = String::from("age,ward,dx\n");
    for i in 0..12 {
        text.push_str(&format!("AGE-MARK-{},WARD-MARK-{},DX-MARK-{}\n", i % 5, i % 2, i % 3));
    }
    std::fs::write(&table, text).unwrap();
    let report = tmp.path().join("r.json");
    let o = medref(&[
        "data",
        "check-anonymity",
        table.to_str().unwrap(),
        "--quasi",
        "age,ward",
        "--k",
        "3",
        "--sensitive",
        "dx",
        "--l",
        "2",
        "--out",
        report.to_str().unwrap(),
    ]);
    assert_eq!(status(&o), 1);
    let (out, err) = out_err(&o);
    assert!(out.contains("10 classes below k=3: sizes 1, 1, 1, 1, 1, 1, 1, 1, 2, 2; 12 rows"), "{out}");
    let config = tmp.path().join("g.toml");
    std::fs::write(
        &config,
        "k = 2\nquasi_identifiers = [\"age\", \"ward\"]\nsensitive = \"dx\"\n[columns.age]\nkeep_chars = 4\n",
    )
    .unwrap();
    let greport = tmp.path().join("g.json");
    let g = medref(&[
        "data",
        "generalise",
        table.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--out",
        tmp.path().join("g.csv").to_str().unwrap(),
        "--report",
        greport.to_str().unwrap(),
    ]);
    assert_eq!(status(&g), 0, "{:?}", out_err(&g));
    let (gout, gerr) = out_err(&g);
    for t in
        [out, err, gout, gerr, std::fs::read_to_string(&report).unwrap(), std::fs::read_to_string(&greport).unwrap()]
    {
        assert!(!t.contains("MARK") && !t.contains("AGE-"), "a value was printed:\n{t}");
    }
}

#[test]
fn bad_anonymity_input_exits_2_naming_the_file_and_the_column() {
    let o = medref(&["data", "check-anonymity", FIXTURE, "--quasi", "age,postcode", "--k", "3"]);
    let (_, err) = out_err(&o);
    assert_eq!(status(&o), 2, "{err}");
    assert!(err.contains("datasets/anonymity/patients.csv: column \"postcode\": no such column"), "{err}");

    let o = medref(&["data", "check-anonymity", "datasets/anonymity/nope.csv", "--quasi", "age", "--k", "3"]);
    assert_eq!(status(&o), 2);
    assert!(out_err(&o).1.contains("nope.csv"));

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("o.csv");
    for (config, needles) in [
        (
            "k = 3\nquasi_identifiers = [\"age\"]\n[columns.agee]\nband = 10\n",
            &["bad.toml: [columns.agee]: no column \"agee\" in"][..],
        ),
        ("k = 3\nquasi_identifiers = [\"age\"]\nbogus = 1\n", &["bad.toml", "bogus"][..]),
        (
            "k = 3\nquasi_identifiers = [\"age\"]\n[columns.sex]\nband = 10\n",
            &["patients.csv: column \"sex\": holds text"][..],
        ),
    ] {
        let cfg = tmp.path().join("bad.toml");
        std::fs::write(&cfg, config).unwrap();
        let o =
            medref(&["data", "generalise", FIXTURE, "--config", cfg.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        let (_, err) = out_err(&o);
        assert_eq!(status(&o), 2, "{config}: {err}");
        for n in needles {
            assert!(err.contains(n), "expected {n:?} in: {err}");
        }
        assert!(!err.contains("panicked"));
        assert!(!out.exists());
    }
}

fn text_of(obj: &dicom_object::InMemDicomObject, tag: Tag) -> Option<String> {
    obj.get(tag).map(|e| e.to_str().map(|s| s.trim_end_matches(['\0', ' ']).to_string()).unwrap_or_default())
}

#[test]
fn deidentify_removes_identity_and_keeps_the_pixel_bytes() {
    const PATIENT_NAME: Tag = Tag(0x0010, 0x0010);
    const PATIENT_ID: Tag = Tag(0x0010, 0x0020);
    const BIRTH_DATE: Tag = Tag(0x0010, 0x0030);
    const STUDY_DATE: Tag = Tag(0x0008, 0x0020);
    const IDENTITY_REMOVED: Tag = Tag(0x0012, 0x0062);
    const METHOD: Tag = Tag(0x0012, 0x0063);
    const STUDY_UID: Tag = Tag(0x0020, 0x000D);
    const PIXEL_DATA: Tag = Tag(0x7FE0, 0x0010);

    // CT_small has an empty birth date: give a copy one, so that its
    // removal is tested too.
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("ct.dcm");
    let mut obj = open_file(repo().join("datasets/dicom/CT_small.dcm")).unwrap();
    let da = obj.element(STUDY_DATE).unwrap().vr();
    obj.put_str(BIRTH_DATE, da, "19510203");
    obj.write_to_file(&input).unwrap();

    let output = tmp.path().join("anon.dcm");
    let report = tmp.path().join("deid.json");
    let o = medref(&[
        "data",
        "deidentify",
        input.to_str().unwrap(),
        output.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    let (out, err) = out_err(&o);
    assert_eq!(status(&o), 0, "stdout: {out}\nstderr: {err}");

    let before = open_file(&input).unwrap();
    let after = open_file(&output).unwrap();
    let bytes = std::fs::read(&output).unwrap();
    let r = json(&report);
    let printed = format!("{out}{err}{}", std::fs::read_to_string(&report).unwrap());
    for tag in [PATIENT_NAME, PATIENT_ID, BIRTH_DATE] {
        let original = text_of(&before, tag).unwrap();
        assert!(!original.is_empty());
        assert!(text_of(&after, tag).is_none_or(|v| v.is_empty()), "({:04X},{:04X}) kept", tag.group(), tag.element());
        // Nowhere in the file (other-ID sequences included), nowhere printed.
        assert!(
            !bytes.windows(original.len()).any(|w| w == original.as_bytes()),
            "({:04X},{:04X}) still in the file",
            tag.group(),
            tag.element()
        );
        assert!(!printed.contains(&original), "({:04X},{:04X}) printed", tag.group(), tag.element());
    }
    assert_eq!(text_of(&after, IDENTITY_REMOVED).as_deref(), Some("YES"));
    assert!(text_of(&after, METHOD).unwrap().contains("Basic Profile"));
    assert_ne!(text_of(&after, STUDY_UID), text_of(&before, STUDY_UID));
    assert!(text_of(&after, STUDY_UID).unwrap().starts_with("2.25."));
    assert!(after.tags().all(|t| t.group() % 2 == 0), "private attributes kept");
    let pixels = |o: &dicom_object::DefaultDicomObject| o.element(PIXEL_DATA).unwrap().to_bytes().unwrap().into_owned();
    assert_eq!(pixels(&after), pixels(&before), "pixel data changed");
    assert!(out.contains("set PatientIdentityRemoved = YES"), "{out}");
    assert_eq!(r["emptied"]["PatientName"], 1);
    assert_eq!(r["removed"]["OtherPatientIDsSequence"], 1);
    assert_eq!(r["method_codes"][0]["code"], "113100");
}

#[test]
fn deidentify_refuses_a_text_file_with_exit_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let output = tmp.path().join("out.dcm");
    let o = medref(&["data", "deidentify", "datasets/broken/not_dicom.dcm", output.to_str().unwrap()]);
    let (_, err) = out_err(&o);
    assert_eq!(status(&o), 2, "{err}");
    assert!(err.contains("datasets/broken/not_dicom.dcm: not a DICOM file"), "{err}");
    assert!(!output.exists());
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0, "a temporary file was left behind");
}
