//! What a published bundle is, as the report reads it back: the policy's
//! record of what was kept, changed and removed, the aggregates that stand
//! in for row-level files, and the banner. `publish` writes these; the
//! report, the model card and the plots only read them, so neither side
//! depends on the other.

mod aggregates;
mod published;
mod report;

pub use aggregates::CURVES_FILE;
pub(crate) use aggregates::{Confusion, Curve, Curves, ScatterBin, SubgroupSuppression};
pub(crate) use published::{banner_html, banner_markdown, load, subgroup_note, Published};
pub use report::{Entry, PublishReport, SyntheticExplanation, REPORT_FILE};
