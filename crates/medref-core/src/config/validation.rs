//! Range checks that types alone cannot express, across sections; each
//! section checks its own keys through [`DataSection::validate`] and
//! [`ModelSection::validate`].

use super::*;

impl Config {
    pub(super) fn validate(&self) -> Result<(), (String, String)> {
        let bad = |key: &str, msg: &str| Err((key.to_string(), msg.to_string()));
        let t = &self.train;
        if t.epochs == 0 {
            return bad("[train].epochs", "must be at least 1");
        }
        if t.batch_size == 0 {
            return bad("[train].batch_size", "must be at least 1");
        }
        if !(t.lr.is_finite() && t.lr > 0.0) {
            return bad("[train].lr", "must be a positive number");
        }
        if !(t.weight_decay.is_finite() && t.weight_decay >= 0.0) {
            return bad("[train].weight_decay", "must be zero or positive");
        }
        if t.schedule == ScheduleKind::Multistep
            && (t.milestones.is_empty() || t.milestones[0] == 0 || t.milestones.windows(2).any(|w| w[1] <= w[0]))
        {
            return bad(
                "[train].milestones",
                "schedule = \"multistep\" needs increasing epochs above 0, e.g. [50, 75]",
            );
        }
        if !t.milestones.is_empty() && t.schedule != ScheduleKind::Multistep {
            return bad("[train].milestones", "only schedule = \"multistep\" reads milestones");
        }
        if !(0.0..=1.0).contains(&self.eval.threshold) {
            return bad("[eval].threshold", "must lie in [0, 1]");
        }
        if self.eval.ece_bins == 0 {
            return bad("[eval].ece_bins", "must be at least 1");
        }
        if !(self.eval.false_alarms_per_hour.is_finite() && self.eval.false_alarms_per_hour >= 0.0) {
            return bad("[eval].false_alarms_per_hour", "must be zero or positive");
        }
        self.model.section().validate()?;
        self.data.section().validate()?;
        let task = self.data.task();
        if task == Some(Task::Regression) && !self.train.monitor.for_regression() {
            return bad(
                "[train].monitor",
                "is a classification metric; a regression task monitors `rmse`, `r2` or `loss`",
            );
        }
        if task != Some(Task::Regression) && matches!(self.train.monitor, Monitor::Rmse | Monitor::R2) {
            return bad("[train].monitor", "`rmse` and `r2` are for regression tasks");
        }
        Ok(())
    }
}
