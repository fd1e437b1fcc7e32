//! CPU kernels of medref's own, for the operations burn's CPU backend
//! (flex) runs slowly.
//!
//! burn lets a crate add operations to a backend without forking it: a
//! trait marked `#[backend_extension(Flex, Autodiff)]` is routed to our
//! implementation for flex tensors, and our `Autodiff<Flex>` implementation
//! records our own backward step. On any other device (wgpu) the models
//! keep burn's operations, so the GPU path is unchanged.
//!
//! What is here: 1D and 2D convolution, as one GEMM per kernel tap over
//! the padded input where the stride is 1 and the input has 8 or more
//! channels, as GEMMs over the unfolded input otherwise, and, on AVX-512
//! CPUs, the stride-1 forward and input gradient by a direct kernel that
//! keeps each output block in registers (`conv`); conv + bias + ReLU +
//! 2x2 max-pool in one pass at inference (`conv2d_relu_pool`); 3D
//! convolution as a sum of those 2D ones over the depth taps (`conv3d`);
//! max-pooling over non-overlapping
//! windows (the DNA and signal CNNs' 1D pools, the 2x2 image pool) whose
//! backward keeps one byte per output instead of flex's 8-byte index
//! tensor (`max_pool`), batch norm whose statistics are sums over NCHW
//! planes instead of copies with swapped axes (`batch_norm`), and a dense
//! layer with bias and ReLU fused, forward and backward (`dense`). `memory`
//! keeps glibc's malloc from handing each step's freed buffers back to
//! the system; `threads` runs a command on a pool thread.

pub mod batch_norm;
pub mod conv;
pub mod conv3d;
pub mod dense;
mod flex;
mod gemm;
pub mod max_pool;
pub mod memory;
pub mod threads;

pub use batch_norm::batch_norm;
pub use conv::{conv1d, conv2d, conv2d_relu_pool};
pub use conv3d::conv3d;
pub use dense::dense;
pub use max_pool::{max_pool1d, max_pool2d_2x2};

use burn::prelude::Device;

/// Whether a tensor on `device` runs on flex, where our kernels apply.
/// `MEDREF_CPU_KERNELS=burn` keeps burn's own operations on the CPU too:
/// for measuring what the kernels change, and a way out should one of
/// them misbehave on a user's machine.
/// How many times, on this thread, a call took one of our kernels instead
/// of burn's operation. The kernel tests compare our results with burn's;
/// where a call quietly falls back to burn (another device, or
/// `MEDREF_CPU_KERNELS=burn`) they would compare burn with burn and pass
/// whatever the kernel does, so they check that this count went up.
pub fn kernel_runs() -> u64 {
    KERNEL_RUNS.with(|n| n.get())
}

thread_local! {
    static KERNEL_RUNS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Counts a call that took our kernel (see [`kernel_runs`]).
pub(crate) fn took_kernel() {
    KERNEL_RUNS.with(|n| n.set(n.get() + 1));
}

pub(crate) fn on_flex(device: &Device) -> bool {
    static ENABLED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let enabled = *ENABLED.get_or_init(|| std::env::var("MEDREF_CPU_KERNELS").map_or(true, |v| v != "burn"));
    enabled && device.clone().without_autodiff() == Device::flex()
}
