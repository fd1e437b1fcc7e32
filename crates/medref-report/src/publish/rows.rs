//! Files with one entry per record: `predictions.csv` (id, label and
//! scores of every validation and test sample), `splits.json` (the subject
//! ids of each split) and the categories `preprocess.json` learnt from the
//! training rows. Each is cut down to what a course needs.

use super::error::PublishError;
use super::policy::PublishPolicy;
use medref_core::fsutil::sha256_bytes;
use serde_json::Value;
use std::path::Path;

/// Whether a predictions column is one `predictions.csv` always has.
fn is_prediction_column(name: &str) -> bool {
    let numbered = |prefix: &str| {
        name.strip_prefix(prefix).is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    matches!(name, "id" | "split" | "label") || numbered("label_") || numbered("score_")
}

/// A salted id: SHA-256 of the secret, a separator and the id, so the same
/// record gets the same hash within a course but nobody without the secret
/// can test a guessed id against it.
pub(crate) fn salted_id(secret: &str, id: &str) -> String {
    sha256_bytes(format!("{secret}\u{0}{id}").as_bytes())
}

/// Whether a cell is a salted id as [`salted_id`] writes it.
pub(crate) fn is_salted_id(cell: &str) -> bool {
    cell.len() == 64 && cell.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `predictions.csv` with ids replaced by salted hashes. Refuses a file
/// with any column beyond id, split, labels and scores.
pub(crate) fn hash_predictions(path: &Path, text: &str, policy: &PublishPolicy) -> Result<String, PublishError> {
    let secret = policy
        .secret
        .as_deref()
        .filter(|s| !s.is_empty())
        .ok_or(PublishError::NoSecret { path: path.to_path_buf(), variable: super::policy::SECRET_ENV })?;
    let csv_error = |e: csv::Error| {
        let at = e.position().map(|p| format!("line {}: ", p.line())).unwrap_or_default();
        PublishError::parse(path, format!("{at}not the CSV a run writes ({e})"))
    };
    let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(csv_error)?.clone();
    let extra: Vec<String> = headers.iter().filter(|h| !is_prediction_column(h)).map(String::from).collect();
    if !extra.is_empty() {
        return Err(PublishError::QuasiIdentifiers { path: path.to_path_buf(), columns: extra });
    }
    let id_col = headers
        .iter()
        .position(|h| h == "id")
        .ok_or_else(|| PublishError::parse(path, "expected an `id` column (id,split,label,score_0,...)"))?;
    let mut writer = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| PublishError::parse(path, format!("cannot rewrite: {e}"));
    writer.write_record(&headers).map_err(io)?;
    for record in reader.records() {
        let r = record.map_err(csv_error)?;
        let row: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, cell)| if i == id_col { salted_id(secret, cell) } else { cell.to_string() })
            .collect();
        writer.write_record(&row).map_err(io)?;
    }
    let bytes = writer.into_inner().map_err(|e| PublishError::parse(path, format!("cannot rewrite: {e}")))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// `splits.json` with each list of subject ids replaced by its length
/// (`train` becomes `train_subjects`); other fields (the grouping column,
/// recording hours) stay. Returns how many lists were replaced.
pub(crate) fn count_split_ids(doc: &mut Value) -> usize {
    let Some(obj) = doc.as_object_mut() else {
        return 0;
    };
    let lists: Vec<String> = obj.iter().filter(|(_, v)| v.is_array()).map(|(k, _)| k.clone()).collect();
    for key in &lists {
        let n = obj.remove(key).and_then(|v| v.as_array().map(Vec::len)).unwrap_or(0);
        obj.insert(format!("{key}_subjects"), Value::from(n));
    }
    lists.len()
}

/// `preprocess.json` with the categories of quasi-identifier columns
/// replaced by `category 1`, `category 2`, ...: a rare site or postcode
/// seen in training says someone with it was in the data. The one-hot
/// width (and so the weights) is unchanged. Returns the columns changed.
pub(crate) fn mask_categories(doc: &mut Value, policy: &PublishPolicy) -> Vec<String> {
    let mut changed = Vec::new();
    mask_in(doc, policy, &mut changed);
    changed
}

fn mask_in(value: &mut Value, policy: &PublishPolicy, changed: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            let name = map.get("name").and_then(Value::as_str).map(String::from);
            if let (Some(name), Some(Value::Array(categories))) = (name, map.get_mut("categories")) {
                if policy.is_quasi_identifier(&name) {
                    for (i, c) in categories.iter_mut().enumerate() {
                        *c = Value::from(format!("category {}", i + 1));
                    }
                    changed.push(name);
                    return;
                }
            }
            for v in map.values_mut() {
                mask_in(v, policy, changed);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| mask_in(v, policy, changed)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_predictions_carry_only_salted_ids() {
        let policy = PublishPolicy { secret: Some("s3cret".into()), ..PublishPolicy::default() };
        let out =
            hash_predictions(Path::new("p.csv"), "id,split,label,score_0,score_1\nMRN-1,test,1,0.2,0.8\n", &policy)
                .unwrap();
        assert!(!out.contains("MRN-1"));
        let id = out.lines().nth(1).unwrap().split(',').next().unwrap();
        assert!(is_salted_id(id));
        assert_eq!(id, salted_id("s3cret", "MRN-1"));
        assert_ne!(id, salted_id("other", "MRN-1"));
    }

    #[test]
    fn predictions_with_extra_columns_or_no_secret_are_refused() {
        let with = PublishPolicy { secret: Some("s".into()), ..PublishPolicy::default() };
        let err = hash_predictions(Path::new("p.csv"), "id,split,label,score_0,postcode\n", &with).unwrap_err();
        assert!(err.to_string().contains("postcode") && err.to_string().contains("p.csv"), "{err}");
        let without = PublishPolicy::default();
        let err = hash_predictions(Path::new("p.csv"), "id,split,label,score_0\n", &without).unwrap_err();
        assert!(matches!(err, PublishError::NoSecret { .. }));
    }

    #[test]
    fn split_ids_become_counts_and_site_categories_placeholders() {
        let mut splits: Value =
            serde_json::from_str(r#"{"by": "subject", "train": ["s1", "s2"], "test": ["s3"]}"#).unwrap();
        assert_eq!(count_split_ids(&mut splits), 2);
        assert_eq!(splits["train_subjects"], 2);
        assert!(!splits.to_string().contains("s1"));
        let mut recipe: Value = serde_json::from_str(
            r#"{"preprocessor": {"inputs": [{"Categorical": {"name": "site", "categories": ["St Elsewhere", "Mercy"]}},
                                             {"Categorical": {"name": "sex", "categories": ["F", "M"]}}]}}"#,
        )
        .unwrap();
        assert_eq!(mask_categories(&mut recipe, &PublishPolicy::default()), ["site"]);
        let text = recipe.to_string();
        assert!(!text.contains("Elsewhere") && text.contains("category 2") && text.contains("\"F\""));
    }
}
