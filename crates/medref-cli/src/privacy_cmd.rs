//! `medref data check-anonymity`, `generalise` and `deidentify`: each
//! prints class sizes, counts or attribute names, never a record, and
//! writes its output and report only once the target is met.

use crate::new_file::write_new_file;
use crate::usage::UsageError;
use std::path::Path;

fn read_table(path: &Path) -> anyhow::Result<medref_tabular::RawTable> {
    medref_tabular::read_table(path, &medref_tabular::CsvLayout::default())
        .map_err(|e| UsageError(e.to_string()).into())
}

/// `value` as pretty JSON with `extra` keys first, written atomically.
fn write_json_report(path: &Path, extra: serde_json::Value, value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut json = extra;
    if let (Some(map), serde_json::Value::Object(rest)) = (json.as_object_mut(), serde_json::to_value(value)?) {
        map.extend(rest);
    }
    write_new_file(path, format!("{}\n", serde_json::to_string_pretty(&json)?).as_bytes())
}

pub(crate) fn check_anonymity(
    table: &Path,
    spec: &medref_tabular::anonymity::AnonymitySpec,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    let t = read_table(table)?;
    let report = medref_tabular::anonymity::check_anonymity(&t, table, spec).map_err(|e| UsageError(e.to_string()))?;
    println!("{}", table.display());
    print!("{}", report.summary());
    if let Some(out) = out {
        write_json_report(out, serde_json::json!({ "table": table }), &report)?;
        println!("report: {}", out.display());
    }
    if !report.met() {
        let mut why = format!("k = {} (target {})", report.k, report.target_k);
        if let (Some(l), Some(t)) = (report.l, report.target_l) {
            why.push_str(&format!(", l = {l} (target {t})"));
        }
        anyhow::bail!("{}: anonymity target not met: {why}", table.display());
    }
    Ok(())
}

pub(crate) fn generalise(table: &Path, config: &Path, out: &Path, report_path: Option<&Path>) -> anyhow::Result<()> {
    if out.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() != Some("csv") {
        return Err(UsageError(format!("{}: --out must be a .csv file", out.display())).into());
    }
    if out == table {
        return Err(UsageError(format!("{}: --out must not be the input table", out.display())).into());
    }
    let text = std::fs::read_to_string(config).map_err(|e| UsageError(format!("{}: {e}", config.display())))?;
    let cfg: medref_tabular::generalise::GeneraliseConfig =
        toml::from_str(&text).map_err(|e| UsageError(format!("{}: {}", config.display(), e.to_string().trim_end())))?;
    let t = read_table(table)?;
    let g = medref_tabular::generalise::generalise(&t, &cfg, table, config).map_err(|e| UsageError(e.to_string()))?;
    println!("{}", table.display());
    print!("{}", g.report.summary());
    if let Some(path) = report_path {
        let written = if g.report.target_met { serde_json::json!(out) } else { serde_json::Value::Null };
        write_json_report(path, serde_json::json!({ "table": table, "config": config, "output": written }), &g.report)?;
        println!("report: {}", path.display());
    }
    if !g.report.target_met {
        anyhow::bail!("{}: k = {} not reachable with {}; nothing written", table.display(), cfg.k, config.display());
    }
    write_new_file(out, medref_tabular::frame::write_csv(&g.table).as_bytes())?;
    println!("{}: {} rows written", out.display(), g.table.n_rows());
    Ok(())
}

pub(crate) fn deidentify(
    input: &Path,
    output: &Path,
    dates: medref_data::deidentify::DatePolicy,
    report_path: Option<&Path>,
) -> anyhow::Result<()> {
    let same = match (input.canonicalize(), output.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(UsageError(format!("{}: the output must not replace the input", output.display())).into());
    }
    let secret = std::env::var("MEDREF_DEID_SECRET").unwrap_or_default();
    let options = medref_data::deidentify::DeidentifyOptions { dates, uid_secret: secret };
    let report = medref_data::deidentify::deidentify_file(input, output, &options)?;
    println!("{} -> {}", input.display(), output.display());
    print!("{}", report.summary());
    if options.uid_secret.is_empty() {
        println!("note: MEDREF_DEID_SECRET is not set: anyone holding an original UID can recompute its replacement");
    }
    if let Some(path) = report_path {
        let extra =
            serde_json::json!({ "input": input, "output": output, "uid_secret_set": !options.uid_secret.is_empty() });
        write_json_report(path, extra, &report)?;
        println!("report: {}", path.display());
    }
    Ok(())
}
