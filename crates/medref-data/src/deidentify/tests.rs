use super::*;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/dicom").join(name)
}

fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    obj.get(tag).map(|e| e.to_str().map(|s| s.trim_end_matches(['\0', ' ']).to_string()).unwrap_or_default())
}

#[test]
fn every_rule_names_its_attribute_by_the_standard_keyword() {
    for r in BASIC_PROFILE {
        assert_eq!(keyword(r.tag), r.keyword, "({:04X},{:04X})", r.tag.group(), r.tag.element());
    }
    assert!(BASIC_PROFILE.windows(2).all(|w| w[0].tag < w[1].tag), "rules out of tag order");
}

#[test]
fn new_uids_are_consistent_valid_and_depend_on_the_secret() {
    let a = replacement_uid("", "1.2.3.4");
    assert_eq!(a, replacement_uid("", "1.2.3.4\0"));
    assert_ne!(a, replacement_uid("", "1.2.3.5"));
    assert_ne!(a, replacement_uid("s3cret", "1.2.3.4"));
    assert!(a.starts_with("2.25.") && a.len() <= 64, "{a}");
    assert!(a[5..].bytes().all(|b| b.is_ascii_digit()) && !a[5..].starts_with('0'));
}

#[test]
fn dates_shift_across_months_leap_days_and_keep_a_dt_time() {
    assert_eq!(shift_date("20240228", 1).as_deref(), Some("20240229"));
    assert_eq!(shift_date("20240301", -1).as_deref(), Some("20240229"));
    assert_eq!(shift_date("20231231", 1).as_deref(), Some("20240101"));
    assert_eq!(shift_date("20000101", -365).as_deref(), Some("19990101"));
    assert_eq!(shift_date("20200115103000.5+0100", 10).as_deref(), Some("20200125103000.5+0100"));
    assert_eq!(shift_date("2020", 1), None);
    assert_eq!(shift_date("20201345", 1), None);
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(civil_from_days(days_from_civil(1600, 2, 29)), (1600, 2, 29));
}

#[test]
fn ct_small_loses_its_identity_but_keeps_its_pixels() {
    let input = fixture("CT_small.dcm");
    let before = dicom_object::open_file(&input).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("anon.dcm");
    let report = deidentify_file(&input, &out, &DeidentifyOptions::default()).unwrap();
    let after = dicom_object::open_file(&out).unwrap();

    for tag in [
        tags::PATIENT_NAME,
        tags::PATIENT_ID,
        tags::PATIENT_BIRTH_DATE,
        tags::PATIENT_SEX,
        tags::STUDY_DATE,
        tags::ACCESSION_NUMBER,
    ] {
        assert_eq!(text(&after, tag).as_deref(), Some(""), "{}", keyword(tag));
    }
    for tag in [
        tags::OTHER_PATIENT_I_DS_SEQUENCE,
        tags::PATIENT_AGE,
        tags::PATIENT_WEIGHT,
        tags::INSTITUTION_NAME,
        tags::STATION_NAME,
        tags::SERIES_DATE,
        tags::ACQUISITION_TIME,
    ] {
        assert!(after.get(tag).is_none(), "{} kept", keyword(tag));
    }
    assert!(after.tags().all(|t| t.group() % 2 == 0), "a private attribute survived");
    assert!(report.private_removed > 50, "{}", report.private_removed);
    assert_eq!(text(&after, tags::PATIENT_IDENTITY_REMOVED).as_deref(), Some("YES"));
    assert_eq!(text(&after, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(), Some("REMOVED"));
    let codes = after.get(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE).unwrap().items().unwrap();
    assert_eq!(text(&codes[0], tags::CODE_VALUE).as_deref(), Some("113100"));

    // UIDs replaced consistently, and the file meta follows the SOP instance.
    for tag in
        [tags::SOP_INSTANCE_UID, tags::STUDY_INSTANCE_UID, tags::SERIES_INSTANCE_UID, tags::FRAME_OF_REFERENCE_UID]
    {
        let old = text(&before, tag).unwrap();
        assert_eq!(text(&after, tag).unwrap(), replacement_uid("", &old), "{}", keyword(tag));
    }
    assert_eq!(
        after.meta().media_storage_sop_instance_uid().trim_end_matches('\0'),
        text(&after, tags::SOP_INSTANCE_UID).unwrap()
    );
    assert_eq!(text(&after, tags::SOP_CLASS_UID), text(&before, tags::SOP_CLASS_UID));

    // Pixels: the same bytes, and still decodable to the same values.
    let pixels =
        |o: &FileDicomObject<InMemDicomObject>| o.get(tags::PIXEL_DATA).unwrap().to_bytes().unwrap().into_owned();
    assert_eq!(pixels(&after), pixels(&before));
    assert_eq!(crate::dicom::read_slice(&out).unwrap().hu, crate::dicom::read_slice(&input).unwrap().hu);

    // No patient value in the report.
    let json = format!("{report:?}") + &report.summary();
    for tag in [tags::PATIENT_NAME, tags::PATIENT_ID, tags::INSTITUTION_NAME] {
        let v = text(&before, tag).unwrap();
        assert!(!v.is_empty() && !json.contains(&v), "{} leaked", keyword(tag));
    }
}

#[test]
fn every_transfer_syntax_fixture_round_trips_with_its_pixels() {
    for name in ["MR_small.dcm", "MR_small_implicit.dcm", "MR_small_bigendian.dcm", "MR_small_RLE.dcm"] {
        let input = fixture(name);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join(name);
        deidentify_file(&input, &out, &DeidentifyOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (a, b) = (dicom_object::open_file(&input).unwrap(), dicom_object::open_file(&out).unwrap());
        assert_eq!(a.get(tags::PIXEL_DATA).unwrap().value(), b.get(tags::PIXEL_DATA).unwrap().value(), "{name}");
        assert_eq!(b.meta().transfer_syntax(), a.meta().transfer_syntax(), "{name}");
        assert_eq!(text(&b, tags::PATIENT_NAME).as_deref(), Some(""), "{name}");
    }
}

#[test]
fn date_options_keep_or_shift_dates_and_say_so() {
    let input = fixture("CT_small.dcm");
    let before = dicom_object::open_file(&input).unwrap();
    let study = text(&before, tags::STUDY_DATE).unwrap();

    let mut obj = before.clone();
    let r = deidentify(&mut obj, &DeidentifyOptions { dates: DatePolicy::Keep, uid_secret: String::new() });
    assert_eq!(text(&obj, tags::STUDY_DATE), Some(study.clone()));
    assert_eq!(text(&obj, tags::STUDY_TIME), text(&before, tags::STUDY_TIME));
    assert_eq!(text(&obj, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(), Some("UNMODIFIED"));
    assert_eq!(r.method_codes.iter().map(|c| c.code).collect::<Vec<_>>(), ["113100", "113106"]);

    let mut obj = before.clone();
    let r =
        deidentify(&mut obj, &DeidentifyOptions { dates: DatePolicy::Shift { days: -30 }, uid_secret: String::new() });
    assert_eq!(text(&obj, tags::STUDY_DATE), shift_date(&study, -30));
    assert_ne!(text(&obj, tags::STUDY_DATE), Some(study));
    assert_eq!(text(&obj, tags::PATIENT_BIRTH_DATE).as_deref(), Some(""), "the birth date is never kept");
    assert_eq!(text(&obj, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(), Some("MODIFIED"));
    assert!(
        r.dates_shifted.contains_key("StudyDate") && r.dates_shifted.contains_key("SeriesDate"),
        "{:?}",
        r.dates_shifted
    );
    assert!(r.options[0].contains("Modified Dates"));
    let json = format!("{r:?}");
    assert!(!json.contains("-30") && !json.contains("30 days"), "the shift must not be recorded: {json}");
}

#[test]
fn a_text_file_is_refused_and_nothing_is_written() {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/broken/not_dicom.dcm");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.dcm");
    let msg = deidentify_file(&input, &out, &DeidentifyOptions::default()).unwrap_err().to_string();
    assert!(msg.contains("not_dicom.dcm") && msg.contains("not a DICOM file"), "{msg}");
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
