//! A real browser opens one report.html per task (the hand-made runs of
//! tests/common, written with `write_report`): headless Chromium renders
//! each from disk without a script or loading error, the rendered page
//! names the run's task, draws every plot the task calls for with content,
//! and draws none it does not (no learning curve for a direct fit, no
//! regression scatter for survival).
//!
//! CI installs Debian's `chromium` and sets MEDREF_REQUIRE_BROWSER=1, so
//! there a missing browser fails the test; elsewhere it is skipped with a
//! message. MEDREF_CHROMIUM names another browser binary.

mod common;

use common::{expected_plots, plot_names, shown_task, task_run, FitMethod, TaskKind, RUNS};
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

/// Loads `report` in the browser and returns the rendered DOM, after
/// asserting the browser ran and reported no script or loading error.
fn render(browser: &Path, report: &Path) -> String {
    let url = format!("file://{}", report.canonicalize().unwrap().display());
    let out = Command::new(browser)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"])
        .args(["--enable-logging=stderr", "--v=0", "--virtual-time-budget=3000", "--dump-dom", &url])
        .output()
        .expect("start the browser");
    let page = String::from_utf8_lossy(&out.stdout).into_owned();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "browser failed on {}: {log}", report.display());
    assert!(page.contains("id=\"summary\""), "the page did not render: {}", &page[..page.len().min(500)]);
    for bad in ["Uncaught", "ERROR:CONSOLE", "Not allowed to load local resource", "net::ERR_"] {
        assert!(!log.contains(bad), "browser reported `{bad}`:\n{log}");
    }
    page
}

/// The rendered SVG of plot `name`, asserted to hold drawn marks.
fn assert_drawn(page: &str, name: &str, what: &str) {
    let at = page
        .find(&format!("data-plot=\"{name}\""))
        .unwrap_or_else(|| panic!("{what}: plot `{name}` missing from the rendered page"));
    let svg = &page[at..at + page[at..].find("</svg>").expect("closed svg")];
    assert!(
        svg.contains("<path") || svg.contains("<rect") || svg.contains("<circle"),
        "{what}: plot `{name}` is empty"
    );
}

/// The page's text without its markup (what a reader sees).
fn visible_text(page: &str) -> String {
    let body = &page[page.find("<body").unwrap_or(0)..];
    let mut text = String::with_capacity(body.len());
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

#[test]
fn every_task_renders_with_its_label_and_only_its_sections() {
    let Some(browser) = browser_or_skip() else { return };
    let tmp = tempfile::tempdir().unwrap();
    for (task, fit) in RUNS {
        let what = format!("{task} ({fit:?})");
        let report = medref_report::write_report(&task_run(tmp.path(), task, fit, true)).unwrap();
        let page = render(&browser, &report);
        assert_eq!(shown_task(&page).as_deref(), Some(task.as_str()), "{what}");
        let text = visible_text(&page);
        let (drawn, absent) = expected_plots(task, fit);
        for name in drawn {
            assert_drawn(&page, name, &what);
        }
        let names = plot_names(&page);
        for name in absent {
            assert!(!names.iter().any(|n| n == name), "{what}: `{name}` in the rendered page");
        }
        let direct = fit == FitMethod::Direct;
        assert_eq!(page.contains("id=\"fit\""), direct, "{what}: the direct-fit section");
        assert_eq!(text.contains("Monitored"), !direct, "{what}: the monitored metric");
        assert_eq!(text.contains("Best epoch"), !direct, "{what}: the best epoch");
        match task {
            TaskKind::Survival => {
                assert!(text.contains("survival (time to event)"), "{what}");
                assert!(!text.to_lowercase().contains("regression"), "{what}: called a regression");
                assert!(text.contains("drop in test C-index"), "{what}: importance metric");
            }
            TaskKind::Regression => assert!(text.contains("drop in test R²"), "{what}"),
            TaskKind::Binary => assert!(text.contains("drop in test AUROC"), "{what}"),
            TaskKind::Multiclass => assert!(text.contains("3-class classification"), "{what}"),
            TaskKind::Multilabel => assert!(text.contains("multi-label classification (4 labels)"), "{what}"),
            TaskKind::SequenceLabelling => {
                assert!(text.contains("sequence labelling") && text.contains("Frame accuracy"), "{what}")
            }
            TaskKind::Segmentation => unreachable!("not in TASKS"),
        }
    }
}

/// A run made before the task was recorded renders the same sections.
#[test]
fn an_old_survival_run_renders_as_survival() {
    let Some(browser) = browser_or_skip() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let dir = task_run(tmp.path(), TaskKind::Survival, FitMethod::Direct, false);
    let page = render(&browser, &medref_report::write_report(&dir).unwrap());
    assert_eq!(shown_task(&page).as_deref(), Some("survival"));
    assert_drawn(&page, "kaplan_meier", "old survival run");
    assert!(!plot_names(&page).iter().any(|n| n == "loss" || n == "scatter"));
}
