//! Local paths: on hospital machines a folder is often named after a
//! patient, a study or a person (`/data/smith_j/ct_2024/...`), so a bundle
//! keeps only file names. Data hashes stay: they name the bytes, not where
//! they were.

use serde_json::Value;

/// The last component of a path written with `/` or `\`.
fn file_name(path: &str) -> &str {
    let trimmed = path.trim_end_matches(['/', '\\']);
    trimmed.rsplit(['/', '\\']).next().unwrap_or(trimmed)
}

/// A token that names a place on a machine: absolute (`/x/y`, `~/x`,
/// `C:\x`) or relative with a folder (`runs/a`, `..\data`).
fn is_path_like(token: &str) -> bool {
    !token.contains("://") && (token.contains('/') || token.contains('\\'))
}

/// `s` with every path reduced to its file name: the whole string when it
/// is one path, a `KEY=PATH` argument's value, or each absolute path
/// inside free text. Returns whether anything changed.
pub(crate) fn reduce_paths(s: &mut String) -> bool {
    let reduced = reduce(s);
    if reduced != *s {
        *s = reduced;
        true
    } else {
        false
    }
}

fn reduce(s: &str) -> String {
    if next_absolute(s).is_some_and(|(start, _)| start == 0) {
        // One absolute path, possibly with spaces in its folder names.
        return file_name(s).to_string();
    }
    if !s.chars().any(char::is_whitespace) {
        if let Some((key, value)) = s.split_once('=') {
            if !is_path_like(key) && is_path_like(value) {
                return format!("{key}={}", file_name(value));
            }
        }
        return if is_path_like(s) { file_name(s).to_string() } else { s.to_string() };
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some((start, len)) = next_absolute(rest) {
        out.push_str(&rest[..start]);
        out.push_str(file_name(&rest[start..start + len]));
        rest = &rest[start + len..];
    }
    out.push_str(rest);
    out
}

/// Strings in a JSON document reduced as [`reduce_paths`] does; returns how
/// many changed. Object keys are left alone (they are names the run chose).
pub(crate) fn reduce_json(value: &mut Value) -> usize {
    match value {
        Value::String(s) => usize::from(reduce_paths(s)),
        Value::Array(items) => items.iter_mut().map(reduce_json).sum(),
        Value::Object(map) => map.values_mut().map(reduce_json).sum(),
        _ => 0,
    }
}

/// The same for a TOML document (the resolved `config.toml`).
pub(crate) fn reduce_toml(value: &mut toml::Value) -> usize {
    match value {
        toml::Value::String(s) => usize::from(reduce_paths(s)),
        toml::Value::Array(items) => items.iter_mut().map(reduce_toml).sum(),
        toml::Value::Table(t) => t.iter_mut().map(|(_, v)| reduce_toml(v)).sum(),
        _ => 0,
    }
}

/// Byte offset and length of the next absolute local path in free text:
/// `/a/b` (at least two components), `~/a` or `C:\a`, starting at the
/// text's start or after a space, quote, `=`, `(` or `,`; URLs and closing
/// tags (`</td>`) are not paths.
pub(crate) fn next_absolute(text: &str) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let boundary = |i: usize| {
        i == 0
            || matches!(b[i - 1], b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'\'' | b'=' | b'(' | b',' | b'[' | b'>' | b'`')
    };
    let ends =
        |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'"' | b'\'' | b',' | b')' | b']' | b'<' | b'`' | b';');
    let mut i = 0;
    while i < b.len() {
        let start_kind =
            if b[i] == b'/' && b.get(i + 1).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.') {
                Some(1)
            } else if b[i] == b'~' && b.get(i + 1) == Some(&b'/') {
                Some(2)
            } else if b[i].is_ascii_alphabetic() && b.get(i + 1) == Some(&b':') && b.get(i + 2) == Some(&b'\\') {
                Some(3)
            } else {
                None
            };
        if let (Some(kind), true) = (start_kind, boundary(i)) {
            let mut j = i;
            while j < b.len() && !ends(b[j]) {
                j += 1;
            }
            let token = &text[i..j];
            let components = token.split(['/', '\\']).filter(|c| !c.is_empty()).count();
            if kind != 1 || components >= 2 {
                return Some((i, j - i));
            }
            i = j;
        } else {
            i += 1;
        }
    }
    None
}

/// The first absolute path of a text, shown only by its file name, for a
/// finding that should not repeat a folder name that may identify someone.
pub(crate) fn first_absolute_path(text: &str) -> Option<String> {
    let (start, len) = next_absolute(text)?;
    Some(format!(".../{}", file_name(&text[start..start + len])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_file_names() {
        let mut s = "/data/smith_j/visits.csv".to_string();
        assert!(reduce_paths(&mut s));
        assert_eq!(s, "visits.csv");
        let mut arg = "data.path=/home/ward7/x.npz".to_string();
        reduce_paths(&mut arg);
        assert_eq!(arg, "data.path=x.npz");
        let mut text = "read from /mnt/study/a.csv and C:\\Users\\jo\\b.csv, or w/o".to_string();
        reduce_paths(&mut text);
        assert_eq!(text, "read from a.csv and b.csv, or w/o");
        let mut plain = "patient_id".to_string();
        assert!(!reduce_paths(&mut plain));
    }

    #[test]
    fn urls_tags_and_fractions_are_not_paths() {
        for text in
            ["<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>", "</td><td>1/2</td>", "and/or", "/ alone", "/usr"]
        {
            assert_eq!(next_absolute(text), None, "{text}");
        }
        assert!(next_absolute("\"dataset_path\": \"/nonexistent/private/visits.csv\"").is_some());
        assert_eq!(first_absolute_path("at /home/x/y.csv").as_deref(), Some(".../y.csv"));
    }
}
