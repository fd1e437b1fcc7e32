//! De-identification of DICOM files after the Basic Application Level
//! Confidentiality Profile (DICOM PS3.15 Annex E, table E.1-1).
//!
//! The profile lists the attributes that can identify a patient and what to
//! do with each: remove it (X), keep it but empty (Z: attributes an image
//! must carry, such as Patient's Name), or replace a UID by a new one that
//! stays consistent across the files of a study (U). [`BASIC_PROFILE`] is
//! our reading of that table (the attributes that occur in images and
//! their requests, not every row of it); on top of it every private
//! attribute (odd group) goes, with overlays and curves (groups 60xx and
//! 50xx, which can draw text), and, unless an option keeps them, every
//! other date and time. Actions D ("replace with a dummy value") are
//! applied as Z (empty). The profile options implemented:
//!
//! - Retain Longitudinal Temporal Information, Full Dates ([`DatePolicy::Keep`]);
//! - Retain Longitudinal Temporal Information, Modified Dates
//!   ([`DatePolicy::Shift`]: every date moves by the same number of days,
//!   so intervals between studies survive; the shift is never recorded).
//!
//! New UIDs are `2.25.` followed by a UUID (version 3 layout) made from the
//! MD5 of a secret and the old UID: the same UID in two files gets the same
//! replacement, and without the secret nobody can test a guessed original
//! against it. Pixel data is left byte for byte as it was: text burned into
//! the pixels (Burned In Annotation) is reported, not cleaned.
//!
//! Nothing here prints or returns a patient value: the report names
//! attributes and counts them.

use std::collections::BTreeMap;
use std::path::Path;

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
use dicom_core::value::{DataSetSequence, Value};
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::{tags, StandardDataDictionary};
use dicom_object::{FileDicomObject, InMemDicomObject};
use md5::{Digest, Md5};
use serde::Serialize;

use crate::error::DataError;

/// What the profile does with an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// X: remove the attribute.
    Remove,
    /// Z (and D): keep the attribute with an empty value.
    Empty,
    /// U: replace each UID by a consistent new one.
    NewUid,
}

/// One row of [`BASIC_PROFILE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileRule {
    /// The attribute.
    pub tag: Tag,
    /// Its DICOM keyword (checked against the standard dictionary in tests).
    pub keyword: &'static str,
    /// What the Basic Profile does with it.
    pub action: Action,
    /// A date or time: kept (or shifted) when a Retain Longitudinal
    /// Temporal Information option is chosen.
    pub temporal: bool,
}

const fn rule(group: u16, element: u16, keyword: &'static str, action: Action, temporal: bool) -> ProfileRule {
    ProfileRule { tag: Tag(group, element), keyword, action, temporal }
}
const fn x(group: u16, element: u16, keyword: &'static str) -> ProfileRule {
    rule(group, element, keyword, Action::Remove, false)
}
const fn z(group: u16, element: u16, keyword: &'static str) -> ProfileRule {
    rule(group, element, keyword, Action::Empty, false)
}
const fn u(group: u16, element: u16, keyword: &'static str) -> ProfileRule {
    rule(group, element, keyword, Action::NewUid, false)
}
const fn xt(group: u16, element: u16, keyword: &'static str) -> ProfileRule {
    rule(group, element, keyword, Action::Remove, true)
}
const fn zt(group: u16, element: u16, keyword: &'static str) -> ProfileRule {
    rule(group, element, keyword, Action::Empty, true)
}

/// The attributes of PS3.15 table E.1-1 this module acts on, in tag order.
pub const BASIC_PROFILE: &[ProfileRule] = &[
    u(0x0004, 0x1511, "ReferencedSOPInstanceUIDInFile"),
    xt(0x0008, 0x0012, "InstanceCreationDate"),
    xt(0x0008, 0x0013, "InstanceCreationTime"),
    u(0x0008, 0x0014, "InstanceCreatorUID"),
    xt(0x0008, 0x0015, "InstanceCoercionDateTime"),
    u(0x0008, 0x0018, "SOPInstanceUID"),
    zt(0x0008, 0x0020, "StudyDate"),
    xt(0x0008, 0x0021, "SeriesDate"),
    xt(0x0008, 0x0022, "AcquisitionDate"),
    zt(0x0008, 0x0023, "ContentDate"),
    xt(0x0008, 0x002A, "AcquisitionDateTime"),
    zt(0x0008, 0x0030, "StudyTime"),
    xt(0x0008, 0x0031, "SeriesTime"),
    xt(0x0008, 0x0032, "AcquisitionTime"),
    zt(0x0008, 0x0033, "ContentTime"),
    z(0x0008, 0x0050, "AccessionNumber"),
    u(0x0008, 0x0058, "FailedSOPInstanceUIDList"),
    x(0x0008, 0x0080, "InstitutionName"),
    x(0x0008, 0x0081, "InstitutionAddress"),
    x(0x0008, 0x0082, "InstitutionCodeSequence"),
    z(0x0008, 0x0090, "ReferringPhysicianName"),
    x(0x0008, 0x0092, "ReferringPhysicianAddress"),
    x(0x0008, 0x0094, "ReferringPhysicianTelephoneNumbers"),
    x(0x0008, 0x0096, "ReferringPhysicianIdentificationSequence"),
    x(0x0008, 0x009C, "ConsultingPhysicianName"),
    x(0x0008, 0x009D, "ConsultingPhysicianIdentificationSequence"),
    xt(0x0008, 0x0201, "TimezoneOffsetFromUTC"),
    x(0x0008, 0x1010, "StationName"),
    x(0x0008, 0x1030, "StudyDescription"),
    x(0x0008, 0x103E, "SeriesDescription"),
    x(0x0008, 0x1040, "InstitutionalDepartmentName"),
    x(0x0008, 0x1048, "PhysiciansOfRecord"),
    x(0x0008, 0x1049, "PhysiciansOfRecordIdentificationSequence"),
    x(0x0008, 0x1050, "PerformingPhysicianName"),
    x(0x0008, 0x1052, "PerformingPhysicianIdentificationSequence"),
    x(0x0008, 0x1060, "NameOfPhysiciansReadingStudy"),
    x(0x0008, 0x1062, "PhysiciansReadingStudyIdentificationSequence"),
    x(0x0008, 0x1070, "OperatorsName"),
    x(0x0008, 0x1072, "OperatorIdentificationSequence"),
    x(0x0008, 0x1080, "AdmittingDiagnosesDescription"),
    x(0x0008, 0x1084, "AdmittingDiagnosesCodeSequence"),
    x(0x0008, 0x1110, "ReferencedStudySequence"),
    x(0x0008, 0x1111, "ReferencedPerformedProcedureStepSequence"),
    x(0x0008, 0x1120, "ReferencedPatientSequence"),
    u(0x0008, 0x1155, "ReferencedSOPInstanceUID"),
    u(0x0008, 0x1195, "TransactionUID"),
    x(0x0008, 0x2111, "DerivationDescription"),
    u(0x0008, 0x3010, "IrradiationEventUID"),
    x(0x0008, 0x4000, "IdentifyingComments"),
    z(0x0010, 0x0010, "PatientName"),
    z(0x0010, 0x0020, "PatientID"),
    x(0x0010, 0x0021, "IssuerOfPatientID"),
    x(0x0010, 0x0024, "IssuerOfPatientIDQualifiersSequence"),
    z(0x0010, 0x0030, "PatientBirthDate"),
    x(0x0010, 0x0032, "PatientBirthTime"),
    z(0x0010, 0x0040, "PatientSex"),
    x(0x0010, 0x0050, "PatientInsurancePlanCodeSequence"),
    x(0x0010, 0x0101, "PatientPrimaryLanguageCodeSequence"),
    x(0x0010, 0x0102, "PatientPrimaryLanguageModifierCodeSequence"),
    x(0x0010, 0x1000, "OtherPatientIDs"),
    x(0x0010, 0x1001, "OtherPatientNames"),
    x(0x0010, 0x1002, "OtherPatientIDsSequence"),
    x(0x0010, 0x1005, "PatientBirthName"),
    x(0x0010, 0x1010, "PatientAge"),
    x(0x0010, 0x1020, "PatientSize"),
    x(0x0010, 0x1030, "PatientWeight"),
    x(0x0010, 0x1040, "PatientAddress"),
    x(0x0010, 0x1060, "PatientMotherBirthName"),
    x(0x0010, 0x1080, "MilitaryRank"),
    x(0x0010, 0x1081, "BranchOfService"),
    x(0x0010, 0x1090, "MedicalRecordLocator"),
    x(0x0010, 0x1100, "ReferencedPatientPhotoSequence"),
    x(0x0010, 0x2000, "MedicalAlerts"),
    x(0x0010, 0x2110, "Allergies"),
    x(0x0010, 0x2150, "CountryOfResidence"),
    x(0x0010, 0x2152, "RegionOfResidence"),
    x(0x0010, 0x2154, "PatientTelephoneNumbers"),
    x(0x0010, 0x2155, "PatientTelecomInformation"),
    x(0x0010, 0x2160, "EthnicGroup"),
    x(0x0010, 0x2180, "Occupation"),
    x(0x0010, 0x21A0, "SmokingStatus"),
    x(0x0010, 0x21B0, "AdditionalPatientHistory"),
    x(0x0010, 0x21C0, "PregnancyStatus"),
    xt(0x0010, 0x21D0, "LastMenstrualDate"),
    x(0x0010, 0x21F0, "PatientReligiousPreference"),
    x(0x0010, 0x2203, "PatientSexNeutered"),
    x(0x0010, 0x2297, "ResponsiblePerson"),
    x(0x0010, 0x2299, "ResponsibleOrganization"),
    x(0x0010, 0x4000, "PatientComments"),
    z(0x0018, 0x0010, "ContrastBolusAgent"),
    x(0x0018, 0x1000, "DeviceSerialNumber"),
    u(0x0018, 0x1002, "DeviceUID"),
    x(0x0018, 0x1004, "PlateID"),
    x(0x0018, 0x1005, "GeneratorID"),
    x(0x0018, 0x1007, "CassetteID"),
    x(0x0018, 0x1008, "GantryID"),
    x(0x0018, 0x1010, "SecondaryCaptureDeviceID"),
    x(0x0018, 0x1030, "ProtocolName"),
    xt(0x0018, 0x1200, "DateOfLastCalibration"),
    xt(0x0018, 0x1201, "TimeOfLastCalibration"),
    x(0x0018, 0x1400, "AcquisitionDeviceProcessingDescription"),
    x(0x0018, 0x4000, "AcquisitionComments"),
    x(0x0018, 0x700A, "DetectorID"),
    x(0x0018, 0x9424, "AcquisitionProtocolDescription"),
    u(0x0020, 0x000D, "StudyInstanceUID"),
    u(0x0020, 0x000E, "SeriesInstanceUID"),
    z(0x0020, 0x0010, "StudyID"),
    u(0x0020, 0x0052, "FrameOfReferenceUID"),
    u(0x0020, 0x0200, "SynchronizationFrameOfReferenceUID"),
    x(0x0020, 0x4000, "ImageComments"),
    u(0x0020, 0x9161, "ConcatenationUID"),
    u(0x0020, 0x9164, "DimensionOrganizationUID"),
    u(0x0028, 0x1199, "PaletteColorLookupTableUID"),
    u(0x0028, 0x1214, "LargePaletteColorLookupTableUID"),
    x(0x0032, 0x1030, "ReasonForStudy"),
    x(0x0032, 0x1032, "RequestingPhysician"),
    x(0x0032, 0x1033, "RequestingService"),
    x(0x0032, 0x1060, "RequestedProcedureDescription"),
    x(0x0032, 0x1070, "RequestedContrastAgent"),
    x(0x0032, 0x4000, "StudyComments"),
    x(0x0038, 0x0004, "ReferencedPatientAliasSequence"),
    x(0x0038, 0x0010, "AdmissionID"),
    x(0x0038, 0x0011, "IssuerOfAdmissionID"),
    x(0x0038, 0x0300, "CurrentPatientLocation"),
    x(0x0038, 0x0400, "PatientInstitutionResidence"),
    x(0x0038, 0x0500, "PatientState"),
    x(0x0038, 0x4000, "VisitComments"),
    x(0x0040, 0x0006, "ScheduledPerformingPhysicianName"),
    x(0x0040, 0x0241, "PerformedStationAETitle"),
    x(0x0040, 0x0242, "PerformedStationName"),
    x(0x0040, 0x0243, "PerformedLocation"),
    xt(0x0040, 0x0244, "PerformedProcedureStepStartDate"),
    xt(0x0040, 0x0245, "PerformedProcedureStepStartTime"),
    xt(0x0040, 0x0250, "PerformedProcedureStepEndDate"),
    xt(0x0040, 0x0251, "PerformedProcedureStepEndTime"),
    x(0x0040, 0x0253, "PerformedProcedureStepID"),
    x(0x0040, 0x0254, "PerformedProcedureStepDescription"),
    x(0x0040, 0x0275, "RequestAttributesSequence"),
    x(0x0040, 0x0280, "CommentsOnThePerformedProcedureStep"),
    x(0x0040, 0x0555, "AcquisitionContextSequence"),
    x(0x0040, 0x1001, "RequestedProcedureID"),
    x(0x0040, 0x1400, "RequestedProcedureComments"),
    x(0x0040, 0x2016, "PlacerOrderNumberImagingServiceRequest"),
    x(0x0040, 0x2017, "FillerOrderNumberImagingServiceRequest"),
    x(0x0040, 0x2400, "ImagingServiceRequestComments"),
    x(0x0040, 0xA027, "VerifyingOrganization"),
    z(0x0040, 0xA075, "VerifyingObserverName"),
    z(0x0040, 0xA123, "PersonName"),
    u(0x0040, 0xA124, "UID"),
    x(0x0040, 0xA730, "ContentSequence"),
    u(0x0040, 0xDB0C, "TemplateExtensionOrganizationUID"),
    u(0x0040, 0xDB0D, "TemplateExtensionCreatorUID"),
    u(0x0070, 0x031A, "FiducialUID"),
    u(0x0088, 0x0140, "StorageMediaFileSetUID"),
    x(0x0400, 0x0561, "OriginalAttributesSequence"),
    u(0x3006, 0x0024, "ReferencedFrameOfReferenceUID"),
    u(0x3006, 0x00C2, "RelatedFrameOfReferenceUID"),
    x(0x4000, 0x4000, "TextComments"),
    x(0x4FFE, 0x0001, "MACParametersSequence"),
    x(0xFFFA, 0xFFFA, "DigitalSignaturesSequence"),
];

/// How dates and times are treated: the Basic Profile removes them, the
/// two Retain Longitudinal Temporal Information options keep them as they
/// are or shifted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePolicy {
    /// Basic Profile: the table's dates and times emptied or removed, and
    /// every other date and time removed.
    Remove,
    /// Full Dates Option: dates and times kept.
    Keep,
    /// Modified Dates Option: every date (DA, and the date of a DT) moved
    /// by this many days; times kept.
    Shift {
        /// Days added (negative: earlier).
        days: i64,
    },
}

/// What [`deidentify`] is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeidentifyOptions {
    /// The date option.
    pub dates: DatePolicy,
    /// Mixed into every new UID; keep it secret and the same for every
    /// file of a data set (an empty secret still gives consistent UIDs, but
    /// anyone can then test a guessed original UID).
    pub uid_secret: String,
}

impl Default for DeidentifyOptions {
    fn default() -> Self {
        Self { dates: DatePolicy::Remove, uid_secret: String::new() }
    }
}

/// A code of DICOM's CID 7050 (De-identification Method), written into
/// the De-identification Method Code Sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MethodCode {
    /// Code value (coding scheme DCM).
    pub code: &'static str,
    /// Code meaning.
    pub meaning: &'static str,
}

const BASIC_PROFILE_CODE: MethodCode =
    MethodCode { code: "113100", meaning: "Basic Application Confidentiality Profile" };
const FULL_DATES_CODE: MethodCode =
    MethodCode { code: "113106", meaning: "Retain Longitudinal Temporal Information Full Dates Option" };
const MODIFIED_DATES_CODE: MethodCode =
    MethodCode { code: "113107", meaning: "Retain Longitudinal Temporal Information Modified Dates Option" };

/// What was done to a file: attribute keywords with counts (nested
/// occurrences included), never values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct DeidentifyReport {
    /// The profile applied.
    pub profile: String,
    /// The profile options applied (their CID 7050 meanings).
    pub options: Vec<String>,
    /// The codes written into De-identification Method Code Sequence.
    pub method_codes: Vec<MethodCode>,
    /// Attributes removed.
    pub removed: BTreeMap<String, usize>,
    /// Attributes kept with an empty value.
    pub emptied: BTreeMap<String, usize>,
    /// Attributes whose UIDs were replaced.
    pub uids_replaced: BTreeMap<String, usize>,
    /// Dates moved (Modified Dates Option).
    pub dates_shifted: BTreeMap<String, usize>,
    /// Private attributes removed (creators included).
    pub private_removed: usize,
    /// The value written to Longitudinal Temporal Information Modified.
    pub longitudinal_temporal_information: String,
    /// Things a human should still check (burned-in text in the pixels).
    pub warnings: Vec<String>,
}

impl DeidentifyReport {
    /// Lines for the terminal: counts and attribute names.
    pub fn summary(&self) -> String {
        let names = |m: &BTreeMap<String, usize>| m.keys().cloned().collect::<Vec<_>>().join(", ");
        let total = |m: &BTreeMap<String, usize>| m.values().sum::<usize>();
        let mut s = format!("profile: {}", self.profile);
        if !self.options.is_empty() {
            s.push_str(&format!(" + {}", self.options.join(", ")));
        }
        s.push('\n');
        s.push_str(&format!("removed {} attributes: {}\n", total(&self.removed), names(&self.removed)));
        s.push_str(&format!("emptied {} attributes: {}\n", total(&self.emptied), names(&self.emptied)));
        s.push_str(&format!(
            "replaced UIDs in {} attributes: {}\n",
            total(&self.uids_replaced),
            names(&self.uids_replaced)
        ));
        if !self.dates_shifted.is_empty() {
            s.push_str(&format!("shifted {} dates: {}\n", total(&self.dates_shifted), names(&self.dates_shifted)));
        }
        s.push_str(&format!("removed {} private attributes\n", self.private_removed));
        s.push_str(&format!(
            "set PatientIdentityRemoved = YES, LongitudinalTemporalInformationModified = {}; pixel data unchanged\n",
            self.longitudinal_temporal_information
        ));
        for w in &self.warnings {
            s.push_str(&format!("warning: {w}\n"));
        }
        s
    }
}

/// The replacement of `uid`: `2.25.` and the decimal value of a UUID
/// (version 3 layout) built from MD5(`secret`, 0, `uid`). Trailing padding
/// (space, NUL) of the stored value is ignored.
pub fn replacement_uid(secret: &str, uid: &str) -> String {
    let uid = uid.trim_end_matches(['\0', ' ']);
    let mut h = Md5::new();
    h.update(secret.as_bytes());
    h.update([0u8]);
    h.update(uid.as_bytes());
    let mut b: [u8; 16] = h.finalize().into();
    b[6] = (b[6] & 0x0F) | 0x30;
    b[8] = (b[8] & 0x3F) | 0x80;
    format!("2.25.{}", u128::from_be_bytes(b))
}

fn keyword(tag: Tag) -> String {
    match StandardDataDictionary.by_tag(tag) {
        Some(entry) => entry.alias().to_string(),
        None => format!("({:04X},{:04X})", tag.group(), tag.element()),
    }
}

/// Overlay (60xx) and curve (50xx) groups: graphics that can carry text.
fn is_overlay_or_curve(tag: Tag) -> bool {
    matches!(tag.group() & 0xFF00, 0x6000 | 0x5000) && tag.group().is_multiple_of(2)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `days` after 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `YYYYMMDD...` with its date moved by `days`; `None` unless the text
/// starts with a valid full date (the rest, a DT's time, is kept).
fn shift_date(text: &str, days: i64) -> Option<String> {
    let digits = text.get(..8).filter(|d| d.bytes().all(|b| b.is_ascii_digit()))?;
    let (y, m, d): (i64, i64, i64) =
        (digits[..4].parse().ok()?, digits[4..6].parse().ok()?, digits[6..8].parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let (y2, m2, d2) = civil_from_days(days_from_civil(y, m, d) + days);
    if !(0..=9999).contains(&y2) {
        return None;
    }
    Some(format!("{y2:04}{m2:02}{d2:02}{}", &text[8..]))
}

struct Walker<'a> {
    options: &'a DeidentifyOptions,
    report: DeidentifyReport,
}

impl Walker<'_> {
    fn note(map: &mut BTreeMap<String, usize>, tag: Tag, name: Option<&str>) {
        *map.entry(name.map_or_else(|| keyword(tag), str::to_string)).or_insert(0) += 1;
    }

    /// Applies the profile to one data set and, recursively, to the items
    /// of the sequences it keeps.
    fn clean(&mut self, obj: &mut InMemDicomObject) {
        let tags: Vec<Tag> = obj.tags().collect();
        for tag in tags {
            if tag.group() % 2 == 1 {
                obj.remove_element(tag);
                self.report.private_removed += 1;
                continue;
            }
            // Overlays and curves can draw text; trailing padding can hold
            // stale bytes of an earlier data set. Neither is needed.
            if is_overlay_or_curve(tag) || tag == tags::DATA_SET_TRAILING_PADDING {
                obj.remove_element(tag);
                Self::note(&mut self.report.removed, tag, None);
                continue;
            }
            let Some(elem) = obj.get(tag) else { continue };
            let vr = elem.vr();
            let rule = BASIC_PROFILE.iter().find(|r| r.tag == tag);
            let keep_temporal = self.options.dates != DatePolicy::Remove;
            match rule {
                Some(r) if !(r.temporal && keep_temporal) => match r.action {
                    Action::Remove => {
                        obj.remove_element(tag);
                        Self::note(&mut self.report.removed, tag, Some(r.keyword));
                        continue;
                    }
                    Action::Empty => {
                        if vr == VR::SQ {
                            obj.put(DataElement::new(tag, VR::SQ, DataSetSequence::<InMemDicomObject>::empty()));
                        } else {
                            obj.put(DataElement::new(tag, vr, PrimitiveValue::Empty));
                        }
                        Self::note(&mut self.report.emptied, tag, Some(r.keyword));
                        continue;
                    }
                    Action::NewUid => {
                        let old = elem.value().to_multi_str().map(|v| v.into_owned()).unwrap_or_default();
                        let new: Vec<String> = old
                            .iter()
                            .map(|u| {
                                if u.trim_end_matches(['\0', ' ']).is_empty() {
                                    String::new()
                                } else {
                                    replacement_uid(&self.options.uid_secret, u)
                                }
                            })
                            .collect();
                        obj.put(DataElement::new(tag, VR::UI, PrimitiveValue::Strs(new.into_iter().collect())));
                        Self::note(&mut self.report.uids_replaced, tag, Some(r.keyword));
                        continue;
                    }
                },
                Some(_) => {}
                None if matches!(vr, VR::DA | VR::DT | VR::TM) && !keep_temporal => {
                    obj.remove_element(tag);
                    Self::note(&mut self.report.removed, tag, None);
                    continue;
                }
                None => {}
            }
            if let (DatePolicy::Shift { days }, VR::DA | VR::DT) = (self.options.dates, vr) {
                let old = elem.value().to_multi_str().map(|v| v.into_owned()).unwrap_or_default();
                let present: Vec<&String> = old.iter().filter(|v| !v.trim().is_empty()).collect();
                if present.is_empty() {
                    continue;
                }
                let shifted: Option<Vec<String>> = old
                    .iter()
                    .map(|v| if v.trim().is_empty() { Some(String::new()) } else { shift_date(v.trim(), days) })
                    .collect();
                match shifted {
                    Some(values) => {
                        obj.put(DataElement::new(tag, vr, PrimitiveValue::Strs(values.into_iter().collect())));
                        Self::note(&mut self.report.dates_shifted, tag, None);
                    }
                    None => {
                        // A partial or malformed date cannot be shifted: empty it.
                        obj.put(DataElement::new(tag, vr, PrimitiveValue::Empty));
                        Self::note(&mut self.report.emptied, tag, None);
                    }
                }
                continue;
            }
            if vr == VR::SQ {
                obj.update_value(tag, |value| {
                    if let Value::Sequence(seq) = value {
                        for item in seq.items_mut().iter_mut() {
                            self.clean(item);
                        }
                    }
                });
            }
        }
    }
}

/// Applies the Basic Profile (and the chosen date option) to a DICOM
/// object in memory, sets Patient Identity Removed, De-identification
/// Method (and its code sequence) and Longitudinal Temporal Information
/// Modified, and replaces the file meta's SOP instance UID to match.
pub fn deidentify(obj: &mut FileDicomObject<InMemDicomObject>, options: &DeidentifyOptions) -> DeidentifyReport {
    let mut walker = Walker { options, report: DeidentifyReport::default() };
    let burned_in =
        obj.get(tags::BURNED_IN_ANNOTATION).and_then(|e| e.to_str().ok()).map(|s| s.trim().to_ascii_uppercase());
    walker.clean(obj);
    let mut report = walker.report;

    let mut codes = vec![BASIC_PROFILE_CODE];
    let (temporal, option) = match options.dates {
        DatePolicy::Remove => ("REMOVED", None),
        DatePolicy::Keep => ("UNMODIFIED", Some(FULL_DATES_CODE)),
        DatePolicy::Shift { .. } => ("MODIFIED", Some(MODIFIED_DATES_CODE)),
    };
    if let Some(c) = option {
        report.options.push(c.meaning.to_string());
        codes.push(c);
    }
    report.profile = format!("{} (DICOM PS3.15 Annex E)", BASIC_PROFILE_CODE.meaning);
    report.longitudinal_temporal_information = temporal.to_string();

    obj.put(DataElement::new(tags::PATIENT_IDENTITY_REMOVED, VR::CS, PrimitiveValue::from("YES")));
    // LO values hold at most 64 characters: one short value per step.
    let mut method: Vec<String> = vec!["medref deidentify".into(), "Basic Profile".into()];
    method.extend(option.map(|_| if temporal == "MODIFIED" { "Modified Dates" } else { "Full Dates" }.to_string()));
    obj.put(DataElement::new(
        tags::DEIDENTIFICATION_METHOD,
        VR::LO,
        PrimitiveValue::Strs(method.into_iter().collect()),
    ));
    let items: Vec<InMemDicomObject> = codes
        .iter()
        .map(|c| {
            InMemDicomObject::from_element_iter([
                DataElement::new(tags::CODE_VALUE, VR::SH, PrimitiveValue::from(c.code)),
                DataElement::new(tags::CODING_SCHEME_DESIGNATOR, VR::SH, PrimitiveValue::from("DCM")),
                DataElement::new(tags::CODE_MEANING, VR::LO, PrimitiveValue::from(c.meaning)),
            ])
        })
        .collect();
    obj.put(DataElement::new(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE, VR::SQ, DataSetSequence::from(items)));
    obj.put(DataElement::new(tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED, VR::CS, PrimitiveValue::from(temporal)));
    report.method_codes = codes;

    let secret = options.uid_secret.clone();
    obj.update_meta(|meta| {
        let old = meta.media_storage_sop_instance_uid.clone();
        meta.media_storage_sop_instance_uid = replacement_uid(&secret, &old);
        meta.source_application_entity_title = None;
        meta.sending_application_entity_title = None;
        meta.receiving_application_entity_title = None;
        meta.private_information_creator_uid = None;
        meta.private_information = None;
    });

    match burned_in.as_deref() {
        Some("NO") => {}
        Some("YES") => report.warnings.push(
            "Burned In Annotation is YES: the pixels show identifying text; the Clean Pixel Data Option is not applied, so do not share this image as it is".into(),
        ),
        _ => report.warnings.push(
            "Burned In Annotation is not recorded: check the pixels for burned-in text (the Clean Pixel Data Option is not applied)".into(),
        ),
    }
    report
}

/// Reads `input`, de-identifies it and writes `output` atomically (a
/// temporary file in the same folder, renamed when complete), in the
/// input's transfer syntax. A file that is not DICOM is a
/// [`DataError::Format`] naming it; nothing is written then.
pub fn deidentify_file(
    input: &Path,
    output: &Path,
    options: &DeidentifyOptions,
) -> Result<DeidentifyReport, DataError> {
    let mut obj = crate::dicom::open_dicom(input)?;
    let report = deidentify(&mut obj, options);
    medref_core::fsutil::write_atomic_with(output, |file| {
        obj.write_all(file).map_err(|e| std::io::Error::other(format!("cannot encode the DICOM data set: {e}")))
    })
    .map_err(|e| DataError::io(output, e))?;
    Ok(report)
}

#[cfg(test)]
mod tests;
