//! Which CDM a study read, as the CDM says of itself in its optional
//! `cdm_source` table: the source's name, its holder, the CDM and vocabulary
//! versions and the release dates. A model card names it so a reader knows
//! which extract (and which vocabulary, which changes concept ids' meaning
//! and roll-ups) the numbers come from. Every column is optional; a CDM
//! without the table has "not recorded" written where the source would be.

use serde::Serialize;

use crate::error::OmopError;
use crate::table::Cdm;

const TABLE: &str = "cdm_source";

/// The `cdm_source` row (the first, where a CDM lists several); a column
/// the table lacks or leaves empty is `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CdmSource {
    pub cdm_source_name: Option<String>,
    pub cdm_source_abbreviation: Option<String>,
    pub cdm_holder: Option<String>,
    pub cdm_version: Option<String>,
    pub vocabulary_version: Option<String>,
    pub source_release_date: Option<String>,
    pub cdm_release_date: Option<String>,
}

impl CdmSource {
    /// Reads `cdm_source`; `None` when the CDM has no such table.
    pub fn read(cdm: &Cdm) -> Result<Option<Self>, OmopError> {
        if !cdm.has_table(TABLE) {
            return Ok(None);
        }
        let field = |column: &str| -> Result<Option<String>, OmopError> {
            let mut first: Option<String> = None;
            let scanned = cdm.scan(TABLE, &[column], "the model card's data source", |row| {
                if first.is_none() {
                    first = Some(row.text(0).to_string());
                }
                Ok(())
            });
            match scanned {
                Ok(()) => Ok(first.filter(|v| !v.is_empty())),
                Err(OmopError::ColumnMissing { column: missing, .. }) if missing == column => Ok(None),
                Err(e) => Err(e),
            }
        };
        Ok(Some(Self {
            cdm_source_name: field("cdm_source_name")?,
            cdm_source_abbreviation: field("cdm_source_abbreviation")?,
            cdm_holder: field("cdm_holder")?,
            cdm_version: field("cdm_version")?,
            vocabulary_version: field("vocabulary_version")?,
            source_release_date: field("source_release_date")?,
            cdm_release_date: field("cdm_release_date")?,
        }))
    }

    /// One line for a reader: name (abbreviation), then what else is recorded.
    pub fn in_words(&self) -> String {
        let mut s = self.cdm_source_name.clone().unwrap_or_else(|| "unnamed source".into());
        if let Some(a) = &self.cdm_source_abbreviation {
            s.push_str(&format!(" ({a})"));
        }
        let parts: Vec<String> = [
            ("held by", &self.cdm_holder),
            ("CDM", &self.cdm_version),
            ("vocabulary", &self.vocabulary_version),
            ("source released", &self.source_release_date),
            ("CDM released", &self.cdm_release_date),
        ]
        .into_iter()
        .filter_map(|(label, v)| v.as_ref().map(|v| format!("{label} {v}")))
        .collect();
        if !parts.is_empty() {
            s.push_str(&format!(", {}", parts.join(", ")));
        }
        s
    }
}
