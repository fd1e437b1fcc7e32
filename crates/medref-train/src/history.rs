//! The per-epoch record of training: `history.csv` and the checkpoint's
//! copy of it, so a resumed run continues the same history.

use serde::{Deserialize, Serialize};

/// One line of `history.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based.
    pub epoch: usize,
    pub lr: f64,
    pub train_loss: f64,
    pub val_loss: f64,
    /// The monitored validation metric (`monitor` in the config).
    pub val_metric: f64,
    pub seconds: f64,
}

/// `history.csv`: one line per epoch.
pub fn history_csv(history: &[EpochRecord], monitor: &str) -> String {
    let mut s = format!("epoch,train_loss,val_loss,val_{monitor},lr,seconds\n");
    for r in history {
        s.push_str(&format!(
            "{},{:.6},{:.6},{:.6},{:.6e},{:.3}\n",
            r.epoch, r.train_loss, r.val_loss, r.val_metric, r.lr, r.seconds
        ));
    }
    s
}
