//! Tagged sections, key paths in errors, and `--set` overrides.

use super::ConfigError;
use serde::de::DeserializeOwned;

/// Splits the tag (`format`, `kind`) off a tagged section.
pub(super) fn take_tag(
    section: &str,
    tag: &str,
    mut table: toml::Table,
) -> Result<(String, toml::Table), (String, String)> {
    match table.remove(tag) {
        Some(toml::Value::String(s)) => Ok((s, table)),
        Some(other) => Err((format!("[{section}].{tag}"), format!("expected a string, found {}", other.type_str()))),
        None => Err((format!("[{section}]"), format!("missing key `{tag}`"))),
    }
}

pub(super) fn section<T: DeserializeOwned>(name: &str, table: toml::Table) -> Result<T, (String, String)> {
    deserialize_at(name, toml::Value::Table(table))
}

/// Deserialises with the failing key's path, in the `[section].key` style.
pub(super) fn deserialize_at<T: DeserializeOwned>(section: &str, value: toml::Value) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let inner = err.path().to_string();
        let inner = if inner == "." { String::new() } else { inner };
        let key = match (section.is_empty(), inner.is_empty()) {
            (true, true) => "(top level)".to_string(),
            (true, false) => match inner.split_once('.') {
                Some((head, tail)) => format!("[{head}].{tail}"),
                None => inner,
            },
            (false, true) => format!("[{section}]"),
            (false, false) => format!("[{section}].{inner}"),
        };
        (key, plain_message(&err.into_inner().to_string()))
    })
}

/// Rewrites serde's Rust-flavoured type names into words a trainee knows.
fn plain_message(message: &str) -> String {
    let mut m = message.to_string();
    for (rust, plain) in [
        ("expected f64", "expected a float"),
        ("expected f32", "expected a float"),
        ("expected usize", "expected a non-negative integer"),
        ("expected u64", "expected a non-negative integer"),
        ("expected u32", "expected a non-negative integer"),
        ("expected a boolean", "expected true or false"),
    ] {
        m = m.replace(rust, plain);
    }
    m
}

/// Applies one `key.path=value` override; the value is read as TOML
/// (`3`, `0.01`, `true`, `"text"`, `[1, 2]`) and as a bare string otherwise.
pub fn apply_override(table: &mut toml::Table, arg: &str) -> Result<(), ConfigError> {
    let fail = |message: &str| ConfigError::Override { arg: arg.to_string(), message: message.to_string() };
    let (key, raw) = arg.split_once('=').ok_or_else(|| fail("expected KEY=VALUE, for example train.epochs=3"))?;
    let parts: Vec<&str> = key.trim().split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(fail("the key has an empty part"));
    }
    let value = parse_override_value(raw.trim());
    let (last, parents) = parts.split_last().expect("split yields at least one part");
    let mut node = table;
    for part in parents {
        let entry = node.entry(part.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        node = match entry {
            toml::Value::Table(t) => t,
            _ => return Err(fail(&format!("`{part}` is not a table"))),
        };
    }
    node.insert(last.to_string(), value);
    Ok(())
}

fn parse_override_value(raw: &str) -> toml::Value {
    let doc = format!("v = {raw}");
    match doc.parse::<toml::Table>() {
        Ok(mut t) => t.remove("v").unwrap_or(toml::Value::String(raw.into())),
        Err(_) => toml::Value::String(raw.to_string()),
    }
}
