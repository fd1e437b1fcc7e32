//! `format = "molecules"`: each compound becomes a row of Morgan
//! fingerprint bits (or counts), simple descriptors and optional joined
//! features, then follows the table path (train-fitted preprocessing, the
//! same examples and models).

use crate::dataset::{build_dataset, class_order, RawTargets, Roles, SourceRows, TabularDataset, TabularRecipe};
use crate::sections::{JoinTable, MoleculeSplit, MoleculesSection};
use crate::{read_table, Column, ColumnData, CsvLayout, FeatureSpec, RawTable, TableError};
use medref_chem::molecule::Molecule;
use medref_core::config::Task;
use medref_core::split::{split_train_val_test, SplitIndices};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// One compound as read: where it came from, its structure and its fields.
struct Compound {
    id: String,
    molecule: Molecule,
    /// SDF tags or table cells by name (names compared case-insensitively).
    fields: HashMap<String, String>,
}

/// Reads `.sdf`, `.smi` or a CSV/Parquet table with a SMILES column.
fn read_compounds(d: &MoleculesSection, path: &Path) -> Result<Vec<Compound>, TableError> {
    let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let bad = |location: String, detail: String| -> TableError { TableError::format(path, location, detail) };
    let smiles_key = d.smiles.to_ascii_lowercase();
    let id_key = d.id.as_deref().map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("sdf" | "sd" | "mol") => {
            // The reader's message starts with the file, which `bad` names already.
            let records = medref_chem::sdf::read_sdf(path).map_err(|e| match e {
                medref_chem::sdf::SdfError::Record { record, line, problem, .. } => {
                    bad(format!("record {record} (line {line})"), problem.to_string())
                }
                medref_chem::sdf::SdfError::Io { source, .. } => bad(String::new(), source.to_string()),
            })?;
            let mut out = Vec::with_capacity(records.len());
            for rec in records {
                let fields: HashMap<String, String> =
                    rec.tags.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.trim().to_string())).collect();
                // The SMILES tag, when present, is what the data's authors
                // curated; the molblock is the fallback.
                let molecule = match fields.get(&smiles_key) {
                    Some(s) => medref_chem::smiles::parse_smiles(s).map_err(|e| {
                        bad(format!("record {}", rec.index + 1), format!("invalid SMILES in <{}>: {e}", d.smiles))
                    })?,
                    None => rec.molecule.clone(),
                };
                let id = id_key
                    .as_ref()
                    .and_then(|k| fields.get(k).cloned())
                    .or_else(|| Some(rec.title.trim().to_string()).filter(|t| !t.is_empty()))
                    .unwrap_or_else(|| format!("record{}", rec.index + 1));
                out.push(Compound { id, molecule, fields });
            }
            Ok(out)
        }
        Some("smi" | "smiles") => {
            let text =
                std::fs::read_to_string(path).map_err(|source| TableError::Io { path: path.to_path_buf(), source })?;
            let mut out = Vec::new();
            for (i, line) in text.lines().enumerate() {
                let mut parts = line.split_whitespace();
                let Some(smiles) = parts.next() else { continue };
                let molecule = medref_chem::smiles::parse_smiles(smiles)
                    .map_err(|e| bad(format!("line {}", i + 1), format!("invalid SMILES: {e}")))?;
                let id = parts.next().map(str::to_string).unwrap_or_else(|| format!("line{}", i + 1));
                let fields = HashMap::from([("id".to_string(), id.clone())]);
                out.push(Compound { id, molecule, fields });
            }
            Ok(out)
        }
        _ => {
            let table = read_table(path, &CsvLayout::default())?;
            let col = find_column(&table, &d.smiles, path)?;
            let others: Vec<&Column> = table.columns.iter().collect();
            let mut out = Vec::with_capacity(table.n_rows());
            for r in 0..table.n_rows() {
                let line = format!("line {}", r + 2);
                let Some(smiles) = col.data.text_at(r) else {
                    return Err(bad(line, format!("column \"{}\": missing SMILES", d.smiles)));
                };
                let molecule = medref_chem::smiles::parse_smiles(smiles.trim())
                    .map_err(|e| bad(line.clone(), format!("column \"{}\": invalid SMILES: {e}", d.smiles)))?;
                let fields: HashMap<String, String> =
                    others.iter().filter_map(|c| c.data.text_at(r).map(|v| (c.name.to_ascii_lowercase(), v))).collect();
                let id =
                    id_key.as_ref().and_then(|k| fields.get(k).cloned()).unwrap_or_else(|| format!("row{}", r + 1));
                out.push(Compound { id, molecule, fields });
            }
            Ok(out)
        }
    }
}

fn find_column<'t>(table: &'t RawTable, name: &str, path: &Path) -> Result<&'t Column, TableError> {
    table
        .columns
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| crate::preprocess::missing_column(table, name, path))
}

/// The joined table, indexed by key.
struct Joined {
    table: RawTable,
    rows: HashMap<String, usize>,
}

fn read_join(j: &JoinTable) -> Result<Joined, TableError> {
    let table = read_table(&j.path, &CsvLayout::default())?;
    let key = find_column(&table, &j.key, &j.path)?;
    let mut rows = HashMap::new();
    for r in 0..table.n_rows() {
        if let Some(k) = key.data.text_at(r) {
            if rows.insert(k.trim().to_string(), r).is_some() {
                return Err(TableError::format(
                    &j.path,
                    format!("line {}, column \"{}\"", r + 2, j.key),
                    "duplicate key: each key may appear once in a joined table",
                ));
            }
        }
    }
    Ok(Joined { table, rows })
}

impl Joined {
    fn row_of(&self, c: &Compound, on: &str) -> Option<usize> {
        let key = if on.eq_ignore_ascii_case("id") {
            Some(c.id.clone())
        } else {
            c.fields.get(&on.to_ascii_lowercase()).cloned()
        };
        key.and_then(|k| self.rows.get(k.trim()).copied())
    }

    fn cell(&self, row: usize, column: &str) -> Option<String> {
        self.table.columns.iter().find(|c| c.name.eq_ignore_ascii_case(column)).and_then(|c| c.data.text_at(row))
    }
}

/// Names of the fingerprint columns, which stay unscaled and are judged
/// together by permutation importance.
fn fingerprint_name(j: usize) -> String {
    format!("ecfp_{j}")
}

/// Builds the feature table of `compounds`: fingerprint, descriptors and
/// joined feature columns, one row per compound.
fn feature_table(d: &MoleculesSection, compounds: &[Compound], join: Option<&Joined>) -> RawTable {
    let n = compounds.len();
    let mut fp = vec![0f32; n * d.n_bits];
    let spec = medref_chem::fingerprint::MorganSpec { radius: d.radius as u32, n_bits: d.n_bits, counts: d.counts };
    for (i, c) in compounds.iter().enumerate() {
        // The buffer has exactly n_bits slots, the only thing morgan checks.
        let _ = medref_chem::fingerprint::morgan(&c.molecule, &spec, &mut fp[i * d.n_bits..(i + 1) * d.n_bits]);
    }
    let mut columns: Vec<Column> = (0..d.n_bits)
        .map(|j| Column {
            name: fingerprint_name(j),
            data: ColumnData::Numeric((0..n).map(|i| Some(fp[i * d.n_bits + j] as f64)).collect()),
            categories: Vec::new(),
        })
        .collect();
    if d.descriptors {
        let values: Vec<Vec<f64>> =
            compounds.iter().map(|c| medref_chem::descriptors::descriptors(&c.molecule).to_array().to_vec()).collect();
        for (k, name) in medref_chem::descriptors::DESCRIPTOR_NAMES.iter().enumerate() {
            columns.push(Column {
                name: name.to_string(),
                data: ColumnData::Numeric(values.iter().map(|v| Some(v[k])).collect()),
                categories: Vec::new(),
            });
        }
    }
    if let (Some(j), Some(joined)) = (&d.join, join) {
        for f in &j.features {
            let cells: Vec<Option<String>> =
                compounds.iter().map(|c| joined.row_of(c, &j.on).and_then(|r| joined.cell(r, f))).collect();
            let numbers: Option<Vec<Option<f64>>> = cells
                .iter()
                .map(|c| c.as_ref().map_or(Some(None), |s| s.trim().parse::<f64>().ok().map(Some)))
                .collect();
            let data = match numbers {
                Some(v) => ColumnData::Numeric(v),
                None => ColumnData::Text(cells),
            };
            columns.push(Column { name: f.clone(), data, categories: Vec::new() });
        }
    }
    RawTable { columns }
}

fn feature_spec(d: &MoleculesSection, table: &RawTable) -> FeatureSpec {
    FeatureSpec {
        columns: table.names().into_iter().map(str::to_string).collect(),
        categorical: Vec::new(),
        unscaled: (0..d.n_bits).map(fingerprint_name).collect(),
    }
}

/// The measured property of a compound: its own field first, then the
/// joined table.
fn target_text(d: &MoleculesSection, c: &Compound, join: Option<&Joined>) -> Option<String> {
    c.fields.get(&d.target.to_ascii_lowercase()).cloned().or_else(|| {
        let j = d.join.as_ref()?;
        let joined = join?;
        joined.cell(joined.row_of(c, &j.on)?, &d.target)
    })
}

/// Reads a `format = "molecules"` config's data; `path` replaces its main file.
pub fn load_molecules(d: &MoleculesSection, seed: u64, path: Option<&Path>) -> Result<TabularDataset, TableError> {
    let main_path = path.unwrap_or(&d.path);
    let join = d.join.as_ref().map(read_join).transpose()?;
    let mut report = BTreeMap::new();
    let mut load = |p: &Path| -> Result<(Vec<Compound>, Vec<Option<String>>), TableError> {
        let compounds = read_compounds(d, p)?;
        let targets: Vec<Option<String>> = compounds.iter().map(|c| target_text(d, c, join.as_ref())).collect();
        *report.entry("rows_read".to_string()).or_default() += compounds.len();
        *report.entry("missing_outcome".to_string()).or_default() += targets.iter().filter(|t| t.is_none()).count();
        Ok((compounds, targets))
    };
    let (main, main_targets) = load(main_path)?;
    let test = d.test_path.as_deref().map(&mut load).transpose()?;
    if main.is_empty() {
        return Err(TableError::format(main_path, "", "no molecules in the file"));
    }

    // Parse outcomes: numbers for regression, class names otherwise.
    let parse_values = |targets: &[Option<String>], p: &Path| -> Result<Vec<Option<f64>>, TableError> {
        targets
            .iter()
            .enumerate()
            .map(|(i, t)| match t {
                None => Ok(None),
                Some(s) => s.trim().parse::<f64>().map(Some).map_err(|_| {
                    TableError::format(
                        p,
                        format!("record {}", i + 1),
                        format!("target \"{}\" is not a number", d.target),
                    )
                }),
            })
            .collect()
    };
    let class_names = match d.task {
        Task::Classification => {
            let mut seen: Vec<String> = main_targets.iter().flatten().cloned().collect();
            if let Some((_, t)) = &test {
                seen.extend(t.iter().flatten().cloned());
            }
            class_order(seen, d.positive.as_deref(), main_path)?
        }
        Task::Regression | Task::Survival => Vec::new(),
    };
    // Numeric targets are parsed once, up front, so a bad one is reported
    // with its record before anything is computed.
    let (main_values, test_values) = match d.task {
        Task::Regression => (
            parse_values(&main_targets, main_path)?,
            match (&test, d.test_path.as_deref()) {
                (Some((_, t)), Some(p)) => parse_values(t, p)?,
                _ => Vec::new(),
            },
        ),
        Task::Classification | Task::Survival => (Vec::new(), Vec::new()),
    };
    let raw_targets = |targets: &[Option<String>], values: &[Option<f64>], rows: &[usize]| -> RawTargets {
        match d.task {
            Task::Regression => RawTargets::Values(rows.iter().map(|&r| values[r].unwrap_or(f64::NAN)).collect()),
            Task::Classification | Task::Survival => RawTargets::Classes(
                rows.iter()
                    .map(|&r| class_names.iter().position(|c| Some(c) == targets[r].as_ref()).unwrap_or(0))
                    .collect(),
            ),
        }
    };

    let usable: Vec<usize> = (0..main.len()).filter(|&r| main_targets[r].is_some()).collect();
    let test_fraction = if test.is_some() { 0.0 } else { d.test_fraction };
    let fractions = [1.0 - d.val_fraction - test_fraction, d.val_fraction, test_fraction];
    let local: SplitIndices = match d.split {
        MoleculeSplit::Scaffold | MoleculeSplit::BalancedScaffold => {
            use medref_chem::scaffold::{
                balanced_scaffold_split_indices, check_split_sizes, scaffold_key, scaffold_split_indices,
            };
            let keys: Vec<String> = usable.iter().map(|&r| scaffold_key(&main[r].molecule)).collect();
            let in_file =
                |e: medref_chem::ScaffoldSplitError| TableError::Mismatch(format!("{}: {e}", main_path.display()));
            let s = if d.split == MoleculeSplit::Scaffold {
                let s = scaffold_split_indices(&keys, fractions).map_err(in_file)?;
                check_split_sizes(&s, &keys, fractions).map_err(in_file)?;
                s
            } else {
                balanced_scaffold_split_indices(&keys, fractions, seed).map_err(in_file)?
            };
            SplitIndices { train: s.train, val: s.val, test: s.test }
        }
        MoleculeSplit::Random => split_train_val_test(&vec![0; usable.len()], 1, d.val_fraction, test_fraction, seed)
            .map_err(TableError::Mismatch)?,
    };
    let pick = |idx: &[usize]| idx.iter().map(|&k| usable[k]).collect::<Vec<usize>>();

    let main_table = feature_table(d, &main, join.as_ref());
    let test_table = test.as_ref().map(|(c, _)| feature_table(d, c, join.as_ref()));
    let (test_src, test_path_used, test_rows) = match (&test_table, &test) {
        (Some(t), Some((_, targets))) => (
            t,
            d.test_path.as_deref().unwrap_or(main_path),
            (0..targets.len()).filter(|&r| targets[r].is_some()).collect(),
        ),
        _ => (&main_table, main_path, pick(&local.test)),
    };
    let sources = [
        SourceRows { table: &main_table, path: main_path, rows: pick(&local.train) },
        SourceRows { table: &main_table, path: main_path, rows: pick(&local.val) },
        SourceRows { table: test_src, path: test_path_used, rows: test_rows },
    ];
    let records_of = |src: &SourceRows| {
        if std::ptr::eq(src.table, &main_table) {
            &main
        } else {
            &test.as_ref().expect("test table").0
        }
    };
    let ids_of =
        |src: &SourceRows| -> Vec<String> { src.rows.iter().map(|&r| records_of(src)[r].id.clone()).collect() };
    // Leakage is judged on the compound (canonical form), not the SMILES
    // text; with joined features, the compound and its joined row.
    let keys_of = |src: &SourceRows| -> Vec<u64> {
        src.rows
            .iter()
            .map(|&r| {
                medref_core::record_key::content_key(
                    medref_chem::canonical::canonical_key(&records_of(src)[r].molecule).into_bytes(),
                )
            })
            .collect()
    };
    let targets_of = |src: &SourceRows, rows: &[usize]| -> RawTargets {
        if std::ptr::eq(src.table, &main_table) {
            raw_targets(&main_targets, &main_values, rows)
        } else {
            raw_targets(&test.as_ref().expect("test table").1, &test_values, rows)
        }
    };
    let spec = feature_spec(d, &main_table);
    let mut ds = build_dataset(&spec, &sources, targets_of, Roles::default(), report, class_names.clone(), d.task)?;
    for (split, src) in [&mut ds.train, &mut ds.val, &mut ds.test].into_iter().zip(&sources) {
        split.ids = ids_of(src);
        if join.is_none() {
            split.record_keys = keys_of(src);
        }
    }
    merge_fingerprint_groups(&mut ds, d);
    Ok(ds)
}

/// Permutation importance shuffles the whole fingerprint as one feature:
/// 2048 single bits, each rare, say little on their own.
fn merge_fingerprint_groups(ds: &mut TabularDataset, d: &MoleculesSection) {
    let (fp, rest): (Vec<_>, Vec<_>) = ds.feature_groups.drain(..).partition(|(name, _)| name.starts_with("ecfp_"));
    if let (Some(first), Some(last)) = (fp.first(), fp.last()) {
        let label = format!("morgan r={} {} {}", d.radius, d.n_bits, if d.counts { "counts" } else { "bits" });
        ds.feature_groups.push((label, first.1.start..last.1.end));
    }
    ds.feature_groups.extend(rest);
}

/// Features of new molecules for `predict`, with the saved transform.
pub fn predict_molecule_features(
    d: &MoleculesSection,
    recipe: &TabularRecipe,
    input: &Path,
) -> Result<(Vec<String>, Vec<f32>), TableError> {
    let join = d.join.as_ref().map(read_join).transpose()?;
    let compounds = read_compounds(d, input)?;
    let table = feature_table(d, &compounds, join.as_ref());
    let rows: Vec<usize> = (0..compounds.len()).collect();
    let x = recipe.preprocessor.transform(&table, &rows, input)?;
    Ok((compounds.into_iter().map(|c| c.id).collect(), x))
}
