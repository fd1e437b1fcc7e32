//! Progress bars for training: epochs, batches, loss and ETA.
//!
//! Hidden when stdout is not a terminal (CI logs, pipes) or with --quiet;
//! a one-line summary per epoch is still printed unless --quiet, so a log
//! file shows how training went.

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use medref_train::{EpochRecord, Progress};
use std::io::IsTerminal;

pub struct Bars {
    multi: MultiProgress,
    epochs: Option<ProgressBar>,
    batches: Option<ProgressBar>,
    monitor: String,
    quiet: bool,
    interactive: bool,
}

impl Bars {
    pub fn new(quiet: bool, monitor: &str) -> Self {
        let interactive = !quiet && std::io::stdout().is_terminal();
        let target = if interactive { ProgressDrawTarget::stdout() } else { ProgressDrawTarget::hidden() };
        Self {
            multi: MultiProgress::with_draw_target(target),
            epochs: None,
            batches: None,
            monitor: monitor.to_string(),
            quiet,
            interactive,
        }
    }

    fn println(&self, line: &str) {
        if self.quiet {
            return;
        }
        if self.interactive {
            let _ = self.multi.println(line);
        } else {
            println!("{line}");
        }
    }
}

impl Progress for Bars {
    fn start(&mut self, epochs: usize, batches: usize) {
        let epoch_bar = self.multi.add(ProgressBar::new(epochs as u64));
        epoch_bar.set_style(
            ProgressStyle::with_template(
                "epochs  {bar:30.cyan/blue} {pos}/{len} [{elapsed_precise} < {eta_precise}] {msg}",
            )
            .expect("valid template"),
        );
        let batch_bar = self.multi.add(ProgressBar::new(batches as u64));
        batch_bar.set_style(
            ProgressStyle::with_template("batches {bar:30.green/white} {pos}/{len} {per_sec} eta {eta} {msg}")
                .expect("valid template"),
        );
        self.epochs = Some(epoch_bar);
        self.batches = Some(batch_bar);
    }

    fn batch(&mut self, _epoch: usize, batch: usize, loss: f64) {
        if let Some(b) = &self.batches {
            b.set_position(batch as u64);
            // The loop reads the loss every few batches; NaN until the first read.
            if !loss.is_nan() {
                b.set_message(format!("loss {loss:.4}"));
            }
        }
    }

    fn epoch(&mut self, r: &EpochRecord, improved: bool) {
        if let Some(b) = &self.batches {
            b.reset();
        }
        if let Some(e) = &self.epochs {
            e.inc(1);
            e.set_message(format!("val {} {:.4}", self.monitor, r.val_metric));
        }
        self.println(&format!(
            "epoch {:>3}  train loss {:.4}  val loss {:.4}  val {} {:.4}{}  lr {:.2e}  {:.1}s",
            r.epoch,
            r.train_loss,
            r.val_loss,
            self.monitor,
            r.val_metric,
            if improved { " *" } else { "" },
            r.lr,
            r.seconds
        ));
    }

    fn note(&mut self, message: &str) {
        if !self.quiet {
            eprintln!("note: {message}");
        }
    }

    fn finish(&mut self) {
        if let Some(b) = self.batches.take() {
            b.finish_and_clear();
        }
        if let Some(e) = self.epochs.take() {
            e.finish_and_clear();
        }
    }
}
