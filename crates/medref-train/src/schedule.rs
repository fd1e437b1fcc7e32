//! Learning-rate schedules, per epoch.

use medref_core::config::{ScheduleKind, TrainConfig};

/// The learning rate for `epoch` (0-based): linear warm-up from `lr / 10`
/// over `warmup_epochs`, then constant, cosine decay to `lr / 100`, or step
/// decay by `step_gamma` every `step_epochs`.
pub fn learning_rate(cfg: &TrainConfig, epoch: usize) -> f64 {
    let base = cfg.lr;
    if epoch < cfg.warmup_epochs {
        let t = (epoch + 1) as f64 / cfg.warmup_epochs as f64;
        return base * (0.1 + 0.9 * t);
    }
    let e = epoch - cfg.warmup_epochs;
    let span = cfg.epochs.saturating_sub(cfg.warmup_epochs).max(1);
    match cfg.schedule {
        ScheduleKind::Constant => base,
        ScheduleKind::Cosine => {
            let floor = base / 100.0;
            let t = e as f64 / span as f64;
            floor + (base - floor) * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
        }
        ScheduleKind::Step => base * cfg.step_gamma.powi((e / cfg.step_epochs.max(1)) as i32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_starts_at_lr_and_decays_monotonically() {
        let cfg = TrainConfig { epochs: 10, lr: 1e-2, ..Default::default() };
        assert!((learning_rate(&cfg, 0) - 1e-2).abs() < 1e-12);
        let lrs: Vec<f64> = (0..10).map(|e| learning_rate(&cfg, e)).collect();
        assert!(lrs.windows(2).all(|w| w[1] < w[0]));
        assert!(lrs[9] > 1e-4);
    }

    #[test]
    fn warmup_then_step() {
        let cfg = TrainConfig {
            epochs: 30,
            lr: 1.0,
            warmup_epochs: 2,
            schedule: ScheduleKind::Step,
            step_epochs: 10,
            step_gamma: 0.5,
            ..Default::default()
        };
        assert!((learning_rate(&cfg, 0) - 0.55).abs() < 1e-12);
        assert!((learning_rate(&cfg, 1) - 1.0).abs() < 1e-12);
        assert!((learning_rate(&cfg, 11) - 1.0).abs() < 1e-12);
        assert!((learning_rate(&cfg, 12) - 0.5).abs() < 1e-12);
    }
}
