//! medref-report: turns a finished run directory into a self-contained
//! `report.html` (inline CSS and SVG, nothing fetched from the network) and
//! a `model_card.md`, and sets several runs side by side.
//!
//! It reads only the files a run writes (`config.toml`, `manifest.json`,
//! `metrics.json`, `history.csv`, `predictions.csv` and the optional
//! `calibration.json`, `subgroups.json`, `feature_importance.csv`,
//! `model.json`, `data_report.json`, `survival.json`, `convex_fit.json`,
//! `attrition.csv`, `characterisation.csv`,
//! explanation SVGs), so it needs no burn and can report on a run trained
//! on another machine. Predictions are only ever shown as aggregates
//! (curves, counts), never as rows. Which sections a page has follows the
//! task and fit method the run recorded (`medref_core::task`), guessed
//! there, once, for runs made before they were recorded.

mod compare;
mod error;
mod fit;
mod html;
mod model_card;
mod plots;
mod provenance;
mod publish;
mod published_bundle;
mod run;
mod sanitise;
mod segmentation;
mod study;
mod text;

pub use compare::{render_comparison, write_comparison};
pub use error::ReportError;
pub use html::{render_report, write_report};
pub use model_card::{render_model_card, write_model_card};
pub use publish::{
    check_bundle, publish, Entry, ExplainPolicy, Finding, PublishError, PublishPolicy, PublishReport,
    SyntheticExplanation, CURVES_FILE, DEFAULT_K, DEFAULT_QUASI_IDENTIFIERS, REPORT_FILE, SECRET_ENV,
};
