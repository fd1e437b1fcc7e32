//! Renders reports without the `medref` binary, for previewing changes:
//! `cargo run -p medref-report --example render -- OUT_DIR RUN_DIR...`
//! writes `OUT_DIR/<run>.html`, `OUT_DIR/<run>.md` and, for several runs,
//! `OUT_DIR/comparison.html`. The run directories are only read.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let out = args.next().ok_or("usage: render OUT_DIR RUN_DIR...")?;
    let runs: Vec<PathBuf> = args.collect();
    std::fs::create_dir_all(&out)?;
    for run in &runs {
        let name = run.file_name().ok_or("run directory without a name")?.to_string_lossy().into_owned();
        std::fs::write(out.join(format!("{name}.html")), medref_report::render_report(run)?)?;
        std::fs::write(out.join(format!("{name}.md")), medref_report::render_model_card(run)?)?;
    }
    if runs.len() > 1 {
        medref_report::write_comparison(&runs, &out.join("comparison.html"))?;
    }
    Ok(())
}
