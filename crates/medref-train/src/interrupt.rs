//! Stopping a run at the next batch boundary when asked (Ctrl-C, or the
//! SIGTERM a cluster sends before its time limit), so the run keeps its
//! last committed epoch, says how to resume, and its manifest says it was
//! interrupted instead of "running" forever.
//!
//! The binary installs the signal handlers; they only record the signal
//! here (an atomic store, safe in a handler), and the loop looks at it
//! between batches. Nothing here is a signal handler itself.

use std::sync::atomic::{AtomicI32, Ordering};

static STOP: AtomicI32 = AtomicI32::new(0);

/// Asks the loop to stop at its next batch boundary; `signal` is the
/// signal number (or any non-zero code) that asked. Returns whether a stop
/// had already been asked (a second request should end the process).
pub fn request_stop(signal: i32) -> bool {
    STOP.swap(signal, Ordering::SeqCst) != 0
}

/// The signal that asked the run to stop, if one did.
pub fn stop_requested() -> Option<i32> {
    match STOP.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// The conventional name of a signal for messages.
pub fn signal_name(signal: i32) -> String {
    match signal {
        2 => "SIGINT (Ctrl-C)".into(),
        15 => "SIGTERM".into(),
        s => format!("signal {s}"),
    }
}
