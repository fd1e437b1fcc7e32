//! Running a command on one of rayon's own threads.
//!
//! A parallel operation started from a thread outside rayon's pool is
//! handed to the pool as a job, and the starting thread sleeps on a lock
//! until it is done: one wake-up of a pool thread and one of the caller
//! per operation. An MLP step is a few dozen operations of well under a
//! millisecond each, and these hand-overs took a fifth of it. Started
//! from a pool thread, an operation runs there at once and the other
//! threads steal what they can, as PyTorch's OpenMP team does with the
//! calling thread as one of its members.

/// The main thread's stack on Linux: commands that ran there keep the
/// same room (rayon's threads otherwise get 2 MiB).
const STACK_BYTES: usize = 8 << 20;

/// Runs `f` on a thread of rayon's global pool (sized by
/// `RAYON_NUM_THREADS`, all cores by default) and returns its result.
///
/// With a single pool thread `f` stays on the calling thread: the
/// training loop waits for batches from a thread of its own, whose tensor
/// operations may need a pool thread, and the only one would be waiting.
pub fn on_pool_thread<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    // Fails, harmlessly, when the pool already exists.
    let _ = rayon::ThreadPoolBuilder::new().stack_size(STACK_BYTES).build_global();
    if rayon::current_thread_index().is_some() || rayon::current_num_threads() < 2 {
        return f();
    }
    // `join` from outside the pool runs both halves inside it.
    rayon::join(f, || ()).0
}
