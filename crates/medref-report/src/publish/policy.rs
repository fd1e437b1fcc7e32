//! What a bundle may carry: the choices `medref publish` leaves to the
//! trainee, with defaults that publish nothing at the level of a patient.

use std::path::PathBuf;

/// The environment variable holding the secret mixed into hashed ids, the
/// same one `medref data deidentify` uses, so one secret covers a course.
pub const SECRET_ENV: &str = "MEDREF_DEID_SECRET";

/// The default smallest group size: groups, cells and curve steps with
/// fewer patients than this are suppressed or merged.
pub const DEFAULT_K: usize = 10;

/// Column names treated as quasi-identifiers when no list is given: a
/// category of one of these (a rare site, a postcode) seen in training says
/// that someone with it was in the data.
pub const DEFAULT_QUASI_IDENTIFIERS: &[&str] = &[
    "site",
    "hospital",
    "centre",
    "center",
    "clinic",
    "ward",
    "institution",
    "zip",
    "postcode",
    "postal",
    "city",
    "town",
    "region",
    "country",
    "ethnicity",
    "race",
    "birth",
    "dob",
    "admission_date",
    "discharge_date",
    "nationality",
    "language",
    "occupation",
];

/// What happens to explanation pictures of real records (occlusion
/// saliency over a test image, in-silico mutagenesis of a test sequence).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ExplainPolicy {
    /// Left out of the bundle and its report.
    #[default]
    Remove,
    /// Replaced by explanations the caller drew on generated examples (the
    /// tiny generators), since drawing needs the model and so burn, which
    /// this crate does not link. Each is an SVG file to copy in.
    Synthetic(Vec<PathBuf>),
}

/// The policy of one `publish`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishPolicy {
    /// Smallest number of patients any published count, group or curve
    /// step may stand for.
    pub k: usize,
    /// Keep `predictions.csv` with ids replaced by salted hashes.
    pub keep_predictions: bool,
    /// The secret for those hashes; `None` refuses `keep_predictions`.
    pub secret: Option<String>,
    pub explain: ExplainPolicy,
    /// Lower-case column names (or parts of names) treated as
    /// quasi-identifiers in `preprocess.json`.
    pub quasi_identifiers: Vec<String>,
}

impl Default for PublishPolicy {
    fn default() -> Self {
        PublishPolicy {
            k: DEFAULT_K,
            keep_predictions: false,
            secret: None,
            explain: ExplainPolicy::Remove,
            quasi_identifiers: DEFAULT_QUASI_IDENTIFIERS.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl PublishPolicy {
    /// The default policy with the secret read from [`SECRET_ENV`] (empty
    /// counts as unset, since an empty salt protects nothing).
    pub fn from_env() -> Self {
        PublishPolicy { secret: std::env::var(SECRET_ENV).ok().filter(|s| !s.is_empty()), ..PublishPolicy::default() }
    }

    /// Whether a column name matches one of the quasi-identifiers.
    pub(crate) fn is_quasi_identifier(&self, column: &str) -> bool {
        let lower = column.to_ascii_lowercase();
        self.quasi_identifiers.iter().any(|q| !q.is_empty() && lower.contains(q.as_str()))
    }
}
