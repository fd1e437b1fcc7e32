//! Keeping freed activation buffers for the next training step.
//!
//! Each step allocates and frees the same set of large buffers
//! (activations, unfolded inputs, gradients). glibc's malloc serves blocks
//! above a threshold with fresh `mmap`s and gives freed heap tops back to
//! the system, so every step paid for new zeroed pages, page faults and
//! TLB shootdowns: a third of a ResNet step on the 2-core machine
//! (PERFORMANCE.md). (PyTorch's caching allocator, which avoids this on
//! GPUs, is CUDA-only: on the CPU PyTorch uses glibc's malloc too, and
//! `scripts/peer-compare` gives it these same settings.) Raising both thresholds keeps the freed memory in the heap,
//! where the next step's allocations of the same sizes find it; peak
//! resident memory does not grow, since the same buffers are reused.

/// Blocks up to this size come from the heap (glibc's largest allowed
/// value on 64-bit systems); larger ones, such as a batch of 1,024 images
/// at inference, are still mapped.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const HEAP_UP_TO: i32 = 32 << 20;

/// Freed memory at the top of the heap is kept up to this much.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const KEEP_UP_TO: i32 = 1 << 30;

/// Call once at the start of a program that trains or infers; other
/// allocators (macOS, musl, Windows) are left as they are.
pub fn reuse_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes two of malloc's tuning parameters; it
    // is called before the program's worker threads allocate.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, HEAP_UP_TO);
        libc::mallopt(libc::M_TRIM_THRESHOLD, KEEP_UP_TO);
    }
}
