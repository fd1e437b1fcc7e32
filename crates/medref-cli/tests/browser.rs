//! A real browser opens a run's report.html: headless Chromium loads it
//! from disk, throws no script error, and every plot the task calls for is
//! in the rendered page with drawn content. The screenshot is kept as a CI
//! artefact (`$CARGO_TARGET_TMPDIR/report.png`).
//!
//! `.ci/run` installs Debian's `chromium` and sets MEDREF_REQUIRE_BROWSER=1,
//! so in CI a missing browser fails the test; elsewhere it is skipped with
//! a message.

mod common;

use common::{medref, repo};
use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("MEDREF_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["chromium", "chromium-browser", "google-chrome"].iter().find_map(|name| {
        std::env::var_os("PATH")?.to_str()?.split(':').map(|d| Path::new(d).join(name)).find(|p| p.is_file())
    })
}

fn headless(browser: &Path, args: &[&str]) -> std::process::Output {
    Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"])
        .args(["--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000"])
        .args(args)
        .output()
        .expect("start the browser")
}

/// Loads `report` in the browser and returns the rendered page, after
/// asserting the browser ran and reported no script or loading error.
fn render(browser: &Path, report: &Path) -> String {
    let url = format!("file://{}", report.canonicalize().unwrap().display());
    let dom = headless(browser, &["--dump-dom", &url]);
    let page = String::from_utf8_lossy(&dom.stdout).into_owned();
    let log = String::from_utf8_lossy(&dom.stderr);
    assert!(dom.status.success(), "browser failed: {log}");
    assert!(page.contains("clinical-tiny"), "the page did not render: {}", &page[..page.len().min(500)]);
    for bad in ["Uncaught", "ERROR:CONSOLE", "Not allowed to load local resource", "net::ERR_"] {
        assert!(!log.contains(bad), "browser reported `{bad}`:\n{log}");
    }
    page
}

/// Asserts every plot is in the rendered page with drawn content.
fn assert_plots(page: &str, plots: &[&str], what: &str) {
    for plot in plots {
        let at = page
            .find(&format!("data-plot=\"{plot}\""))
            .unwrap_or_else(|| panic!("{what}: plot `{plot}` missing from the rendered page"));
        let svg = &page[at..at + page[at..].find("</svg>").expect("closed svg")];
        assert!(
            svg.contains("<path") || svg.contains("<rect") || svg.contains("<circle"),
            "{what}: plot `{plot}` is empty"
        );
    }
}

fn browser_or_skip() -> Option<PathBuf> {
    let browser = chromium();
    if browser.is_none() {
        assert!(
            std::env::var_os("MEDREF_REQUIRE_BROWSER").is_none(),
            "MEDREF_REQUIRE_BROWSER is set but no chromium was found"
        );
        eprintln!("skipped: no chromium on PATH (CI installs it)");
    }
    browser
}

/// The clinical tiny run is a logistic regression fitted directly, so it
/// has no per-epoch curves (`loss`); every other figure is drawn.
const PLOTS: [&str; 5] = ["roc", "pr", "calibration", "confusion", "importance"];

#[test]
fn report_renders_in_a_real_browser_with_every_plot() {
    let Some(browser) = browser_or_skip() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let o = medref(&["train", "configs/clinical/tiny.toml", "--out", run.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = render(&browser, &run.join("report.html"));
    assert_plots(&page, &PLOTS, "run");
    assert!(!page.contains("data-plot=\"loss\""), "a direct fit has no learning curve");

    let url = format!("file://{}", run.join("report.html").canonicalize().unwrap().display());
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report.png");
    let _ = std::fs::remove_file(&shot);
    let arg = format!("--screenshot={}", shot.display());
    let o = headless(&browser, &[&arg, "--window-size=1280,3000", &url]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bytes = std::fs::read(&shot).expect("screenshot written");
    assert!(bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000, "screenshot of {} bytes", bytes.len());
    let _ = repo();
}

/// A survival run's report draws the test set's Kaplan-Meier curves by
/// predicted-risk tertile, with the numbers at risk under the chart.
#[test]
fn survival_report_renders_the_kaplan_meier_curves() {
    let Some(browser) = browser_or_skip() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let o = medref(&["train", "configs/clinical/tiny-survival.toml", "--out", run.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let page = render(&browser, &run.join("report.html"));
    assert_plots(&page, &["kaplan_meier", "predicted_survival", "importance"], "survival run");
    for absent in ["data-plot=\"loss\"", "data-plot=\"scatter\""] {
        assert!(!page.contains(absent), "a Cox fit draws no {absent}");
    }
    assert!(page.contains("data-task=\"survival\""), "the report names the task survival");
    assert!(page.contains("data-table=\"hazard-ratios\""), "a Cox run's report lists its hazard ratios");
    assert!(page.contains("Number at risk"), "the numbers at risk belong under the Kaplan-Meier chart");
}

/// The report `medref publish` redraws from a bundle (ROC and PR from the
/// aggregated curves.json, since predictions.csv is gone) shows every
/// figure the run's own report shows, and the published-bundle banner.
#[test]
fn published_bundle_report_renders_with_no_missing_figure() {
    let Some(browser) = browser_or_skip() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let bundle = tmp.path().join("bundle");
    let o = medref(&["train", "configs/clinical/tiny.toml", "--out", run.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = medref(&["publish", run.to_str().unwrap(), "--out", bundle.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!bundle.join("predictions.csv").exists());

    // Every figure of the run's report, read from the file itself.
    let run_report = std::fs::read_to_string(run.join("report.html")).unwrap();
    let mut plots: Vec<&str> = run_report.split("data-plot=\"").skip(1).filter_map(|r| r.split('"').next()).collect();
    plots.sort_unstable();
    plots.dedup();
    for p in PLOTS {
        assert!(plots.contains(&p), "the run's report lacks `{p}`: {plots:?}");
    }
    let page = render(&browser, &bundle.join("report.html"));
    assert!(page.contains("id=\"published\""), "no published-bundle banner in the rendered page");
    assert_plots(&page, &plots, "bundle");
}
