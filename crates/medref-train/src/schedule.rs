//! Learning-rate schedules, per epoch.

use medref_core::config::{ScheduleKind, TrainConfig};

/// The learning rate for `epoch` (0-based): linear warm-up from `lr / 10`
/// over `warmup_epochs`, then constant, cosine decay to `lr / 100`, step
/// decay by `step_gamma` every `step_epochs`, or by `step_gamma` at each of
/// `milestones` (counted from the first epoch, as PyTorch's `MultiStepLR`).
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
        ScheduleKind::Multistep => {
            let passed = cfg.milestones.iter().filter(|&&m| m <= epoch).count();
            base * cfg.step_gamma.powi(passed as i32)
        }
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

    /// The MedMNIST v2 recipe: 1e-3 for epochs 0-49, 1e-4 for 50-74, 1e-5
    /// for 75-99 (MultiStepLR(milestones=[50, 75], gamma=0.1) stepped after
    /// each epoch).
    #[test]
    fn multistep_decays_at_each_milestone() {
        let cfg = TrainConfig {
            epochs: 100,
            lr: 1e-3,
            schedule: ScheduleKind::Multistep,
            milestones: vec![50, 75],
            step_gamma: 0.1,
            ..Default::default()
        };
        let expect = [(0, 1e-3), (49, 1e-3), (50, 1e-4), (74, 1e-4), (75, 1e-5), (99, 1e-5)];
        for (epoch, lr) in expect {
            let got = learning_rate(&cfg, epoch);
            assert!((got - lr).abs() < 1e-15, "epoch {epoch}: {got}, expected {lr}");
        }
        // Milestones count from the first epoch, warm-up included.
        let warm = TrainConfig { warmup_epochs: 5, milestones: vec![3, 6], step_gamma: 0.5, lr: 1.0, ..cfg };
        assert!((learning_rate(&warm, 4) - 1.0).abs() < 1e-12);
        assert!((learning_rate(&warm, 5) - 0.5).abs() < 1e-12);
        assert!((learning_rate(&warm, 6) - 0.25).abs() < 1e-12);
    }
}
