//! Concept sets and the two vocabulary look-ups a study needs: descendants
//! (to expand a concept set) and ancestors (to roll covariates up to groups),
//! both from `concept_ancestor`, and names from `concept`.

use std::collections::{BTreeMap, BTreeSet};

use crate::error::OmopError;
use crate::table::Cdm;
use crate::{IdMap, IdSet};

/// Concepts a cohort is defined by, as an ATLAS concept set with one flag for all items.
#[derive(Debug, Clone, PartialEq)]
pub struct ConceptSet {
    /// The concepts listed.
    pub concepts: Vec<i64>,
    /// Also every descendant of each listed concept in `concept_ancestor`.
    pub include_descendants: bool,
}

impl ConceptSet {
    /// The listed concepts only.
    pub fn exact(concepts: &[i64]) -> Self {
        Self { concepts: concepts.to_vec(), include_descendants: false }
    }

    /// The listed concepts and their descendants.
    pub fn with_descendants(concepts: &[i64]) -> Self {
        Self { concepts: concepts.to_vec(), include_descendants: true }
    }

    /// The concept ids the set stands for.
    pub fn resolve(&self, cdm: &Cdm) -> Result<IdSet, OmopError> {
        if self.concepts.is_empty() {
            return Err(OmopError::Definition("a concept set lists no concepts".into()));
        }
        let mut ids: IdSet = self.concepts.iter().copied().collect();
        if self.include_descendants {
            let listed = ids.clone();
            cdm.scan(
                "concept_ancestor",
                &["ancestor_concept_id", "descendant_concept_id"],
                "a concept set with include_descendants",
                |row| {
                    if listed.contains(&row.id(0)?) {
                        ids.insert(row.id(1)?);
                    }
                    Ok(())
                },
            )?;
        }
        Ok(ids)
    }
}

/// What `concept` says about a concept.
#[derive(Debug, Clone, PartialEq)]
pub struct ConceptInfo {
    pub name: String,
    pub domain_id: String,
    pub standard_concept: String,
}

/// `concept` rows for `ids` (those absent from the table are absent from the map).
pub fn concept_info(cdm: &Cdm, ids: &IdSet, purpose: &str) -> Result<IdMap<ConceptInfo>, OmopError> {
    let mut out = IdMap::default();
    if ids.is_empty() {
        return Ok(out);
    }
    cdm.scan("concept", &["concept_id", "concept_name", "domain_id", "standard_concept"], purpose, |row| {
        let id = row.id(0)?;
        if ids.contains(&id) {
            let info = ConceptInfo {
                name: row.text(1).to_string(),
                domain_id: row.text(2).to_string(),
                standard_concept: row.text(3).to_string(),
            };
            out.insert(id, info);
        }
        Ok(())
    })?;
    Ok(out)
}

/// `concept_class_id` (`Race`, `Ethnicity`, `Ingredient`, ...) of each of `ids`
/// that `concept` lists; `None` when `concept` has no such column (an extract
/// may keep only the columns it uses).
pub fn concept_classes(cdm: &Cdm, ids: &IdSet, purpose: &str) -> Result<Option<IdMap<String>>, OmopError> {
    let mut out = IdMap::default();
    if ids.is_empty() {
        return Ok(Some(out));
    }
    let scanned = cdm.scan("concept", &["concept_id", "concept_class_id"], purpose, |row| {
        let id = row.id(0)?;
        if ids.contains(&id) {
            out.insert(id, row.text(1).to_string());
        }
        Ok(())
    });
    match scanned {
        Ok(()) => Ok(Some(out)),
        Err(OmopError::ColumnMissing { column, .. }) if column == "concept_class_id" => Ok(None),
        Err(e) => Err(e),
    }
}

/// Strict ancestors (`min_levels_of_separation > 0` or simply a different id) of each of `ids`.
pub fn ancestors(cdm: &Cdm, ids: &IdSet, purpose: &str) -> Result<BTreeMap<i64, BTreeSet<i64>>, OmopError> {
    let mut out: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    cdm.scan("concept_ancestor", &["ancestor_concept_id", "descendant_concept_id"], purpose, |row| {
        let (ancestor, descendant) = (row.id(0)?, row.id(1)?);
        if ancestor != descendant && ids.contains(&descendant) {
            out.entry(descendant).or_default().insert(ancestor);
        }
        Ok(())
    })?;
    Ok(out)
}
